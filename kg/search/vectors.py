"""Vector indexes behind one interface: inner product over L2-normalised vectors
(cosine similarity). ``faiss`` is the default: an exact flat scan up to
``APPROXIMATE_FROM`` vectors, an HNSW graph above it (see ``bench/vectors.py``
for the measurements behind the constants). ``numpy`` is a dependency-free
exact reference with the same contract; ``qdrant`` (``kg.search.qdrant``) keeps
the vectors in a Qdrant collection, on a server or cluster, or embedded."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from ingest.registry import Registry
from kg.search.snapshot import write_replacing

# From this many vectors on the ``faiss`` backend answers from an HNSW graph (approximate) instead
# of a flat scan (exact), in build() and as soon as add() reaches it. Chosen with bench/vectors.py
# (384-dim MiniLM-shaped vectors, 2 busy cores): a flat scan's p50 grows by about 0.33 ms per 1000
# vectors (17 ms at 50k, 72 ms at 200k, 313 ms at 1M), past the 10 ms goal from ~30k there;
# HNSW answers in under 1 ms at any of these sizes with recall@10 of 0.99-1.0,
# and building it for 50k vectors takes well under a minute.
APPROXIMATE_FROM = 50_000
HNSW_M = 32  # links per node
HNSW_EF_CONSTRUCTION = 80  # beam width while inserting
HNSW_EF_SEARCH = 128  # beam width while searching (at least k is used)


def as_matrix(vectors) -> np.ndarray:
    """``vectors`` as a C-contiguous float32 (n, dim) matrix."""
    m = np.ascontiguousarray(vectors, dtype=np.float32)
    if m.ndim != 2:
        raise ValueError(f"vectors must be a (n, dim) matrix, not of shape {m.shape}")
    return m


class VectorIndex(ABC):
    name = "abstract"

    @abstractmethod
    def build(self, vectors: np.ndarray) -> None:
        """Replace the contents with ``vectors`` (n, dim); row i gets id i."""

    @abstractmethod
    def add(self, vectors: np.ndarray) -> None:
        """Append ``vectors`` (n, dim); their ids continue from ``len(self)``. On an empty index
        (never built, or built from no rows) this is ``build(vectors)``."""

    @abstractmethod
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows to ``query`` (dim,): (ids, scores), best first."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the index to the file ``path`` (a backend may keep its data beside it), replacing
        it whole: a process reading it meanwhile reads the old file or the new one."""

    @abstractmethod
    def load(self, path: Path) -> None: ...

    @abstractmethod
    def __len__(self) -> int: ...


class FaissIndex(VectorIndex):
    """Exact (``IndexFlatIP``) below ``APPROXIMATE_FROM`` vectors, ``IndexHNSWFlat`` (inner product)
    from it on; ``kind`` says which. The switch happens in build() and in the add() that reaches the
    threshold; a saved index loads as the kind it was saved as."""

    name = "faiss"

    def __init__(self):
        import faiss

        self._faiss = faiss
        self._index = None

    @property
    def kind(self) -> str:
        """"flat" (exact), "hnsw" (approximate) or "empty"."""
        if self._index is None:
            return "empty"
        return "hnsw" if isinstance(self._index, self._faiss.IndexHNSW) else "flat"

    def _new(self, dim: int, n: int):
        if n >= APPROXIMATE_FROM:
            index = self._faiss.IndexHNSWFlat(dim, HNSW_M, self._faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
            return index
        return self._faiss.IndexFlatIP(dim)

    def build(self, vectors):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
        self._index = self._new(dim, len(vectors))
        if len(vectors):
            self._index.add(vectors)

    def add(self, vectors):
        vectors = as_matrix(vectors)
        if self._index is None or self._index.ntotal == 0:
            self.build(vectors)
            return
        if not len(vectors):
            return
        if vectors.shape[1] != self._index.d:
            raise ValueError(f"vectors of dimension {vectors.shape[1]} added to an index of dimension {self._index.d}")
        total = self._index.ntotal + len(vectors)
        if self.kind == "flat" and total >= APPROXIMATE_FROM:  # crossing the threshold: re-index as HNSW
            self.build(np.concatenate([self._index.reconstruct_n(0, self._index.ntotal), vectors]))
        else:
            self._index.add(vectors)

    def search(self, query, k):
        if self._index is None or self._index.ntotal == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, self._index.ntotal)
        scores, ids = self._index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k)
        found = ids[0] >= 0  # an approximate index may find fewer than k
        return ids[0][found], scores[0][found]

    def save(self, path):
        if self._index is not None:
            write_replacing(Path(path), lambda tmp: self._faiss.write_index(self._index, str(tmp)))

    def load(self, path):
        self._index = self._faiss.read_index(str(path))
        if isinstance(self._index, self._faiss.IndexHNSW):
            self._index.hnsw.efSearch = HNSW_EF_SEARCH  # the current setting, not the one saved with it

    def __len__(self):
        return 0 if self._index is None else int(self._index.ntotal)


class NumpyIndex(VectorIndex):
    name = "numpy"

    def __init__(self):
        self._m = np.zeros((0, 1), dtype=np.float32)

    def build(self, vectors):
        self._m = np.asarray(vectors, dtype=np.float32)

    def add(self, vectors):
        vectors = as_matrix(vectors)
        if len(self._m) == 0:
            self.build(vectors.copy())
        elif len(vectors):
            if vectors.shape[1] != self._m.shape[1]:
                raise ValueError(f"vectors of dimension {vectors.shape[1]} added to an index of dimension {self._m.shape[1]}")
            self._m = np.concatenate([self._m, vectors])

    def search(self, query, k):
        if len(self._m) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self._m @ np.asarray(query, dtype=np.float32)
        k = min(k, len(scores))
        ids = np.argsort(-scores, kind="stable")[:k]
        return ids.astype(np.int64), scores[ids]

    def save(self, path):
        def write(tmp):
            with open(tmp, "wb") as fh:
                np.save(fh, self._m)
        write_replacing(Path(path), write)

    def load(self, path):
        self._m = np.load(path)

    def __len__(self):
        return len(self._m)


# Vector indexes by name: ``factory() -> VectorIndex``; third-party ones register through the
# ``policykg.vector_indexes`` entry point group.
vector_indexes: Registry[VectorIndex] = Registry("vector index", "policykg.vector_indexes")
vector_indexes.register("faiss", FaissIndex)
vector_indexes.register("numpy", NumpyIndex)


def _qdrant() -> VectorIndex:
    from kg.search.qdrant import QdrantIndex  # imports qdrant-client, an optional extra

    return QdrantIndex()


vector_indexes.register("qdrant", _qdrant)
