"""Triple stores behind one small interface, chosen by configuration.

``OxigraphStore`` (default) keeps the dataset on disk in RocksDB through
pyoxigraph; ``RdflibStore`` keeps an rdflib ``Dataset`` in memory and saves it
as N-Quads. Both hold one named graph per document and answer SPARQL over the
union of all graphs by default.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
import rdflib.plugins.sparql
from rdflib import Dataset, Graph, URIRef

from ingest.registry import Registry
from kg.graph.guard import check_query
from kg.graph.oxigraph import from_oxigraph_term, open_read_only as _open_read_only, run_query, to_oxigraph_term
from kg.graph.sparql import QueryResult, SparqlError, reject_update

# rdflib would fetch the IRI of a FROM / FROM NAMED clause from the web (or read it as a file).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

Triple = tuple  # (subject, predicate, object) as rdflib terms


class StoreLockedError(RuntimeError):
    """The on-disk store is open for writing in another process."""


class TripleStore(ABC):
    """One named graph per document; SPARQL over their union."""

    name = "abstract"
    # Whether a change is on disk once its call returns, so that a crash right after keeps it. When
    # False, changes last only from ``flush`` on, and ingest commits documents to its ledger after it.
    durable = False

    @abstractmethod
    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``."""

    @abstractmethod
    def change_graph(self, graph: URIRef, removed: Iterable[Triple], added: Iterable[Triple]) -> None:
        """Take ``removed`` out of ``graph`` and put ``added`` in (a triple not there, or already
        there, is no error): the corpus-wide graphs change this way, a few triples at a time.
        Raises ``NotImplementedError`` where the backend can only replace a graph whole."""

    @abstractmethod
    def remove_graph(self, graph: URIRef) -> None:
        """Drop a named graph and all its triples (no error if absent)."""

    @abstractmethod
    def graphs(self) -> set[URIRef]:
        """IRIs of the named graphs."""

    @abstractmethod
    def _run(self, query: str, prefixes: dict) -> QueryResult:
        ...

    def query(self, query: str, prefixes: dict | None = None, *, max_rows: int | None = None,
              services: Iterable[str] = ()) -> QueryResult:
        """Run a read-only SPARQL query; raises SparqlError on bad syntax or an update.

        ``prefixes`` (name -> namespace) are declared for the query unless it declares them itself.
        The query must pass ``kg.graph.guard.check_query`` first (``QueryRefused``, a SparqlError,
        otherwise): no nesting or flat list the store would crash on, and no ``SERVICE`` except to
        the endpoints in ``services``. With ``max_rows`` (> 0) at most that many rows (or triples)
        are returned, and the result says ``truncated`` when there were more.
        """
        reject_update(query)
        prefixes = {k: str(v) for k, v in (prefixes or {}).items()}
        check_query(query, allowed_services=services, prefixes=prefixes)
        return self._run_capped(query, prefixes, max_rows if max_rows and max_rows > 0 else None)

    def _run_capped(self, query: str, prefixes: dict, max_rows: int | None) -> QueryResult:
        """``_run``, then the first ``max_rows`` rows; a backend that can stop reading early overrides this."""
        return _capped(self._run(query, prefixes), max_rows)

    @abstractmethod
    def to_rdflib(self) -> Graph:
        """All triples of all graphs, merged into one rdflib Graph (for SHACL validation)."""

    def triple_count(self) -> int:
        row = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]
        return int(row[0])

    def flush(self) -> None:
        """Persist pending changes."""

    def close(self) -> None:
        self.flush()


def _capped(result: QueryResult, max_rows: int | None) -> QueryResult:
    """``result`` cut to its first ``max_rows`` rows (or triples), marked ``truncated`` if it had more."""
    if max_rows is None:
        return result
    if result.kind == "SELECT" and len(result.rows) > max_rows:
        result.rows, result.truncated = result.rows[:max_rows], True
    elif result.kind == "CONSTRUCT" and result.graph is not None and len(result.graph) > max_rows:
        kept = Graph()
        for i, t in enumerate(result.graph):
            if i == max_rows:
                break
            kept.add(t)
        result.graph, result.truncated = kept, True
    return result


# --- Oxigraph -------------------------------------------------------------

# to_oxigraph_term, from_oxigraph_term and _open_read_only live in kg.graph.oxigraph (imported above),
# which a query worker process can import without the rest of policykg.


