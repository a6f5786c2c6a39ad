"""Ingest orchestration: files -> records (``ingest``) -> document graphs, index and ledger.

Only new or changed documents are processed; documents gone from a folder they
were ingested from are removed; the corpus-wide graphs (indicators, entities,
shared resources) and the search index are rebuilt when anything changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rdflib import Graph
from rdflib.namespace import SKOS

import ingest
from ingest import ReaderError, file_sha256, manifest
from ingest.readers import supported_suffixes
from ingest.gazetteer import default as default_gazetteer
from ingest.records import DocumentRecord
from ingest.sentences import config_key
from kg.graph.indicators import cluster, indicator_triples
from kg.graph.namespaces import (ENTITY_GRAPH, INDICATOR_GRAPH, ONTOLOGY_GRAPH, REGION_GRAPH, SHARED_GRAPH,
                                 STANDARD_GRAPH, doc_graph)
from kg.graph.rdf_document import document_triples
from kg.graph.rdf_entities import entity_triples, mention_triples, service_area_links
from kg.graph.rdf_observations import observation_triples, shared_triples
from kg.graph.store import TripleStore
from kg.search.index import SearchIndex
from kg.state import State, fingerprint
from ontology import ONTOLOGY_FILE, REGIONS_FILE, STANDARD_FILE, path as ontology_path

Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    embedded: int = 0  # sentences embedded in this run
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("added", "updated", "unchanged", "removed", "embedded", "seconds")} | {
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
        }


class Builder:
    """One ingest run over a knowledge base's store, index and ledger.

    ``embed_phrases(phrases, language)`` embeds metric phrases (for indicator
    grouping and the standard's service areas).
    """

    def __init__(self, corpus: Path, store: TripleStore, index: SearchIndex, state: State, embed_phrases):
        self.corpus = corpus
        self.store = store
        self.index = index
        self.state = state
        self.embed_phrases = embed_phrases

    def run(self, paths: Iterable[str | Path] | None, records: dict[str, DocumentRecord],
            progress: Progress | None = None) -> IngestReport:
        """Bring ``records`` (updated in place), the graph, the index and the ledger in line with the files."""
        t0 = time.perf_counter()
        store = self.store  # take the write lock before touching anything
        report = IngestReport()
        roots = [Path(p).resolve() for p in (paths or [self.corpus])]
        files = self._discover(roots, report)
        seen: set[str] = set()
        stale = self.index.stale_embedder({r.language for r in records.values()})
        for i, (path, meta) in enumerate(files):
            if progress:
                progress(i, len(files), path.name)
            doc_id = path.stem
            if doc_id in seen:
                report.failed.append((str(path), f"another file named {doc_id}.* was ingested in this run; file stems must be unique"))
                continue
            seen.add(doc_id)
            try:
                self._ingest_one(path, meta, records, report, stale)
            except ReaderError as exc:
                report.failed.append((str(path), str(exc)))
            except (OSError, ValueError, UnicodeError) as exc:
                report.failed.append((str(path), f"{path.name}: {exc}"))
            except Exception as exc:  # a fault of ours on one document must not lose the others
                report.failed.append((str(path), f"{path.name}: could not be processed ({type(exc).__name__}: {exc}); "
                                                 "please report it"))
        if progress:
            progress(len(files), len(files), "")
        self._remove_missing(roots, seen, records, report)
        if stale:
            for doc_id, rec in records.items():
                if doc_id not in report.added + report.updated:
                    report.embedded += self.index.embed_document(rec, None)
        self._ensure_vocabularies(store)
        if report.changed or stale or len(self.index) != sum(len(r.sentences) for r in records.values()):
            self.index.rebuild(records)
        if report.changed or stale or not {INDICATOR_GRAPH, ENTITY_GRAPH} <= store.graphs():
            store.replace_graph(INDICATOR_GRAPH, self._indicator_triples(records))
            store.replace_graph(SHARED_GRAPH, shared_triples(records))
            store.replace_graph(ENTITY_GRAPH, entity_triples(records) + self._service_links(records))
        self.state.save()
        self.store.flush()
        report.seconds = round(time.perf_counter() - t0, 3)
        return report

    def _discover(self, roots: list[Path], report: IngestReport) -> list[tuple[Path, dict]]:
        found = []
        suffixes = supported_suffixes()
        for root in roots:
            if root.is_file():
                found.append((root, manifest.load(root.parent).get(root.name, {})))
                continue
            if not root.is_dir():
                report.failed.append((str(root), f"{root}: no such file or folder"))
                continue
            try:
                rows = manifest.load(root)
            except (ValueError, OSError, UnicodeError) as exc:
                report.failed.append((str(root / manifest.MANIFEST_NAME), str(exc)))
                rows = {}
            for p in sorted(root.rglob("*")):
                if not p.is_file() or any(part.startswith(".") for part in p.relative_to(root).parts):
                    continue
                if p.name == manifest.MANIFEST_NAME:
                    continue
                if p.suffix.lower() not in suffixes:
                    report.skipped.append((str(p), f"unsupported file type {p.suffix or '(none)'}"))
                    continue
                found.append((p, rows.get(p.name, {}) if p.parent == root else manifest.load(p.parent).get(p.name, {})))
        return found

    def _ingest_one(self, path: Path, meta: dict, records: dict, report: IngestReport, stale: bool) -> None:
        doc_id = path.stem
        sha = file_sha256(path)
        fp = fingerprint(sha, meta, config_key())
        entry = self.state.docs.get(doc_id)
        if entry and entry["source"] != str(path) and Path(entry["source"]).exists():
            raise ValueError(f"a document with the id {doc_id!r} is already ingested from {entry['source']}")
        if entry and entry["fingerprint"] == fp and doc_id in records:
            report.unchanged.append(doc_id)
            return
        rec = ingest.process(path, meta, sha256=sha)
        self.store.replace_graph(doc_graph(doc_id), document_triples(rec, fp) + observation_triples(rec, fp)
                                 + mention_triples(rec))
        report.embedded += self.index.embed_document(rec, None if stale else records.get(doc_id))
        self.state.put(rec, fp)
        (report.updated if doc_id in records else report.added).append(doc_id)
        records[doc_id] = rec

    def _remove_missing(self, roots, seen, records, report) -> None:
        for doc_id, entry in list(self.state.docs.items()):
            src = Path(entry["source"])
            under = any(r.is_dir() and src.is_relative_to(r) for r in roots) or src in roots
            if doc_id not in seen and under and not src.exists():
                self.store.remove_graph(doc_graph(doc_id))
                self.index.drop_document(doc_id)
                self.state.drop(doc_id)
                records.pop(doc_id, None)
                report.removed.append(doc_id)

    def _ensure_vocabularies(self, store: TripleStore) -> None:
        """Load the ontology and the region gazetteer into their graphs when they changed."""
        for graph, name in ((ONTOLOGY_GRAPH, ONTOLOGY_FILE), (REGION_GRAPH, REGIONS_FILE), (STANDARD_GRAPH, STANDARD_FILE)):
            path = ontology_path(name)
            digest = file_sha256(path)
            if self.state.vocabularies.get(name) == digest and graph in store.graphs():
                continue
            g = Graph()
            g.parse(path, format="turtle")
            store.replace_graph(graph, list(g))
            self.state.vocabularies[name] = digest

    def _service_links(self, records) -> list[tuple]:
        g = Graph().parse(ontology_path(STANDARD_FILE), format="turtle")
        catalogue = []
        for concept, label in g.subject_objects(SKOS.prefLabel):
            if getattr(label, "language", None) == "en" and (concept, SKOS.notation, None) in g:
                aspect = g.value(concept, SKOS.broader) or concept
                catalogue.append((concept, str(label), aspect))
        return service_area_links(records, sorted(catalogue), self.embed_phrases)

    def _indicator_triples(self, records) -> list[tuple]:
        gaz = default_gazetteer()
        names = set()
        for rec in records.values():
            for code in {o.region for o in rec.observations if o.region}:
                names |= gaz.names(code)
        return indicator_triples(cluster(records, embed=self.embed_phrases, region_names=names))
