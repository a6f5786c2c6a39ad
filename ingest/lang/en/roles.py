"""What kind of figure of its indicator an English figure is, and the base of a change.

- **baseline**: a figure after "from" when a "to" follows ("from 80.2 years in 2020 to 82.5"),
  or after "up/down from" ("95%, up from 90%"); its period is the year stated with it;
- **average** (yearly, over the period): "average annual", "annual average", "on average",
  or "a year" / "each year" / "annually" right after it;
- **change**: as extraction reads it from the parse ("rose by 150%", "up 3.5 points"); its kind is
  percent growth, percentage points, a multiple ("times", "fold") or an absolute change, and its
  base the comparison period stated ("from 2017", "year on year");
- **cumulative**: "a total of", "in total", "altogether", "cumulatively" with it;
- **level** otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.periods import TimeExpr

_BASELINE_BEFORE = re.compile(r"\b(?:up|down|rising|rose|increased?|decreased?|fell|grew)?\s*from\s+(?:(?:a|an|the)\s+)?(?:level\s+of\s+)?"
                              r"(?:(?:about|around|nearly|over|more\s+than|less\s+than)\s+)?$", re.I)
_TO_AFTER = re.compile(r"^[^.;]{0,60}?\bto\b", re.I)
_UP_FROM = re.compile(r"\b(?:up|down)\s+from\s+$", re.I)
_AVERAGE_BEFORE = re.compile(r"\b(?:average annual|annual average|average yearly|yearly average|an average of|on average|"
                             r"averaged?|per year on average)\b[^,;]{0,40}$", re.I)
_AVERAGE_AFTER = re.compile(r"^\s*(?:a year|per year|each year|every year|annually|on average|a year on average)\b", re.I)
_CUMULATIVE = re.compile(r"\b(?:a total of|in total|totall?ing|altogether|cumulative(?:ly)?|in all)\b", re.I)
_YOY = re.compile(r"\b(?:year[- ]on[- ]year|over the previous year|than the previous year|compared with the previous year|"
                  r"from the previous year|over last year)\b", re.I)


@dataclass
class Role:
    role: str = "level"
    change_kind: str | None = None
    base: tuple[int, int] | None = None
    cue: str = ""


def classify(text: str, start: int, end: int, unit: str, kind: str, times: list[TimeExpr],
             period: tuple[int, int] | None) -> Role:
    """The role of the figure at ``text[start:end]`` (``kind``: "change" or "level" from the parse)."""
    before, after = text[:start], text[end:]
    clause = re.split(r"[;,]\s", before)[-1]
    if _BASELINE_BEFORE.search(before) and (_TO_AFTER.match(after) or _UP_FROM.search(before)):
        return Role("baseline", cue="baseline")
    change = kind == "change" or unit == "percentage points"  # points only ever measure a change
    change_kind = _change_kind(unit) if change else None
    if (_AVERAGE_BEFORE.search(clause) or _AVERAGE_AFTER.match(after)) and " per year" not in unit:
        return Role("average", change_kind, cue="yearly-average")
    if change:
        return Role("change", change_kind, base=_base(text, times, period), cue="change")
    if _CUMULATIVE.search(clause) or _CUMULATIVE.match(after.lstrip()):
        return Role("cumulative", cue="cumulative")
    return Role("level")


def baseline_period(text: str, end: int, times: list[TimeExpr]) -> tuple[int, int] | None:
    """The year stated right after a figure ("from 80.2 years in 2020 to 82.5 in 2025"), if any."""
    near = [t for t in times if 0 <= t.start - end <= 12]
    return (near[0].period.start, near[0].period.end) if near else None


def _change_kind(unit: str) -> str:
    return {"percentage points": "points", "percent": "percent", "times": "multiple"}.get(unit, "absolute")


def _base(text: str, times: list[TimeExpr], period: tuple[int, int] | None) -> tuple[int, int] | None:
    stated = [t for t in times if t.baseline]
    if stated:
        return stated[0].period.start, stated[0].period.end
    if _YOY.search(text) and period and period[0] == period[1]:
        return period[0] - 1, period[0] - 1
    return None
