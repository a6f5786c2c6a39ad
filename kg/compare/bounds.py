"""What a stated figure says about the true value: a point, a floor, a ceiling or a range.

"110万人以上" says only that the value is at least 1.1 million; "5%以内" that it is at most
5%; "4.5%—5%" that it lies between the two; "5%左右" is read as 5% (about). Orders and counts
over such figures are certain only where the intervals allow it; the functions here say so
instead of inventing an order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FLOORS = frozenset({"more than", "at least"})
CEILINGS = frozenset({"less than", "at most"})
APPROXIMATE = "approximately"


@dataclass(frozen=True)
class Interval:
    """The values a figure allows: [low, high], either end open to infinity."""

    low: float
    high: float
    stated: float  # the number as written (a range: its lower end)
    kind: str  # "point" | "about" | "floor" | "ceiling" | "range"

    @property
    def exact(self) -> bool:
        return self.kind in ("point", "about")

    @property
    def key(self) -> float:
        """The value an order by stated figures uses (a range: its middle)."""
        return (self.low + self.high) / 2 if self.kind == "range" else self.stated


def interval(value: float, qualifier: str | None = None, upper: float | None = None) -> Interval:
    """The interval a figure with this value, qualifier and range end allows."""
    if upper is not None:
        return Interval(value, upper, value, "range")
    if qualifier in FLOORS:
        return Interval(value, math.inf, value, "floor")
    if qualifier in CEILINGS:
        return Interval(-math.inf, value, value, "ceiling")
    return Interval(value, value, value, "about" if qualifier == APPROXIMATE else "point")


def surely_at_least(a: Interval, b: Interval) -> bool:
    """Whether a >= b whatever values the two figures allow."""
    return a.low >= b.high


def surely_ahead(a: Interval, b: Interval) -> bool:
    """Whether a > b whatever values the two figures allow (4.5%—5% is not surely above 4.5%)."""
    return a.low > b.high


def order(items: list, of, highest: bool = True) -> tuple[list, bool]:
    """``items`` sorted by stated value (highest first, or lowest first), and whether the first
    group (the leaders, ties included) is certainly ahead of every other item given the bounds."""
    ranked = sorted(items, key=lambda x: -of(x).key if highest else of(x).key)
    if not ranked:
        return ranked, False
    lead = of(ranked[0]).key
    leaders = [x for x in ranked if of(x).key == lead]
    rest = ranked[len(leaders):]
    if highest:
        certain = all(surely_ahead(of(a), of(b)) for a in leaders for b in rest)
    else:
        certain = all(surely_ahead(of(b), of(a)) for a in leaders for b in rest)
    return ranked, certain and (len(leaders) == 1 or all(of(x).exact for x in leaders))


def compare_two(a: Interval, b: Interval) -> str:
    """">" or "<" when the bounds decide, "=" for equal exact figures, ">=" / "<=" when one can
    only be at least the other, "?" when the bounds overlap."""
    if a.exact and b.exact and a.stated == b.stated:
        return "="
    if a.low > b.high:
        return ">"
    if b.low > a.high:
        return "<"
    if surely_at_least(a, b):
        return ">="
    if surely_at_least(b, a):
        return "<="
    return "?"


def satisfies(iv: Interval, op: str, threshold: float) -> bool | None:
    """Whether a figure meets ``op threshold`` ("=", "~", ">=", ">", "<=", "<"): True, False, or
    None when its bounds leave it open. "~" (about) counts the figures stated as about that number
    (5.5%左右), "=" those stated as it, about or exactly; a floor or ceiling at it is neither."""
    if op == "~":  # "5.5%左右", "around 5.5%": the figures stated so
        return iv.kind == "about" and iv.stated == threshold
    if op == "=":
        return iv.exact and iv.stated == threshold
    tests = {">=": lambda x: x >= threshold, ">": lambda x: x > threshold,
             "<=": lambda x: x <= threshold, "<": lambda x: x < threshold}[op]
    lo, hi = tests(iv.low), tests(iv.high)
    if iv.exact:
        return tests(iv.stated)
    if lo and hi:
        return True
    if not lo and not hi:
        return False
    return None
