"""A tiny OpenAI-compatible chat server for tests: replies with the text in REPLY_FILE
(or, if that file is empty, repeats the answer line of the prompt), and logs requests."""

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

REPLY_FILE, LOG_FILE = sys.argv[1], sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(LOG_FILE, "a", encoding="utf-8") as log:
            log.write(json.dumps(body) + "\n")
        reply = open(REPLY_FILE, encoding="utf-8").read()
        out = {"id": "test", "object": "chat.completion", "model": body["model"],
               "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply}}]}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
