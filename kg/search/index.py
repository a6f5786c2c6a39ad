"""The passage search index: dense vectors and BM25 over sentences, fused into
one ranking by reciprocal rank fusion.

Vectors are stored per document, so an unchanged document is never embedded
again, and an edited one re-uses the vectors of its unchanged sentences. The
combined indexes are kept in step with the documents incrementally
(``rebuild``): a new or edited document's sentences are appended as new rows
(tokenised once, their vectors added to a small *tail* vector index of their
language, beside the *base* one), and the rows of a removed or edited document
are marked dead (tombstones) and never returned. Nothing of the other documents
is read again: neither their vector files nor their text. When dead rows pass
``DEAD_FRACTION`` of all rows, or a tail outgrows a fraction of its base, the
indexes are compacted: rows renumbered, each language's base vector index built
anew from the per-document vector files, BM25 merged from its cached terms.

Files beside ``build.json`` (which records the embedder, library versions and
document hashes): ``table.json`` (the documents' rows, in row order, live or
dead), ``dense.<lang>.<backend>`` and ``dense.<lang>.tail.<backend>``, and
``bm25/``. Every file is replaced whole, and ``table.json``, written after the others,
records which version of each it goes with, so a process reading while another writes
reads one generation or notices it moved on and reads the newer one (``kg.search.snapshot``).
A search breaks ties by (document id, sentence), so its results do
not depend on the order rows were added in: they are those of a build from
scratch.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ingest.records import DocumentRecord

from kg.search.embedders import Embedder, EmbedderSet
from kg.search.lexical import BM25Index, tokenize
from kg.search.snapshot import IndexMoved, Snapshot

log = logging.getLogger(__name__)

RRF_K = 60  # the usual reciprocal-rank-fusion constant
POOL = 50  # candidates taken from each ranking before fusion
TABLE_FORMAT = 2  # table.json: documents as row ranges (1: one [doc, sentence] per row)
DEAD_FRACTION = 0.25  # compact when more of the rows than this are dead ...
DEAD_MIN = 64  # ... and at least this many
TAIL_MIN = 5_000  # a tail vector index is merged into its base when it has more rows than this
TAIL_FRACTION = 0.25  # ... and more than this fraction of the base's
READ_RETRIES = 6  # a search that finds the index rewritten under it reloads and retries, this many times
RETRY_WAIT = 0.05  # seconds before the first retry; doubled before each next one


@dataclass
class Hit:
    doc_id: str
    sentence: int  # index into the document's sentences
    start: int
    end: int
    text: str
    score: float  # fused score
    dense: float  # cosine similarity
    bm25: float
    dense_rank: int | None
    bm25_rank: int | None


def passage_text(text: str) -> str:
    """What is embedded and matched: the sentence with its whitespace folded."""
    return re.sub(r"\s+", " ", text).strip()


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _same(doc: "_Doc", entry: dict) -> bool:
    """Whether a ledger entry names the bytes and the sentence count a document's rows were made from."""
    sha, _, rest = doc.signature.partition(":")
    parts = rest.split(":")
    return sha == entry.get("sha256") and len(parts) > 1 and parts[1] == str(entry.get("sentences"))


def _signature(rec: DocumentRecord) -> str:
    """What a document's rows are made of, cheaply: its bytes, language and sentence spans' ends."""
    s = rec.sentences
    ends = f"{s[0].start}-{s[-1].end}" if s else "-"
    return f"{rec.sha256}:{rec.language}:{len(s)}:{ends}"


@dataclass
class _Doc:
    """One document's rows in the table: ``first .. first + count - 1``."""

    doc_id: str
    language: str
    first: int
    count: int
    signature: str
    live: bool = True
    segment: str = "base"  # which vector index of its language holds its vectors: base or tail

    def to_json(self) -> list:
        return [self.doc_id, self.language, self.first, self.count, self.signature, self.live, self.segment]

    @classmethod
    def from_json(cls, row: list) -> "_Doc":
        return cls(str(row[0]), str(row[1]), int(row[2]), int(row[3]), str(row[4]), bool(row[5]), str(row[6]))


