#!/usr/bin/env python3
"""Benchmark ingest: cold build, no-change re-ingest, edit-one-document re-ingest.

Everything runs in a fresh temporary home on a temporary *copy* of the corpus
(so the edit step never touches the shipped files):

1. **model load** -- the embedder (``kg.search.embedders.load``, plus one warm-up
   embedding) and the spaCy sentence splitters are loaded and timed on their
   own, so the build figures below exclude model loading;
2. **cold build** -- ``KnowledgeBase.ingest`` into the empty home: documents/s,
   characters/s (characters of extracted text), sentences embedded;
3. **re-ingest, no change** -- the knowledge base is reopened (as a new
   ``policykg ingest`` run would) and ingested again; nothing should be redone;
4. **re-ingest, one document edited** -- one sentence is appended to one file
   and the knowledge base ingested again.

Steps 3 and 4 are repeated ``--repeats`` times (4 appends one more sentence each
time) and the median is reported. ``cpu s`` is this process's CPU time (user +
system, all threads) for the step: unlike wall-clock seconds it is barely changed
by other processes competing for the CPUs, so compare it when the load average
printed at the end is high. Peak memory is the process's peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) after each step; it only ever grows.

``--goals`` measures instead the figures issue 15 sets goals for, each printed next to
its goal (in fresh homes under a temporary folder; documents synthesised from the shipped
texts, their figures varied per copy so that every document is distinct):

- English and Chinese characters/s, end to end (read, parse, extract, embed, graph,
  index; models loaded beforehand): a cold build of ``--en-copies`` copies of the shipped
  English documents (8: about 210,000 characters), and of the shipped Chinese reports;
  beside it the *embedding floor*, the same English sentences embedded in one call;
- the pipeline without embedding (the hash embedder): characters per CPU-second;
- one document edited among N (``--sizes``, default 40 and 1000): N short documents cut
  from the shipped texts, built with the hash embedder, then one of them edited and
  ingested again (median of ``--repeats``);
- a re-ingest of 1,000 unchanged documents by ``policykg ingest`` as a subprocess: wall
  time including start-up (median of ``--repeats``).

Usage::

    python bench/ingest.py                                   # shipped corpus, minilm, oxigraph
    python bench/ingest.py --goals                           # issue 15's figures and goals
    python bench/ingest.py --goals --sizes 40,1000,10000     # ... with 10,000 documents too
    python bench/ingest.py --embedder hash --store rdflib
    python bench/ingest.py --extra ../shared/corpus-zh-provinces
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from benchlib import cpu_seconds, load_average, peak_rss_mb  # noqa: E402

APPENDED = "\n\nThis sentence was appended by the ingest benchmark, edit number {n}.\n"








def _version(pkg: str) -> str:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return "not installed"


def policykg_version() -> str:
    try:
        v = metadata.version("policykg")
    except metadata.PackageNotFoundError:
        import tomllib

        v = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"] + " (not installed)"
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if rev:
            v += f", git {rev}{' with uncommitted changes' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    return v


def copy_folder(src: Path, dst: Path) -> int:
    """Copy ``src`` (documents and manifest) to ``dst``; the number of files copied."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".*"))
    return sum(1 for p in dst.rglob("*") if p.is_file())


def languages_of(folders: list[Path]) -> set[str]:
    from ingest import manifest

    langs = {"en"}
    for f in folders:
        langs.update(row["language"] for row in manifest.load(f).values() if row.get("language"))
    return langs


def load_models(embedder_name: str, languages: set[str]):
    """Load the embedder and each language's spaCy pipeline; (embedder, seconds for each)."""
    from kg.search import embedders
    from ingest import sentences

    c0, t0 = cpu_seconds(), time.perf_counter()
    emb = embedders.load(embedder_name)
    emb.embed_passages(["Warm-up sentence for the benchmark."])  # first call initialises the runtime
    emb.embed_query("warm-up query")
    t_emb, c_emb = time.perf_counter() - t0, cpu_seconds() - c0
    c0, t0 = cpu_seconds(), time.perf_counter()
    splitters = {}
    for lang in sorted(languages):
        try:
            sentences.pipeline(lang)
            splitters[lang] = sentences.model_for(lang)
        except Exception as exc:  # noqa: BLE001 - reported; ingest will load or fail on its own
            splitters[lang] = f"not preloaded: {exc}"
    t_spacy, c_spacy = time.perf_counter() - t0, cpu_seconds() - c0
    return emb, (t_emb, c_emb), (t_spacy, c_spacy), splitters


