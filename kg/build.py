"""Ingest orchestration: files -> records (``ingest``) -> document graphs, index and ledger.

Only new or changed documents are processed; documents gone from a folder they
were ingested from are removed; the corpus-wide graphs (indicators, entities,
shared resources) are rebuilt and the search index brought up to date (appending
and tombstoning rows, ``kg.search.index``) when anything changed.

Each document is written atomically with respect to crashes (see ``kg.state.State``):

1. its record, triples and vectors are computed (nothing written yet; the vectors of up to
   ``BATCH_DOCUMENTS`` documents are computed together, then each is written on its own);
2. the ledger marks it *pending* (``state.json`` saved);
3. its record file and vector file are replaced whole, then its named graph;
4. the ledger enters it and clears the mark (saved) -- at once on a store whose
   writes are durable (Oxigraph), after the store's ``flush`` otherwise (rdflib).

Removing a document follows the same steps. The corpus-wide parts come last,
and the ledger records what they were built from (``State.derived``). A crash
anywhere leaves pending documents and/or stale corpus-wide parts; ``recover``
(run at the start of every ingest, and when a knowledge base is opened after a
crash, see ``repair``) removes every part of a pending document -- graph, record,
vectors, ledger entry -- and any part no committed document owns, and the
corpus-wide parts are rebuilt. The next ingest adds those documents again.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import MutableMapping
from typing import Callable, Iterable

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

import ingest
from ingest import ReaderError, file_sha256, manifest
from ingest.readers import supported_suffixes
from ingest.gazetteer import default as default_gazetteer
from ingest.records import DocumentRecord
from ingest.sentences import config_key
from kg.graph.derived import DerivedGraphs
from kg.graph.indicators import PairCache
from kg import docids
from kg.graph.namespaces import (ENTITY_GRAPH, ID, INDICATOR_GRAPH, ONTOLOGY_GRAPH, REGION_GRAPH, SHARED_GRAPH,
                                 STANDARD_GRAPH, doc_graph, slug)
from kg.graph.rdf_document import document_triples
from kg.graph.rdf_entities import mention_triples
from kg.graph.rdf_observations import observation_triples
from kg.graph.rdf_regions import vocabulary_digest, vocabulary_triples
from kg.graph.store import StoreLockedError, TripleStore, open_store
from kg.search.index import SearchIndex
from kg.state import PIPELINE_VERSION, State, fingerprint
from kg.version import __version__
from ontology import ONTOLOGY_FILE, REGIONS_FILE, STANDARD_FILE, path as ontology_path

Progress = Callable[[int, int, str], None]

# New and changed documents are embedded together, this many at a time (or documents holding this
# many sentences): one embedding call for many short documents batches their sentences far better.
BATCH_DOCUMENTS = 64
BATCH_SENTENCES = 2048
log = logging.getLogger(__name__)

DOC_GRAPHS = str(ID["graph/doc/"])  # every document's named graph starts so

# Crash injection, for the tests of recovery: POLICYKG_CRASH_AT=after-graph (or after-graph:2, the
# second time that point is reached) kills this process with SIGKILL there. Points: after-pending,
# after-record, after-vectors, after-graph, after-commit (one document); after-drop-graph (a removal);
# after-index, after-shared (the corpus-wide parts).
CRASH_ENV = "POLICYKG_CRASH_AT"
_CRASH_AT = os.environ.get(CRASH_ENV) or None
_crash_counts: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here if ``POLICYKG_CRASH_AT`` names this point (a no-op otherwise)."""
    if _CRASH_AT is None:
        return
    point, _, nth = _CRASH_AT.partition(":")
    if point != name:
        return
    _crash_counts[name] = _crash_counts.get(name, 0) + 1
    if _crash_counts[name] == int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    repaired: list[str] = field(default_factory=list)  # half-written documents an earlier crash left, removed
    embedded: int = 0  # sentences embedded in this run
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("added", "updated", "unchanged", "removed", "embedded", "seconds")} | {
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "repaired": self.repaired,
        }


