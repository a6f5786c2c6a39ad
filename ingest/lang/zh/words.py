"""Chinese words through jieba, loaded once and quietly (no "Building prefix dict" chatter)."""

from __future__ import annotations

import logging
from functools import lru_cache


@lru_cache(maxsize=1)
def jieba():
    """The jieba module, its logging turned down."""
    import jieba as module

    module.setLogLevel(logging.WARNING)
    return module


def tagged(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs of jieba's tagger ("v" verb, "n" noun, "p" preposition ...)."""
    jieba()
    import jieba.posseg as posseg

    return [(w.word, w.flag) for w in posseg.cut(text)]


def boundaries(text: str) -> set[int]:
    """Offsets where jieba puts a word boundary."""
    out = {0, len(text)}
    for _, start, end in jieba().tokenize(text):
        out |= {start, end}
    return out
