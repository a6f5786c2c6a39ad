"""Score every answer key and fact key on the documents they were written for.

Builds (incrementally) one knowledge base with the shipped corpus plus every
document of ``../shared`` that a key in ``../shared/eval`` or ``tests/keys``
names, then prints, per key, ``policykg eval`` (questions) or
``policykg eval-extraction`` (facts). Keys are measured, never special-cased.

    python bench/keys.py                 # all keys
    python bench/keys.py --key qa_zh_traps.jsonl -v   # one key, listing wrong answers
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))


def keys() -> list[Path]:
    return sorted((SHARED / "eval").glob("*.jsonl")) + sorted((REPO / "tests" / "keys").glob("*.jsonl"))


def wanted_docs(paths: list[Path]) -> set[str]:
    out = set()
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out |= {d for d in [item.get("doc"), *item.get("docs", [])] if d}
    return out


def stage(docs: set[str], folder: Path) -> None:
    """Copy the shared documents the keys name (with their manifest rows) into ``folder``."""
    if folder.exists():
        shutil.rmtree(folder)  # a document shipped in corpus/ since the last run must not be ingested twice
    folder.mkdir(parents=True)
    rows, header = [], None
    for corpus in ("corpus-zh-provinces", "corpus-zh"):
        manifest = SHARED / corpus / "manifest.csv"
        if not manifest.exists():
            continue
        with open(manifest, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = header or reader.fieldnames
            for row in reader:
                stem = Path(row["file"]).stem
                if stem in docs and not (REPO / "corpus" / row["file"]).exists():
                    shutil.copy(SHARED / corpus / row["file"], folder / row["file"])
                    rows.append(row)
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header or ["file"])
        w.writeheader()
        w.writerows(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", default=str(REPO / "bench" / "out" / "keys-home"))
    ap.add_argument("--key", action="append", help="only these keys (file names)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    from kg import KnowledgeBase, Settings
    from kg.evaluate import comparison
    from kg.evaluate.qa import evaluate, load_questions

    chosen = [k for k in keys() if not args.key or k.name in args.key]
    extra = Path(args.home).parent / "keys-docs"
    stage(wanted_docs(keys()), extra)
    with KnowledgeBase(Settings(home=args.home)) as kb:
        t0 = time.perf_counter()
        report = kb.ingest([REPO / "corpus", extra])
        print(f"ingest: added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
              f"failed {len(report.failed)} in {time.perf_counter() - t0:.1f} s", flush=True)
        for failure in report.failed:
            print(f"  failed: {failure}", flush=True)
        for key in chosen:
            first = json.loads(key.read_text(encoding="utf-8").splitlines()[0])
            if comparison.is_table_key(first):  # a table of figures by indicator and region
                score = comparison.evaluate(kb, load_questions(key))
                print(f"{key.name:<32} {score.line()}", flush=True)
                if args.verbose:
                    print(comparison.report(score))
                continue
            if "question" not in first and "quote" not in first:
                continue  # not a question or fact key
            if "question" in first:
                result = evaluate(kb, load_questions(key))
                tool = result["tool"]
                print(f"{key.name:<32} answers {tool.right}/{tool.total} ({tool.right / tool.total:.0%}); "
                      f"expected figure anywhere {tool.anywhere}/{tool.total}; figures right, names aside {tool.figures_right}/{tool.total}"
                      + (f"  wrong: {', '.join(map(str, tool.wrong))}" if tool.wrong else ""), flush=True)
                if args.verbose:
                    for item in load_questions(key):
                        if item.get("id", item["question"]) in tool.wrong:
                            print(f"  {item.get('id')}: {item['question']}\n     expected {item.get('answer_values') or item.get('answer_text') or 'abstention'}"
                                  f"\n     got      {kb.ask(item['question']).answer[:300]}")
            else:
                score = kb.eval_extraction(key)
                from kg.evaluate.extraction import FIELDS

                acc = {f: score.accuracy(f) for f in FIELDS}
                print(f"{key.name:<32} facts recall {score.recall:.1%}  "
                      + "  ".join(f"{f} {'-' if a is None else f'{a:.0%}'}" for f, a in acc.items()), flush=True)
                if args.verbose:
                    print(score.report(verbose=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
