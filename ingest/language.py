"""Script tests shared by the language packs and the language-neutral code (``ingest.lang.detect``
guesses a text's language)."""

from __future__ import annotations


def is_han(ch: str) -> bool:
    """A Han character (CJK unified ideographs and extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def has_han(text: str) -> bool:
    """Whether the text holds any Han character: Chinese labels, units and questions."""
    return any(is_han(ch) for ch in text)
