"""BM25 over sentences, with a tokenizer chosen by language."""

from __future__ import annotations

import re

import bm25s
import numpy as np

from ingest import lang

_WORD = re.compile(r"[^\W_\u3400-\u9fff]+(?:[.,:][0-9]+)*|[\u3400-\u9fff]+")  # letters of any script; Han apart


def tokenize(text: str, language: str = "en") -> list[str]:
    """Lower-cased word tokens, each turned into index terms by the pack of its script's language
    (English by default; see ``LanguagePack.index_terms``)."""
    out = []
    scripted = [p for p in lang.packs() if p.script is not None]
    latin = lang.get("en")
    for tok in _WORD.findall(text.lower()):
        pack = next((p for p in scripted if p.in_script(tok[0])), latin)
        out += pack.index_terms(tok)
    return out


class BM25Index:
    """bm25s over pre-tokenised sentences."""

    def __init__(self):
        self._bm25: bm25s.BM25 | None = None
        self._n = 0

    def build(self, token_lists: list[list[str]]) -> None:
        self._n = len(token_lists)
        self._bm25 = bm25s.BM25()
        if self._n:
            self._bm25.index([t or [""] for t in token_lists], show_progress=False)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """A BM25 score for every sentence (zeros where nothing matches)."""
        if not self._n or self._bm25 is None:
            return np.zeros(self._n, dtype=np.float32)
        vocab = self._bm25.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(self._n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def save(self, folder) -> None:
        if self._bm25 is not None and self._n:
            self._bm25.save(str(folder), show_progress=False)

    def load(self, folder, n: int) -> None:
        self._n = n
        self._bm25 = bm25s.BM25.load(str(folder)) if n else None
