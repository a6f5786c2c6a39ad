"""The SPARQL endpoint under hostile and clumsy requests (issue 14), driven over HTTP.

A knowledge base is built once from the tiny corpus of ``conftest`` with the
hashing embedder, then served by real ``app.py`` processes, as a user starts
them:

- ``server``: a 3 s query time limit, a 50-row cap, one allowed CORS origin
  and one allowed SERVICE endpoint (a closed port, so calling it fails), a
  512 MB memory limit per worker;
- ``locked_server``: all defaults, started on a copy of the knowledge base
  while another process holds its write lock (as an ingest does);
- ``rdflib_server``: the endpoint alone (``sparql_routes`` under uvicorn) over
  the rdflib store, whose queries run on threads, not worker processes.

Concurrency is checked by order (what answered while a slow query ran), not by
timing; ``bench/healthz.py`` measures latency.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from pathlib import Path

import pytest

from conftest import TINY, TINY_MANIFEST

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 120.0
TIME_LIMIT = 3  # seconds, POLICYKG_SPARQL_TIMEOUT of the test servers
ROW_CAP = 50
ALLOWED_ORIGIN = "http://allowed.example"

DOCS = "SELECT ?d WHERE { ?d a pkg:Document } ORDER BY ?d"
QUICK = "ASK { ?d a pkg:Document }"
CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # the query: 27,000² rows
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # the same, counted: no row cap helps
NESTED = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra) -> dict:
    env = dict(os.environ, POLICYKG_EMBEDDER="hash", POLICYKG_EMBEDDER_ZH="hash", PYTHONUNBUFFERED="1",
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    for name in list(env):
        if name.startswith(("POLICYKG_SPARQL_", "POLICYKG_CORS_")):
            del env[name]
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Server:
    """A server process in its own session, its output kept, stopped by its process group."""

    def __init__(self, args: list[str], env: dict, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(args, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
                                     start_new_session=True)
        self.lines: deque[str] = deque(maxlen=400)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, ""):
            self.lines.append(line.rstrip("\n"))

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if health(self)["ok"] is True:
                    return
            except (OSError, ValueError):
                time.sleep(0.3)
        pytest.fail(f"the server did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 20)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.reader.join(timeout=5)


def start_app(home: Path, corpus: Path, build: bool = False, **settings) -> Server:
    port = _free_port()
    args = [sys.executable, "app.py", "--home", str(home), "--port", str(port), "--host", "127.0.0.1"]
    server = Server(args + ([] if build else ["--no-build"]),
                    _env(POLICYKG_HOME=home, POLICYKG_CORPUS=corpus, **settings), port)
    try:
        server.wait_until_up()
    except BaseException:
        server.stop()
        raise
    return server


def ingest(home: Path, corpus: Path, store: str = "oxigraph") -> None:
    subprocess.run([sys.executable, "-m", "kg.interfaces.cli", "--home", str(home), "--store", store,
                    "ingest", str(corpus), "-q"], cwd=REPO, env=_env(), check=True, capture_output=True,
                   timeout=300)


# --------------------------------------------------------------------------- HTTP


def http(server: Server, method: str = "GET", path: str = "/sparql", params=None, data: bytes | None = None,
         headers=None, timeout: float = 30.0):
    """(status, headers, body bytes) of one request."""
    url = server.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def sparql(server: Server, query: str, accept: str = "application/sparql-results+json", headers=None,
           timeout: float = 30.0):
    data = urllib.parse.urlencode({"query": query}).encode()
    return http(server, "POST", data=data, timeout=timeout,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept, **(headers or {})})


def health(server: Server) -> dict:
    with urllib.request.urlopen(server.base + "/healthz", timeout=5) as resp:
        return json.loads(resp.read())


def timed(fn, *args, **kw):
    """``fn``'s result and how long it took (seconds)."""
    start = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - start


def finished(fn, *args, **kw):
    """``fn``'s result and the moment it returned, to check what answered before what."""
    out = fn(*args, **kw)
    return out, time.monotonic()


def assert_refusal(status_headers_body, status: int, *words: str) -> str:
    """A refusal: that status, a plain-text one-line message holding ``words``."""
    got, headers, body = status_headers_body
    text = body.decode("utf-8")
    assert got == status, (got, text)
    assert headers.get("Content-Type", "").startswith("text/plain"), headers.get("Content-Type")
    assert text.strip() and "Traceback" not in text
    for w in words:
        assert w.lower() in text.lower(), text
    return text