class Builder:
    """One ingest run over a knowledge base's store, index and ledger.

    ``embed_phrases(phrases, language)`` embeds metric phrases (for indicator
    grouping and the standard's service areas). ``max_document_chars`` refuses
    longer documents (``ingest.pipeline.DocumentTooLarge``).
    """

    def __init__(self, corpus: Path, store: TripleStore, index: SearchIndex, state: State, embed_phrases,
                 max_document_chars: int | None = None):
        self.corpus = corpus
        self.store = store
        self.index = index
        self.state = state
        self.embed_phrases = embed_phrases
        self.max_document_chars = max_document_chars
        self._deferred: dict[str, dict | None] = {}  # ledger changes waiting for the store's flush
        self._config: str | None = None  # the spaCy settings in force (``config_key``), read once per run
        self._sources: dict[Path, str] = {}
        self._clean_start = False  # whether the last run had finished when this one began

    def run(self, paths: Iterable[str | Path] | None, records: dict[str, DocumentRecord],
            progress: Progress | None = None) -> IngestReport:
        """Bring ``records`` (updated in place), the graph, the index and the ledger in line with the files."""
        with self.state.write_lock(wait=2.0):  # a reader repairing after a crash holds it for a moment
            return self._run(paths, records, progress)

    def _run(self, paths, records, progress) -> IngestReport:
        t0 = time.perf_counter()
        self._sources = {}
        store = self.store  # take the write lock before touching anything
        report = IngestReport()
        before = dict(self.state.docs)
        self.state.load()  # what the last run committed, read under the lock
        if self.state.docs != before:  # another process ingested since these records were read
            records.clear()
            records.update(self.state.records())
        self._clean_start = not self.state.needs_recovery()
        report.repaired = self.recover(records)
        roots = []
        for p in paths or [self.corpus]:
            given = Path(p)
            try:
                if given.is_symlink() and not given.exists():  # a loop, or a link to nothing
                    raise FileNotFoundError(given)
                roots.append(given.resolve(strict=False))
            except (OSError, RuntimeError) as exc:
                report.failed.append((str(p), _link_problem(given, exc)))
        files = self._assign_ids(self._discover(roots, report))
        seen = {doc_id for _, _, doc_id in files}
        languages = self.index.languages()  # from the index's table: no need to read every record
        stale = self.index.stale_embedder(languages if languages is not None else {r.language for r in records.values()})
        self._config = config_key()
        batch: list[_Prepared] = []
        # progress(i, n, what): i of n files done; ``what`` says what runs now, so that a long
        # document or the corpus-wide work at the end shows a sign of life
        say = progress or (lambda i, n, what: None)
        for i, (path, meta, doc_id) in enumerate(files):
            say(i, len(files), f"{path.name} · reading and extracting")
            prepared = self._guarded(path, doc_id, records, report, self._prepare, path, meta, doc_id, records, report)
            if prepared is not None:
                batch.append(prepared)
            if batch and (len(batch) >= BATCH_DOCUMENTS or sum(len(p.rec.sentences) for p in batch) >= BATCH_SENTENCES):
                say(i, len(files), _embedding(batch))
                self._write_batch(batch, records, report, stale)
                batch = []
        if batch:
            say(len(files) - 1, len(files), _embedding(batch))
        self._write_batch(batch, records, report, stale)
        self._remove_missing(roots, seen, records, report)
        if stale:
            for doc_id, rec in records.items():
                if doc_id not in report.added + report.updated:
                    say(len(files), len(files), f"re-embedding {doc_id} with the configured embedder")
                    report.embedded += self.index.embed_document(rec, None)
        self._commit_deferred()
        if report.changed or report.repaired or stale:
            say(len(files), len(files), "linking indicators across documents and updating the search index")
        self.derive(records, force=report.changed or bool(report.repaired) or stale, reindex=True)
        say(len(files), len(files), "")
        report.seconds = round(time.perf_counter() - t0, 3)
        return report

    # -- document ids ------------------------------------------------------
    def _assign_ids(self, files: list[tuple[Path, dict]]) -> list[tuple[Path, dict, str]]:
        """Give every file a unique id (``kg.docids``): the one the ledger already gives its
        source, else the first free candidate of its name. Ids of ledger documents whose files
        exist elsewhere stay reserved for them."""
        taken: dict[str, str] = {}  # slug of an id (its IRI segment) -> source holding it
        by_source = {e["source"]: d for d, e in self.state.docs.items()}
        sources = [self._source(path) for path, _ in files]
        ids: list[str | None] = [None] * len(files)
        for i, src in enumerate(sources):
            known = by_source.get(src)
            if known is not None and docids.is_valid(known) and slug(known) not in taken:
                taken[slug(known)] = src
                ids[i] = known
        in_run = set(sources)
        for d, e in self.state.docs.items():
            if e["source"] not in in_run and slug(d) not in taken and Path(e["source"]).exists():
                taken[slug(d)] = e["source"]
        for i, (path, _) in enumerate(files):
            if ids[i] is None:
                ids[i] = next(c for c in docids.candidates(path.name) if slug(c) not in taken)
                taken[slug(ids[i])] = sources[i]
        return [(path, meta, doc_id) for (path, meta), doc_id in zip(files, ids)]

    def _discover(self, roots: list[Path], report: IngestReport) -> list[tuple[Path, dict]]:
        found = []
        suffixes = supported_suffixes()
        for root in roots:
            if root.is_file():
                found.append((root, manifest.load(root.parent).get(root.name, {})))
                continue
            if not root.is_dir():
                problem = _link_problem(root) if root.is_symlink() else f"{root}: no such file or folder"
                report.failed.append((str(root), problem))
                continue
            try:
                rows = manifest.load(root)
            except (ValueError, OSError, UnicodeError) as exc:
                report.failed.append((str(root / manifest.MANIFEST_NAME), str(exc)))
                rows = {}
            for p in sorted(root.rglob("*")):
                if any(part.startswith(".") for part in p.relative_to(root).parts):
                    continue
                if p.is_symlink() and not p.exists():  # a loop, or a link to nothing
                    report.failed.append((str(p), _link_problem(p)))
                    continue
                if not p.is_file():
                    if p.is_symlink() and p.is_dir():
                        report.skipped.append((str(p), "a symbolic link to a folder is not followed; "
                                                       "ingest the folder it points to by its own path"))
                    continue
                if p.name == manifest.MANIFEST_NAME:
                    continue
                if p.suffix.lower() not in suffixes:
                    report.skipped.append((str(p), f"unsupported file type {p.suffix or '(none)'}"))
                    continue
                found.append((p, rows.get(p.name, {}) if p.parent == root else manifest.load(p.parent).get(p.name, {})))
        return self._once(found, report)

    def _source(self, path: Path) -> str:
        """The file's real path (links and ``..`` resolved), as the ledger names its source; once per run."""
        src = self._sources.get(path)
        if src is None:
            src = self._sources[path] = str(path.resolve())
        return src

    def _once(self, found: list[tuple[Path, dict]], report: IngestReport) -> list[tuple[Path, dict]]:
        """Each file once, however many paths or links lead to it: by its own name where that is
        among them (not a link's), else by the first path found."""
        chosen: dict[str, int] = {}  # source -> index into out
        out: list[tuple[Path, dict]] = []
        for path, meta in found:
            source = self._source(path)
            if source not in chosen:
                chosen[source] = len(out)
                out.append((path, meta))
                continue
            kept = out[chosen[source]][0]
            if kept.is_symlink() and not path.is_symlink():
                out[chosen[source]] = (path, meta)
                path, kept = kept, path
            if path != kept:
                report.skipped.append((str(path), f"the same file as {kept}"))
        return out

    # -- one document ------------------------------------------------------
    def _guarded(self, path: Path, doc_id: str, records: dict, report: IngestReport, fn, *args):
        """``fn(*args)``, a failure reported against ``path``; a document it left pending is removed whole."""
        try:
            return fn(*args)
        except ReaderError as exc:
            report.failed.append((str(path), str(exc)))
        except (OSError, ValueError, UnicodeError) as exc:
            report.failed.append((str(path), f"{path.name}: {exc}"))
        except Exception as exc:  # a fault of ours on one document must not lose the others
            report.failed.append((str(path), f"{path.name}: could not be processed ({type(exc).__name__}: {exc}); "
                                             "please report it"))
        finally:
            if doc_id in self.state.pending and doc_id not in self._deferred:
                self._discard(doc_id, records)  # failed half-way: no part of it may stay
        return None

    def _prepare(self, path: Path, meta: dict, doc_id: str, records: dict, report: IngestReport) -> "_Prepared | None":
        """A new or changed document's record and triples (None for an unchanged one); nothing is written."""
        sha = file_sha256(path)
        fp = fingerprint(sha, meta, self._config if self._config is not None else config_key())
        entry = self.state.docs.get(doc_id)
        if entry and entry["fingerprint"] == fp and entry["source"] == self._source(path) and doc_id in records:
            report.unchanged.append(doc_id)
            return None
        # Everything that can fail on the document's content happens before anything is written.
        self._check_size(path)
        rec = ingest.process(path, meta, sha256=sha, doc_id=doc_id, max_chars=self.max_document_chars)
        triples = document_triples(rec, fp) + observation_triples(rec, fp) + mention_triples(rec)
        return _Prepared(path, doc_id, fp, rec, triples)

    def _write_batch(self, batch: list["_Prepared"], records: dict, report: IngestReport, stale: bool) -> None:
        """Embed the documents of ``batch`` together (one call per embedder), then write each atomically."""
        if not batch:
            return
        try:
            vectors = self.index.vectors_for_many([(p.rec, None if stale else records.get(p.doc_id)) for p in batch])
        except Exception:  # embedded one by one below, so a failure stays with its document
            vectors = [None] * len(batch)
        for p, v in zip(batch, vectors):
            self._guarded(p.path, p.doc_id, records, report, self._write_one, p, v, records, report, stale)

    def _write_one(self, p: "_Prepared", vectors, records: dict, report: IngestReport, stale: bool) -> None:
        if vectors is None:
            vectors = self.index.vectors_for(p.rec, None if stale else records.get(p.doc_id))
        matrix, embedded = vectors
        doc_id, rec = p.doc_id, p.rec
        self.state.begin(doc_id)
        crash_point("after-pending")
        self.state.write_record(rec)
        crash_point("after-record")
        self.index.write_vectors(doc_id, matrix)
        crash_point("after-vectors")
        self.store.replace_graph(doc_graph(doc_id), p.triples)
        crash_point("after-graph")
        self._commit(doc_id, State.entry(rec, p.fingerprint))
        report.embedded += embedded
        (report.updated if doc_id in records else report.added).append(doc_id)
        records[doc_id] = rec

    def _check_size(self, path: Path) -> None:
        """Refuse a file too big to hold ``max_document_chars`` characters before reading it: plain text
        of more than four bytes a character, any other format of more than 64 bytes a character."""
        limit = self.max_document_chars
        if not limit:
            return
        size = path.stat().st_size
        text = path.suffix.lower() in (".txt", ".md", ".markdown")
        if size > (4 * limit + 4 if text else 64 * limit):
            held = f"more than {limit:,} characters of text" if text else f"more than {64 * limit:,} bytes"
            raise ReaderError(f"{path.name} is {size:,} bytes, so it has {held}, the limit per document; "
                              f"split it into smaller files, or raise the limit "
                              f"(POLICYKG_MAX_DOCUMENT_CHARS, or Settings(max_document_chars=...))")

    def _commit(self, doc_id: str, entry: dict | None) -> None:
        """Enter a written document in the ledger (None: take a removed one out), once the store holds it."""
        if self.store.durable:
            self.state.commit({doc_id: entry})
            crash_point("after-commit")
        else:
            self._deferred[doc_id] = entry

    def _commit_deferred(self) -> None:
        if self._deferred:
            self.store.flush()
            self.state.commit(self._deferred)
            self._deferred = {}

    def _discard(self, doc_id: str, records: dict) -> None:
        """Remove every part of a document (ledger entry included) and commit that."""
        self.store.remove_graph(doc_graph(doc_id))
        self.state.unlink_record(doc_id)
        self.index.drop_document(doc_id)
        records.pop(doc_id, None)
        self.store.flush()
        self.state.commit({doc_id: None})

    def _remove_missing(self, roots, seen, records, report) -> None:
        for doc_id, entry in list(self.state.docs.items()):
            src = Path(entry["source"])
            under = any(r.is_dir() and src.is_relative_to(r) for r in roots) or src in roots
            if doc_id not in seen and under and not src.exists():
                self.state.begin(doc_id, "drop")
                self.store.remove_graph(doc_graph(doc_id))
                crash_point("after-drop-graph")
                self.index.drop_document(doc_id)
                self.state.unlink_record(doc_id)
                records.pop(doc_id, None)
                self._commit(doc_id, None)
                report.removed.append(doc_id)

    # -- crash recovery ----------------------------------------------------
    def recover(self, records: dict[str, DocumentRecord]) -> list[str]:
        """Remove what an interrupted run left half-written; returns the ids (or graph IRIs) removed.

        Removed entirely (graph, record, vectors, ledger entry): pending documents, documents
        whose record, vectors or graph is missing (or, after a run that stopped half-way, whose
        vectors do not match its sentences), documents whose id is not
        valid (``kg.docids``) or whose graph another document's id also names. Removed as well:
        named document graphs, record files and vector files no committed document owns.
        ``records`` loses the documents removed. The corpus-wide parts are left to ``derive``.
        """
        st = self.state
        graphs = self.store.graphs()
        by_graph: dict[str, list[str]] = {}
        for d in st.docs:
            by_graph.setdefault(str(doc_graph(d)), []).append(d)
        doomed = set(st.pending)
        # a run that stopped half-way gets every vector file's shape checked; otherwise two folder
        # listings say whether each document's files are there (a no-change run stays cheap)
        thorough = st.needs_recovery()
        record_files, vector_files = st.record_ids(), self.index.vector_ids()
        for d, entry in st.docs.items():
            if (not docids.is_valid(d) or len(by_graph[str(doc_graph(d))]) > 1 or doc_graph(d) not in graphs
                    or d not in record_files or d not in vector_files
                    or (thorough and not self.index.has_vectors(d, entry.get("sentences", -1)))):
                doomed.add(d)
        kept = set(st.docs) - doomed
        kept_graphs = {str(doc_graph(d)) for d in kept}
        orphans = sorted(str(g) for g in graphs if str(g).startswith(DOC_GRAPHS) and str(g) not in kept_graphs)
        stray_records = record_files - kept
        stray_vectors = vector_files - kept
        st.clean_temporary()
        self.index.clean_temporary()
        if not (doomed or orphans or stray_records or stray_vectors):
            return []
        for g in orphans:
            self.store.remove_graph(URIRef(g))
        for d in stray_records | doomed:
            st.unlink_record(d)
        for d in stray_vectors | doomed:
            self.index.drop_document(d)
        for d in doomed:
            records.pop(d, None)
        self.store.flush()
        st.commit({d: None for d in doomed})
        named = {str(doc_graph(d)) for d in doomed}
        return sorted(doomed) + [g for g in orphans if g not in named]

    # -- corpus-wide parts -------------------------------------------------
    def derive(self, records: dict[str, DocumentRecord], force: bool = False, reindex: bool = True) -> None:
        """Bring the vocabularies, the combined index and the corpus-wide graphs in line with the
        documents, then record in the ledger what they were built from. Only what changed documents
        touch is redone (``kg.graph.derived``; ``SearchIndex.rebuild`` given the ledger).
        ``reindex=False`` keeps the combined index as it is (its vectors are of another embedder,
        to be re-embedded by the next ingest)."""
        st, store = self.state, self.store
        vocabularies = self._vocabularies_to_load(store)
        key_before = st.derived
        need = (force or bool(vocabularies) or st.legacy or st.derived != st.derived_key()
                or len(self.index) != sum(e.get("sentences", 0) for d, e in st.docs.items() if d in records)
                or not {INDICATOR_GRAPH, ENTITY_GRAPH} <= store.graphs())
        if not need:
            return
        if key_before is not None:
            st.derived = None  # stale until the end of this method
            st.save()
        for graph, name, digest, triples in vocabularies:
            store.replace_graph(graph, triples)
            st.vocabularies[name] = digest
        if reindex:  # the ledger says which documents are unchanged only when the last run finished
            self.index.rebuild(records, ledger={d: e for d, e in st.docs.items() if d in records}
                               if self._clean_start else None)
        crash_point("after-index")
        fingerprints = {d: e["fingerprint"] for d, e in st.docs.items() if d in records}
        self.derived_graphs().update(records, fingerprints, basis=self._basis(), previous=key_before,
                                     key=st.derived_key(),
                                     full=not {SHARED_GRAPH, ENTITY_GRAPH, INDICATOR_GRAPH} <= store.graphs())
        crash_point("after-shared")
        store.flush()
        st.derived = st.derived_key()
        st.save()

    def derived_graphs(self) -> DerivedGraphs:
        """The corpus-wide graphs of this knowledge base, with their contributions file."""
        folder = getattr(self.index, "folder", None)
        embedders = getattr(self.index, "embedders", None)
        pairs = PairCache(folder / "indicator-pairs.npz" if folder is not None else None,
                          embedders.name_for if embedders is not None else (lambda language: ""))
        return DerivedGraphs(self.state.home / "derived.sqlite", self.store, self.embed_phrases, pairs,
                             region_names=_region_names,
                             catalogue=lambda: _service_catalogue(str(ontology_path(STANDARD_FILE))))

    def _basis(self) -> str:
        """What the corpus-wide graphs depend on besides the documents: the pipeline's and the
        software's versions, the vocabularies loaded and the embedders of metric phrases."""
        embedders = getattr(self.index, "embedders", None)
        names = {lang: embedders.name_for(lang) for lang in ("en", "zh")} if embedders is not None else {}
        return json.dumps([PIPELINE_VERSION, __version__, self.state.vocabularies, names], sort_keys=True)

    def _vocabularies_to_load(self, store: TripleStore) -> list[tuple]:
        """The ontology, region gazetteer and standard graphs that changed or are missing:
        ``(graph, file name, digest, triples)`` each."""
        out = []
        graphs = store.graphs()
        for graph, name in ((ONTOLOGY_GRAPH, ONTOLOGY_FILE), (REGION_GRAPH, REGIONS_FILE), (STANDARD_GRAPH, STANDARD_FILE)):
            path = ontology_path(name)
            digest = vocabulary_digest(name, file_sha256(path))  # regions: + the closure rule's version
            if self.state.vocabularies.get(name) == digest and graph in graphs:
                continue
            out.append((graph, name, digest, vocabulary_triples(name, turtle_triples(path))))  # regions: + pkg:withinRegion
        return out


