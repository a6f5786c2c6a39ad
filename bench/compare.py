"""Cold build of the shipped corpus, then warm comparison latency.

Builds a fresh knowledge base from ``corpus/`` (the 23 provincial reports, Chongqing's and the
English documents) and prints the wall time, CPU time, characters per second and peak memory of
the build; then times ``KnowledgeBase.compare`` tables and comparison questions (each asked once
to warm up, then ``--repeats`` times) and prints p50 / p95 / max in milliseconds.

    python bench/compare.py                      # cold build in a temp dir, then latencies
    python bench/compare.py --home DIR           # reuse (or build once into) DIR
    python bench/compare.py --key tests/keys/qa_compare_provinces.jsonl
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg import KnowledgeBase, Settings  # noqa: E402

from benchlib import percentile  # noqa: E402

TABLES = [("城镇新增就业", {"period": 2026, "status": "target"}), ("new urban jobs", {"period": 2025, "status": "actual"}),
          ("城镇调查失业率", {"period": 2026, "status": "target"}), ("地区生产总值增长", {"period": 2026, "status": "target"}),
          ("一般公共预算收入", {})]


def line(name: str, times: list[float]) -> str:
    return (f"{name:<22} n={len(times):<4} p50 {percentile(times, 0.5):7.1f} ms  p95 {percentile(times, 0.95):7.1f} ms  "
            f"max {max(times):7.1f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="knowledge base to build into or reuse (default: a fresh temp dir: a cold build)")
    ap.add_argument("--key", default=str(REPO / "tests" / "keys" / "qa_compare_provinces.jsonl"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="policykg-compare-"))
    corpus = REPO / "corpus"
    chars = sum(len(p.read_text(encoding="utf-8")) for p in corpus.iterdir() if p.suffix in (".txt", ".md"))
    with KnowledgeBase(Settings(home=home)) as kb:
        t0, c0 = time.perf_counter(), time.process_time()
        report = kb.ingest([corpus])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"build: {len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
              f"{len(report.failed)} failed; {chars:,} characters in {wall:.1f} s wall, {cpu:.1f} s CPU "
              f"({chars / wall:,.0f} chars/s); peak RSS {peak:,.0f} MB; home {home}", flush=True)
        table_times = []
        for name, kw in TABLES:
            kb.compare(name, **kw)
            for _ in range(args.repeats):
                t = time.perf_counter()
                kb.compare(name, **kw)
                table_times.append((time.perf_counter() - t) * 1000)
        print(line("compare (table)", table_times))
        questions = [json.loads(x)["question"] for x in Path(args.key).read_text(encoding="utf-8").splitlines() if x.strip()]
        for q in questions:
            kb.ask(q)
        ask_times = []
        for _ in range(args.repeats):
            for q in questions:
                t = time.perf_counter()
                kb.ask(q)
                ask_times.append((time.perf_counter() - t) * 1000)
        print(line("comparison questions", ask_times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
