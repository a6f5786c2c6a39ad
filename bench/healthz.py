"""/healthz latency while the SPARQL endpoint is under load (issue 14).

Starts ``app.py --no-build`` on a knowledge base (``--home``; by default a
fresh one built from the tiny test corpus with the hashing embedder), then for
``--seconds``: one slow query (a counted cross product, stopped by the time
limit), ``--clients`` client processes issuing quick queries back to back, and
a probe asking ``/healthz`` every 50 ms. Prints the latency of ``/healthz``
(p50 / p95 / max; the target is p95 under 100 ms), of the clients' queries,
and what happened to the slow query. Figures are printed, never asserted.

    python bench/healthz.py [--home DIR] [--clients 20] [--seconds 15] [--timeout 30]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchlib import build_tiny, hash_env, percentile, running_app

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
QUICK = [
    "PREFIX pkg: <https://policykg.org/ns#> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "SELECT ?d ?id WHERE { ?d a pkg:Document ; dcterms:identifier ?id } ORDER BY ?id",
    "ASK { ?s a <https://policykg.org/ns#Observation> }",
    "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n) LIMIT 10",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 100",
]


def line(name: str, ms: list[float]) -> str:
    return (f"{name:<22} n={len(ms):<6} p50 {percentile(ms, .5):8.1f} ms  p95 {percentile(ms, .95):8.1f} ms  "
            f"max {max(ms or [0]):8.1f} ms")


def request(url: str, data: bytes | None = None, timeout: float = 120.0) -> int:
    req = urllib.request.Request(url, data=data, headers={"Accept": "application/sparql-results+json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def client(base: str, until: float, index: int) -> tuple[list[float], dict[int, int]]:
    """One client process: quick queries back to back until ``until`` (a time.time())."""
    times, statuses = [], collections.Counter()
    i = index
    while time.time() < until:
        data = urllib.parse.urlencode({"query": QUICK[i % len(QUICK)]}).encode()
        t = time.perf_counter()
        try:
            statuses[request(base + "/sparql", data)] += 1
        except OSError:
            statuses[0] += 1
        times.append((time.perf_counter() - t) * 1000)
        i += 1
    return times, dict(statuses)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--home", help="an existing knowledge base (default: the tiny test corpus, built in a temp dir)")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--timeout", type=float, default=30.0, help="POLICYKG_SPARQL_TIMEOUT of the server")
    args = p.parse_args()

    if args.home:
        home = Path(args.home)
    else:
        home = Path(tempfile.mkdtemp(prefix="policykg-healthz-")) / "home"
        build_tiny(home)
    with running_app(home, hash_env(POLICYKG_SPARQL_TIMEOUT=args.timeout)) as (base, health):
        print(f"app on {base}, knowledge base {home}; query workers: {health['sparql']}")
        for q in QUICK:  # warm: every worker has opened the graph once
            request(base + "/sparql", urllib.parse.urlencode({"query": q}).encode())

        slow: dict = {}

        def run_slow():
            t = time.perf_counter()
            slow["status"] = request(base + "/sparql", urllib.parse.urlencode({"query": SLOW}).encode())
            slow["seconds"] = time.perf_counter() - t

        threading.Thread(target=run_slow, daemon=True).start()
        time.sleep(0.3)
        until = time.time() + args.seconds
        with concurrent.futures.ProcessPoolExecutor(args.clients) as pool:
            futures = [pool.submit(client, base, until, i) for i in range(args.clients)]
            probes = []
            while time.time() < until:
                t = time.perf_counter()
                request(base + "/healthz", timeout=10)
                probes.append((time.perf_counter() - t) * 1000)
                time.sleep(0.05)
            results = [f.result() for f in futures]
        queries = [x for times, _ in results for x in times]
        statuses = collections.Counter()
        for _, s in results:
            statuses.update(s)
        print(f"{args.seconds:g} s: 1 slow query + {args.clients} clients issuing quick queries back to back")
        print(line("/healthz", probes))
        print(line("client queries", queries) + f"  statuses {dict(sorted(statuses.items()))}")
        wait_for = time.monotonic() + args.timeout + 10
        while "status" not in slow and time.monotonic() < wait_for:
            time.sleep(0.1)
        if "status" in slow:
            print(f"slow query: status {slow['status']} after {slow['seconds']:.1f} s (time limit {args.timeout:g} s)")
        else:
            print("slow query: no answer yet")
        print(f"query workers: {json.loads(urllib.request.urlopen(base + '/healthz', timeout=5).read())['sparql']}")


if __name__ == "__main__":
    main()
