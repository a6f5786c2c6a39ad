"""Guess a document's language from its script when the manifest does not say."""

from __future__ import annotations


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def detect(text: str, sample: int = 20000) -> str:
    """ISO 639-1 code: ``zh`` when Han characters dominate the letters, else ``en``."""
    letters = [c for c in text[:sample] if c.isalpha()]
    if not letters:
        return "en"
    han = sum(1 for c in letters if _is_cjk(c))
    return "zh" if han / len(letters) > 0.3 else "en"