def _region_names(codes: set[str]) -> set[str]:
    """Every name the gazetteer knows for these regions (dropped from metric phrases)."""
    gaz = default_gazetteer()
    names = set()
    for code in codes:
        names |= gaz.names(code)
    return names


def turtle_triples(path) -> list[tuple]:
    """The triples of a Turtle file as rdflib terms, parsed by Oxigraph's parser (the ontology's
    gazetteer is 750 kB: rdflib's parser takes seconds over it, Oxigraph's a fraction of one)."""
    import pyoxigraph as ox

    from kg.graph.oxigraph import from_oxigraph_term

    with open(path, "rb") as fh:
        triples = [(from_oxigraph_term(t.subject), from_oxigraph_term(t.predicate), from_oxigraph_term(t.object))
                   for t in ox.parse(fh, format=ox.RdfFormat.TURTLE, base_iri=Path(path).resolve().as_uri())]
    return list(dict.fromkeys(triples))  # a triple stated twice is one triple


_catalogues: dict[tuple, list] = {}


def _service_catalogue(path: str) -> list[tuple]:
    """(concept, English label, aspect) of each service of the standard, read once per file version."""
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _catalogues:
        g = Graph()
        for t in turtle_triples(path):
            g.add(t)
        catalogue = []
        for concept, label in g.subject_objects(SKOS.prefLabel):
            if getattr(label, "language", None) == "en" and (concept, SKOS.notation, None) in g:
                aspect = g.value(concept, SKOS.broader) or concept
                catalogue.append((concept, str(label), aspect))
        _catalogues.clear()
        _catalogues[key] = sorted(catalogue)
    return _catalogues[key]


