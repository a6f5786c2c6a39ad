"""The HTTP side: a SPARQL 1.1 Protocol endpoint at /sparql beside the Gradio
app, and the background build that runs on first start.

The endpoint only reads requests and writes replies: every query runs in a
``kg.graph.worker.QueryPool`` (worker processes the server can kill, with a
time limit and a row cap), after ``kg.graph.guard``'s checks. Requests are
capped in size, must be UTF-8, and get CORS headers only for the origins in
``settings.cors_origins``. Every refusal is a 4xx (or 502/503) with a one-line
plain-text message; see README, "Endpoint security".
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from kg.kb import KnowledgeBase
from kg.graph.sparql import MEDIA_TYPES, SparqlError, allowed_formats, negotiate  # noqa: F401 (re-exported)
from kg.graph.worker import QueryPool, Reply

TRUNCATED_HEADER = "X-Policykg-Truncated"
ROW_LIMIT_HEADER = "X-Policykg-Row-Limit"
WRITER_WAIT = 3600.0  # seconds the app's build waits for another process's ingest to finish
BODY_FACTOR = 4  # a request body may be this many times the query limit (form encoding triples some bytes)


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _error(status: int, message: str, headers: dict | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def _parse_urlencoded(raw: bytes, what: str) -> list[tuple[str, str]]:
    """``a=b&c=d`` pairs, percent-decoded as UTF-8; ``_Refused`` (400) for anything else."""
    pairs = []
    for part in raw.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        try:
            pairs.append((unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8"),
                          unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")))
        except UnicodeDecodeError:
            raise _Refused(400, f"the {what} is not valid UTF-8 (percent-encode the query as UTF-8)") from None
    return pairs


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Refused(413, f"the request body is {int(declared):,} bytes; this endpoint takes at most {limit:,}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Refused(413, f"the request body is over {limit:,} bytes, the most this endpoint takes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette reads a form from here
    return body


async def _query_request(request: Request, max_query_bytes: int) -> tuple[str, dict[str, str]]:
    """The query and the other protocol parameters of a request; ``_Refused`` for anything wrong with it."""
    raw_qs = request.scope.get("query_string", b"")
    if len(raw_qs) > BODY_FACTOR * max_query_bytes:
        raise _Refused(414, f"the URL is over {BODY_FACTOR * max_query_bytes:,} bytes; POST long queries")
    pairs = _parse_urlencoded(raw_qs, "query string")
    if request.method == "POST":
        ctype, _, ctype_params = request.headers.get("content-type", "").partition(";")
        ctype = ctype.strip().lower()
        if ctype == "application/sparql-update":
            raise _Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
        if ctype == "application/sparql-query":
            body = await _read_body(request, BODY_FACTOR * max_query_bytes)
            charset = next((v.strip().strip('"') for k, _, v in (x.partition("=") for x in ctype_params.split(";"))
                            if k.strip().lower() == "charset"), "utf-8")
            try:
                pairs.append(("query", body.decode(charset)))
            except LookupError:
                raise _Refused(415, f"unknown charset {charset!r}; send the query as UTF-8") from None
            except UnicodeDecodeError:
                raise _Refused(400, f"the request body is not valid {charset} text; send the query as UTF-8") from None
        elif ctype == "application/x-www-form-urlencoded":
            pairs += _parse_urlencoded(await _read_body(request, BODY_FACTOR * max_query_bytes), "request body")
        elif ctype == "multipart/form-data":
            await _read_body(request, BODY_FACTOR * max_query_bytes)
            try:
                form = await request.form(max_files=0, max_fields=100)
            except Exception as exc:  # malformed multipart: the parser's own message
                raise _Refused(400, f"cannot read the form: {exc}") from None
            pairs += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
        elif not any(k == "query" for k, _ in pairs):
            raise _Refused(415, f"unsupported Content-Type {ctype!r}: use application/sparql-query "
                                "or application/x-www-form-urlencoded")
    names = [k for k, _ in pairs]
    if "update" in names:
        raise _Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
    queries = [v for k, v in pairs if k == "query"]
    if len(queries) > 1:
        raise _Refused(400, "more than one 'query' parameter")
    if not queries or not queries[0].strip():
        raise _Refused(400, "missing 'query' parameter")
    query = queries[0]
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > max_query_bytes:
        raise _Refused(413, f"the query is {size:,} bytes; this endpoint takes queries of at most "
                            f"{max_query_bytes:,} bytes (POLICYKG_SPARQL_MAX_QUERY_BYTES)")
    return query, {k: v for k, v in pairs if k != "query"}


class _Cors:
    """CORS headers for the configured origins only (none by default; ``*`` allows any)."""

    EXPOSE = f"{TRUNCATED_HEADER}, {ROW_LIMIT_HEADER}"

    def __init__(self, origins):
        self.any = "*" in origins
        self.origins = {o.rstrip("/") for o in origins if o != "*"}

    def headers(self, origin: str | None, preflight: bool = False) -> dict[str, str]:
        out = {"Vary": "Origin"} if self.origins else {}
        if origin and (self.any or origin.rstrip("/") in self.origins):
            out["Access-Control-Allow-Origin"] = "*" if self.any else origin
            out["Access-Control-Expose-Headers"] = self.EXPOSE
            if preflight:
                out.update({"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                            "Access-Control-Allow-Headers": "Accept, Content-Type",
                            "Access-Control-Max-Age": "600"})
        return out


async def _wait(request: Request, pool: QueryPool, query: str, accept, fmt) -> Reply:
    """The pool's reply, waited for without blocking the event loop; a client that goes away stops its query."""
    gone = threading.Event()
    future = asyncio.wrap_future(pool.submit(query, accept, fmt, gone.is_set))
    while True:
        done, _ = await asyncio.wait({future}, timeout=0.25)
        if done:
            return future.result()
        if not gone.is_set() and await request.is_disconnected():
            gone.set()


