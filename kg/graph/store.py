"""Triple stores behind one small interface, chosen by configuration.

``OxigraphStore`` (default) keeps the dataset on disk in RocksDB through
pyoxigraph; ``RdflibStore`` keeps an rdflib ``Dataset`` in memory and saves it
as N-Quads. Both hold one named graph per document and answer SPARQL over the
union of all graphs by default.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from ingest.registry import Registry
from kg.graph.sparql import QueryResult, SparqlError, reject_update

Triple = tuple  # (subject, predicate, object) as rdflib terms


class StoreLockedError(RuntimeError):
    """The on-disk store is open for writing in another process."""


class TripleStore(ABC):
    """One named graph per document; SPARQL over their union."""

    name = "abstract"

    @abstractmethod
    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``."""

    @abstractmethod
    def remove_graph(self, graph: URIRef) -> None:
        """Drop a named graph and all its triples (no error if absent)."""

    @abstractmethod
    def graphs(self) -> set[URIRef]:
        """IRIs of the named graphs."""

    @abstractmethod
    def _run(self, query: str, prefixes: dict) -> QueryResult:
        ...

    def query(self, query: str, prefixes: dict | None = None) -> QueryResult:
        """Run a read-only SPARQL query; raises SparqlError on bad syntax or an update.

        ``prefixes`` (name -> namespace) are declared for the query unless it declares them itself.
        """
        reject_update(query)
        return self._run(query, {k: str(v) for k, v in (prefixes or {}).items()})

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


# --- Oxigraph -------------------------------------------------------------

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


def _open_read_only(path: Path, attempts: int = 8):
    """Open a store another process may be writing to.

    A read-only RocksDB open reads the file list, then the files; a compaction
    in the writer between the two removes a file ("Corruption: ... No such
    file"), so such an open is tried again after a short wait.
    """
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(path))
        except (RuntimeError, OSError) as exc:
            if "No such file" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)


class OxigraphStore(TripleStore):
    """pyoxigraph on disk (``path``) or in memory (``path=None``)."""

    name = "oxigraph"

    @property
    def native(self) -> "ox.Store":
        """The underlying pyoxigraph Store, for work pyoxigraph does faster itself (serialising)."""
        return self._store

    def __init__(self, path: Path | None = None, read_only: bool = False):
        self._read_only = read_only
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

    def remove_graph(self, graph):
        g = ox.NamedNode(str(graph))
        if self._store.contains_named_graph(g):
            self._store.remove_graph(g)

    def graphs(self):
        return {URIRef(g.value) for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}

    def _run(self, query, prefixes):
        try:
            res = self._store.query(query, use_default_graph_as_union=True, prefixes=prefixes)
        except SyntaxError as exc:
            raise SparqlError(str(exc)) from exc
        if isinstance(res, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(res))
        if isinstance(res, ox.QueryTriples):
            g = Graph()
            for t in res:
                g.add((from_oxigraph_term(t.subject), from_oxigraph_term(t.predicate), from_oxigraph_term(t.object)))
            return QueryResult("CONSTRUCT", graph=g)
        vars = [v.value for v in res.variables]
        rows = [tuple(from_oxigraph_term(sol[v]) for v in vars) for sol in res]
        return QueryResult("SELECT", vars=vars, rows=rows)

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

    def remove_graph(self, graph):
        if graph in self.graphs():
            self._ds.remove_graph(self._ds.graph(graph))
            self._dirty = True

    def graphs(self):
        return {c.identifier for c in self._ds.graphs() if isinstance(c.identifier, URIRef)
                and c.identifier != self._ds.default_graph.identifier and len(c)}

    def _run(self, query, prefixes):
        try:
            res = self._ds.query(query, initNs=prefixes)
        except Exception as exc:  # pyparsing's ParseException and rdflib's own errors
            raise SparqlError(str(exc)) from exc
        if res.type == "ASK":
            return QueryResult("ASK", boolean=bool(res.askAnswer))
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult("CONSTRUCT", graph=res.graph)
        vars = [str(v) for v in res.vars]
        return QueryResult("SELECT", vars=vars, rows=[tuple(row) for row in res])

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


def open_store(backend: str, home: Path, read_only: bool = False) -> TripleStore:
    """Open the named store under ``home`` (see ``stores``)."""
    return stores.create(backend, home, read_only=read_only)