def pick_edit_target(corpus: Path, name: str | None) -> Path:
    from ingest.readers import supported_suffixes

    docs = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in supported_suffixes())
    if name:
        match = [p for p in docs if p.name == name or p.stem == name]
        if not match:
            raise SystemExit(f"--edit {name}: no such document in {corpus}")
        return match[0]
    txt = [p for p in docs if p.suffix.lower() in (".txt", ".md")]
    if not txt:
        raise SystemExit(f"no plain-text document in {corpus} to edit; give --edit")
    return txt[0]


def run(args) -> dict:
    from kg import KnowledgeBase, Settings

    corpus_src = Path(args.corpus).resolve()
    extras_src = [Path(e).resolve() for e in args.extra]
    for f in [corpus_src, *extras_src]:
        if not f.is_dir():
            raise SystemExit(f"{f}: not a folder")

    rows = []  # (step, seconds, cpu seconds, docs/s, chars/s, peak MB, note)
    work = Path(tempfile.mkdtemp(prefix="policykg-bench-"))
    try:
        corpus = work / "corpus"
        copy_folder(corpus_src, corpus)
        roots = [corpus]
        for i, e in enumerate(extras_src):
            dst = work / f"extra{i}-{e.name}"
            copy_folder(e, dst)
            roots.append(dst)
        home = work / "home"
        rss_start = peak_rss_mb()
        load_start = load_average()

        # 1. models
        emb, (t_emb, c_emb), (t_spacy, c_spacy), splitters = load_models(args.embedder, languages_of(roots))
        rows.append(("embedder load + warm-up", t_emb, c_emb, None, None, peak_rss_mb(), emb.name))
        rows.append(("spaCy splitters load", t_spacy, c_spacy, None, None, peak_rss_mb(),
                     ", ".join(f"{k}: {v}" for k, v in splitters.items())))

        settings = Settings(home=home, store=args.store, embedder=emb.name)

        # 2. cold build
        c0, t0 = cpu_seconds(), time.perf_counter()
        kb = KnowledgeBase(settings, embedder=emb)
        report = kb.ingest(roots)
        kb.store.flush()
        t_cold, c_cold = time.perf_counter() - t0, cpu_seconds() - c0
        if report.failed:
            for path, reason in report.failed:
                print(f"failed: {path}: {reason}", file=sys.stderr)
        docs = len(kb.state.docs)
        chars = sum(len(r.text) for r in kb.records.values())
        sentences = sum(len(r.sentences) for r in kb.records.values())
        triples = kb.store.triple_count()
        kb.close()
        rows.append(("cold build", t_cold, c_cold, docs / t_cold, chars / t_cold, peak_rss_mb(),
                     f"{len(report.added)} added, {len(report.failed)} failed, {report.embedded} sentences embedded"))

        # 3. no-change re-ingest (a fresh KnowledgeBase, as a new `policykg ingest` would open)
        opens, times, cpus, embedded = [], [], [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            kb = KnowledgeBase(settings, embedder=emb)
            c1, t1 = cpu_seconds(), time.perf_counter()
            rep = kb.ingest(roots)
            t2, c2 = time.perf_counter(), cpu_seconds()
            kb.close()
            opens.append(t1 - t0)
            times.append(t2 - t1)
            cpus.append(c2 - c1)
            embedded.append(rep.embedded)
            if rep.changed:
                print(f"warning: a no-change re-ingest changed something: {rep.to_json()}", file=sys.stderr)
        rows.append(("re-ingest, no change", statistics.median(times), statistics.median(cpus), None, None, peak_rss_mb(),
                     f"median of {args.repeats}; +{statistics.median(opens):.3f} s to open; "
                     f"{max(embedded)} sentences embedded"))

        # 4. edit one document
        target = pick_edit_target(corpus, args.edit)
        times, cpus, embedded, updated = [], [], [], []
        for n in range(1, args.repeats + 1):
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(APPENDED.format(n=n))
            kb = KnowledgeBase(settings, embedder=emb)
            c0, t0 = cpu_seconds(), time.perf_counter()
            rep = kb.ingest(roots)
            times.append(time.perf_counter() - t0)
            cpus.append(cpu_seconds() - c0)
            kb.close()
            embedded.append(rep.embedded)
            updated.append(len(rep.updated))
        rows.append(("re-ingest, 1 doc edited", statistics.median(times), statistics.median(cpus), None, None, peak_rss_mb(),
                     f"median of {args.repeats}; {target.name}: {max(updated)} updated, "
                     f"{min(embedded)}-{max(embedded)} sentences embedded"))

        describe = emb.describe()
        return {
            "rows": rows,
            "documents": docs, "characters": chars, "sentences": sentences, "triples": triples,
            "model_load": t_emb + t_spacy, "cold_build": t_cold,
            "rss_start_mb": rss_start, "peak_rss_mb": peak_rss_mb(),
            "load_average": {"start": load_start, "end": load_average()},
            "embedder": describe, "store": args.store,
            "sources": [str(p) for p in [corpus_src, *extras_src]],
            "source_counts": [sum(1 for d in r.iterdir() if d.is_file() and d.name != "manifest.csv") for r in roots],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- issue 15: throughput and incremental costs, next to their goals ------------------------------

GOALS = {"en": 18_000, "zh": 3_500, "hash": 18_000, "noop": 1.0}


def _vary(text: str, k: int) -> str:
    """The text with every figure but years raised by ``k`` (copy ``k`` of a document)."""
    import re

    return re.sub(r"\d+", lambda m: m.group(0) if re.fullmatch(r"(?:19|20)\d\d", m.group(0)) or not k
                  else str(int(m.group(0)) + k), text)


def _manifest_rows(folder: Path) -> list[dict]:
    import csv

    with open(folder / "manifest.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_manifest(folder: Path, rows: list[dict], fields: list[str]) -> None:
    import csv

    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def synth_language(src: Path, dst: Path, language: str, copies: int) -> Path:
    """``copies`` copies of the shipped documents of one language, figures varied per copy."""
    rows = _manifest_rows(src)
    dst.mkdir(parents=True)
    out = []
    for k in range(copies):
        for r in (r for r in rows if r.get("language") == language):
            name = f"c{k:03d}_{r['file']}"
            (dst / name).write_text(_vary((src / r["file"]).read_text(encoding="utf-8"), k), encoding="utf-8")
            out.append({**r, "file": name})
    _write_manifest(dst, out, list(rows[0]))
    return dst


def synth_small(src: Path, dst: Path, n: int, paragraphs: int = 4) -> Path:
    """``n`` short documents (a title and a few paragraphs each) cut from the shipped texts; the
    k-th round through them has its figures raised by k, so no two are the same."""
    import re

    rows = _manifest_rows(src)
    pieces = []
    for r in rows:
        paras = [p for p in re.split(r"\n\s*\n|\n", (src / r["file"]).read_text(encoding="utf-8")) if p.strip()]
        for i in range(1, len(paras), paragraphs):
            body = paras[i : i + paragraphs]
            if sum(map(len, body)) >= 300 and max(map(len, body)) >= 100:  # not page furniture alone
                pieces.append((r, paras[0], body))
    dst.mkdir(parents=True)
    out = []
    for j in range(n):
        r, title, body = pieces[j % len(pieces)]
        k = j // len(pieces)
        name = f"d{j:05d}.txt"
        (dst / name).write_text(_vary(title + "\n\n" + "\n\n".join(body), k) + "\n", encoding="utf-8")
        out.append({**r, "file": name, "title": f"{_vary(r['title'], k)} ({j})"})
    _write_manifest(dst, out, list(rows[0]))
    return dst


def _cold(folder: Path, home: Path, emb, store: str) -> dict:
    from kg import KnowledgeBase, Settings

    c0, t0 = cpu_seconds(), time.perf_counter()
    kb = KnowledgeBase(Settings(home=home, store=store, embedder=emb.name), embedder=emb)
    report = kb.ingest([folder])
    kb.store.flush()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    chars = sum(len(r.text) for r in kb.records.values())
    texts = [r.quote(s) for r in kb.records.values() for s in r.sentences]
    kb.close()
    if report.failed:
        print(f"warning: {len(report.failed)} documents failed, e.g. {report.failed[0]}", file=sys.stderr)
    return {"wall": wall, "cpu": cpu, "chars": chars, "docs": len(report.added), "texts": texts}


def _edit_one(folder: Path, home: Path, emb, store: str, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ingesting ``folder`` again after appending a sentence to one document."""
    from kg import KnowledgeBase, Settings

    target = sorted(folder.glob("*.txt"))[len(list(folder.glob("*.txt"))) // 2]
    walls, cpus = [], []
    for n in range(1, repeats + 1):
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(APPENDED.format(n=n))
        kb = KnowledgeBase(Settings(home=home, store=store, embedder=emb.name), embedder=emb)
        c0, t0 = cpu_seconds(), time.perf_counter()
        rep = kb.ingest([folder])
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        kb.close()
        if len(rep.updated) != 1:
            print(f"warning: an edit updated {len(rep.updated)} documents", file=sys.stderr)
    return statistics.median(walls), statistics.median(cpus)


def _noop_subprocess(folder: Path, home: Path, store: str, repeats: int) -> float:
    """Median wall seconds of ``policykg ingest folder`` (a new process) with nothing changed."""
    cmd = [sys.executable, "-c", "import sys; from kg.interfaces.cli import main; sys.exit(main())",
           "--home", str(home), "--store", store, "--embedder", "hash", "ingest", "-q", str(folder)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        walls.append(time.perf_counter() - t0)
        if done.returncode != 0 or "added 0, updated 0" not in done.stdout:
            print(f"warning: the no-change re-ingest said: {done.stdout.strip()} {done.stderr.strip()[-300:]}",
                  file=sys.stderr)
    return statistics.median(walls)


def goals(args) -> list[tuple[str, str, str, str]]:
    """Issue 15's measurements: (what, measured, goal, notes) rows."""
    from kg import Settings
    from kg.search import embedders

    src = Path(args.corpus).resolve()
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    rows = []
    work = Path(tempfile.mkdtemp(prefix="policykg-goals-"))
    try:
        emb, (t_emb, _), (t_spacy, _), _ = load_models(args.embedder, {"en", "zh"})
        hashed = embedders.load("hash")
        rows.append(("model load (not counted below)", f"{t_emb + t_spacy:.1f} s", "-",
                     f"{emb.name} {t_emb:.1f} s, spaCy {t_spacy:.1f} s"))
        en = synth_language(src, work / "en", "en", args.en_copies)
        res = _cold(en, work / "home-en", emb, args.store)
        c0, t0 = cpu_seconds(), time.perf_counter()
        emb.embed_passages(res["texts"])
        floor, floor_cpu = time.perf_counter() - t0, cpu_seconds() - c0
        rows.append((f"English end to end ({emb.name})", f"{res['chars'] / res['wall']:,.0f} chars/s",
                     f">= {GOALS['en']:,} chars/s",
                     f"{res['chars']:,} chars, {res['docs']} docs: {res['wall']:.1f} s ({res['cpu']:.1f} cpu s); "
                     f"embedding alone {floor:.1f} s ({floor_cpu:.1f} cpu s): {res['wall'] / floor:.1f}x the floor"))
        zh = synth_language(src, work / "zh", "zh", 1)
        zh_name = args.zh_embedder or Settings().embedders().get("zh", args.embedder)  # Chinese: e5 by default
        res = _cold(zh, work / "home-zh", embedders.load(zh_name), args.store)
        rows.append((f"Chinese end to end ({zh_name})", f"{res['chars'] / res['wall']:,.0f} chars/s",
                     f">= {GOALS['zh']:,} chars/s",
                     f"{res['chars']:,} chars, {res['docs']} docs: {res['wall']:.1f} s ({res['cpu']:.1f} cpu s; "
                     f"{res['chars'] / res['cpu']:,.0f} chars/cpu-s)"))
        res = _cold(en, work / "home-en-hash", hashed, args.store)
        rows.append(("English pipeline, hash embedder", f"{res['chars'] / res['cpu']:,.0f} chars/cpu-s",
                     f">= {GOALS['hash']:,} chars/cpu-s", f"{res['wall']:.1f} s, {res['cpu']:.1f} cpu s"))
        for n in sizes:
            folder = synth_small(src, work / f"small{n}", n)
            home = work / f"home{n}"
            built = _cold(folder, home, hashed, args.store)
            wall, cpu = _edit_one(folder, home, hashed, args.store, args.repeats)
            rows.append((f"one document edited among {n:,}", f"{wall:.2f} s", "about one document's cost",
                         f"{cpu:.2f} cpu s; cold build of the {n:,}: {built['wall']:.0f} s (hash embedder)"))
            if n == 1000:
                noop = _noop_subprocess(folder, home, args.store, args.repeats)
                rows.append(("no-change re-ingest of 1,000 (subprocess)", f"{noop:.2f} s", f"< {GOALS['noop']:.0f} s",
                             "`policykg ingest DIR` wall time, start-up included"))
            shutil.rmtree(home, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def print_goals(rows) -> None:
    print("policykg ingest benchmark: issue 15 goals")
    print(f"  python    {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
          f"policykg {policykg_version()}")
    print(f"  load average at the end: {load_average()} (other processes slow the wall-clock figures)")
    print()
    table = [("measure", "measured", "goal", "notes")] + rows
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for i, r in enumerate(table):
        print("  ".join(r[j].ljust(widths[j]) for j in range(3)) + "  " + r[3])
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 5)


def fmt_num(v, digits=2) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 1000 else f"{v:,.{digits}f}"


def print_report(res: dict, args) -> None:
    print("policykg ingest benchmark")
    print(f"  python    {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}, "
          f"{os.cpu_count()} CPUs")
    print(f"  policykg  {policykg_version()}")
    emb = res["embedder"]
    extra = ", ".join(f"{k} {v}" for k, v in emb.items() if k not in ("name", "dim") and v)
    print(f"  embedder  {emb['name']} (dim {emb['dim']}{', ' + extra if extra else ''})")
    store_lib = f"pyoxigraph {_version('pyoxigraph')}" if res["store"] == "oxigraph" else f"rdflib {_version('rdflib')}"
    print(f"  store     {res['store']} ({store_lib}); spacy {_version('spacy')}, faiss-cpu {_version('faiss-cpu')}, "
          f"bm25s {_version('bm25s')}")
    for src, n in zip(res["sources"], res["source_counts"]):
        print(f"  input     {src} ({n} files)")
    print(f"  built     {res['documents']} documents, {res['characters']:,} characters, "
          f"{res['sentences']:,} sentences, {res['triples']:,} triples")
    print()
    header = ("step", "seconds", "cpu s", "docs/s", "chars/s", "peak MB", "notes")
    table = [header] + [(s, f"{t:.3f}", f"{u:.3f}", fmt_num(d), fmt_num(c, 0), f"{m:.0f}", n)
                        for s, t, u, d, c, m, n in res["rows"]]
    widths = [max(len(r[i]) for r in table) for i in range(6)]
    for i, r in enumerate(table):
        cells = [r[0].ljust(widths[0])] + [r[j].rjust(widths[j]) for j in range(1, 6)]
        print("  ".join(cells) + "  " + r[6])
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    total = res["model_load"] + res["cold_build"]
    print()
    print(f"cold build including model load: {total:.3f} s "
          f"({res['documents'] / total:.2f} docs/s, {res['characters'] / total:,.0f} chars/s)")
    print(f"peak RSS: {res['peak_rss_mb']:.0f} MB (after imports, before loading models: {res['rss_start_mb']:.0f} MB)")
    print(f"load average at start / end: {res['load_average']['start']} / {res['load_average']['end']} "
          f"(other processes on the machine slow the wall-clock figures; 'cpu s' is this process's CPU time, all threads)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--corpus", default=str(REPO / "corpus"), help="folder of documents (default: the shipped corpus/)")
    p.add_argument("--extra", action="append", default=[], metavar="DIR",
                   help="another folder of documents to ingest with the corpus (repeatable), to see scaling")
    from kg.registries import embedders, stores

    p.add_argument("--embedder", default="minilm", choices=embedders.names())
    p.add_argument("--store", default="oxigraph", choices=stores.names())
    p.add_argument("--edit", metavar="FILE", help="the document to append a sentence to (default: the first .txt/.md of --corpus)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each re-ingest step; the median is shown (default 3)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    p.add_argument("--goals", action="store_true", help="measure issue 15's figures instead, next to their goals")
    p.add_argument("--sizes", default="40,1000", help="--goals: corpus sizes for the one-document edit (default 40,1000)")
    p.add_argument("--en-copies", type=int, default=8, help="--goals: copies of the English documents (default 8)")
    p.add_argument("--zh-embedder", help="--goals: embedder of the Chinese build (default: the configured one, e5)")
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be at least 1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import kg  # noqa: F401 - the package imports (rdflib, pyoxigraph, spaCy...) come before the baseline RSS

    if args.goals:
        print_goals(goals(args))
        return 0
    res = run(args)
    if args.json:
        print(json.dumps({k: v for k, v in res.items() if k != "rows"}
                         | {"steps": [dict(zip(("step", "seconds", "cpu_seconds", "docs_per_s", "chars_per_s", "peak_rss_mb", "notes"), r))
                                      for r in res["rows"]]}, indent=2, ensure_ascii=False))
    else:
        print_report(res, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