def sparql_routes(app: FastAPI, kb_getter, settings=None) -> QueryPool:
    """Add GET and POST /sparql (SPARQL 1.1 Protocol, query operation only) and /healthz to ``app``.

    Queries run in a ``QueryPool`` made from ``settings`` (default: the knowledge
    base's); it is returned, and kept as ``app.state.sparql_pool``.
    """
    settings = settings or kb_getter().settings
    pool = QueryPool(settings, kb_getter)
    app.state.sparql_pool = pool
    cors = _Cors(settings.cors_origins)
    limits = {ROW_LIMIT_HEADER: str(pool.max_rows or 0)}

    async def handle(request: Request) -> Response:
        origin = request.headers.get("origin")
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": "GET, POST, OPTIONS", **cors.headers(origin, True)})
        headers = cors.headers(origin)
        try:
            query, params = await _query_request(request, settings.sparql_max_query_bytes)
        except _Refused as exc:
            return _error(exc.status, exc.message, headers)
        reply = await _wait(request, pool, query, request.headers.get("accept"), params.get("format"))
        if reply.status != 200:
            return _error(reply.status, reply.message, headers)
        if reply.kind != "ASK":
            headers.update(limits, **{TRUNCATED_HEADER: "true" if reply.truncated else "false"})
        return Response(reply.body, media_type=f"{reply.media}; charset=utf-8", headers=headers)

    app.add_api_route("/sparql", handle, methods=["GET", "POST", "OPTIONS"], include_in_schema=True,
                      summary="SPARQL 1.1 Protocol query endpoint (read-only)")

    @app.get("/healthz")
    async def health():
        return JSONResponse({"ok": True, "sparql": pool.status()})

    return pool


class BodyLimit:
    """ASGI middleware: request bodies over a cap are answered 413 with a one-line message, before
    the app reads them. File uploads (paths ending in ``/upload``) have their own, larger cap; paths
    under ``exempt`` (the SPARQL endpoint, which caps by query size) are passed through.

    A declared Content-Length over the cap is refused at once; a body without one (chunked) is read
    up to the cap and then handed on, or refused.
    """

    def __init__(self, app, max_bytes: int, max_upload_bytes: int, exempt=("/sparql",)):
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.exempt = tuple(exempt)

    def limit_for(self, path: str) -> int | None:
        if path.startswith(self.exempt):
            return None
        return self.max_upload_bytes if path.rstrip("/").endswith("/upload") else self.max_bytes

    async def __call__(self, scope, receive, send):
        limit = self.limit_for(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit():
            if int(declared) > limit:
                return await self._refuse(send, f"the request body is {int(declared):,} bytes; "
                                                f"this app takes at most {limit:,} here")
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            size += len(message.get("body", b""))
            if size > limit:
                return await self._refuse(send, f"the request body is over {limit:,} bytes, "
                                                f"the most this app takes here")
            chunks.append(message)
            if not message.get("more_body"):
                return await self.app(scope, _replay(chunks, receive), send)

    @staticmethod
    async def _refuse(send, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list, then=None):
    """An ASGI ``receive`` that hands out ``messages`` first, then waits on ``then``."""
    pending = list(messages)

    async def receive():
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive


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

    def _waiting(self, message: str) -> None:
        self.status.message = f"waiting: {message}"
        print(self.status.message, flush=True)

    def _run(self) -> None:
        try:
            report = self.kb.ingest([self.corpus] if self.corpus else None, progress=self._progress,
                                    wait=WRITER_WAIT, waiting=self._waiting)
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