class SearchIndex:
    """Per-document vectors plus combined dense and lexical indexes under ``folder``.

    Each document is embedded by the embedder of its language; a query is
    embedded by the embedder of its own language and searched among the
    documents of that language (dense), and among all documents (BM25).
    """

    def __init__(self, folder: Path, embedders: EmbedderSet, vector_backend: str = "faiss"):
        self.folder = Path(folder)
        self.embedders = embedders
        self._backend = vector_backend
        self.embedded = 0  # passages embedded by this instance (for reports and tests)
        self.tokenized = 0  # sentences tokenised for BM25 by this instance (for tests)
        self.vector_files_read = 0  # per-document vector files read to build the combined index (for tests)
        self._written: set[str] = set()  # documents whose vector file this instance wrote or removed
        self._reset()

    def _reset(self) -> None:
        self._docs: list[_Doc] = []  # in row order, dead ones included
        self._by_id: dict[str, _Doc] = {}  # live documents
        self._rows = 0  # rows numbered so far
        self._bm25: BM25Index | None = None  # read when first needed
        self._dense: dict[tuple[str, str], object] = {}  # (language, base|tail) -> VectorIndex, read when needed
        self._derived = None  # row arrays for searching, built when first needed
        self._loaded = False
        self._snapshot = Snapshot(self.folder)  # the files the loaded table goes with

    # -- building --------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedder of the default language."""
        return self.embedders.for_language(self.embedders.default)

    @property
    def embedder_name(self) -> str:
        return self.embedders.name_for(self.embedders.default)

    def _vec_path(self, doc_id: str) -> Path:
        return self.folder / "vectors" / f"{doc_id}.npy"

    def _dense_path(self, language: str, segment: str) -> Path:
        middle = "" if segment == "base" else f"{segment}."
        return self.folder / f"dense.{language}.{middle}{self._backend}"

    def metadata(self) -> dict:
        path = self.folder / "build.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def stale_embedder(self, languages=()) -> bool:
        """Whether stored vectors came from other embedders than the configured ones."""
        meta = self.metadata()
        if not meta:
            return False
        built = meta.get("embedders") or {self.embedders.default: meta.get("embedder", {}).get("name")}
        return any(built.get(lang, built.get(self.embedders.default)) != self.embedders.name_for(lang)
                   for lang in set(languages) | {self.embedders.default})

    def languages(self) -> set[str] | None:
        """The languages of the documents in the saved index (None when there is none to read)."""
        if not self._loaded and not self.load():
            return None
        return {doc.language for doc in self._by_id.values()}

    def embed_document(self, rec: DocumentRecord, previous: DocumentRecord | None) -> int:
        """Store vectors for ``rec``'s sentences, re-using ``previous``'s where the text is unchanged.

        Returns the number of sentences actually embedded.
        """
        matrix, embedded = self.vectors_for(rec, previous)
        self.write_vectors(rec.doc_id, matrix)
        return embedded

    def vectors_for(self, rec: DocumentRecord, previous: DocumentRecord | None) -> tuple[np.ndarray, int]:
        """The vectors of ``rec``'s sentences (re-using ``previous``'s where the text is unchanged) and
        how many sentences were embedded for them; nothing is written."""
        (matrix, embedded), = self.vectors_for_many([(rec, previous)])
        return matrix, embedded

    def vectors_for_many(self, pairs: list[tuple[DocumentRecord, DocumentRecord | None]]
                         ) -> list[tuple[np.ndarray, int]]:
        """``vectors_for`` of several documents, their missing sentences embedded together: one
        ``embed_passages`` call per embedder, however many documents (nothing is written)."""
        plans = []
        wanted: dict[str, dict[str, None]] = {}  # embedder name -> texts to embed, in order
        for rec, previous in pairs:
            texts = [passage_text(rec.quote(s)) for s in rec.sentences]
            known: dict[str, np.ndarray] = {}
            if previous is not None and previous.language == rec.language and self._vec_path(previous.doc_id).is_file():
                old = np.load(self._vec_path(previous.doc_id))
                if len(old) == len(previous.sentences):
                    known = {passage_text(previous.quote(s)): v for s, v in zip(previous.sentences, old)}
            name = self.embedders.name_for(rec.language)
            missing = [t for t in dict.fromkeys(texts) if t not in known]
            wanted.setdefault(name, {}).update(dict.fromkeys(missing))
            plans.append((rec, texts, known, missing, name))
        embedded: dict[str, dict[str, np.ndarray]] = {}
        for name, texts in wanted.items():
            if texts:
                lang = next(rec.language for rec, *_, n in plans if n == name)
                order = list(texts)
                embedded[name] = dict(zip(order, self.embedders.for_language(lang).embed_passages(order)))
                self.embedded += len(order)
        out = []
        for rec, texts, known, missing, name in plans:
            vectors = {**known, **{t: embedded[name][t] for t in missing}}
            dim = self.embedders.for_language(rec.language).dim if not vectors else len(next(iter(vectors.values())))
            matrix = np.stack([vectors[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)
            out.append((matrix.astype(np.float32), len(missing)))
        return out

    def write_vectors(self, doc_id: str, matrix: np.ndarray) -> None:
        """Replace a document's vector file whole (a crash leaves the old file or the new one)."""
        path = self._vec_path(doc_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, matrix.astype(np.float32))
        tmp.replace(path)
        self._written.add(doc_id)

    def has_vectors(self, doc_id: str, sentences: int) -> bool:
        """Whether a document's vector file is there, readable, with one row per sentence."""
        try:
            with open(self._vec_path(doc_id), "rb") as fh:  # the header says the shape: nothing else is read
                version = np.lib.format.read_magic(fh)
                shape, _, _ = (np.lib.format.read_array_header_1_0(fh) if version == (1, 0)
                               else np.lib.format.read_array_header_2_0(fh))
            return shape[0] == sentences
        except (OSError, ValueError, IndexError):
            return False

    def vector_ids(self) -> set[str]:
        """Ids of the vector files on disk (committed documents or not)."""
        folder = self.folder / "vectors"
        return {p.name[: -len(".npy")] for p in folder.glob("*.npy")} if folder.is_dir() else set()

    def clean_temporary(self) -> None:
        folder = self.folder / "vectors"
        for p in folder.glob("*.tmp") if folder.is_dir() else ():
            p.unlink(missing_ok=True)

    def drop_document(self, doc_id: str) -> None:
        self._vec_path(doc_id).unlink(missing_ok=True)
        self._written.add(doc_id)

    def _read_vectors(self, doc_id: str) -> np.ndarray:
        self.vector_files_read += 1
        return np.load(self._vec_path(doc_id))

    def _tokens(self, rec: DocumentRecord) -> list[list[str]]:
        self.tokenized += len(rec.sentences)
        return [tokenize(rec.quote(s), rec.language) for s in rec.sentences]

    def rebuild(self, records: dict[str, DocumentRecord], ledger: dict[str, dict] | None = None) -> None:
        """Bring the combined indexes in line with ``records`` and save them: the rows of documents
        gone or changed are marked dead, those of new or changed documents appended (their vector
        files read, their sentences tokenised); other documents are not read again. Everything is
        built from scratch when there is no readable index, and compacted when it has too many dead
        rows (see the module docstring).

        With ``ledger`` (the ingest ledger's entries of ``records``: ``sha256`` and ``sentences``)
        a document whose bytes and sentence count are those its rows were made from, and that
        this run did not write, is taken as unchanged without reading its record."""
        loaded = self._ensure_loaded()
        if ledger is not None and loaded:
            languages = {doc.language for doc in self._by_id.values()}
            gone = [d for d, doc in self._by_id.items()
                    if d not in ledger or d in self._written or not _same(doc, ledger[d])]
        else:
            languages = {r.language for r in records.values()}
            gone = [] if not loaded else [d for d, doc in self._by_id.items() if d not in records or d in self._written
                                          or doc.signature != _signature(records[d])]
        new = sorted(d for d in (ledger if ledger is not None else records) if d not in self._by_id or d in gone)
        languages |= {records[d].language for d in new}
        if not loaded or self.metadata().get("pipeline") != _pipeline_version() or self.stale_embedder(languages):
            self._build_all(records)
            return
        if not gone and not new:
            if not (self.folder / "build.json").is_file():
                self._save(records, set())
            return
        dead = sum(doc.count for doc in self._docs if not doc.live) + sum(self._by_id[d].count for d in gone)
        total = self._rows + sum(len(records[d].sentences) for d in new)
        if total and dead > DEAD_FRACTION * total and dead >= DEAD_MIN:
            self._build_all(records, reuse=True)
            return
        try:
            touched = self._update(records, gone, new)
            self._written.clear()
        except Exception as exc:  # a damaged index file: build it all again
            log.warning("the search index in %s could not be updated (%s: %s); rebuilding it",
                        self.folder, type(exc).__name__, exc)
            self._reset()
            self._loaded = True
            self._build_all(records)
            return
        self._save(records, touched)

    def _update(self, records, gone: list[str], new: list[str]) -> set[tuple[str, str]]:
        """Tombstone ``gone``, append ``new``; the vector indexes changed, as (language, segment)."""
        bm25 = self._lexical()
        for d in gone:
            doc = self._by_id.pop(d)
            doc.live = False
            bm25.kill(range(doc.first, doc.first + doc.count))
        touched: set[tuple[str, str]] = set()
        by_language: dict[str, list[np.ndarray]] = {}
        tokens: list[list[str]] = []
        for d in new:
            rec = records[d]
            doc = _Doc(d, rec.language, self._rows, len(rec.sentences), _signature(rec), segment="tail")
            self._rows += doc.count
            self._docs.append(doc)
            self._by_id[d] = doc
            by_language.setdefault(rec.language, []).append(self._read_vectors(d))
            tokens += self._tokens(rec)
        bm25.append(tokens)
        for language, parts in by_language.items():
            base_rows = sum(doc.count for doc in self._docs if doc.language == language and doc.segment == "base")
            tail_rows = sum(doc.count for doc in self._docs if doc.language == language and doc.segment == "tail")
            if tail_rows > max(TAIL_MIN, TAIL_FRACTION * base_rows):
                self._merge_language(language)
                touched |= {(language, "base"), (language, "tail")}
                continue
            tail = self._vector_index(language, "tail")
            _append(tail, np.concatenate(parts), self._vectors_of(language, "tail"))
            touched.add((language, "tail"))
        self._derived = None
        return touched

    def _vectors_of(self, language: str, segment: str | None):
        """A function giving the vectors of a language's segment (``None``: all its rows), a matrix
        per document in row order, zeros for dead documents."""
        def read():
            docs = [doc for doc in self._docs if doc.language == language and segment in (None, doc.segment)]
            parts = [self._read_vectors(doc.doc_id) if doc.live else None for doc in docs]
            dim = next((p.shape[1] for p in parts if p is not None), None)
            return [p if p is not None else np.zeros((doc.count, dim or 1), dtype=np.float32)
                    for p, doc in zip(parts, docs)]
        return read

    def _merge_language(self, language: str) -> None:
        """One base vector index of all a language's rows (read from the live documents' vector
        files; zeros for dead ones, never returned), and no tail."""
        docs = [doc for doc in self._docs if doc.language == language]
        index = _new_index(self._backend)
        parts = self._vectors_of(language, None)()
        index.build(np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32))
        for doc in docs:
            doc.segment = "base"
        self._dense[(language, "base")] = index
        self._dense[(language, "tail")] = None

    def _build_all(self, records: dict[str, DocumentRecord], reuse: bool = False) -> None:
        """Build the combined indexes of ``records`` from their vector files. From scratch, rows
        follow document ids; ``reuse`` (compaction) keeps the live unchanged documents in their
        order, their BM25 terms taken from the index as it is, and appends the others."""
        kept: list[_Doc] = []
        if reuse:
            kept = [doc for doc in self._docs if doc.live and doc.doc_id in records
                    and doc.signature == _signature(records[doc.doc_id])]
        held = {doc.doc_id for doc in kept}
        bm25 = BM25Index()
        if kept:
            old = self._lexical()
            keep = np.zeros(old.rows, dtype=bool)
            for doc in kept:
                keep[doc.first : doc.first + doc.count] = True
            old.compact(keep)
            bm25 = old
        docs, rows = [], 0
        for doc in kept:
            docs.append(_Doc(doc.doc_id, doc.language, rows, doc.count, doc.signature))
            rows += doc.count
        tokens = []
        for d in sorted(d for d in records if d not in held):
            rec = records[d]
            docs.append(_Doc(d, rec.language, rows, len(rec.sentences), _signature(rec)))
            rows += len(rec.sentences)
            tokens += self._tokens(rec)
        if kept:
            bm25.append(tokens)
        else:
            bm25.build(tokens)
        self._docs, self._by_id, self._rows = docs, {doc.doc_id: doc for doc in docs}, rows
        self._bm25 = bm25
        self._dense = {}
        for language in sorted({doc.language for doc in docs}):
            self._merge_language(language)
        self._derived = None
        self._loaded = True
        self._written.clear()
        self._save(records, set(self._dense), everything=True)

    def _save(self, records, touched: set[tuple[str, str]], everything: bool = False) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        wanted = set()
        for (language, segment), index in self._dense.items():
            path = self._dense_path(language, segment)
            if index is not None and len(index):
                wanted.add(path.name)
                if everything or (language, segment) in touched:
                    index.save(path)
        for old in self.folder.glob("dense.*"):
            if old.is_file() and old.name not in wanted and (everything or _segment_of(old.name, touched)):
                old.unlink()
        if self._bm25 is not None:
            if everything:
                shutil.rmtree(self.folder / "bm25", ignore_errors=True)
            self._bm25.save(self.folder / "bm25")
        bm25_files = sorted((self.folder / "bm25").glob("*")) if self._bm25 is not None else []
        self._snapshot = Snapshot.record(self.folder, [p for p in bm25_files if not p.name.endswith(".tmp")]
                                         + [self.folder / name for name in sorted(wanted)])
        table = {"format": TABLE_FORMAT, "rows": self._rows, "docs": [doc.to_json() for doc in self._docs],
                 "vectors": sorted(f"{lang}.{seg}" for (lang, seg), ix in self._dense.items() if ix is not None and len(ix)),
                 "files": self._snapshot.files}
        _write(self.folder / "table.json", json.dumps(table, ensure_ascii=False))
        live = [doc for doc in self._docs if doc.live]
        languages = {doc.language for doc in live} | {self.embedders.default}
        meta = {
            "embedders": self.embedders.signature(languages),
            "embedder": {"name": self.embedder_name, **self.embedders.for_language(self.embedders.default).describe()},
            "vector_index": self._backend,
            "fusion": {"method": "reciprocal rank fusion", "k": RRF_K, "pool": POOL},
            "bm25": {"method": "lucene", "k1": 1.5, "b": 0.75, "as": "bm25s"},
            "versions": {p: _version(p) for p in ("faiss-cpu", "bm25s", "numpy") if _version(p)},
            "pipeline": _pipeline_version(),
            "documents": {doc.doc_id: doc.signature.split(":", 1)[0] for doc in sorted(live, key=lambda d: d.doc_id)},
            "sentences": len(self),
        }
        _write(self.folder / "build.json", json.dumps(meta, indent=2, ensure_ascii=False))

    def load(self) -> bool:
        """Read the table of the saved combined indexes (the indexes themselves are read when first
        needed); False if there are none yet, or they cannot be read (an ingest stopped while
        writing them: the next ingest, or the repair on opening, rebuilds them)."""
        self._reset()
        try:
            return self._load()
        except Exception as exc:  # json and the backends each fail their own way on a half-written file
            log.warning("the search index in %s cannot be read (%s: %s); it will be rebuilt",
                        self.folder, type(exc).__name__, exc)
            self._reset()
            return False

    def _load(self) -> bool:
        table = self.folder / "table.json"
        if not table.is_file():
            return False
        saved = json.loads(table.read_text())
        if not isinstance(saved, dict) or saved.get("format") != TABLE_FORMAT:
            return False  # written by an older version: rebuilt by the next ingest
        if self.metadata().get("vector_index", self._backend) != self._backend:
            return False  # built with another vector index: rebuild
        self._docs = [_Doc.from_json(r) for r in saved["docs"]]
        self._rows = int(saved["rows"])
        if sum(doc.count for doc in self._docs) != self._rows:
            raise ValueError("table.json does not add up")
        self._by_id = {doc.doc_id: doc for doc in self._docs if doc.live}
        self._vector_names = set(saved.get("vectors", []))
        self._snapshot = Snapshot(self.folder, saved.get("files"))
        self._loaded = True
        return True

    def _ensure_loaded(self) -> bool:
        """Whether a saved index is there to update, its parts readable."""
        if not self._loaded and not self.load():
            return False
        try:
            self._lexical()
            for language in {doc.language for doc in self._docs}:
                for segment in ("base", "tail"):
                    if (language, segment) not in self._dense and f"{language}.{segment}" in self._vector_names:
                        if not self._dense_path(language, segment).exists():
                            raise FileNotFoundError(self._dense_path(language, segment))
        except Exception as exc:
            log.warning("the search index in %s cannot be read (%s: %s); it will be rebuilt",
                        self.folder, type(exc).__name__, exc)
            self._reset()
            return False
        return True

    def _lexical(self) -> BM25Index:
        if self._bm25 is None:
            bm25 = BM25Index()
            if self._rows:
                bm25.load(self.folder / "bm25", self._rows, read=self._snapshot.read)
            self._bm25 = bm25
        return self._bm25

    def _vector_index(self, language: str, segment: str):
        """The vector index of a language's segment, read when first needed (None: there is none)."""
        key = (language, segment)
        if key not in self._dense:
            index = None
            if f"{language}.{segment}" in getattr(self, "_vector_names", ()):
                index = _new_index(self._backend)
                self._snapshot.read(self._dense_path(language, segment), index.load)
            self._dense[key] = index
        if self._dense[key] is None and segment == "tail":
            self._dense[key] = _new_index(self._backend)
        return self._dense[key]

    # -- searching -------------------------------------------------------
    def __len__(self) -> int:
        return sum(doc.count for doc in self._by_id.values())

    def _arrays(self):
        """Row -> document (index into ``_docs``), sentence, and tie-break rank; per (language,
        segment), vector position -> row."""
        if self._derived is None:
            n = self._rows
            row_doc = np.zeros(n, dtype=np.int64)
            row_sent = np.zeros(n, dtype=np.int64)
            rank = np.full(n, n, dtype=np.int64)  # dead rows last
            positions: dict[tuple[str, str], list[np.ndarray]] = {}
            for i, doc in enumerate(self._docs):
                span = np.arange(doc.first, doc.first + doc.count)
                row_doc[doc.first : doc.first + doc.count] = i
                row_sent[doc.first : doc.first + doc.count] = np.arange(doc.count)
                positions.setdefault((doc.language, doc.segment), []).append(span)
            at = 0
            for doc in sorted(self._by_id.values(), key=lambda d: d.doc_id):  # rows as a fresh build numbers them
                rank[doc.first : doc.first + doc.count] = np.arange(at, at + doc.count)
                at += doc.count
            live = np.zeros(n, dtype=bool)
            for doc in self._by_id.values():
                live[doc.first : doc.first + doc.count] = True
            rows = {k: np.concatenate(v) for k, v in positions.items()}
            self._derived = (row_doc, row_sent, rank, live, rows)
        return self._derived

    def _dense_ranking(self, qv: np.ndarray, language: str) -> dict[int, tuple[int, float]]:
        """The ``POOL`` live rows of ``language`` nearest the query: row -> (rank, cosine)."""
        row_doc, row_sent, rank, live, rows = self._arrays()
        found: dict[int, float] = {}
        for segment in ("base", "tail"):
            if (language, segment) not in rows:
                continue
            index = self._vector_index(language, segment)
            if index is None or not len(index):
                continue
            at = rows[(language, segment)]
            dead = int((~live[at]).sum())  # an exact index returns at least POOL live rows among POOL + dead
            ids, cos = index.search(qv, min(POOL + dead, len(index)))
            got = {int(at[i]): float(c) for i, c in zip(ids, cos) if 0 <= i < len(at) and live[at[i]]}
            found.update(got)
        best = sorted(found, key=lambda r: (-found[r], rank[r]))[:POOL]
        return {r: (i, found[r]) for i, r in enumerate(best)}

    def search(self, query: str, records: dict[str, DocumentRecord], k: int = 5, language: str = "en",
               mode: str = "hybrid") -> list[Hit]:
        """The ``k`` best sentences for ``query`` by fused dense + BM25 rank.

        Dense retrieval searches the documents of the query's ``language`` with
        that language's embedder. ``mode`` "dense" or "bm25" ranks by one of the
        two alone (the baselines of ``policykg eval``). When another process
        rewrites the index meanwhile, its newer generation is loaded and searched.
        """
        wait = RETRY_WAIT
        for _ in range(READ_RETRIES):
            try:
                return self._search(query, records, k, language, mode)
            except IndexMoved:
                time.sleep(wait)
                wait *= 2
                self.load()
        try:
            return self._search(query, records, k, language, mode)
        except IndexMoved as exc:  # the table does not change, its files do not match it: they were copied
            log.warning("the search index files in %s are not those its table names (%s); "
                        "reading them as they are", self.folder, exc)
            self.load()
            self._snapshot = Snapshot(self.folder)
            return self._search(query, records, k, language, mode)

    def _search(self, query, records, k, language, mode) -> list[Hit]:
        if not self._by_id:
            return []
        qv = self.embedders.for_language(language).embed_query(passage_text(query))
        row_doc, row_sent, rank, live, _ = self._arrays()
        dense = self._dense_ranking(qv, language)
        bm = self._lexical().scores(tokenize(query, language))
        hits_bm = np.flatnonzero(bm > 0)
        top = [int(i) for i in hits_bm[np.lexsort((rank[hits_bm], -bm[hits_bm]))][:POOL]]
        lexical = {i: (r, float(bm[i])) for r, i in enumerate(top)}
        fused: dict[int, float] = {}
        rankings = {"hybrid": (dense, lexical), "dense": (dense,), "bm25": (lexical,)}[mode]
        for ranking in rankings:
            for i, (r, _) in ranking.items():
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + r + 1)
        hits = []
        for i in sorted(fused, key=lambda i: (-fused[i], rank[i])):
            if len(hits) == k:
                break
            doc_id, si = self._docs[row_doc[i]].doc_id, int(row_sent[i])
            rec = records.get(doc_id)
            if rec is None or si >= len(rec.sentences):  # removed or rewritten by a running ingest
                continue
            s = rec.sentences[si]
            d = dense.get(i)
            hits.append(Hit(
                doc_id=doc_id, sentence=si, start=s.start, end=s.end, text=rec.quote(s),
                score=round(fused[i], 6),
                dense=round(d[1] if d else self._cosine(qv, i, language), 6),
                bm25=round(float(bm[i]), 6),
                dense_rank=d[0] + 1 if d else None,
                bm25_rank=lexical[i][0] + 1 if i in lexical else None,
            ))
        return hits

    def _cosine(self, qv: np.ndarray, row: int, language: str) -> float:
        """Cosine of a row outside the dense top list (0 when it is of another language)."""
        row_doc, row_sent, *_ = self._arrays()
        doc = self._docs[row_doc[row]]
        if doc.language != language:
            return 0.0
        try:
            vectors = np.load(self._vec_path(doc.doc_id), mmap_mode="r")
        except FileNotFoundError as exc:
            raise IndexMoved(f"the vectors of {doc.doc_id} were removed") from exc
        if row_sent[row] >= len(vectors):
            raise IndexMoved(f"the vectors of {doc.doc_id} were rewritten")
        return float(qv @ vectors[row_sent[row]])


