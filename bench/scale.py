#!/usr/bin/env python3
"""Ten thousand documents (issue 15): build a large corpus from the shipped texts, ingest it, and
print the figures a deployment needs, each next to its goal.

The corpus: ``--docs`` distinct documents, each a title, ``--paragraphs`` paragraphs drawn
(deterministically, by document number) from the shipped documents of one language, and one
sentence of its own with figures ("Town 4711 had 312 doctors in 2021." / "4711镇2021年有执业医师312人。"),
so that every document has its own hash and its own fact to ask about. Chinese and English
documents come in the shipped corpus's proportion of characters unless ``--zh-share`` says.

Printed: cold build (wall, CPU, documents/s, characters/s), per-document update time (one edited
document among all; one added), a no-change re-ingest as a fresh ``policykg ingest`` process
(start-up included), disk, peak memory, warm ``ask`` p50/p95 over the corpus's own questions and
the answer keys' questions, comparison-question latency, and the vector index in use with its
recall@10 against exact search on the knowledge base's real vectors (``bench/vectors.py``
measures the approximate index at 1M vectors). Figures are printed, never asserted.

    python bench/scale.py --docs 10000                       # the default embedders (slow: hours)
    python bench/scale.py --docs 10000 --embedder hash       # the pipeline without a model
    python bench/scale.py --docs 1000 --home /tmp/scale-1k   # keep the knowledge base (and its corpus
                                                             # beside it): a second run starts warm
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchlib import cpu_seconds, peak_rss_mb, percentile  # noqa: E402
from kg import KnowledgeBase, Settings  # noqa: E402

GOALS = {"ask_p95_ms": 50, "update_s": "about one document's cost", "noop_s": 1.0, "recall": 0.95}






def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def paragraphs(corpus: Path) -> dict[str, list[str]]:
    """Paragraphs of the shipped documents by language (``zh`` when mostly CJK), 40+ characters."""
    out: dict[str, list[str]] = {"en": [], "zh": []}
    for path in sorted(corpus.glob("*.txt")) + sorted(corpus.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        lang = "zh" if len(re.findall(r"[\u4e00-\u9fff]", text)) > len(text) / 4 else "en"
        out[lang] += [p.strip() for p in re.split(r"\n\s*\n|\n", text) if len(p.strip()) >= 40]
    return out


def make_corpus(folder: Path, docs: int, per_doc: int, zh_share: float | None, seed: int = 15) -> int:
    """Write ``docs`` documents to ``folder``; returns their total characters."""
    pool = paragraphs(REPO / "corpus")
    if zh_share is None:
        sizes = {k: sum(map(len, v)) for k, v in pool.items()}
        zh_share = sizes["zh"] / max(1, sum(sizes.values()))
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(docs):
        rng = random.Random(seed * 1_000_003 + i)
        lang = "zh" if rng.random() < zh_share else "en"
        picked = rng.sample(pool[lang], min(per_doc, len(pool[lang])))
        n = 100 + (i * 37) % 900
        if lang == "zh":
            head, own = f"{i}镇基本公共服务情况通报", f"{i}镇2021年有执业医师{n}人。"
        else:
            head, own = f"Town {i} Public Services Bulletin", f"Town {i} had {n} doctors in 2021."
        text = "\n\n".join([head, own, *picked]) + "\n"
        (folder / f"doc-{i:05d}-{lang}.txt").write_text(text, encoding="utf-8")
        total += len(text)
    return total


def timed(fn):
    t, c = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - t, cpu_seconds() - c


def questions(docs: int) -> tuple[list[str], list[str]]:
    """(plain questions, comparison questions): the corpus's own and the answer keys'."""
    rng = random.Random(7)
    own = []
    for i in rng.sample(range(docs), min(40, docs)):
        own.append(f"How many doctors did Town {i} have in 2021?" if i % 2 else f"{i}镇2021年有多少执业医师？")
    keys = REPO / "tests" / "keys"
    plain, compare = list(own), []
    for name in ("qa_en.jsonl", "qa_zh_provinces.jsonl", "qa_zh_traps.jsonl"):
        path = keys / name
        if path.is_file():
            plain += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:30]
    for name in ("qa_compare_provinces.jsonl", "qa_compare_heldout.jsonl"):
        path = keys / name
        if path.is_file():
            compare += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return plain, compare


def latencies(kb: KnowledgeBase, qs: list[str]) -> list[float]:
    out = []
    for q in qs:
        t = time.perf_counter()
        kb.ask(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def recall_at_10(kb: KnowledgeBase, queries: int = 200) -> list[str]:
    """Recall@10 of the configured vector index built over each language's real vectors (as the
    knowledge base builds it: exact below ``APPROXIMATE_FROM`` vectors, HNSW above) against exact
    inner product, with sentence vectors plus a little noise as queries."""
    import numpy as np

    from kg.search.vectors import APPROXIMATE_FROM, vector_indexes

    by_lang: dict[str, list] = {}
    for doc_id, rec in kb.records.items():
        by_lang.setdefault(rec.language, []).append(np.load(kb.index.folder / "vectors" / f"{doc_id}.npy"))
    lines = []
    for lang, parts in sorted(by_lang.items()):
        vectors = np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
        index = vector_indexes.create(kb.settings.vector_index)
        t = time.perf_counter()
        index.build(vectors)
        built = time.perf_counter() - t
        rng = np.random.default_rng(0)
        picks = rng.choice(len(vectors), size=min(queries, len(vectors)), replace=False)
        hits, times = 0, []
        for row in picks:
            q = vectors[row] + rng.normal(0, 0.02, vectors.shape[1]).astype(np.float32)
            q /= np.linalg.norm(q)
            scores = vectors @ q
            tenth = np.partition(-scores, 9)[9] * -1  # the 10th best exact score
            t = time.perf_counter()
            ids, _ = index.search(q, 10)
            times.append((time.perf_counter() - t) * 1000)
            # a returned row counts when it is among the exact top 10, ties (repeated sentences) included
            hits += sum(1 for i in ids[:10] if i >= 0 and scores[int(i)] >= tenth - 1e-6)
        kind = getattr(index, "kind", kb.settings.vector_index)
        lines.append(f"  vectors {lang}: {len(vectors):,} ({kind}; approximate from {APPROXIMATE_FROM:,}), built in "
                     f"{built:.1f} s; recall@10 {hits / (10 * len(picks)):.3f} (goal ≥ {GOALS['recall']}); "
                     f"search p50 {percentile(times, .5):.2f} ms")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=10_000)
    p.add_argument("--paragraphs", type=int, default=3, help="shipped paragraphs per document")
    p.add_argument("--zh-share", type=float, default=None, help="share of Chinese documents (default: the corpus's)")
    p.add_argument("--embedder", help="embedder for every language (default: the configured ones)")
    p.add_argument("--home", help="knowledge-base folder (default: a temporary one, removed at the end)")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    home = Path(args.home) if args.home else work / "home"
    # with --home the corpus is kept beside it, so that a second run re-measures over the same build
    corpus = home.with_name(home.name + "-corpus") if args.home else work / "corpus"
    (corpus / "added.txt").unlink(missing_ok=True)
    chars = make_corpus(corpus, args.docs, args.paragraphs, args.zh_share)
    print(f"corpus: {args.docs:,} documents, {chars:,} characters in {corpus}")
    settings = Settings(home=home)
    if args.embedder:
        settings = Settings(home=home, embedder=args.embedder, language_embedders={"zh": args.embedder})
    kb = KnowledgeBase(settings)
    last = [0.0]

    def progress(i, n, name):
        if n and (i == n or time.perf_counter() - last[0] > 30):
            last[0] = time.perf_counter()
            print(f"  {i:,}/{n:,} documents", flush=True)

    report, wall, cpu = timed(lambda: kb.ingest([corpus], progress=progress))
    print(f"cold build: {wall:,.0f} s wall, {cpu:,.0f} s CPU; {len(report.added) / wall:.1f} documents/s, "
          f"{chars / wall:,.0f} characters/s; failed {len(report.failed)}; peak RSS {peak_rss_mb():,.0f} MB")

    edited = sorted(corpus.glob("doc-*"))[args.docs // 2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence for the update test, with 12 clinics.\n",
                      encoding="utf-8")
    report, wall, cpu = timed(lambda: kb.ingest([corpus]))
    print(f"update, one edited document among {args.docs:,}: {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"(updated {len(report.updated)}, unchanged {len(report.unchanged)})")
    (corpus / "added.txt").write_text("Added Bulletin\n\nTown Added had 55 doctors in 2021.\n", encoding="utf-8")
    report, wall, cpu = timed(lambda: kb.ingest([corpus]))
    print(f"update, one added document: {wall:.2f} s wall, {cpu:.2f} s CPU (added {len(report.added)})")
    kb.close()

    env = dict(os.environ)
    if args.embedder:
        env.update(POLICYKG_EMBEDDER=args.embedder, POLICYKG_EMBEDDER_ZH=args.embedder)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg.interfaces.cli", "--home", str(home), "ingest", str(corpus), "-q"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    noop = time.perf_counter() - t
    print(f"no-change re-ingest, a fresh `policykg ingest` process: {noop:.2f} s wall (goal < {GOALS['noop_s']} s)"
          f"{'' if done.returncode == 0 else ' FAILED: ' + done.stderr[-200:]}")
    print(f"disk: {disk_mb(home):,.0f} MB in {home}")

    kb = KnowledgeBase(settings, read_only=True)
    plain, compare = questions(args.docs)
    latencies(kb, plain[:5])  # warm: models loaded, caches filled
    ms = latencies(kb, plain)
    print(f"warm ask: {len(ms)} questions, p50 {percentile(ms, .5):.0f} ms, p95 {percentile(ms, .95):.0f} ms "
          f"(goal p95 < {GOALS['ask_p95_ms']} ms)")
    if compare:
        ms = latencies(kb, compare)
        print(f"comparison questions: {len(ms)}, p50 {percentile(ms, .5):.0f} ms, p95 {percentile(ms, .95):.0f} ms")
    for line in recall_at_10(kb):
        print(line)
    print(f"peak RSS {peak_rss_mb():,.0f} MB; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    kb.close()
    if not args.home:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
