"""Reading an Oxigraph (pyoxigraph) store: terms, read-only opening, queries on a deep stack.

Kept apart from ``kg.graph.store`` so that a query worker process
(``kg.graph.worker``) can import it without the rest of policykg (ingest,
spaCy): it needs only pyoxigraph, rdflib and ``kg.graph.sparql``.

Queries run on threads with a large stack (``STACK_BYTES``). Oxigraph parses
and evaluates recursively on the calling thread's stack, and on an ordinary
8 MB stack a few thousand nested brackets or chained patterns overflow it and
kill the process; at 256 MB the smallest such query is far longer than any the
endpoint accepts (``kg.graph.guard`` refuses the usual shapes before that).
The stack is reserved address space: memory is used only as deep as a query
actually recurses.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Callable, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.graph.sparql import QueryResult, SparqlError

T = TypeVar("T")

STACK_BYTES = 256 * 1024 * 1024
DEEP_STACK_THREADS = 4

__all__ = ["to_oxigraph_term", "from_oxigraph_term", "open_read_only", "run_query", "on_deep_stack",
           "STACK_BYTES"]


def to_oxigraph_term(t):
    """The pyoxigraph term for an rdflib term."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {t!r}")


def from_oxigraph_term(t):
    """The rdflib term for a pyoxigraph term (None stays None)."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value, datatype=None if dt == str(XSD.string) else URIRef(dt))
    raise TypeError(f"unsupported term {t!r}")


def open_read_only(path: Path, attempts: int = 8) -> "ox.Store":
    """Open a store another process may be writing to.

    A read-only RocksDB open reads the file list, then the files; a compaction
    in the writer between the two removes a file ("Corruption: ... No such
    file"), so such an open is tried again after a short wait. The store seen
    is the one on disk at the moment of opening: reopen it to see later writes.
    """
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(path))
        except (RuntimeError, OSError) as exc:
            if "No such file" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


def run_query(store: "ox.Store", query: str, prefixes: dict[str, str] | None = None,
              max_rows: int | None = None) -> QueryResult:
    """Run ``query`` over the union of the store's graphs, on a deep stack.

    At most ``max_rows`` rows (or triples of a CONSTRUCT) are read from the
    store, and the result is marked ``truncated`` when there were more; the
    rest is never computed for queries Oxigraph can stream (no ORDER BY,
    DISTINCT or aggregate over everything). Raises ``SparqlError`` for a
    malformed query and ``OSError`` for a store that cannot be read (or a
    failed SERVICE call).
    """
    return on_deep_stack(_run_query, store, query, prefixes or {}, max_rows)


def _run_query(store, query, prefixes, max_rows):
    try:
        res = store.query(query, use_default_graph_as_union=True, prefixes=prefixes)
    except SyntaxError as exc:
        raise SparqlError(str(exc)) from exc
    limit = max_rows if max_rows and max_rows > 0 else None
    if isinstance(res, ox.QueryTriples):
        return triples_result(res, limit)
    return solutions_result(res, limit)


def solutions_result(res, limit: int | None) -> QueryResult:
    """Oxigraph's ``QueryBoolean`` or ``QuerySolutions`` (a store's, or parsed from a server's reply)
    as a ``QueryResult``, reading at most ``limit`` rows and marking it ``truncated`` if there were more."""
    if isinstance(res, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(res))
    names = [v.value for v in res.variables]
    rows, truncated = [], False
    for sol in res:
        if limit is not None and len(rows) >= limit:
            truncated = True
            break
        rows.append(tuple(from_oxigraph_term(sol[v]) for v in names))
    return QueryResult("SELECT", vars=names, rows=rows, truncated=truncated)


def triples_result(triples, limit: int | None) -> QueryResult:
    """Oxigraph triples or quads (a CONSTRUCT's, or parsed RDF) as a CONSTRUCT ``QueryResult`` of at most
    ``limit`` triples, marked ``truncated`` if there were more."""
    g, truncated = Graph(), False
    for i, t in enumerate(triples):
        if limit is not None and i >= limit:
            truncated = True
            break
        g.add((from_oxigraph_term(t.subject), from_oxigraph_term(t.predicate), from_oxigraph_term(t.object)))
    return QueryResult("CONSTRUCT", graph=g, truncated=truncated)


# --- threads with a deep stack ----------------------------------------------

class _DeepStackThreads:
    """A few daemon threads with ``STACK_BYTES`` of stack, started on first use."""

    def __init__(self, size: int):
        self.size = size
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.busy = 0  # jobs handed over and not finished
        self.lock = threading.Lock()
        self.ours = threading.local()

    def call(self, fn: Callable[..., T], *args) -> T:
        if getattr(self.ours, "deep", False):
            return fn(*args)
        done = threading.Event()
        box: dict = {}
        with self.lock:
            self.busy += 1
            if self.busy > len(self.threads) and len(self.threads) < self.size:
                self._start()
        self.jobs.put((fn, args, box, done))
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _start(self) -> None:
        old = threading.stack_size()
        try:
            threading.stack_size(STACK_BYTES)
            t = threading.Thread(target=self._loop, name=f"policykg-query-{len(self.threads)}", daemon=True)
            t.start()
        except (ValueError, RuntimeError, MemoryError):  # no room for such a stack: an ordinary one
            threading.stack_size(old)
            t = threading.Thread(target=self._loop, name=f"policykg-query-{len(self.threads)}", daemon=True)
            t.start()
        finally:
            threading.stack_size(old)
        self.threads.append(t)

    def _loop(self) -> None:
        self.ours.deep = True
        while True:
            fn, args, box, done = self.jobs.get()
            try:
                box["value"] = fn(*args)
            except BaseException as exc:  # handed to the caller
                box["error"] = exc
            finally:
                with self.lock:
                    self.busy -= 1
                done.set()
                # drop this job's references while waiting for the next: a store kept alive by them
                # would keep its RocksDB write lock after the knowledge base closed it
                fn = args = box = done = None


_threads = _DeepStackThreads(DEEP_STACK_THREADS)


def on_deep_stack(fn: Callable[..., T], *args) -> T:
    """``fn(*args)`` on one of a few threads with a ``STACK_BYTES`` stack; blocks until it returns.

    Called from such a thread, it runs ``fn`` directly.
    """
    return _threads.call(fn, *args)