def _new_index(backend: str):
    from kg.search.vectors import vector_indexes

    return vector_indexes.create(backend)


def _append(index, vectors: np.ndarray, everything) -> None:
    """``index.add(vectors)`` where the backend has it, else ``build`` of all its vectors again
    (``everything()``: all the vectors it is to hold, these included, as a list of matrices)."""
    add = getattr(index, "add", None)
    if add is not None and not getattr(add, "__isabstractmethod__", False):
        try:
            add(vectors)
            return
        except NotImplementedError:
            pass
    index.build(np.concatenate(everything()))


def _segment_of(name: str, touched: set[tuple[str, str]]) -> bool:
    """Whether a dense file belongs to one of the touched (language, segment)s."""
    parts = name.split(".")
    if len(parts) < 3:
        return False
    segment = "tail" if len(parts) > 3 and parts[2] == "tail" else "base"
    return (parts[1], segment) in touched


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _pipeline_version() -> str:
    """The version of the rules that make records and tokens (``kg.state``): a change rebuilds."""
    from kg.state import PIPELINE_VERSION

    return PIPELINE_VERSION


class PhraseVectors:
    """Embeddings of short phrases (metric labels), cached on disk by text, so that
    regrouping indicators after an ingest embeds only phrases never seen before."""

    def __init__(self, path: Path, index: SearchIndex, save: bool = True, language: str | None = None):
        self.path = Path(path)
        self._index = index
        self._save_new = save
        self.language = language or index.embedders.default
        self._embedder_name = index.embedders.name_for(self.language)
        self._cache: dict[str, np.ndarray] = {}
        if self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    if str(data["embedder"]) == self._embedder_name:
                        self._cache = dict(zip(data["phrases"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # a damaged cache is only a cache
                self._cache = {}

    def __call__(self, phrases: list[str]) -> np.ndarray:
        missing = [p for p in dict.fromkeys(phrases) if p not in self._cache]
        if missing:
            embedder = self._index.embedders.for_language(self.language)
            self._cache.update(zip(missing, embedder.embed_passages(missing)))
            if self._save_new:
                self._save()
        return np.stack([self._cache[p] for p in phrases])

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        phrases = sorted(self._cache)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, embedder=np.array(self._embedder_name), phrases=np.array(phrases),
                     vectors=np.stack([self._cache[p] for p in phrases]))
        tmp.replace(self.path)
