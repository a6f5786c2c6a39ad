"""The ``policykg`` command: parse arguments, call the KnowledgeBase, format output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import unquote

from kg.config import Settings
from kg.registries import embedders, stores, vector_indexes
from kg.graph.sparql import FORMATS, SparqlError
from kg.graph.export import DEFAULT_FORMAT as DEFAULT_EXPORT_FORMAT, FORMATS as EXPORT_FORMATS

EXAMPLE_HELP = """examples:
  policykg ingest                      # the shipped corpus/
  policykg ask "How many hospital beds per 1,000 people?" --json
  policykg sparql "SELECT ?d ?t WHERE { ?d a pkg:Document ; dcterms:title ?t }"
  policykg validate
  policykg export --format trig -o graph.trig
  policykg serve --port 7860
"""


class CliError(Exception):
    """An error to print as one line and exit non-zero."""


def _settings(args) -> Settings:
    kw = {k: v for k, v in (("home", args.home), ("store", args.store), ("embedder", args.embedder),
                            ("vector_index", args.vector_index)) if v}
    return Settings(**kw)


def _open(args, read_only: bool):
    from kg.kb import KnowledgeBase

    settings = _settings(args)
    if read_only and not (settings.home / "state.json").is_file():
        raise CliError(f"nothing has been ingested into {settings.home} yet; run `policykg ingest` first")
    return KnowledgeBase(settings, read_only=read_only)


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False))


# -- commands ---------------------------------------------------------------

def cmd_ingest(args) -> int:
    from tqdm import tqdm

    kb = _open(args, read_only=False)
    bars = []  # made on the first progress call, so that a refusal is not wrapped in a bar

    def progress(i, n, name):
        if not bars:
            bars.append(tqdm(total=n, unit="doc", disable=args.quiet, file=sys.stderr, dynamic_ncols=True))
        bar = bars[0]
        bar.total = n
        bar.n = i
        bar.set_postfix_str(name)
        bar.refresh()

    def waiting(message):
        print(f"policykg: {message}", file=sys.stderr, flush=True)

    with kb:
        try:
            report = kb.ingest(args.paths or None, progress=progress, wait=args.wait, waiting=waiting)
        finally:
            for bar in bars:
                bar.close()
        if args.json:
            _print_json(report.to_json())
        else:
            print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
                  f"removed {len(report.removed)}, failed {len(report.failed)}; "
                  f"{report.embedded} sentences embedded in {report.seconds:.1f} s; home: {kb.home}")
        for path, reason in report.failed:
            print(f"failed: {path}: {reason}", file=sys.stderr)
        for path, reason in report.skipped:
            print(f"skipped: {path}: {reason}", file=sys.stderr)
        for item in report.repaired:
            print(f"repaired: {item}: removed what an interrupted ingest left half-written", file=sys.stderr)
    return 1 if report.failed and not (report.added or report.updated or report.unchanged) else 0


def cmd_ask(args) -> int:
    if args.batch is None and not args.question:
        raise CliError("give a QUESTION or --batch FILE")
    kb = _open(args, read_only=True)
    with kb:
        if args.batch is None:
            ans = kb.ask(" ".join(args.question), k=args.k)
            if args.json:
                _print_json(ans.to_json())
            else:
                print(ans.answer)
                for i, c in enumerate(ans.citations, 1):
                    print(f"  [{i}] {c.doc} {c.start}-{c.end} ({c.score:.3f}): {' '.join(c.quote.split())}")
            return 0
        fh = sys.stdin if args.batch == "-" else _read_open(args.batch)
        for line in fh:
            if line.strip():
                _print_json(kb.ask(line.strip(), k=args.k).to_json())
                sys.stdout.flush()
    return 0


def _read_open(path: str):
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def cmd_sparql(args) -> int:
    if (args.query is None) == (args.file is None):
        raise CliError("give a QUERY or --file F (one of them)")
    query = args.query if args.file is None else _read_open(args.file).read()
    kb = _open(args, read_only=True)
    with kb:
        cap = kb.settings.sparql_max_rows if args.max_rows is None else args.max_rows
        try:
            result = kb.sparql(query, max_rows=cap or None)
        except SparqlError as exc:
            raise CliError(f"SPARQL error: {exc}") from exc
        out = result.serialize(args.format)
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
        if result.truncated:
            print(f"policykg: note: only the first {cap:,} rows are shown (the row cap); use --max-rows N "
                  "(0: no cap), POLICYKG_SPARQL_MAX_ROWS, or LIMIT/OFFSET", file=sys.stderr)
    return 0


def cmd_validate(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        report = kb.validate()
    if args.json:
        _print_json(report.to_json())
    elif report.conforms:
        print(f"conforms: {report.triples} triples checked against ontology/shapes.ttl, no violations")
    else:
        print(f"does not conform: {len(report.violations)} violation(s) in {report.triples} triples")
        for v in report.violations:
            print(f"  {v}")
    return 0 if report.conforms else 1


def cmd_export(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        try:
            done = kb.export(args.output or sys.stdout, fmt=args.format)
        except OSError as exc:
            if args.output is None:
                raise  # standard output closed (main handles a broken pipe)
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    if args.output:
        print(f"exported {done.statements} {done.unit} from {done.graphs} graphs to {args.output} ({done.format})")
    return 0


def cmd_serve(args) -> int:
    from kg.interfaces.web import launch

    launch(_settings(args), host=args.host, port=args.port, build=not args.no_build,
           corpus=Path(args.corpus) if args.corpus else None)
    return 0


def cmd_observations(args) -> int:
    from kg.graph.observations import COLUMNS

    kb = _open(args, read_only=True)
    with kb:
        if args.region and not kb.region_iris(args.region):
            raise CliError(f"no region called {args.region!r} in the gazetteer")
        rows, _ = kb.observations(region=args.region, metric=args.metric, year=args.year)
    if args.format == "json":
        _print_json([{c: r.get(c) for c in COLUMNS} for r in rows])
    elif args.format == "csv":
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        _print_table(rows, ("value", "unit", "metric", "region", "period", "status", "role", "doc", "start", "end"))
    return 0


def _print_table(rows: list[dict], cols, noun: tuple[str, str] = ("observation", "observations")) -> None:
    cells = [[" ".join(str(r.get(c) if r.get(c) is not None else "").split())[:60] for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    print(f"({len(rows)} {noun[0] if len(rows) == 1 else noun[1]})")


def cmd_trace(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        traces = kb.trace(" ".join(args.target))
    if not traces:
        raise CliError(f"no observation matches {' '.join(args.target)!r}")
    if args.json:
        _print_json([t.to_json() for t in traces])
    else:
        print("\n\n".join(t.text() for t in traces))
    return 0


def cmd_eval_extraction(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        try:
            score = kb.eval_extraction(args.key)
        except (OSError, ValueError) as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        _print_json(score.to_json())
    else:
        print(score.report(verbose=args.verbose))
    return 0


def cmd_entities(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        try:
            rows = kb.entities(type=args.type, name=args.name)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            r["docs"] = ",".join(r["docs"])
            for k in ("parent", "organization"):
                r[k] = unquote((r[k] or "").rsplit("/", 1)[-1])  # 重庆市人民政府, not %E9%87%8D…
        _print_table(rows, ("type", "label", "code", "parent", "role", "organization", "docs"), noun=("entity", "entities"))
    return 0


def cmd_eval(args) -> int:
    from kg.evaluate import comparison
    from kg.evaluate.qa import evaluate, load_questions, report, to_json

    kb = _open(args, read_only=True)
    with kb:
        try:
            key = load_questions(args.key)
            if key and comparison.is_table_key(key[0]):
                score = comparison.evaluate(kb, key)
                _print_json(score.to_json()) if args.json else print(comparison.report(score))
                return 0
            result = evaluate(kb, key)
        except (OSError, ValueError) as exc:
            raise CliError(str(exc)) from exc
    if args.json:
        _print_json(to_json(result))
    else:
        print(report(result))
    return 0


def cmd_compare(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        try:
            table = kb.compare(args.indicator, level=None if args.level == "any" else args.level, period=args.period,
                               status=args.status, role=args.role)
        except LookupError as exc:
            raise CliError(str(exc)) from exc
    if args.sparql:
        print(table.sparql)
    elif args.format == "json":
        _print_json(table.to_json())
    elif args.format == "csv":
        sys.stdout.write(table.to_csv())
    else:
        print(table.text())
    return 0


def cmd_status(args) -> int:
    kb = _open(args, read_only=True)
    with kb:
        info = kb.status()
    if args.json:
        _print_json(info)
    else:
        for k, v in info.items():
            print(f"{k}: {v if not isinstance(v, (dict, list)) else json.dumps(v, ensure_ascii=False)}")
    return 0


# -- parser -------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policykg", description="Knowledge graph and cited answers over policy documents.",
                                epilog=EXAMPLE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--home", help="knowledge-base folder (default: $POLICYKG_HOME or the user data dir)")
    p.add_argument("--store", choices=stores.names(), help="triple store backend (default: oxigraph)")
    p.add_argument("--embedder", help=f"{', '.join(embedders.names())} (default: minilm), "
                                      "or a sentence-transformers model path")
    p.add_argument("--vector-index", choices=vector_indexes.names(), help="vector index backend (default: faiss)")
    p.add_argument("--sparql-server", metavar="URL",
                   help="the SPARQL 1.1 server of --store sparql, with /query, /update and /store under it "
                        "(default: $POLICYKG_SPARQL_SERVER_URL; see README, Configuration)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="build or update the graph and index from documents")
    s.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the shipped corpus/)")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                   help="while another process (the app's build, another ingest) writes, wait this long for it "
                        "(default 600; 0: fail at once)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("ask", help="answer a question with citations")
    s.add_argument("question", nargs="*", metavar="QUESTION")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("--batch", metavar="FILE", help="one question per line ('-' for standard input); JSON lines out")
    s.add_argument("-k", type=int, default=3, help="number of citations (default 3)")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("sparql", help="run a read-only SPARQL query over the graph")
    s.add_argument("query", nargs="?", metavar="QUERY")
    s.add_argument("--file", metavar="F", help="read the query from a file")
    s.add_argument("--format", choices=FORMATS, default="table")
    s.add_argument("--max-rows", type=int, metavar="N",
                   help="return at most N rows, 0 for all (default: $POLICYKG_SPARQL_MAX_ROWS or 10000)")
    s.set_defaults(func=cmd_sparql)

    s = sub.add_parser("validate", help="check the graph against the SHACL shapes")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("export", help="write the whole graph as Turtle, TriG, N-Quads, N-Triples or JSON-LD")
    s.add_argument("--format", choices=list(EXPORT_FORMATS), default=DEFAULT_EXPORT_FORMAT,
                   help=f"default: {DEFAULT_EXPORT_FORMAT}; turtle and ntriples merge the graphs, "
                        "trig, nquads and jsonld keep one named graph per document")
    s.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("serve", help="start the web app and the SPARQL endpoint")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--corpus", help="folder to build from on start (default: the shipped corpus/)")
    s.add_argument("--no-build", action="store_true", help="serve what is already built; do not ingest on start")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("observations", help="list the figures extracted from the documents")
    s.add_argument("--region", help="figures of this region or of regions under it (English or Chinese name)")
    s.add_argument("--metric", help="figures whose metric or indicator contains this text")
    s.add_argument("--year", type=int, help="figures whose period includes this year")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.set_defaults(func=cmd_observations)

    s = sub.add_parser("trace", help="show where a figure came from: document, offsets, sentence, rule")
    s.add_argument("target", nargs="+", metavar="IRI|TEXT", help="an observation IRI, or text found in figures or metrics")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_trace)

    s = sub.add_parser("eval-extraction", help="score extracted figures against a JSON-lines key")
    s.add_argument("key", metavar="KEY.jsonl")
    s.add_argument("--json", action="store_true")
    s.add_argument("-v", "--verbose", action="store_true", help="list misses, wrong fields and unmatched figures")
    s.set_defaults(func=cmd_eval_extraction)

    s = sub.add_parser("entities", help="regions, organizations, people, events, plans and standards the documents name")
    s.add_argument("--type", choices=["region", "organization", "person", "event", "plan", "standard", "goal", "service"],
                   help="service: the 2021 standard's aspects and categories and the service areas documents name")
    s.add_argument("--name", help="entities whose name or an alias contains this text")
    s.add_argument("--json", action="store_true", help="a JSON array of objects")
    s.set_defaults(func=cmd_entities)

    s = sub.add_parser("eval", help="score answers against a question key, beside BM25 and dense baselines")
    s.add_argument("key", metavar="QA.jsonl")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("compare", help="one indicator across regions: a row per region, regions without a figure listed")
    s.add_argument("indicator", metavar="INDICATOR", help="a label in Chinese or English (城镇新增就业, new urban jobs) or an indicator IRI")
    s.add_argument("--level", choices=["province", "prefecture", "county", "any"], default="province",
                   help="compare regions of this administrative level (default: province)")
    s.add_argument("--period", help="a year (2026) or a span (2021/2025); default: the one most regions state")
    s.add_argument("--status", choices=["actual", "target"], help="default: the one most regions state")
    s.add_argument("--role", choices=["level", "change", "cumulative", "average", "baseline"],
                   help="the kind of figure (a growth rate is a change); default: the one most regions state")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.add_argument("--sparql", action="store_true", help="print the SPARQL query that lists the table's figures instead")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("status", help="what is in the knowledge base and how it was built")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    return p


def main(argv: list[str] | None = None) -> int:
    import os

    from kg.graph.remote import RemoteStoreError
    from kg.graph.store import StoreLockedError

    args = build_parser().parse_args(argv)
    if args.sparql_server:  # the sparql store's factory reads its server from the settings' environment
        os.environ["POLICYKG_SPARQL_SERVER_URL"] = args.sparql_server
    try:
        return args.func(args)
    except (CliError, StoreLockedError, RemoteStoreError) as exc:
        print(f"policykg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
