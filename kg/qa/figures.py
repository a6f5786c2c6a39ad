"""The figures a text states, as numbers: what every language pack finds in it."""

from __future__ import annotations

import re
from decimal import Decimal

from ingest import lang

_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d%％])")


def _all(text: str) -> list[tuple[int, int, Decimal]]:
    """Every figure any pack reads, in order; at one offset the longest reading first ("2669万" is
    26,690,000, not 2669)."""
    return sorted(((start, -end, value) for pack in lang.packs() for start, end, value in pack.figures(text)),
                  key=lambda f: (f[0], f[1]))


def figures_in(text: str) -> set[Decimal]:
    """Every number a text states, scale words applied, in the forms of every registered language."""
    return {value for _, _, value in _all(text)}


def first_figure(text: str, years: bool = False) -> Decimal | None:
    """The figure a text states first (``years``: a year such as "2030" counts as a figure too)."""
    found = _all(text)
    if years:
        found = sorted(found + [(m.start(), -m.end(), Decimal(m.group(1))) for m in _YEAR.finditer(text)],
                       key=lambda f: (f[0], f[1]))
    return found[0][2] if found else None
