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
from pathlib import Path
from typing import Iterable

from ingest.lang import detect as detect_language
from ingest.records import DocumentRecord
from kg.build import Builder, IngestReport, LazyRecords, Progress, repair
from kg.config import Settings
from kg.graph.entity_queries import entities_query, entity_facts_query, mentions_query
from kg.graph.namespaces import PREFIXES, region_iri, span_iri
from kg.graph.observations import Trace, observations_query, prologue, sparql_iri, trace_query
from kg.graph.observations import rows as obs_rows
from kg.graph.sparql import QueryResult
from kg.graph.store import StoreLockedError, TripleStore, open_store
from kg.qa.answer import Answer, Citation
from kg.search import embedders
from kg.search.index import Hit, PhraseVectors, SearchIndex
from kg.state import State

__all__ = ["KnowledgeBase", "EmptyKnowledgeBase", "IngestReport"]

REFRESH_EVERY = 0.25  # seconds between checks whether another process changed the ledger
ROLE_LABELS = {"average": "yearly average"}  # the graph's English label of a role, where it differs from its name


class EmptyKnowledgeBase(RuntimeError):
    """Raised when a question is asked before anything was ingested."""


class KnowledgeBase:
    """A persistent knowledge base under ``settings.home``.

    Any number of processes may read one knowledge base while one writes. Reading
    never takes a lock: the graph is opened read-only, and a process that did not
    write a change itself catches up with it (``refresh``) when it next reads,
    once the ledger (``state.json``) has changed. Only ``ingest`` takes the write
    lock (the ledger's and the store's), for as long as it runs; a second writer
    waits up to ``wait`` seconds, then gets ``StoreLockedError``. ``read_only``
    refuses ``ingest`` altogether (the CLI's read commands, read replicas).
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
        chosen = embedders.EmbedderSet(self.settings.embedders(), instance=embedder)
        self.index = SearchIndex(self.home / "index", chosen, vector_backend=self.settings.vector_index)
        self.index.load()
        self._records = None
        self._lock = threading.RLock()  # the app builds in a thread while it answers
        self._answerer = None
        self._writing = False  # inside ingest: the store is open for writing
        self._seen = self._ledger_signature()  # the ledger this process's view was read from
        self._checked = time.monotonic()
        repair(self)  # only after a crash: removes what an interrupted ingest left half-written

    # -- resources -------------------------------------------------------
    @property
    def store(self) -> TripleStore:
        """The graph: open for writing inside ``ingest``, read-only otherwise."""
        self._catch_up()
        if self._store is None:
            self._store = open_store(self.settings.store, self.home, read_only=not self._writing, settings=self.settings)
        return self._store

    @property
    def records(self) -> dict[str, DocumentRecord]:
        self._catch_up()
        if self._records is None:
            self._records = self.state.records()
        return self._records

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- other writers -----------------------------------------------------
    def _ledger_signature(self):
        try:
            st = self.state.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def refresh(self) -> bool:
        """Catch up with what another process ingested since this one last read: the ledger, the
        records, the search index and the graph are read again. True if anything had changed.
        Reads call it themselves (at most every ``REFRESH_EVERY`` seconds)."""
        with self._lock:
            if self._writing:
                return False
            signature = self._ledger_signature()
            self._checked = time.monotonic()
            if signature == self._seen:
                return False
            self.state.load()
            self._records = None
            self.index.load()
            self.close()  # reopened on next use, as it is on disk now
            self._answerer = None
            self._seen = signature
            return True

    def _catch_up(self) -> None:
        if not self._writing and time.monotonic() - self._checked >= REFRESH_EVERY:
            self.refresh()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- ingest ----------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path] | None = None, progress: Progress | None = None,
               wait: float = 0.0, waiting=None) -> IngestReport:
        """Bring the knowledge base in line with the files under ``paths`` (default: the corpus).

        The write lock is held for the run only. When another process is writing, this waits up
        to ``wait`` seconds for it (telling ``waiting(message)`` once), then raises
        ``StoreLockedError``.

        New and edited documents are processed, unchanged ones skipped, documents
        previously ingested from under a given folder but now gone are removed.
        A file that cannot be read is reported in ``failed`` and the rest go on;
        an earlier good version of it is kept.
        """
        if self.read_only:
            raise RuntimeError("this knowledge base was opened read-only")
        with self._lock:
            self.refresh()
            records = dict(self._records) if self._records is not None else LazyRecords(self.state)  # read when needed
            self._writing = True
            self.close()
            try:
                store = self._open_for_writing(wait, waiting)
                builder = Builder(self.settings.corpus, store, self.index, self.state, self.phrase_embedder(),
                                  max_document_chars=self.settings.max_document_chars)
                report = builder.run(paths, records, progress)
            except BaseException:
                self._records = None  # read again from what the run committed
                raise
            else:
                self._records = records
            finally:
                self.close()  # gives the store's write lock back: other processes may ingest now
                self._writing = False
                self._seen = self._ledger_signature()
            return report

    def _open_for_writing(self, wait: float, waiting) -> TripleStore:
        """The store opened for writing, waiting up to ``wait`` seconds while another process writes
        (``waiting(message)`` is told once); raises ``StoreLockedError`` after that."""
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                self._store = open_store(self.settings.store, self.home, read_only=False, settings=self.settings)
                return self._store
            except StoreLockedError as exc:
                if time.monotonic() >= deadline:
                    raise
                if waiting is not None and not told:
                    waiting(f"{exc}; waiting up to {wait:g} s for it to finish")
                    told = True
                time.sleep(0.5)

    # -- uploads -----------------------------------------------------------
    @property
    def uploads(self) -> Path:
        """The folder the app copies uploaded files to (``home/uploads``); only its documents can be ``remove``d."""
        return self.home / "uploads"

    def uploaded(self, doc_id: str) -> bool:
        """True if the document was ingested from the uploads folder."""
        entry = self.state.docs.get(doc_id)
        return entry is not None and Path(entry["source"]).resolve().is_relative_to(self.uploads.resolve())

    def remove(self, doc_ids: Iterable[str], progress: Progress | None = None, wait: float = 0.0,
               waiting=None) -> IngestReport:
        """Remove uploaded documents: their files leave the uploads folder and the folder is ingested
        again, so each one's graph, record and vectors are removed like any document gone from an
        ingested folder (the report lists them in ``removed``).

        Only documents ingested from ``uploads`` can be removed; for any other id (a corpus document,
        an unknown one) ``ValueError`` says why and nothing is removed. If the ingest fails (another
        process writes for longer than ``wait`` seconds: ``StoreLockedError``), the files are put back.
        """
        if self.read_only:
            raise RuntimeError("this knowledge base was opened read-only")
        doc_ids = list(dict.fromkeys(doc_ids))
        with self._lock:
            self.refresh()
            folder = self.uploads.resolve()
            problems, files = [], []
            for doc_id in doc_ids:
                entry = self.state.docs.get(doc_id)
                if entry is None:
                    problems.append(f"{doc_id}: no such document")
                elif not self.uploaded(doc_id):
                    problems.append(f"{doc_id} was ingested from {entry['source']}, not uploaded in the app: "
                                    "delete it from that folder and ingest the folder again to remove it")
                else:
                    files.append(Path(entry["source"]))
            if problems:
                raise ValueError("; ".join(problems))
            trash = folder / ".removed"  # a hidden folder: ingest does not read it
            trash.mkdir(parents=True, exist_ok=True)
            moved = []
            for src in files:
                if src.exists():
                    kept = trash / f"{time.time_ns()}-{src.name}"
                    src.replace(kept)
                    moved.append((src, kept))
            try:
                report = self.ingest([folder], progress, wait=wait, waiting=waiting)
            except BaseException:
                for src, kept in moved:
                    kept.replace(src)
                raise
            for _, kept in moved:
                kept.unlink(missing_ok=True)
            return report

    def phrase_embedder(self):
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
        or say what the corpus does not hold (see ``kg.qa.answering``)."""
        question = question.strip()
        if not question:
            return Answer(question, False, "Please ask a question.")
        limit = self.settings.max_question_chars
        if limit and len(question) > limit:
            return Answer(question[:200] + "…", False,
                          f"The question is {len(question):,} characters long; please ask one of at most {limit:,} "
                          "characters (the limit is set by POLICYKG_MAX_QUESTION_CHARS).")
        if not self.state.docs:
            raise EmptyKnowledgeBase(f"nothing has been ingested into {self.home}; run `policykg ingest` first")
        if self._answerer is None:
            from kg.qa.answering import Answerer

            self._answerer = Answerer(_Sources(self))
        with self._lock:
            ans = self._answerer.answer(question, k=k)
        from kg.qa.phrasing import phrase

        return phrase(ans)

    def cite(self, h: Hit) -> Citation:
        """A passage hit as a citation: document, offsets, the exact quote and the sentence's IRI."""
        rec = self.records[h.doc_id]
        return Citation(doc=h.doc_id, start=h.start, end=h.end, quote=rec.text[h.start : h.end],
                        score=h.score, title=rec.title, iri=str(span_iri(h.doc_id, "sentence", h.start, h.end)))

    # -- graph -----------------------------------------------------------
    def sparql(self, query: str, max_rows: int | None = None) -> QueryResult:
        """Run a read-only SPARQL query over the union of all document graphs.

        The prefixes in ``kg.graph.namespaces.PREFIXES`` are predeclared. Raises
        ``SparqlError`` with the parser's message for a malformed query or an update,
        and ``QueryRefused`` (one too) for a query ``kg.graph.guard`` refuses: one the
        store would crash on, or a SERVICE to an endpoint not in ``settings.sparql_services``.
        With ``max_rows``, at most that many rows, the result ``truncated`` if there were more.
        """
        return self.store.query(query, prefixes=PREFIXES, max_rows=max_rows, services=self.settings.sparql_services)

    def validate(self):
        """SHACL-validate the whole graph against the shipped shapes."""
        from kg.graph.validate import validate_graph

        return validate_graph(self.store.to_rdflib())

    def export(self, out, fmt: str = "turtle"):
        """Write the whole graph to ``out`` (a path, or a binary stream such as ``sys.stdout.buffer``).

        Every named graph is written: one per document and the shared ones (ontology,
        regions, indicators, entities, standard). ``fmt`` is a key of
        ``kg.graph.export.FORMATS``: ``turtle`` and ``ntriples`` merge the graphs into one,
        ``trig``, ``nquads`` and ``jsonld`` keep each under its name. Works on a read-only
        knowledge base. Returns an ``Exported`` (format, statements written, graphs);
        raises ``ValueError`` for an unknown format and ``OSError`` if ``out`` cannot be written.
        """
        from kg.graph.export import export_graph

        return export_graph(self.store, out, fmt)

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

    def compare(self, indicator: str, level: str | None = "province", period: str | int | None = None,
                status: str | None = None, role: str | None = None, language: str | None = None):
        """One indicator across regions (``kg.compare.Comparison``): a row per region with its
        figure, normalised value, qualifier, period, status, role, document and offsets; the regions
        with a document but no figure listed as missing.

        ``indicator``: a label (Chinese or English, any case) or an indicator IRI; ``period``:
        a year or "2021/2025"; ``status``: "actual" or "target"; ``role``: "level", "change",
        "cumulative", "average" or "baseline". Unset filters take what most regions state.
        Raises ``LookupError`` when no indicator has that label.
        """
        from ingest.gazetteer import CHINA, default

        from kg.compare import table

        try:
            iris, label = self.indicator_iris(indicator, language)
        except LookupError:  # "地区生产总值增长", "GDP growth": the indicator's words, and the kind of figure
            from ingest import lang

            asked = (lang.get(language or detect_language(indicator)) or lang.get("en")).read_question(indicator)
            glue = "" if asked.language == "zh" else " "
            for n in range(len(asked.words), 0, -1):  # "GDP growth": "gdp growth", then "gdp"
                try:
                    iris, _ = self.indicator_iris(glue.join(asked.words[:n]), exact=True)
                    break
                except LookupError:
                    continue
            else:
                raise
            label, role = indicator.strip(), role or asked.role
        language = language or detect_language(label)
        role = ROLE_LABELS.get(role, role)
        period = str(period) if period is not None else None
        rows = obs_rows(self.sparql(observations_query(indicators=iris, language=language, period=period,
                                                       status=status, role=role)))
        gaz = default()
        expected, own = {}, {}
        for rec in self.records.values():
            region = gaz.get(rec.subject_region) if rec.subject_region else None
            if region is not None:
                expected[region.code] = region.name_zh if language == "zh" else region.name_en
                own.setdefault(region.code, set()).add(rec.doc_id)

        def level_of(code):
            region = gaz.get(code)
            return region.level if region else None

        result = table.build(rows, indicator=label, indicator_iris=iris, expected=expected, level_of=level_of,
                             level=level, period=period, status=status, role=role, national_code=CHINA, own_docs=own)
        result.sparql = table.query(iris, language, result.period, result.status, result.role)
        return result

    def indicators(self, min_regions: int = 2) -> list[dict]:
        """Indicators stated for at least ``min_regions`` regions, most regions first: each a dict
        with ``iri``, ``zh`` and ``en`` labels (None where absent), ``regions`` and ``figures``."""
        from kg.compare.table import comparable_query

        out = []
        for r in self.sparql(comparable_query(min_regions)).records():
            out.append({"iri": r["ind"], "zh": r.get("zh"), "en": r.get("en"), "regions": int(r["regions"]),
                        "figures": int(r["figures"])})
        return out

    def indicator_iris(self, name: str, language: str | None = None, exact: bool = False) -> tuple[list[str], str]:
        """The indicator concepts a label or IRI names, and the label to show for them (for an
        IRI, its label in ``language``; Chinese, the corpus's main language, by default).

        Concepts one of whose labels is exactly ``name`` (any case) win; failing that, the
        concept with the most figures among those whose labels contain it (unless ``exact``)."""
        from kg.compare.table import indicators_query

        name = name.strip()
        if not name:
            raise LookupError("name an indicator, e.g. 城镇新增就业 or \"new urban jobs\"")
        if name.startswith(("http://", "https://")):
            found = self.sparql(f"SELECT ?l (LANG(?l) AS ?lang) WHERE {{ {sparql_iri(name)} skos:prefLabel ?l }}").records()
            if not found:
                raise LookupError(f"no indicator {name} in the graph")
            labels = {r["lang"]: r["l"] for r in found}
            return [name], labels.get(language or "zh") or labels.get("en") or found[0]["l"]
        found = self.sparql(indicators_query(name)).records()
        if not found:
            raise LookupError(f"no indicator is labelled {name!r}; the Compare tab and KnowledgeBase.indicators() "
                              "list those stated for two regions or more")
        same = [r["ind"] for r in found if r["isExact"] == "1"]
        if exact and not same:
            raise LookupError(f"no indicator is labelled exactly {name!r}")
        return (same or [found[0]["ind"]]), name

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
            region=row.get("region"), period=row.get("period"), status=row["status"], role=row["role"],
            change=row.get("change"), base=row.get("base"), rule=info["rule"],
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
        """Score the ingested observations against a key (see ``kg.evaluate.extraction``)."""
        from ingest.gazetteer import default

        from kg.evaluate.extraction import evaluate, load_key

        gaz = default()

        def same_region(name, code):
            if not name:
                return code is None
            return code in {r.code for r in gaz.lookup(name)}

        return evaluate(load_key(key_path), self.records, region_resolver=same_region)

    def document(self, doc_id: str) -> DocumentRecord:
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


class _Sources:
    """What the answerer reads from a knowledge base (``kg.qa.answering.Sources``)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.embed_phrases = kb.phrase_embedder()  # metric phrases, cached per language
        self.search = kb.search
        self.sparql = kb.sparql
        self.cite = kb.cite

    def records(self):
        return self.kb.records

    def embed_query(self, text: str, language: str):
        return self.kb.index.embedders.for_language(language).embed_query(text)