def wait_idle(server: Server, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        h = health(server)
        if h["sparql"]["busy"] == 0 and h["sparql"].get("ready", h["sparql"]["workers"]) == h["sparql"]["workers"]:
            return h
        time.sleep(0.1)
    pytest.fail(f"the query workers stayed busy: {health(server)}")


def assert_alive(server: Server) -> None:
    assert server.proc.poll() is None, server.log()
    status, _, body = sparql(server, DOCS)
    assert status == 200, body
    assert len(json.loads(body)["results"]["bindings"]) == len(TINY)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(home, corpus): the tiny corpus, ingested once (Oxigraph)."""
    root = tmp_path_factory.mktemp("endpoint")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "manifest.csv").write_text(TINY_MANIFEST, encoding="utf-8")
    home = root / "home"
    ingest(home, corpus)
    return home, corpus


class Listener:
    """A TCP listener that counts the connections made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def dead_endpoint() -> str:
    """An allowed SERVICE endpoint where nothing listens."""
    return f"http://127.0.0.1:{_free_port()}/sparql"


@pytest.fixture(scope="module")
def server(built, tmp_path_factory, dead_endpoint):
    home, corpus = built
    srv = start_app(home, corpus, POLICYKG_SPARQL_TIMEOUT=TIME_LIMIT, POLICYKG_SPARQL_MAX_ROWS=ROW_CAP,
                    POLICYKG_CORS_ORIGINS=ALLOWED_ORIGIN, POLICYKG_SPARQL_SERVICES=dead_endpoint,
                    POLICYKG_SPARQL_MEMORY_MB=512)
    yield srv
    srv.stop()


# --------------------------------------------------------------------------- 1. time limit, event loop


def test_a_slow_query_is_stopped_while_healthz_and_other_queries_answer(server):
    before = wait_idle(server)["sparql"]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        started = time.monotonic()
        slow = ex.submit(finished, sparql, server, SLOW)
        time.sleep(0.5)  # the slow query is running in a worker now
        assert health(server)["sparql"]["busy"] == 1
        probes = []
        for _ in range(3):
            probes.append(("healthz", *finished(health, server)))
            probes.append(("query", *finished(sparql, server, QUICK)))
            time.sleep(0.3)
        (status, headers, body), slow_done = slow.result(timeout=TIME_LIMIT + 20)
    # Order, not speed (bench/healthz.py measures latency): every probe was answered while the slow
    # query still held its worker.
    for name, out, done in probes:
        if name == "healthz":
            assert out["ok"] is True
        else:
            assert out[0] == 200 and json.loads(out[2])["boolean"] is True, out
        assert done < slow_done, (name, done - started, slow_done - started)
    text = assert_refusal((status, headers, body), 503, f"query timed out after {TIME_LIMIT} s")
    assert slow_done - started > TIME_LIMIT - 0.5, text  # it ran until the limit stopped it
    after = wait_idle(server)["sparql"]
    assert after["timeouts"] == before["timeouts"] + 1
    assert after["restarts"] >= before["restarts"] + 1  # the worker was killed and replaced
    assert_alive(server)  # by the fresh worker, or the other one


def test_a_runaway_path_query_ends_within_the_limit(server):
    query = "SELECT * WHERE { ?a (rdf:type|!rdf:type)* ?b . ?b (rdf:type|!rdf:type)* ?c }"
    (status, headers, body), took = timed(sparql, server, query)
    assert took < TIME_LIMIT + 5, took
    if status == 200:  # streamed: the row cap ended it
        assert headers["X-Policykg-Truncated"] == "true"
    else:
        assert_refusal((status, headers, body), 503, "timed out")
    assert_alive(server)


def test_a_client_that_disconnects_stops_its_query(server):
    before = wait_idle(server)["sparql"]
    request = (f"GET /sparql?{urllib.parse.urlencode({'query': SLOW})} HTTP/1.1\r\n"
               f"Host: 127.0.0.1:{server.port}\r\nAccept: application/sparql-results+json\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        conn.sendall(request.encode())
        time.sleep(0.5)
        assert health(server)["sparql"]["busy"] == 1
    gone = time.monotonic()
    while time.monotonic() - gone < TIME_LIMIT - 1.0:  # well before the time limit would stop it
        now = health(server)["sparql"]
        if now["busy"] == 0:
            break
        time.sleep(0.1)
    assert now["busy"] == 0, now
    assert now["cancelled"] == before["cancelled"] + 1 and now["timeouts"] == before["timeouts"], now
    assert_alive(server)


def test_a_query_that_needs_too_much_memory_costs_only_its_worker(server):
    wait_idle(server)
    (status, headers, body), took = timed(sparql, server, CROSS + " ORDER BY ?f")
    assert_refusal((status, headers, body), 503, "worker stopped", "POLICYKG_SPARQL_MEMORY_MB")
    assert took < TIME_LIMIT + 5
    assert_alive(server)


# --------------------------------------------------------------------------- 2. caps


def test_results_past_the_row_cap_are_flagged(server):
    status, headers, body = sparql(server, CROSS)
    assert status == 200
    assert headers["X-Policykg-Truncated"] == "true" and headers["X-Policykg-Row-Limit"] == str(ROW_CAP)
    data = json.loads(body)
    assert len(data["results"]["bindings"]) == ROW_CAP
    assert data["policykg"] == {"truncated": True, "rows": ROW_CAP}
    assert data["head"]["vars"] == ["a", "b", "c", "d", "e", "f"]

    status, headers, body = sparql(server, CROSS, accept="text/csv")
    assert status == 200 and headers["X-Policykg-Truncated"] == "true"
    assert len(body.decode().strip().splitlines()) == ROW_CAP + 1

    status, headers, body = sparql(server, CROSS, accept="application/sparql-results+xml")
    assert status == 200 and headers["X-Policykg-Truncated"] == "true"
    assert b"<!-- policykg: truncated" in body and body.count(b"<result>") == ROW_CAP

    status, headers, body = sparql(server, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert status == 200 and headers["X-Policykg-Truncated"] == "true"
    lines = body.decode().splitlines()
    assert lines[0].startswith("# policykg: truncated") and len([x for x in lines if x.strip()]) == ROW_CAP + 1


def test_results_within_the_cap_are_not_flagged(server):
    status, headers, body = sparql(server, DOCS)
    assert status == 200 and headers["X-Policykg-Truncated"] == "false"
    assert "policykg" not in json.loads(body)


def test_sparqlwrapper_reads_a_truncated_result(server):
    SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
    client = SPARQLWrapper.SPARQLWrapper(server.base + "/sparql")
    client.setQuery(CROSS)
    client.setReturnFormat(SPARQLWrapper.JSON)
    assert len(client.query().convert()["results"]["bindings"]) == ROW_CAP


def test_oversized_queries_and_bodies_are_413(server):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    assert_refusal(http(server, "POST", data=big.encode(), headers={"Content-Type": "application/sparql-query"}),
                   413, "65,536 bytes", "POLICYKG_SPARQL_MAX_QUERY_BYTES")
    form = urllib.parse.urlencode({"query": big}).encode()
    assert_refusal(http(server, "POST", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   413, "65,536 bytes")
    # a body announced as 20 MB is refused before it is read (sent raw: only the headers go out)
    status, text = raw_post(server, [("Content-Type", "application/sparql-query"), ("Content-Length", "20000000")])
    assert status == 413 and "20,000,000 bytes" in text, text
    # a chunked body is read up to the limit only
    chunk = b"#" * (4 * 65_536 + 1)
    status, text = raw_post(server, [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                            b"%x\r\n" % len(chunk) + chunk + b"\r\n")
    assert status == 413 and "request body is over" in text, text
    assert_alive(server)


def raw_post(server: Server, headers: list[tuple[str, str]], body: bytes = b"", path: str = "/sparql") -> tuple[int, str]:
    """(status, body text) of a POST written by hand, so that a body can be announced but not sent."""
    head = "".join(f"{k}: {v}\r\n" for k, v in [("Host", f"127.0.0.1:{server.port}"), *headers])
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _content_length(data):
            more = conn.recv(65536)
            if not more:
                break
            data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest.decode("utf-8", "replace")


def _content_length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 1 << 30


def test_the_apps_own_request_bodies_are_capped(server):
    """The UI's calls (2 MB by default) and file uploads (100 MB) have caps too, not only /sparql."""
    status, text = raw_post(server, [("Content-Type", "application/json"), ("Content-Length", "2000001")],
                            path="/gradio_api/queue/join")
    assert status == 413 and "2,000,001 bytes" in text and "2,000,000" in text, text
    status, text = raw_post(server, [("Content-Type", "multipart/form-data; boundary=x"),
                                     ("Content-Length", "100000001")], path="/gradio_api/upload")
    assert status == 413 and "100,000,000" in text, text
    chunk = b"{" * 2_000_001
    status, text = raw_post(server, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
                            b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n", path="/gradio_api/queue/join")
    assert status == 413 and "request body is over 2,000,000 bytes" in text, text
    # a small body is handed on whole: the UI still answers
    status, _, body = http(server, "POST", "/gradio_api/run/sparql", data=json.dumps({"data": [QUICK]}).encode(),
                           headers={"Content-Type": "application/json"})
    assert status == 200 and b"boolean" in body, body[:300]
    assert_alive(server)


def test_the_ui_console_has_the_endpoints_limits(server):
    """The SPARQL tab runs its queries in the endpoint's worker pool: row cap, time limit, guard."""
    def console(query):
        status, _, body = http(server, "POST", "/gradio_api/run/sparql", data=json.dumps({"data": [query]}).encode(),
                               headers={"Content-Type": "application/json"}, timeout=TIME_LIMIT + 30)
        assert status == 200, body[:300]
        table, _, message = json.loads(body)["data"]
        return table, message

    table, message = console(CROSS)
    assert len(table["data"]) == ROW_CAP and "row cap" in message, message
    before = wait_idle(server)["sparql"]["timeouts"]
    table, message = console(SLOW)
    assert f"timed out after {TIME_LIMIT} s" in message, message
    assert wait_idle(server)["sparql"]["timeouts"] == before + 1  # the pool stopped it, not the UI thread
    _, message = console(NESTED)
    assert "crashes the SPARQL engine" in message, message
    table, message = console(DOCS)
    assert len(table["data"]) == len(TINY) and "row cap" not in message
    assert_alive(server)


def test_the_cli_has_the_same_row_cap(built):
    home, _ = built
    run = lambda *extra, **env: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "kg.interfaces.cli", "--home", str(home), "sparql", "--format", "csv", *extra,
         "SELECT ?r WHERE { ?r a pkg:Region }"], cwd=REPO, env=_env(**env), capture_output=True, text=True,
        timeout=120)
    capped = run(POLICYKG_SPARQL_MAX_ROWS=7)
    assert capped.returncode == 0, capped.stderr
    assert len(capped.stdout.strip().splitlines()) == 8
    assert "only the first 7 rows" in capped.stderr and "--max-rows" in capped.stderr
    flag = run("--max-rows", "3")
    assert len(flag.stdout.strip().splitlines()) == 4 and "only the first 3 rows" in flag.stderr
    every = run("--max-rows", "0")
    assert len(every.stdout.strip().splitlines()) > 1000 and "note" not in every.stderr


# --------------------------------------------------------------------------- 3. queries the store would crash on


@pytest.mark.parametrize("query", [
    pytest.param(NESTED, id="5000-parentheses"),
    pytest.param("SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000, id="3000-braces"),
    pytest.param("SELECT * WHERE { BIND(" + "CONCAT(" * 1000 + "?o" + ", ?o)" * 1000 + " AS ?x) }",
                 id="1000-nested-calls"),
    pytest.param("SELECT * WHERE { ?s ?p ?o " + " ".join(f"BIND(?o AS ?v{i})" for i in range(3000)) + " }",
                 id="3000-binds"),
    pytest.param("SELECT * WHERE { ?s ?p ?o FILTER((?o<" + "(" * 5000 + "1" + ")" * 5000 + "))>0) }",
                 id="nesting-that-looks-like-an-iri"),
])
def test_queries_that_crash_the_store_are_refused(server, query):
    assert_refusal(sparql(server, query), 400, "query refused", "crash", "the SPARQL engine")
    assert_alive(server)


def test_long_values_lists_are_not_refused(server):
    values = " ".join(f'"{i}"' for i in range(5000))
    status, _, body = sparql(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?x {{ {values} }} }}")
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "5000"


def test_the_cli_refuses_them_too(built):
    home, _ = built
    done = subprocess.run([sys.executable, "-m", "kg.interfaces.cli", "--home", str(home), "sparql", NESTED],
                          cwd=REPO, env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, (done.returncode, done.stderr)  # not 139 (SIGSEGV)
    assert "nests brackets more than 200 deep" in done.stderr


# --------------------------------------------------------------------------- 4. SERVICE


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?a ?b ?c .SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "PREFIX ep: <{base}> SELECT * WHERE {{ SERVICE ep:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?x ?y ?z }} }} }}",
], ids=["plain", "lower-case-silent", "glued", "prefixed-name", "variable", "u-escape", "in-exists"])
def test_service_is_refused_and_connects_nowhere(server, template):
    listener = Listener()
    try:
        base = f"http://127.0.0.1:{listener.port}/"
        query = template.format(url=base + "sparql", base=base)
        text = assert_refusal(sparql(server, query), 400, "SERVICE is disabled")
        time.sleep(1.0)
        assert listener.connections == 0, text
    finally:
        listener.close()


def test_service_in_strings_and_names_is_not_refused(server):
    query = ('PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ?p "SERVICE <http://x/> {}" '
             'OPTIONAL { ?service a ex:Service } } # SERVICE <http://x/>')
    status, _, body = sparql(server, query)
    assert status == 200, body


def test_a_failed_call_to_an_allowed_service_is_502(server, dead_endpoint):
    query = f"SELECT * WHERE {{ SERVICE <{dead_endpoint}> {{ ?s ?p ?o }} }}"
    assert_refusal(sparql(server, query), 502, "SERVICE call", "failed")
    assert_alive(server)


# --------------------------------------------------------------------------- 5. CORS


def test_cors_only_for_the_configured_origin(server):
    for path, method, data, hdrs in [("/sparql", "GET", None, {}),
                                     ("/sparql", "POST", urllib.parse.urlencode({"query": QUICK}).encode(),
                                      {"Content-Type": "application/x-www-form-urlencoded"})]:
        params = {"query": QUICK} if method == "GET" else None
        _, headers, _ = http(server, method, path, params, data, {**hdrs, "Origin": ALLOWED_ORIGIN})
        assert headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        assert "X-Policykg-Truncated" in headers["Access-Control-Expose-Headers"]
        _, headers, _ = http(server, method, path, params, data, {**hdrs, "Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in headers
    status, headers, _ = http(server, "OPTIONS", headers={"Origin": ALLOWED_ORIGIN,
                                                          "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"]
    status, headers, _ = http(server, "OPTIONS", headers={"Origin": "http://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in headers
    # a refusal is readable by the allowed origin too
    _, headers, _ = sparql(server, NESTED, headers={"Origin": ALLOWED_ORIGIN})
    assert headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


# --------------------------------------------------------------------------- 6. 4xx, not 500


def test_non_utf8_requests_are_400(server):
    body = 'SELECT * WHERE { ?s ?p "'.encode() + b"\xff\xfe" + b'" }'
    assert_refusal(http(server, "POST", data=body, headers={"Content-Type": "application/sparql-query"}),
                   400, "not valid utf-8")
    url_query = "query=SELECT%20%2A%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D"
    assert_refusal(http(server, "GET", path="/sparql?" + url_query), 400, "not valid utf-8")
    assert_refusal(http(server, "POST", data=url_query.encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "not valid utf-8")
    assert_refusal(http(server, "POST", data=b"ASK {}", headers={"Content-Type": "application/sparql-query; "
                                                                               "charset=no-such-charset"}),
                   415, "charset")


@pytest.mark.parametrize("request_kw, status", [
    pytest.param({"method": "POST", "data": b"", "headers": {"Content-Type": "text/plain"}}, 415, id="content-type"),
    pytest.param({"params": {"query": "SELECT ?x WHERE { ?x "}}, 400, id="syntax"),
    pytest.param({"params": {"query": QUICK}, "headers": {"Accept": "image/png"}}, 406, id="accept"),
    pytest.param({"params": {"update": "CLEAR ALL"}}, 403, id="update"),
    pytest.param({"path": "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"}, 400, id="two-queries"),
    pytest.param({"params": {"query": "   "}}, 400, id="empty"),
])
def test_every_refusal_is_a_plain_text_4xx(server, request_kw, status):
    assert_refusal(http(server, **request_kw), status)


@pytest.fixture(scope="module")
def locked_server(built, tmp_path_factory):
    """The app with default settings, started while another process holds the knowledge base's write lock."""
    home, corpus = built
    copy = tmp_path_factory.mktemp("locked") / "home"
    shutil.copytree(home, copy)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, pyoxigraph as ox\n"
         "from kg.state import State\n"
         "store = ox.Store(sys.argv[1] + '/graph')\n"
         "lock = getattr(State(__import__('pathlib').Path(sys.argv[1])), 'write_lock', None)\n"
         "ctx = lock() if lock else None\n"
         "ctx and ctx.__enter__()\n"
         "print('holding', flush=True)\n"
         "time.sleep(600)\n", str(copy)],
        cwd=REPO, env=_env(), stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        srv = start_app(copy, corpus, build=True)
        try:
            yield srv
        finally:
            srv.stop()
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=20)


def test_a_server_started_while_another_process_writes_still_answers(locked_server):
    status, headers, body = sparql(locked_server, DOCS)
    assert status == 200, body
    assert len(json.loads(body)["results"]["bindings"]) == len(TINY)
    assert health(locked_server)["ok"] is True


def test_cors_is_off_by_default(locked_server):
    for method, path, params, expected in [("GET", "/sparql", {"query": QUICK}, 200), ("GET", "/healthz", None, 200),
                                           ("OPTIONS", "/sparql", None, 204), ("GET", "/sparql", {"query": NESTED}, 400)]:
        status, headers, _ = http(locked_server, method, path, params, headers={"Origin": "http://evil.example"})
        assert status == expected, (method, path, status)
        assert "Access-Control-Allow-Origin" not in headers, (method, path)


def test_service_is_refused_by_default(locked_server):
    assert_refusal(sparql(locked_server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"),
                   400, "SERVICE is disabled", "POLICYKG_SPARQL_SERVICES")


# --------------------------------------------------------------------------- the rdflib store: threads


@pytest.fixture(scope="module")
def rdflib_server(built, tmp_path_factory):
    _, corpus = built
    home = tmp_path_factory.mktemp("rdflib") / "home"
    ingest(home, corpus, store="rdflib")
    port = _free_port()
    script = ("import sys, uvicorn\n"
              "from fastapi import FastAPI\n"
              "from kg import KnowledgeBase, Settings\n"
              "from kg.interfaces.server import sparql_routes\n"
              "kb = KnowledgeBase(Settings(home=sys.argv[1]), read_only=True)\n"
              "app = FastAPI()\n"
              "sparql_routes(app, lambda: kb)\n"
              "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')\n")
    srv = Server([sys.executable, "-c", script, str(home), str(port)],
                 _env(POLICYKG_STORE="rdflib", POLICYKG_SPARQL_TIMEOUT=TIME_LIMIT, POLICYKG_SPARQL_MAX_ROWS=ROW_CAP),
                 port)
    try:
        srv.wait_until_up()
        yield srv
    finally:
        srv.stop()


def test_the_rdflib_store_runs_queries_on_threads_with_the_same_limits(rdflib_server):
    srv = rdflib_server
    assert health(srv)["sparql"]["mode"] == "thread"
    status, headers, body = sparql(srv, DOCS)
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == len(TINY), body[:300]
    status, headers, body = sparql(srv, CROSS)
    assert status == 200 and headers["X-Policykg-Truncated"] == "true"
    assert len(json.loads(body)["results"]["bindings"]) == ROW_CAP
    assert_refusal(sparql(srv, NESTED), 400, "crashes the SPARQL engine", "200 deep")
    assert_refusal(sparql(srv, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"), 400,
                   "SERVICE is disabled")
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        slow = ex.submit(finished, sparql, srv, SLOW)
        time.sleep(0.5)
        probes = [finished(health, srv) for _ in range(3)]
        (status, headers, body), slow_done = slow.result(timeout=TIME_LIMIT + 20)
    assert all(out["ok"] and done < slow_done for out, done in probes), probes  # answered meanwhile
    assert_refusal((status, headers, body), 503, f"timed out after {TIME_LIMIT} s")
    deadline = time.monotonic() + 10  # the abandoned thread is stopped, and gives its slot back
    while health(srv)["sparql"]["threads_running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert health(srv)["sparql"]["threads_running"] == 0
    status, _, body = sparql(srv, QUICK)
    assert status == 200 and json.loads(body)["boolean"] is True
