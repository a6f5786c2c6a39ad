"""The figures a text states, as numbers: what every language pack finds in it."""

from __future__ import annotations

from decimal import Decimal

from ingest import lang


def figures_in(text: str) -> set[Decimal]:
    """Every number a text states, scale words applied, in the forms of every registered language."""
    found: set[Decimal] = set()
    for pack in lang.packs():
        found |= pack.figures_in(text)
    return found
