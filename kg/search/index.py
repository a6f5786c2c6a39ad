"""The passage search index: dense vectors (FAISS) and BM25 over sentences,
fused into one ranking by reciprocal rank fusion.

Vectors are stored per document, so an unchanged document is never embedded
again, and an edited one re-uses the vectors of its unchanged sentences. The
combined FAISS and BM25 indexes are rebuilt from those per-document parts
(cheap) and saved beside ``build.json``, which records the embedder, library
versions and document hashes they were built from.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ingest.records import DocumentRecord

from kg.search.embedders import Embedder, EmbedderSet
from kg.search.lexical import BM25Index, tokenize
from kg.search.vectors import VectorIndex, vector_indexes

log = logging.getLogger(__name__)

RRF_K = 60  # the usual reciprocal-rank-fusion constant
POOL = 50  # candidates taken from each ranking before fusion


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
        self._vectors: dict[str, VectorIndex] = {}
        self._rows: dict[str, list[int]] = {}  # language -> table row of each vector
        self._bm25 = BM25Index()
        self._table: list[tuple[str, int]] = []  # row -> (doc_id, sentence index)
        self._languages: list[str] = []  # row -> language
        self.embedded = 0  # passages embedded by this instance (for reports and tests)

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
        embedder = self.embedders.for_language(rec.language)
        texts = [passage_text(rec.quote(s)) for s in rec.sentences]
        known: dict[str, np.ndarray] = {}
        if previous is not None and self._vec_path(previous.doc_id).is_file() and previous.language == rec.language:
            old = np.load(self._vec_path(previous.doc_id))
            if len(old) == len(previous.sentences):
                known = {passage_text(previous.quote(s)): v for s, v in zip(previous.sentences, old)}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, embedder.embed_passages(missing)))
            self.embedded += len(missing)
        dim = embedder.dim if not known else len(next(iter(known.values())))
        matrix = np.stack([known[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)
        return matrix.astype(np.float32), len(missing)

    def write_vectors(self, doc_id: str, matrix: np.ndarray) -> None:
        """Replace a document's vector file whole (a crash leaves the old file or the new one)."""
        path = self._vec_path(doc_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, matrix.astype(np.float32))
        tmp.replace(path)

    def has_vectors(self, doc_id: str, sentences: int) -> bool:
        """Whether a document's vector file is there, readable, with one row per sentence."""
        try:
            return np.load(self._vec_path(doc_id), mmap_mode="r").shape[0] == sentences
        except (OSError, ValueError):
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

    def rebuild(self, records: dict[str, DocumentRecord]) -> None:
        """Rebuild and save the combined indexes from the stored per-document vectors."""
        self._table, self._languages, tokens = [], [], []
        mats: dict[str, list[np.ndarray]] = {}
        self._rows = {}
        for doc_id in sorted(records):
            rec = records[doc_id]
            vec = np.load(self._vec_path(doc_id))
            mats.setdefault(rec.language, []).append(vec)
            for i, s in enumerate(rec.sentences):
                self._rows.setdefault(rec.language, []).append(len(self._table))
                self._table.append((doc_id, i))
                self._languages.append(rec.language)
                tokens.append(tokenize(rec.quote(s), rec.language))
        self._vectors = {}
        for lang, parts in mats.items():
            index = vector_indexes.create(self._backend)
            index.build(np.concatenate(parts))
            self._vectors[lang] = index
        self._bm25.build(tokens)
        self._save(records)

    def _save(self, records):
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("dense.*"):
            old.unlink()
        for lang, index in self._vectors.items():
            index.save(self.folder / f"dense.{lang}.{self._backend}")
        shutil.rmtree(self.folder / "bm25", ignore_errors=True)
        self._bm25.save(self.folder / "bm25")
        (self.folder / "table.json").write_text(json.dumps({"rows": self._table, "languages": self._languages}))
        languages = {r.language for r in records.values()} | {self.embedders.default}
        meta = {
            "embedders": self.embedders.signature(languages),
            "embedder": {"name": self.embedder_name, **self.embedders.for_language(self.embedders.default).describe()},
            "vector_index": self._backend,
            "fusion": {"method": "reciprocal rank fusion", "k": RRF_K, "pool": POOL},
            "versions": {p: _version(p) for p in ("faiss-cpu", "bm25s", "numpy") if _version(p)},
            "documents": {d: r.sha256 for d, r in sorted(records.items())},
            "sentences": len(self._table),
        }
        (self.folder / "build.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))

    def load(self) -> bool:
        """Load the saved combined indexes; False if there are none yet, or they cannot be read
        (an ingest stopped while writing them: the next ingest, or the repair on opening, rebuilds them)."""
        try:
            return self._load()
        except Exception as exc:  # FAISS, bm25s and json each fail their own way on a half-written file
            log.warning("the search index in %s cannot be read (%s: %s); it will be rebuilt",
                        self.folder, type(exc).__name__, exc)
            self._table, self._languages, self._rows, self._vectors = [], [], {}, {}
            self._bm25 = BM25Index()
            return False

    def _load(self) -> bool:
        table = self.folder / "table.json"
        if not table.is_file():
            return False
        saved = json.loads(table.read_text())
        if isinstance(saved, list):  # written before indexes were kept per language
            return False
        self._table = [tuple(r) for r in saved["rows"]]
        self._languages = saved["languages"]
        self._rows = {}
        for row, lang in enumerate(self._languages):
            self._rows.setdefault(lang, []).append(row)
        self._vectors = {}
        if self.metadata().get("vector_index", self._backend) != self._backend:
            self._table, self._languages, self._rows = [], [], {}  # built with another vector index: rebuild
            return False
        for lang in self._rows:
            path = self.folder / f"dense.{lang}.{self._backend}"
            if path.is_file():
                self._vectors[lang] = vector_indexes.create(self._backend)
                self._vectors[lang].load(path)
        self._bm25.load(self.folder / "bm25", len(self._table))
        return True

    # -- searching -------------------------------------------------------
    def __len__(self) -> int:
        return len(self._table)

    def search(self, query: str, records: dict[str, DocumentRecord], k: int = 5, language: str = "en",
               mode: str = "hybrid") -> list[Hit]:
        """The ``k`` best sentences for ``query`` by fused dense + BM25 rank.

        Dense retrieval searches the documents of the query's ``language`` with
        that language's embedder. ``mode`` "dense" or "bm25" ranks by one of the
        two alone (the baselines of ``policykg eval``).
        """
        if not self._table:
            return []
        qv = self.embedders.for_language(language).embed_query(passage_text(query))
        dense: dict[int, tuple[int, float]] = {}
        if language in self._vectors:
            ids, cos = self._vectors[language].search(qv, POOL)
            rows = self._rows[language]
            dense = {rows[int(i)]: (r, float(c)) for r, (i, c) in enumerate(zip(ids, cos)) if i >= 0}
        bm = self._bm25.scores(tokenize(query, language))
        top = [int(i) for i in np.argsort(-bm, kind="stable")[:POOL] if bm[i] > 0]
        lexical = {i: (r, float(bm[i])) for r, i in enumerate(top)}
        fused: dict[int, float] = {}
        rankings = {"hybrid": (dense, lexical), "dense": (dense,), "bm25": (lexical,)}[mode]
        for ranking in rankings:
            for i, (rank, _) in ranking.items():
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank + 1)
        hits = []
        for i in sorted(fused, key=lambda i: (-fused[i], i)):
            if len(hits) == k:
                break
            doc_id, si = self._table[i]
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
        if self._languages[row] != language:
            return 0.0
        doc_id, si = self._table[row]
        return float(qv @ np.load(self._vec_path(doc_id), mmap_mode="r")[si])


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
