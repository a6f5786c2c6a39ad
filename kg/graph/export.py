"""Whole-graph export: every named graph of a store in a standard RDF syntax.

What is written is the union of the store's named graphs: one per document and
the shared ones (ontology, regions, indicators, entities, the 2021 standard).
``turtle`` and ``ntriples`` merge them into one graph (a triple stated in two
graphs is written once); ``trig``, ``nquads`` and ``jsonld`` keep each graph
under its name. The graph model is written as it is stored: observations are
``qb:Observation`` with ``prov:wasDerivedFrom`` their sentence and NIF offsets
on their spans.

Turtle, TriG, N-Quads and N-Triples are written by pyoxigraph's own
serializers: streaming from the Oxigraph store; from any other store after
reading its quads with SPARQL into memory (rdflib's Turtle writer is not used:
it would rewrite ``"98"^^xsd:decimal`` as ``98.0``). JSON-LD is written by
rdflib from a dataset built in memory, compacted with an ``@context`` of the
prefixes.
"""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from kg.graph.namespaces import ID, PREFIXES
from kg.graph.observations import sparql_iri, sparql_string
from kg.graph.store import OxigraphStore, TripleStore, from_oxigraph_term, to_oxigraph_term  # rdflib <-> pyoxigraph terms

__all__ = ["ExportFormat", "Exported", "FORMATS", "DEFAULT_FORMAT", "export_graph", "document_graph", "entity_graph",
           "turtle_of"]


@dataclass(frozen=True)
class ExportFormat:
    """One export syntax and the serializer that writes it."""

    name: str
    media_type: str
    extension: str
    named_graphs: bool  # True: each graph kept under its name; False: all graphs merged into one
    prefixes: bool  # the syntax declares prefixes (Turtle, TriG) or a JSON-LD @context
    oxigraph: ox.RdfFormat | None  # pyoxigraph's serializer, or
    rdflib: str | None = None  # rdflib's, where pyoxigraph's is not used


FORMATS: dict[str, ExportFormat] = {
    "turtle": ExportFormat("turtle", "text/turtle", "ttl", named_graphs=False, prefixes=True,
                           oxigraph=ox.RdfFormat.TURTLE),
    "trig": ExportFormat("trig", "application/trig", "trig", named_graphs=True, prefixes=True,
                         oxigraph=ox.RdfFormat.TRIG),
    "nquads": ExportFormat("nquads", "application/n-quads", "nq", named_graphs=True, prefixes=False,
                           oxigraph=ox.RdfFormat.N_QUADS),
    "ntriples": ExportFormat("ntriples", "application/n-triples", "nt", named_graphs=False, prefixes=False,
                             oxigraph=ox.RdfFormat.N_TRIPLES),
    # pyoxigraph's JSON-LD has no @context: rdflib's is compacted with the prefixes
    "jsonld": ExportFormat("jsonld", "application/ld+json", "jsonld", named_graphs=True, prefixes=True,
                           oxigraph=None, rdflib="json-ld"),
}
DEFAULT_FORMAT = "turtle"

# IRIs under id: are paths (doc/alpha/sentence/char=0,26), which Turtle and TriG could
# only abbreviate with backslash escapes (id:doc\/alpha\/sentence\/char\=0\,26): they are
# written in full, and id: is declared on a line of its own for readers' own use.
_PATH_NAMESPACE = str(ID)

_ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
# The merged graph, one named graph after another: a triple is written with the first graph
# (in IRI order) that holds it, so none is written twice and nothing is held in memory.
_FIRST_STATED = ("CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
                 "FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (STR(?h) < {name}) }} }}")


@dataclass(frozen=True)
class Exported:
    """What an export wrote: ``statements`` triples (merged formats) or quads, from ``graphs`` named graphs."""

    format: str
    statements: int
    graphs: int

    @property
    def unit(self) -> str:
        return "quads" if FORMATS[self.format].named_graphs else "triples"


def export_graph(store: TripleStore, out: str | os.PathLike | IO, fmt: str = DEFAULT_FORMAT) -> Exported:
    """Write every named graph of ``store`` to ``out`` in the syntax ``fmt`` (a key of ``FORMATS``).

    ``out`` is a path or an open stream (binary, or text with a binary ``buffer``
    such as ``sys.stdout``). A path is written through a temporary file beside it
    and replaced only when the export is complete. Raises ``ValueError`` for an
    unknown format and ``OSError`` when ``out`` cannot be written.
    """
    spec = FORMATS.get(fmt)
    if spec is None:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")
    source = _source(store)
    with _binary_output(out) as fh:
        if spec.oxigraph is not None:
            count = _write_oxigraph(source, fh, spec)
        else:
            count = _write_rdflib(source, fh, spec)
    return Exported(spec.name, count, len(source.graphs))


# -- one document, one entity ----------------------------------------------------
# What the app's "Download Turtle" buttons write: a CONSTRUCT through ``kb.sparql`` (any store), written
# by pyoxigraph's Turtle serializer with the prefixes, like the whole-graph export.

def document_graph(kb, doc_id: str) -> bytes:
    """The named graph of one document (its text, sentences, figures, mentions and provenance) as Turtle.
    Raises ``KeyError`` for a document that is not ingested."""
    from kg.graph.namespaces import doc_graph

    if doc_id not in kb.state.docs:
        raise KeyError(doc_id)
    return turtle_of(kb.sparql(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {sparql_iri(str(doc_graph(doc_id)))} {{ ?s ?p ?o }} }}"))


