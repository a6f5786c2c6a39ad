#!/usr/bin/env python3
"""The hostile and clumsy probes of issue 14, run against a real app and the CLI; prints a table.

Builds a small knowledge base (the tiny test corpus, the hashing embedder, plus
documents with awkward names and markup), starts ``app.py --no-build`` on it,
and runs each probe: what a user or an attacker sends, what must happen, and
what did. The tests (``tests/test_endpoint_limits.py``, ``test_ingest_safety.py``,
``test_browser.py``) assert the same behaviours; this script shows them side by
side, with timings, for a person to read. Exits 1 if a probe's result is not the
expected one.

    python bench/probes.py [--timeout 5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchlib import build_tiny, cli, hash_env, running_app

EVIL_ORIGIN = "http://evil.example"


@dataclass
class Probe:
    name: str
    expected: str
    result: str = ""
    ok: bool = False
    seconds: float = 0.0


def http(base: str, path: str = "/sparql", data: bytes | None = None, headers=None, params=None, timeout=120.0):
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def sparql(base: str, query: str, **kw):
    return http(base, data=urllib.parse.urlencode({"query": query}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Accept": "application/sparql-results+json", **kw.pop("headers", {})}, **kw)


def announced(base: str, path: str, length: int, media: str) -> int:
    """The status of a POST that announces ``length`` bytes and sends none."""
    host, port = base.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {media}\r\n"
                     f"Content-Length: {length}\r\n\r\n".encode())
        return int(conn.recv(4096).split()[1])


def short(body: bytes, n: int = 90) -> str:
    text = body.decode("utf-8", "replace").strip().splitlines()[0] if body.strip() else ""
    return text if len(text) <= n else text[: n - 1] + "…"


def run_probe(probe: Probe, fn) -> Probe:
    t = time.perf_counter()
    try:
        probe.ok, probe.result = fn()
    except Exception as exc:  # a probe that breaks is a failed probe, with its reason shown
        probe.ok, probe.result = False, f"{type(exc).__name__}: {exc}"
    probe.seconds = time.perf_counter() - t
    return probe


# --- the probes ---------------------------------------------------------------------------------


def endpoint_probes(base: str, timeout: float) -> list[tuple[Probe, object]]:
    def slow():
        slow_q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
        out, ms = {}, []
        th = threading.Thread(target=lambda: out.setdefault("r", sparql(base, slow_q)))
        th.start()
        time.sleep(0.3)
        while th.is_alive():
            t = time.perf_counter()
            http(base, "/healthz", timeout=10)
            ms.append((time.perf_counter() - t) * 1000)
            time.sleep(0.1)
        status, _, body = out["r"]
        return status == 503 and max(ms or [0]) < 1000, f"{status} {short(body, 60)}; /healthz max {max(ms or [0]):.0f} ms"

    def nested():
        status, _, body = sparql(base, "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }")
        return status == 400, f"{status} {short(body)}"

    def service():
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        status, headers, body = sparql(base, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}",
                                       headers={"Origin": EVIL_ORIGIN})
        try:
            listener.accept()
            connected = True
        except OSError:
            connected = False
        listener.close()
        cors = headers.get("Access-Control-Allow-Origin")
        return (status == 400 and not connected and cors is None,
                f"{status} {short(body, 60)}; outbound connection: {connected}; CORS header: {cors}")

    def non_utf8():
        status, _, body = http(base, data=b"SELECT * WHERE { ?s ?p \xff }",
                               headers={"Content-Type": "application/sparql-query"})
        return status == 400, f"{status} {short(body)}"

    def update():
        status, _, body = sparql(base, "DROP ALL")
        return status == 400, f"{status} {short(body)}"

    def rows():
        status, headers, body = sparql(base, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
        n = len(json.loads(body)["results"]["bindings"]) if status == 200 else 0
        return (status == 200 and headers.get("X-Policykg-Truncated") == "true",
                f"{status}, {n:,} rows, {len(body) / 1e6:.1f} MB, truncated: {headers.get('X-Policykg-Truncated')}")

    def body_20mb():
        codes = {f"{p} {n // 1_000_000} MB": announced(base, p, n, media) for p, media, n in
                 (("/sparql", "application/sparql-query", 20_000_000),
                  ("/gradio_api/queue/join", "application/json", 20_000_000),
                  ("/gradio_api/upload", "multipart/form-data; boundary=x", 200_000_000))}
        return all(c == 413 for c in codes.values()), ", ".join(f"{p} {c}" for p, c in codes.items())

    def big_question():
        q = "How many hospital beds per 1,000 people? " * 10_000  # 410 KB
        status, _, body = http(base, "/gradio_api/run/chat", data=json.dumps({"data": [q, []]}).encode(),
                               headers={"Content-Type": "application/json"})
        text = json.dumps(json.loads(body)["data"][0][-1]["content"]) if status == 200 else short(body)
        return status == 200 and "characters long" in text, f"{status} {text[:70]}"

    def markup_question():
        q = 'Beds <img src=x onerror=alert(1)><b>bold</b> per 1,000 people in Alpha County?'
        status, _, body = http(base, "/gradio_api/run/chat", data=json.dumps({"data": [q, []]}).encode(),
                               headers={"Content-Type": "application/json"})
        history = json.loads(body)["data"][0]
        raw = any("<img" in str(m["content"]) or "<b>" in str(m["content"]) for m in history)
        answer = str(history[-1]["content"])
        return (not raw and "[1]" in answer,
                f"tags in bubbles: {raw}; citation marker kept: {'[1]' in answer} (the browser test renders it)")

    return [
        (Probe("1 slow cross product + /healthz", f"503 at the time limit ({timeout:g} s); /healthz answers"), slow),
        (Probe("2 5,000 nested parentheses", "400, the process lives"), nested),
        (Probe("3 SERVICE <http://...> from evil origin", "400, no outbound connection, no CORS header"), service),
        (Probe("7 non-UTF-8 query body", "400 with a message"), non_utf8),
        (Probe("  SPARQL Update (DROP ALL)", "400, read-only"), update),
        (Probe("9 cross product, no LIMIT", "200, capped rows, flagged truncated"), rows),
        (Probe("9 20 MB bodies, a 200 MB upload", "413 before the body is read"), body_20mb),
        (Probe("9 400 KB question", "refused at once with a message"), big_question),
        (Probe("8 question with <img>, <b>", "text, not tags; citation markers intact"), markup_question),
    ]


def ingest_probes(home: Path, corpus: Path) -> list[tuple[Probe, object]]:
    def crash():
        (corpus / "alpha.txt").write_text((corpus / "alpha.txt").read_text() + "\nAlpha built 12 schools in 2021.\n")
        crashed = cli(home, "ingest", str(corpus), "-q", env=hash_env(POLICYKG_CRASH_AT="after-graph"))
        status = json.loads(cli(home, "status", "--json").stdout)
        valid = cli(home, "validate")
        again = cli(home, "ingest", str(corpus), "--json", "-q")
        ask = cli(home, "ask", "How many schools did Alpha build in 2021?", "--json")
        answer = json.loads(ask.stdout)["answer"] if ask.returncode == 0 else ask.stderr.strip()[-60:]
        ok = crashed.returncode != 0 and valid.returncode == 0 and again.returncode == 0 and "12" in answer
        return ok, (f"killed (rc {crashed.returncode}); status: {status['documents']} docs; "
                    f"validate rc {valid.returncode}; re-ingest rc {again.returncode}; answer: {answer[:40]}")

    def names():
        (corpus / "Hunan-Report.txt").write_text("Hunan Report\n\nHunan built 51 clinics in 2021.\n")
        (corpus / "hunan-report.txt").write_text("Hunan report copy\n\nHunan trained 77 doctors in 2021.\n")
        (corpus / "with space.txt").write_text("Spaced Report\n\nDelta County had 3.3 beds per 1,000 people in 2022.\n")
        out = cli(home, "ingest", str(corpus), "--json", "-q")
        report = json.loads(out.stdout)
        ids = json.loads(cli(home, "status", "--json").stdout)["document_ids"]
        found = [i for i in ids if "hunan" in i.lower() or "space" in i.lower()]
        return len(found) == 3 and not report.get("failed"), f"ids: {', '.join(sorted(found))}"

    def symlink():
        loop = corpus / "loop.txt"
        loop.unlink(missing_ok=True)
        os.symlink(loop.name, loop)
        report = json.loads(cli(home, "ingest", str(corpus), "--json", "-q").stdout)
        loop.unlink()
        failed = [f for f in report.get("failed", []) if "loop" in json.dumps(f)]
        return bool(failed), (failed[0].get("reason", "")[:90] if failed else "not reported")

    def oversize():
        big = corpus / "huge.txt"
        big.write_text("Huge report.\n" + ("Beds rose. " * 200_000))
        report = json.loads(cli(home, "ingest", str(corpus), "--json", "-q",
                                env=hash_env(POLICYKG_MAX_DOCUMENT_CHARS=1_000_000)).stdout)
        big.unlink()
        failed = [f for f in report.get("failed", []) if "huge" in json.dumps(f)]
        text = failed[0].get("reason", "") if failed else "not reported"
        return bool(failed) and "POLICYKG_MAX_DOCUMENT_CHARS" in text, text[:90]

    return [
        (Probe("4 kill -9 during an update ingest", "status, validate, next ingest, ask agree"), crash),
        (Probe("5/6 names differing in case; a space", "three documents, distinct ids"), names),
        (Probe("10 self-referencing symlink", "reported in failed"), symlink),
        (Probe("  2.2M-char document", "refused with how to proceed"), oversize),
    ]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--timeout", type=float, default=5.0, help="POLICYKG_SPARQL_TIMEOUT of the app (seconds)")
    args = p.parse_args()
    home = Path(tempfile.mkdtemp(prefix="policykg-probes-")) / "home"
    corpus = build_tiny(home)
    probes = [run_probe(pr, fn) for pr, fn in ingest_probes(home, corpus)]
    env = hash_env(POLICYKG_SPARQL_TIMEOUT=args.timeout, POLICYKG_SPARQL_MAX_ROWS=10_000)
    with running_app(home, env) as (base, _):
        probes += [run_probe(pr, fn) for pr, fn in endpoint_probes(base, args.timeout)]
    width = max(len(pr.name) for pr in probes)
    exp = max(len(pr.expected) for pr in probes)
    print(f"{'probe':<{width}}  {'expected':<{exp}}  {'ok':<4} {'s':>6}  result")
    for pr in probes:
        print(f"{pr.name:<{width}}  {pr.expected:<{exp}}  {'yes' if pr.ok else 'NO':<4} {pr.seconds:6.1f}  {pr.result}")
    failed = [pr.name for pr in probes if not pr.ok]
    print(f"\n{len(probes) - len(failed)}/{len(probes)} probes as expected" + (f"; not: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
