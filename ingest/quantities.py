"""Figures in running text: where a number stands, its value, unit and qualifier.

This is the surface layer of extraction: it finds each candidate figure with
its exact character span and decides what the number *is* (a quantity, or a
date, ordinal, list marker, plan number ... that is no figure). What the
figure measures (metric, region, period, status) is decided from the sentence
around it by ``extract``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Quantity:
    """A figure's surface: span of the whole figure (qualifier to unit), number and unit."""

    start: int  # the figure span in the text passed in (e.g. "more than 99%")
    end: int
    number_start: int
    number_end: int
    value: Decimal
    unit: str | None  # canonical unit, e.g. "percent", "yuan per person per month"; None: decided from context
    unit_end: int  # where the unit ends (== number_end when the unit is not written right after the number)
    qualifier: str | None
    upper: Decimal | None = None  # a range's upper end (4.5%—5%: value 4.5, upper 5)


def parse_number(text: str) -> Decimal:
    """'675,400' -> 675400; '2.97' -> 2.97."""
    return Decimal(text.replace(",", ""))


def plain(value: Decimal) -> Decimal:
    """The value without exponent or trailing zeros: 1.36E+9 -> 1360000000, 93.70 -> 93.7."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value