class OxigraphStore(TripleStore):
    """pyoxigraph on disk (``path``) or in memory (``path=None``)."""

    name = "oxigraph"

    @property
    def native(self) -> "ox.Store":
        """The underlying pyoxigraph Store, for work pyoxigraph does faster itself (serialising)."""
        return self._store

    def __init__(self, path: Path | None = None, read_only: bool = False):
        self._read_only = read_only
        self.durable = path is not None  # RocksDB logs every write before the call returns
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = _open_read_only(Path(path))
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreLockedError(
                    f"the graph at {path} is open for writing by another policykg instance "
                    "(stop the app or the running ingest first)"
                ) from exc
            raise

    def replace_graph(self, graph, triples):
        g = ox.NamedNode(str(graph))
        self._store.remove_graph(g) if self._store.contains_named_graph(g) else None
        self._store.extend(ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o), g) for s, p, o in triples)
        self._store.add_graph(g)

    def change_graph(self, graph, removed, added):
        g = ox.NamedNode(str(graph))
        for s, p, o in removed:
            self._store.remove(ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o), g))
        self._store.extend(ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o), g) for s, p, o in added)
        self._store.add_graph(g)

    def remove_graph(self, graph):
        g = ox.NamedNode(str(graph))
        if self._store.contains_named_graph(g):
            self._store.remove_graph(g)

    def graphs(self):
        return {URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}

    def _run(self, query, prefixes):
        return run_query(self._store, query, prefixes)

    def _run_capped(self, query, prefixes, max_rows):
        return run_query(self._store, query, prefixes, max_rows=max_rows)  # stops reading at the cap

    def to_rdflib(self):
        g = Graph()
        for q in self._store.quads_for_pattern(None, None, None, None):
            g.add((from_oxigraph_term(q.subject), from_oxigraph_term(q.predicate), from_oxigraph_term(q.object)))
        return g

    def flush(self):
        if self._store is not None and not self._read_only:
            self._store.flush()

    def close(self):
        self.flush()
        self._store = None  # pyoxigraph releases the RocksDB lock when the store is freed


# --- rdflib ---------------------------------------------------------------

class RdflibStore(TripleStore):
    """rdflib's in-memory Dataset, saved to ``path`` (N-Quads) on flush."""

    name = "rdflib"

    def __init__(self, path: Path | None = None, read_only: bool = False):
        self._path = Path(path) if path else None
        self._read_only = read_only
        self._dirty = False
        self._ds = Dataset(default_union=True)
        if self._path and self._path.is_file():
            self._ds.parse(self._path, format="nquads")

    def replace_graph(self, graph, triples):
        self._ds.remove_graph(self._ds.graph(graph))
        g = self._ds.graph(graph)
        for t in triples:
            g.add(t)
        self._dirty = True

    def change_graph(self, graph, removed, added):
        g = self._ds.graph(graph)
        for t in removed:
            g.remove(t)
        for t in added:
            g.add(t)
        self._dirty = True

    def remove_graph(self, graph):
        if graph in self.graphs():
            self._ds.remove_graph(self._ds.graph(graph))
            self._dirty = True

    def graphs(self):
        return {c.identifier for c in self._ds.graphs() if isinstance(c.identifier, URIRef)
                and c.identifier != self._ds.default_graph.identifier and len(c)}

    def _run(self, query, prefixes):
        return self._run_capped(query, prefixes, None)

    def _run_capped(self, query, prefixes, max_rows):
        try:
            res = self._ds.query(query, initNs=prefixes)
            if res.type == "ASK":
                return QueryResult("ASK", boolean=bool(res.askAnswer))
            if res.type in ("CONSTRUCT", "DESCRIBE"):
                return _capped(QueryResult("CONSTRUCT", graph=res.graph), max_rows)
            rows, truncated = [], False
            for row in res:  # rdflib yields SELECT rows as it finds them: stop at the cap
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append(tuple(row))
        except (SparqlError, OSError):  # OSError: an allowed SERVICE call that failed
            raise
        except Exception as exc:  # pyparsing's ParseException and rdflib's own errors, when parsing or evaluating
            raise SparqlError(str(exc) or type(exc).__name__) from exc
        return QueryResult("SELECT", vars=[str(v) for v in res.vars], rows=rows, truncated=truncated)

    def to_rdflib(self):
        g = Graph()
        for s, p, o, _ in self._ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g

    def triple_count(self):
        return sum(len(self._ds.graph(g)) for g in self.graphs())

    def flush(self):
        if self._path and self._dirty and not self._read_only:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(".tmp")
            self._ds.serialize(tmp, format="nquads")
            tmp.replace(self._path)
            self._dirty = False


# Stores by name: ``factory(home, read_only=False) -> TripleStore``. Third-party stores
# register through the ``policykg.stores`` entry point group.
stores: Registry[TripleStore] = Registry("store", "policykg.stores")
stores.register("oxigraph", lambda home, read_only=False: OxigraphStore(Path(home) / "graph", read_only=read_only))
stores.register("rdflib", lambda home, read_only=False: RdflibStore(Path(home) / "graph.nq", read_only=read_only))


def _open_sparql(home, read_only=False, settings=None):
    """The graph on a SPARQL 1.1 server (``kg.graph.remote``; the URLs come from ``settings``, by default
    from the environment)."""
    from kg.graph.remote import open_sparql_store

    return open_sparql_store(home, read_only=read_only, settings=settings)


stores.register("sparql", _open_sparql)


def _takes_settings(factory) -> bool:
    try:
        return "settings" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False


def open_store(backend: str, home: Path, read_only: bool = False, settings=None) -> TripleStore:
    """Open the named store under ``home`` (see ``stores``). A factory that takes a ``settings``
    keyword (the ``sparql`` store: its server's URLs) is given the knowledge base's ``Settings``."""
    factory = stores.factory(backend)
    if settings is not None and _takes_settings(factory):
        return factory(home, read_only=read_only, settings=settings)
    return factory(home, read_only=read_only)
