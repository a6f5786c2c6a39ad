"""Guess a document's language from its script when the manifest does not say."""

from __future__ import annotations


def is_han(ch: str) -> bool:
    """A Han character (CJK unified ideographs and extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def has_han(text: str) -> bool:
    """Whether the text holds any Han character: Chinese labels, units and questions."""
    return any(is_han(ch) for ch in text)


def detect(text: str, sample: int = 20000) -> str:
    """ISO 639-1 code: ``zh`` when Han characters dominate the letters, else ``en``."""
    letters = [c for c in text[:sample] if c.isalpha()]
    if not letters:
        return "en"
    han = sum(1 for c in letters if is_han(c))
    return "zh" if han / len(letters) > 0.3 else "en"
