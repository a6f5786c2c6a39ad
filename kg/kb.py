"""KnowledgeBase: the one object that owns ingest, the graph, the index and answers.

CLI, Gradio app and HTTP endpoint are thin shells over it::

    kb = KnowledgeBase(Settings(home="/tmp/kb"))
    kb.ingest(["corpus"])
    kb.ask("How many hospital beds per 1,000 people?").to_json()
    kb.sparql("SELECT ?d WHERE { ?d a pkg:Document }")
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rdflib import Graph

import ingest
from ingest import manifest
from ingest.language import detect as detect_language
from ingest.sentences import config_key
from ontology import ONTOLOGY_FILE, REGIONS_FILE, STANDARD_FILE, path as ontology_path

from . import embedders
from .answer import Answer, Citation
from .config import Settings
from .index import Hit, PhraseVectors, SearchIndex
from .indicators import cluster, indicator_triples
from .namespaces import (ENTITY_GRAPH, INDICATOR_GRAPH, ONTOLOGY_GRAPH, PREFIXES, REGION_GRAPH, SHARED_GRAPH,
                         STANDARD_GRAPH, doc_graph, region_iri, span_iri)
from .entity_queries import entities_query, entity_facts_query, mentions_query
from .observations import Trace, observations_query, prologue, trace_query
from .observations import rows as obs_rows
from .rdf_document import document_triples
from .rdf_entities import entity_triples, mention_triples, service_area_links
from .rdf_observations import observation_triples, shared_triples
from .sparql import QueryResult
from .state import State, fingerprint
from .store import TripleStore, open_store

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


class EmptyKnowledgeBase(RuntimeError):
    """Raised when a question is asked before anything was ingested."""


class KnowledgeBase:
    """A persistent knowledge base under ``settings.home``.

    ``read_only`` opens the graph without taking the write lock, so queries can
    run while another process (the app) holds it.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: embedders.Embedder | None = None,
                 read_only: bool = False):
        self.settings = settings or Settings()
        self.home = self.settings.home
        self.read_only = read_only
        if not read_only:
            self.home.mkdir(parents=True, exist_ok=True)
        self.state = State(self.home)
        self._store: TripleStore | None = None
        chosen = embedders.EmbedderSet({"en": self.settings.embedder, "zh": self.settings.embedder_zh}, instance=embedder)
        self.index = SearchIndex(self.home / "index", chosen)
        self.index.load()
        self._records = None
        self._lock = threading.RLock()  # the app builds in a thread while it answers
        self._answerer = None

    # -- resources -------------------------------------------------------
    @property
    def store(self) -> TripleStore:
        if self._store is None:
            self._store = open_store(self.settings.store, self.home, read_only=self.read_only)
        return self._store

    @property
    def records(self) -> dict[str, ingest.DocumentRecord]:
        if self._records is None:
            self._records = self.state.records()
        return self._records

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- ingest ----------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path] | None = None, progress: Progress | None = None) -> IngestReport:
        """Bring the knowledge base in line with the files under ``paths`` (default: the corpus).

        New and edited documents are processed, unchanged ones skipped, documents
        previously ingested from under a given folder but now gone are removed.
        A file that cannot be read is reported in ``failed`` and the rest go on;
        an earlier good version of it is kept.
        """
        if self.read_only:
            raise RuntimeError("this knowledge base was opened read-only")
        with self._lock:
            return self._ingest(paths, progress)

    def _ingest(self, paths, progress) -> IngestReport:
        t0 = time.perf_counter()
        store = self.store  # take the write lock before touching anything
        report = IngestReport()
        roots = [Path(p).resolve() for p in (paths or [self.settings.corpus])]
        files = self._discover(roots, report)
        records = dict(self.records)
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
            except ingest.ReaderError as exc:
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
        self._records = records
        report.seconds = round(time.perf_counter() - t0, 3)
        return report

    def _discover(self, roots: list[Path], report: IngestReport) -> list[tuple[Path, dict]]:
        found = []
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
                if p.suffix.lower() not in ingest.SUPPORTED_SUFFIXES:
                    report.skipped.append((str(p), f"unsupported file type {p.suffix or '(none)'}"))
                    continue
                found.append((p, rows.get(p.name, {}) if p.parent == root else manifest.load(p.parent).get(p.name, {})))
        return found

    def _ingest_one(self, path: Path, meta: dict, records: dict, report: IngestReport, stale: bool) -> None:
        doc_id = path.stem
        sha = ingest.file_sha256(path)
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
            digest = ingest.file_sha256(path)
            if self.state.vocabularies.get(name) == digest and graph in store.graphs():
                continue
            g = Graph()
            g.parse(path, format="turtle")
            store.replace_graph(graph, list(g))
            self.state.vocabularies[name] = digest

    def _service_links(self, records) -> list[tuple]:
        from rdflib.namespace import SKOS

        g = Graph().parse(ontology_path(STANDARD_FILE), format="turtle")
        catalogue = []
        for concept, label in g.subject_objects(SKOS.prefLabel):
            if getattr(label, "language", None) == "en" and (concept, SKOS.notation, None) in g:
                aspect = g.value(concept, SKOS.broader) or concept
                catalogue.append((concept, str(label), aspect))
        return service_area_links(records, sorted(catalogue), self._phrase_embedder())

    def _indicator_triples(self, records) -> list[tuple]:
        from ingest.gazetteer import default

        gaz = default()
        names = set()
        for rec in records.values():
            for code in {o.region for o in rec.observations if o.region}:
                names |= gaz.names(code)
        return indicator_triples(cluster(records, embed=self._phrase_embedder(), region_names=names))

    def _phrase_embedder(self):
        """embed(phrases, language) with that language's embedder, cached on disk per language."""
        caches: dict[str, PhraseVectors] = {}

        def embed(phrases, language="en"):
            if language not in caches:
                caches[language] = PhraseVectors(self.home / "index" / f"phrases.{language}.npz", self.index,
                                                 language=language, save=not self.read_only)
            return caches[language](phrases)

        return embed

    # -- questions -------------------------------------------------------
    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """The best sentences for ``query`` (dense + BM25, fused; or one of them, by ``mode``)."""
        with self._lock:
            return self.index.search(query, self.records, k=k, mode=mode, language=detect_language(query))

    def ask(self, question: str, k: int = 3) -> Answer:
        """Answer a question: figures from the graph, other answers from the best evidence,
        or say what the corpus does not hold (see ``kg.answering``)."""
        question = question.strip()
        if not question:
            return Answer(question, False, "Please ask a question.")
        if not self.state.docs:
            raise EmptyKnowledgeBase(f"nothing has been ingested into {self.home}; run `policykg ingest` first")
        if self._answerer is None:
            from .answering import Answerer

            self._answerer = Answerer(self)
        with self._lock:
            ans = self._answerer.answer(question, k=k)
        from .phrasing import phrase

        return phrase(ans)

    def _cite(self, h: Hit) -> Citation:
        rec = self.records[h.doc_id]
        return Citation(doc=h.doc_id, start=h.start, end=h.end, quote=rec.text[h.start : h.end],
                        score=h.score, title=rec.title, iri=str(span_iri(h.doc_id, "sentence", h.start, h.end)))

    # -- graph -----------------------------------------------------------
    def sparql(self, query: str) -> QueryResult:
        """Run a read-only SPARQL query over the union of all document graphs.

        The prefixes in ``kg.namespaces.PREFIXES`` are predeclared. Raises
        ``SparqlError`` with the parser's message for a malformed query or an update.
        """
        return self.store.query(query, prefixes=PREFIXES)

    def validate(self):
        """SHACL-validate the whole graph against the shipped shapes."""
        from .validate import validate_graph

        return validate_graph(self.store.to_rdflib())

    # -- observations ----------------------------------------------------
    def region_iris(self, name: str) -> list[str]:
        """The gazetteer regions a name can denote (English or Chinese, with or without suffix)."""
        from ingest.gazetteer import default

        return [str(region_iri(r.code)) for r in default().lookup(name)]

    def observations(self, region: str | None = None, metric: str | None = None,
                     year: int | None = None) -> tuple[list[dict], str]:
        """Observations (as dicts with ``observations.COLUMNS``) and the SPARQL that listed them.

        ``region`` keeps figures of that region and of regions under it; ``metric``
        keeps figures whose metric phrase or indicator labels contain the text;
        ``year`` keeps figures whose period includes that year.
        """
        query = observations_query(self.region_iris(region) if region else None, metric, year=year)
        return obs_rows(self.sparql(query)), query

    def trace(self, target: str) -> list[Trace]:
        """How one observation (by IRI), or each one whose figure or metric contains ``target``, was derived."""
        target = target.strip()
        if target.startswith(("http://", "https://")):
            found, _ = self._observation(target)
        else:
            needle = target.lower()
            found = [r for r in self.observations()[0] if needle in r["quote"].lower() or needle in r["metric"].lower()]
        return [self._trace(r) for r in found]

    def _observation(self, iri: str):
        query = observations_query(observation=iri)
        return obs_rows(self.sparql(query)), query

    def _trace(self, row: dict) -> Trace:
        info = self.sparql(trace_query(row["iri"])).records()[0]
        sb, se = int(info["sb"]), int(info["se"])
        sentence = info["sentence"]
        a, b = row["start"] - sb, row["end"] - sb
        return Trace(
            iri=row["iri"], doc=info["doc"], title=info["title"], issued=info.get("issued"), source=info["source"],
            quote=row["quote"], start=row["start"], end=row["end"], sentence=sentence, sentence_start=sb,
            sentence_end=se, marked=" ".join((sentence[:a] + "⟦" + sentence[a:b] + "⟧" + sentence[b:]).split()),
            metric=row["metric"], indicator=row.get("indicator"), value=row["value"], unit=row["unit"],
            region=row.get("region"), period=row.get("period"), status=row["status"], rule=info["rule"],
            activity=info["activity"], software=info["software"],
            sparql=prologue() + observations_query(observation=row["iri"]),
        )

    def entities(self, type: str | None = None, name: str | None = None) -> list[dict]:
        """Entities named in the documents (and, for ``service``, the standard's catalogue).

        Each is a dict with ``iri, type, label, code, parent, role, organization, docs``
        (absent values None); ``name`` keeps those whose label or aliases contain it.
        """
        rows = self.sparql(entities_query(type, name)).records()
        out = []
        for r in rows:
            out.append({"iri": r["iri"], "type": r["type"], "label": r["label"], "code": r.get("code"),
                        "parent": r.get("parent"), "role": r.get("role"), "organization": r.get("organization"),
                        "docs": sorted(set((r.get("docs") or "").split())) if r.get("docs") else []})
        return out

    def entity(self, iri: str) -> dict:
        """One entity's page: its facts, its mentions (document, sentence, offsets) and its observations."""
        facts = self.sparql(entity_facts_query(iri)).records()
        mentions = [dict(m, start=int(m["start"]), end=int(m["end"])) for m in self.sparql(mentions_query(iri)).records()]
        observations = []
        if iri.startswith(str(region_iri(""))):
            observations = obs_rows(self.sparql(observations_query([iri])))
        return {"iri": iri, "facts": facts, "mentions": mentions, "observations": observations}

    def eval_extraction(self, key_path: str | Path):
        """Score the ingested observations against a key (see ``kg.evaluate``)."""
        from ingest.gazetteer import default

        from .evaluate import evaluate, load_key

        gaz = default()

        def same_region(name, code):
            if not name:
                return code is None
            return code in {r.code for r in gaz.lookup(name)}

        return evaluate(load_key(key_path), self.records, region_resolver=same_region)

    def document(self, doc_id: str) -> ingest.DocumentRecord:
        """The ingested record (text, paragraphs, sentences) of one document."""
        return self.records[doc_id]

    def status(self) -> dict:
        """What is in the knowledge base and how it was built."""
        meta = self.index.metadata()
        return {
            "home": str(self.home),
            "store": self.settings.store,
            "documents": len(self.state.docs),
            "sentences": sum(d["sentences"] for d in self.state.docs.values()),
            "triples": self.store.triple_count(),
            "embedder": meta.get("embedder", {}).get("name"),
            "embedders": meta.get("embedders"),
            "index": {k: meta.get(k) for k in ("vector_index", "fusion", "versions")},
            "document_ids": sorted(self.state.docs),
        }