def entity_graph(kb, iri: str) -> bytes:
    """What the graph states about one entity (its IRI as subject) and what points to it (as object), as Turtle."""
    node = sparql_iri(iri)
    return turtle_of(kb.sparql(f"CONSTRUCT {{ {node} ?p ?o . ?s ?q {node} }} "
                               f"WHERE {{ {{ {node} ?p ?o }} UNION {{ ?s ?q {node} }} }}"))


def turtle_of(result) -> bytes:
    """The triples of a CONSTRUCT or DESCRIBE ``QueryResult`` as Turtle (subjects in IRI order)."""
    triples = sorted((ox.Triple(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o))
                      for s, p, o in (result.graph if result.graph is not None else ())),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    fh = io.BytesIO()
    _path_prefix_line(fh)
    ox.serialize(triples, fh, ox.RdfFormat.TURTLE, prefixes=_abbreviations())
    return fh.getvalue()


# -- what is written ------------------------------------------------------------

def _source(store: TripleStore):
    """The store's quads: read from Oxigraph's own Store (``OxigraphStore.native``)
    as they are written, or from any other store with SPARQL, the one query every store answers."""
    if isinstance(store, OxigraphStore):
        return _StoreSource(store.native)
    return _RowSource(store.query(_ALL_QUADS).rows)


class _StoreSource:
    """A pyoxigraph Store, read graph by graph as the output is written."""

    def __init__(self, native: ox.Store):
        self.native = native
        self.graphs = sorted((g for g in native.named_graphs() if isinstance(g, ox.NamedNode)
                              and next(native.quads_for_pattern(None, None, None, g), None)),  # not empty ones
                             key=lambda g: g.value)

    def quads(self) -> Iterator[ox.Quad]:
        for g in self.graphs:
            yield from self.native.quads_for_pattern(None, None, None, g)

    def triples(self) -> Iterator[ox.Triple]:
        for g in self.graphs:
            yield from self.native.query(_FIRST_STATED.format(graph=sparql_iri(g.value), name=sparql_string(g.value)))


class _RowSource:
    """Any other store: its quads from SPARQL rows (rdflib terms), held in memory."""

    def __init__(self, rows):
        by_graph: dict[str, list[ox.Quad]] = {}
        for g, s, p, o in rows:
            if isinstance(g, URIRef):
                by_graph.setdefault(str(g), []).append(ox.Quad(to_oxigraph_term(s), to_oxigraph_term(p), to_oxigraph_term(o), to_oxigraph_term(g)))
        for quads in by_graph.values():
            quads.sort(key=lambda q: (str(q.subject), str(q.predicate)))  # one block per subject
        self._by_graph = by_graph
        self.graphs = [ox.NamedNode(g) for g in sorted(by_graph)]

    def quads(self) -> Iterator[ox.Quad]:
        for g in self.graphs:
            yield from self._by_graph[g.value]

    def triples(self) -> Iterator[ox.Triple]:
        seen = set()
        for q in self.quads():
            if q.triple not in seen:
                seen.add(q.triple)
                yield q.triple


# -- writers --------------------------------------------------------------------

def _abbreviations() -> dict[str, str]:
    return {p: str(ns) for p, ns in PREFIXES.items() if str(ns) != _PATH_NAMESPACE}


def _path_prefix_line(fh: IO[bytes]) -> None:
    name = next(p for p, ns in PREFIXES.items() if str(ns) == _PATH_NAMESPACE)
    fh.write(f"@prefix {name}: <{_PATH_NAMESPACE}> .\n".encode())


def _write_oxigraph(source, fh: IO[bytes], spec: ExportFormat) -> int:
    counted = _Counter(source.quads() if spec.named_graphs else source.triples())  # graphs in IRI order
    if spec.prefixes:
        _path_prefix_line(fh)
    ox.serialize(counted, fh, spec.oxigraph, prefixes=_abbreviations() if spec.prefixes else None)
    return counted.n


def _write_rdflib(source, fh: IO[bytes], spec: ExportFormat) -> int:
    """JSON-LD: an rdflib Dataset of the named graphs, compacted with the prefixes as its @context."""
    data = Dataset()
    held = {g.value: data.graph(URIRef(g.value)) for g in source.graphs}
    count = 0
    for q in source.quads():
        held[q.graph_name.value].add((from_oxigraph_term(q.subject), from_oxigraph_term(q.predicate), from_oxigraph_term(q.object)))
        count += 1
    context = {p: str(ns) for p, ns in PREFIXES.items()}
    data.serialize(destination=fh, format=spec.rdflib, context=context, auto_compact=True, encoding="utf-8")
    return count


class _Counter:
    """Passes statements through and counts them."""

    def __init__(self, items):
        self._items = iter(items)
        self.n = 0

    def __iter__(self):
        return self

    def __next__(self):
        item = next(self._items)
        self.n += 1
        return item


# -- output -------------------------------------------------------------------

@contextmanager
def _binary_output(out) -> Iterator[IO[bytes]]:
    """A binary stream for ``out``; a regular file is replaced only after a complete write."""
    if hasattr(out, "write"):
        if isinstance(out, io.TextIOBase):
            if not hasattr(out, "buffer"):
                raise TypeError("the export is bytes: give a path or a binary stream")
            out.flush()
            out = out.buffer  # sys.stdout and the like
        yield out
        out.flush()
        return
    path = Path(out).resolve()  # through a symbolic link: the file it names is replaced
    if path.exists() and not path.is_file():  # a device, a FIFO (or a folder: open says so)
        with open(path, "wb") as fh:
            yield fh
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