class LazyRecords(MutableMapping):
    """The committed documents' records (as ``State.records()``), each read from its file when first
    asked for: a re-ingest that changes nothing reads none of them."""

    def __init__(self, state: State):
        self._state = state
        self._ids = {d for d in state.docs if d not in state.pending}
        self._loaded: dict[str, DocumentRecord] = {}
        self._complete = False

    def _load_all(self) -> None:
        if not self._complete:
            for d in sorted(self._ids - set(self._loaded)):
                try:
                    self._loaded[d] = self._state.record(d)
                except FileNotFoundError:  # removed by a running ingest after the ledger was read
                    self._ids.discard(d)
            self._complete = True

    def __getitem__(self, doc_id: str) -> DocumentRecord:
        if doc_id not in self._ids:
            raise KeyError(doc_id)
        if doc_id not in self._loaded:
            try:
                self._loaded[doc_id] = self._state.record(doc_id)
            except FileNotFoundError:
                self._ids.discard(doc_id)
                raise KeyError(doc_id) from None
        return self._loaded[doc_id]

    def __contains__(self, doc_id) -> bool:
        return doc_id in self._ids

    def __setitem__(self, doc_id: str, rec: DocumentRecord) -> None:
        self._ids.add(doc_id)
        self._loaded[doc_id] = rec

    def __delitem__(self, doc_id: str) -> None:
        if doc_id not in self._ids:
            raise KeyError(doc_id)
        self._ids.discard(doc_id)
        self._loaded.pop(doc_id, None)

    def __iter__(self):
        self._load_all()
        return iter(sorted(self._ids))

    def __len__(self) -> int:
        self._load_all()
        return len(self._ids)


