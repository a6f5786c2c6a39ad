"""Warm `ask` latency on the shipped corpus.

Builds (or reuses, with --home) a knowledge base of the corpus, asks every
question of the given keys once to warm up, then again N times, and prints the
p50 / p95 / max latency of `KnowledgeBase.ask` in milliseconds, per kind of
answer (graph figure, passage, abstention).

    python bench/ask.py [--home DIR] [--repeats 3] [KEY.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg import KnowledgeBase, Settings  # noqa: E402

from benchlib import percentile  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("keys", nargs="*", default=[str(REPO / "tests" / "keys" / "qa_en.jsonl"),
                                               str(REPO.parent / "shared" / "eval" / "qa_dev.jsonl")])
    p.add_argument("--home", help="an existing knowledge base (default: a fresh one in a temp dir)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    questions = [json.loads(line)["question"] for k in args.keys if Path(k).exists()
                 for line in Path(k).read_text(encoding="utf-8").splitlines() if line.strip()]
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    kb = KnowledgeBase(Settings(home=home))
    t0 = time.perf_counter()
    kb.ingest([REPO / "corpus"])
    print(f"knowledge base: {home} ({len(kb.records)} documents, ready in {time.perf_counter() - t0:.1f} s)")
    for q in questions:  # warm-up: models loaded, caches filled
        kb.ask(q)
    times: dict[str, list[float]] = {"figure": [], "passage": [], "abstained": []}
    for _ in range(args.repeats):
        for q in questions:
            t = time.perf_counter()
            ans = kb.ask(q)
            ms = (time.perf_counter() - t) * 1000
            kind = "abstained" if not ans.answered else ("figure" if ans.sparql else "passage")
            times[kind].append(ms)
    every = [x for v in times.values() for x in v]
    print(f"{len(questions)} questions x {args.repeats} repeats, warm")
    print(f"{'answers':<10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, values in list(times.items()) + [("all", every)]:
        print(f"{kind:<10} {len(values):>5} {percentile(values, .5):>8.1f} {percentile(values, .95):>8.1f} {max(values or [0]):>8.1f}")
    kb.close()


if __name__ == "__main__":
    main()
