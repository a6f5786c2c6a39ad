"""The HTTP side: a SPARQL 1.1 Protocol endpoint at /sparql beside the Gradio
app, and the background build that runs on first start."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from kg.kb import KnowledgeBase
from kg.graph.sparql import MEDIA_TYPES, SparqlError

_ACCEPT = [  # media type -> our format name, in order of preference for */*
    ("application/sparql-results+json", "json"), ("application/json", "json"),
    ("application/sparql-results+xml", "xml"), ("application/xml", "xml"), ("text/xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv"),
    ("text/turtle", "turtle"), ("application/n-triples", "ntriples"), ("text/plain", "ntriples"),
]
_FORMAT_PARAM = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                 "ntriples": "ntriples", "nt": "ntriples"}


def allowed_formats(kind: str) -> tuple[str, ...]:
    """The result formats a query form can be serialised to, preferred first."""
    if kind == "CONSTRUCT":
        return ("turtle", "ntriples")
    if kind == "ASK":
        return ("json", "xml")
    return ("json", "xml", "csv", "tsv")


def negotiate(accept: str | None, fmt_param: str | None, kind: str) -> str | None:
    """Pick a result format from the ``format`` parameter or the Accept header.

    None when nothing acceptable fits the query form (the caller answers 406).
    A ``format`` that does not fit the query form is ignored, as clients such
    as SPARQLWrapper send one whatever the query.
    """
    allowed = allowed_formats(kind)
    if fmt_param:
        fmt = _FORMAT_PARAM.get(fmt_param.lower()) or dict(_ACCEPT).get(fmt_param.lower())
        if fmt in allowed:
            return fmt
    ranges = []
    for i, part in enumerate((accept or "*/*").split(",")):
        media, *params = [x.strip() for x in part.split(";")]
        q = next((float(p[2:]) for p in params if p.startswith("q=") and _is_float(p[2:])), 1.0)
        if q > 0:
            ranges.append((-q, i, media.lower()))
    for _, _, media in sorted(ranges):
        if media == "*/*":
            return allowed[0]
        for m, fmt in _ACCEPT:
            if fmt in allowed and (media == m or (media.endswith("/*") and m.startswith(media[:-1]))):
                return fmt
    return None


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _error(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


def sparql_routes(app: FastAPI, kb_getter) -> None:
    """Add GET and POST /sparql (SPARQL 1.1 Protocol, query operation only) to ``app``."""

    async def handle(request: Request) -> Response:
        params = dict(request.query_params)
        query = params.get("query")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST":
            if ctype == "application/sparql-update":
                return _error(403, "SPARQL Update is not allowed: this endpoint is read-only")
            if ctype == "application/sparql-query":
                query = (await request.body()).decode("utf-8")
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.form()
                if "update" in form:
                    return _error(403, "SPARQL Update is not allowed: this endpoint is read-only")
                query = form.get("query", query)
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
            elif query is None:
                return _error(415, f"unsupported Content-Type {ctype!r}: use application/sparql-query "
                                   "or application/x-www-form-urlencoded")
        if "update" in params:
            return _error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if not query or not query.strip():
            return _error(400, "missing 'query' parameter")
        kb = kb_getter()
        try:
            result = kb.sparql(query)
        except SparqlError as exc:
            return _error(400, f"SPARQL error: {exc}")
        fmt = negotiate(request.headers.get("accept"), params.get("format"), result.kind)
        if fmt is None:
            return _error(406, f"no acceptable result format for a {result.kind} query; "
                               f"this endpoint offers {', '.join(MEDIA_TYPES[f] for f in allowed_formats(result.kind))}")
        if result.kind == "CONSTRUCT":
            body = result.graph.serialize(format="turtle" if fmt == "turtle" else "nt")
        else:
            body = result.serialize(fmt)
        media = MEDIA_TYPES[fmt]
        return Response(body, media_type=f"{media}; charset=utf-8", headers={"Access-Control-Allow-Origin": "*"})

    app.add_api_route("/sparql", handle, methods=["GET", "POST"], include_in_schema=True,
                      summary="SPARQL 1.1 Protocol query endpoint (read-only)")

    @app.get("/healthz")
    def health():
        return JSONResponse({"ok": True})


@dataclass
class BuildStatus:
    running: bool = False
    done: int = 0
    total: int = 0
    current: str = ""
    message: str = ""
    error: str | None = None


class BackgroundBuild:
    """Runs ``kb.ingest(corpus)`` in a thread and exposes its progress."""

    def __init__(self, kb: KnowledgeBase, corpus: Path | None):
        self.kb = kb
        self.corpus = corpus
        self.status = BuildStatus()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()

    def start(self) -> None:
        self.status = BuildStatus(running=True, message="starting the build")
        self._thread = threading.Thread(target=self._run, name="policykg-build", daemon=True)
        self._thread.start()

    def _progress(self, i: int, n: int, name: str) -> None:
        self.status.done, self.status.total, self.status.current = i, n, name
        self.status.message = f"building the graph and index: {i}/{n} documents" + (f" ({name})" if name else "")
        print(self.status.message, flush=True)

    def _run(self) -> None:
        try:
            report = self.kb.ingest([self.corpus] if self.corpus else None, progress=self._progress)
            failed = f"; {len(report.failed)} failed" if report.failed else ""
            self.status.message = (f"ready: {len(self.kb.state.docs)} documents ({len(report.added)} added, "
                                   f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
                                   f"{len(report.removed)} removed{failed}) in {report.seconds:.1f} s")
            for path, reason in report.failed:
                print(f"failed: {path}: {reason}", flush=True)
        except Exception as exc:  # shown in the UI; the app keeps serving what exists
            self.status.error = f"{type(exc).__name__}: {exc}"
            self.status.message = f"build failed: {self.status.error}"
        finally:
            self.status.running = False
            print(self.status.message, flush=True)
            self.finished.set()