@dataclass
class _Prepared:
    """A document processed and turned into triples, waiting to be embedded and written."""

    path: Path
    doc_id: str
    fingerprint: str
    rec: DocumentRecord
    triples: list


def _embedding(batch: list["_Prepared"]) -> str:
    sentences = sum(len(p.rec.sentences) for p in batch)
    names = batch[0].path.name + (f" and {len(batch) - 1} more" if len(batch) > 1 else "")
    return f"{names} · embedding {sentences:,} sentences"


def _link_problem(path: Path, exc: Exception | None = None) -> str:
    """Why a symbolic link cannot be read: it loops, or points at nothing."""
    try:
        target = os.readlink(path)
    except OSError:
        target = None
    looping = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
    if not looping:
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python before 3.13 reports a loop so
            looping = True
        except OSError as err:
            looping = err.errno == errno.ELOOP
    if looping:
        return (f"{path.name} is a symbolic link that loops (it points back to itself"
                f"{'' if target is None else ' through ' + repr(target)}); remove it or point it at a document")
    if target is None:
        return f"{path}: no such file or folder"
    return (f"{path.name} is a symbolic link to {target!r}, which does not exist; remove it or point it at a "
            "document")


def repair(kb) -> list[str] | None:
    """Repair a knowledge base an interrupted ingest left half-written, when it is opened.

    Runs only when the ledger says it is needed (``State.needs_recovery``) and no other process
    is writing (the write lock and the store's own lock are free); the store is opened for writing
    just for this. Returns what ``Builder.recover`` removed, or None when
    nothing was done. The next ingest adds the removed documents again.
    """
    state = kb.state
    if not state.needs_recovery():
        return None
    try:
        with state.write_lock():
            state.load()
            if not state.needs_recovery():
                return None
            store = open_store(kb.settings.store, kb.home, settings=kb.settings)  # for writing, for the repair only
            try:
                builder = Builder(kb.settings.corpus, store, kb.index, state, kb.phrase_embedder())
                records = state.records()
                repaired = builder.recover(records)
                builder.derive(records, force=True,
                               reindex=not kb.index.stale_embedder({r.language for r in records.values()}))
            finally:
                store.close()
            kb.close()  # a store opened before the repair shows the graph as it was
    except StoreLockedError:  # another process writes: it will finish, or the next open repairs
        return None
    except Exception as exc:  # e.g. no permission to write here: open what is on disk, the next ingest retries
        log.warning("could not repair the knowledge base at %s after an interrupted ingest (%s: %s); "
                    "run `policykg ingest` to repair it", kb.home, type(exc).__name__, exc)
        return None
    return repaired
