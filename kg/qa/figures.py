"""The figures a text states, as numbers: what every language pack finds in it."""

from __future__ import annotations

import re
from decimal import Decimal

from ingest import lang

_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d\d)(?![\d%％])")


def _all(text: str) -> list[tuple[int, Decimal]]:
    return sorted((pos, value) for pack in lang.packs() for pos, value in pack.figures(text))


def figures_in(text: str) -> set[Decimal]:
    """Every number a text states, scale words applied, in the forms of every registered language."""
    return {value for _, value in _all(text)}


def first_figure(text: str, years: bool = False) -> Decimal | None:
    """The figure a text states first (``years``: a year such as "2030" counts as a figure too)."""
    found = _all(text)
    if years:
        found = sorted(found + [(m.start(), Decimal(m.group(1))) for m in _YEAR.finditer(text)])
    return found[0][1] if found else None
