"""Vector indexes behind one interface: exact inner product over L2-normalised
vectors (cosine similarity). ``faiss`` is the default; ``numpy`` is a
dependency-free reference with the same contract."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from ingest.registry import Registry


class VectorIndex(ABC):
    name = "abstract"

    @abstractmethod
    def build(self, vectors: np.ndarray) -> None:
        """Replace the contents with ``vectors`` (n, dim); row i gets id i."""

    @abstractmethod
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows to ``query`` (dim,): (ids, scores), best first."""

    @abstractmethod
    def save(self, path: Path) -> None: ...

    @abstractmethod
    def load(self, path: Path) -> None: ...

    @abstractmethod
    def __len__(self) -> int: ...


class FaissIndex(VectorIndex):
    name = "faiss"

    def __init__(self):
        import faiss

        self._faiss = faiss
        self._index = None

    def build(self, vectors):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._index = self._faiss.IndexFlatIP(vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1)
        if len(vectors):
            self._index.add(vectors)

    def search(self, query, k):
        if self._index is None or self._index.ntotal == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, self._index.ntotal)
        scores, ids = self._index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k)
        return ids[0], scores[0]

    def save(self, path):
        if self._index is not None:
            self._faiss.write_index(self._index, str(path))

    def load(self, path):
        self._index = self._faiss.read_index(str(path))

    def __len__(self):
        return 0 if self._index is None else int(self._index.ntotal)


class NumpyIndex(VectorIndex):
    name = "numpy"

    def __init__(self):
        self._m = np.zeros((0, 1), dtype=np.float32)

    def build(self, vectors):
        self._m = np.asarray(vectors, dtype=np.float32)

    def search(self, query, k):
        if len(self._m) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self._m @ np.asarray(query, dtype=np.float32)
        k = min(k, len(scores))
        ids = np.argsort(-scores, kind="stable")[:k]
        return ids.astype(np.int64), scores[ids]

    def save(self, path):
        with open(path, "wb") as fh:
            np.save(fh, self._m)

    def load(self, path):
        self._m = np.load(path)

    def __len__(self):
        return len(self._m)


# Vector indexes by name: ``factory() -> VectorIndex``; third-party ones register through the
# ``policykg.vector_indexes`` entry point group.
vector_indexes: Registry[VectorIndex] = Registry("vector index", "policykg.vector_indexes")
vector_indexes.register("faiss", FaissIndex)
vector_indexes.register("numpy", NumpyIndex)
