"""Time expressions in a sentence, resolved to periods (a year or a range of years).

Plan periods follow China's Five-Year Plans: the 3rd began in 1966 and each
lasts five years (the 1st and 2nd ran 1953-1962), so the nth covers
1966 + 5(n-3) to 1970 + 5(n-3): the 13th is 2016-2020, the 14th 2021-2025.
Relative phrases ("last year", "the past five years") resolve against the
document's date; a report issued in the first quarter looks back on complete
years, so its "past five years" end the year before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD_NUMS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
}


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}/{self.end}"


@dataclass(frozen=True)
class TimeExpr:
    start: int  # span in the sentence
    end: int
    period: Period
    cue: str  # "by", "since", "in", "as of", "during", "" ... : the word that introduced it
    framing: bool = False  # a fronted adverbial ("By the end of 2020, ..."): it frames what follows
    baseline: bool = False  # the base of a comparison ("up 3.5 points from 2017"): not a figure's period


def plan_period(n: int) -> Period:
    """The years of the nth Five-Year Plan."""
    if n <= 2:
        return Period(1953 + 5 * (n - 1), 1957 + 5 * (n - 1))
    return Period(1966 + 5 * (n - 3), 1970 + 5 * (n - 3))


@dataclass(frozen=True)
class DocDate:
    year: int | None
    month: int | None = None

    @classmethod
    def parse(cls, issued: str | None) -> "DocDate":
        m = re.match(r"(\d{4})(?:-(\d{2}))?", issued or "")
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None) if m else cls(None)

    def looking_back_end(self) -> int | None:
        """The last complete year a retrospective in this document covers."""
        if self.year is None:
            return None
        return self.year - 1 if self.month is not None and self.month <= 3 else self.year


_CUE_EN = r"(?P<cue>by the end of|by end of|at the end of|as of|as at|by|since|since the (?:start|beginning|commencement) of|during|in|from|over|than|compared with|for|through|until|till|of)?\s*(?:the\s+)?"
_FYP_EN = re.compile(_CUE_EN + r"(?:(?P<n>\d{1,2})(?:st|nd|rd|th)|(?P<w>eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth))\s+five[- ]year\s+plan(?:\s+period)?", re.IGNORECASE)
_RANGE_EN = re.compile(_CUE_EN + r"(?P<a>(?:19|20)\d\d)\s*(?:-|–|—|to|through|until)\s*(?P<b>(?:19|20)\d\d)(?!\d)", re.IGNORECASE)
_YEAR_EN = re.compile(_CUE_EN + r"(?<![\d.,-])(?P<y>(?:19|20)\d\d)(?![\d%]|\s*(?:-|–)\s*\d|,\d{3})(?:\s+edition)?", re.IGNORECASE)
_REL_EN = re.compile(
    _CUE_EN + r"(?P<rel>last year|this year|next year|the previous year|the past (?P<k>\w+) years|the last (?P<k2>\w+) years|past (?P<k3>\w+) years)",
    re.IGNORECASE,
)


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else _WORD_NUMS.get(word.lower())


def find_times_en(sentence: str, date: DocDate) -> list[TimeExpr]:
    """Time expressions in an English sentence, each resolved to a period."""
    found: list[TimeExpr] = []

    def add(m: re.Match, period: Period | None) -> None:
        if period is None or any(t.start < m.end() and m.start() < t.end for t in found):
            return
        cue = (m.group("cue") or "").lower()
        start = m.start("cue") if m.group("cue") else m.start()
        # fronted: opens the sentence or a clause, and a comma follows
        framing = bool(re.match(r"\s*[,，]", sentence[m.end():])) and bool(
            re.search(r"(?:^|\bthat|\band|\bbut|[,;:，；：\"“])\W*$", sentence[:start], re.IGNORECASE))
        baseline = cue in ("from", "over", "than", "compared with", "in") and bool(
            re.search(r"\b(?:up|down|increase[ds]?|decrease[ds]?|rise|rose|fell|drop(?:ped)?|higher|lower|more|less|compared)\b[^,;]{0,40}$",
                      sentence[:start], re.IGNORECASE)) and cue != "in"
        found.append(TimeExpr(start, m.end(), period, cue, framing, baseline))

    for m in _FYP_EN.finditer(sentence):
        add(m, plan_period(int(m.group("n")) if m.group("n") else _WORD_NUMS[m.group("w").lower()]))
    for m in _RANGE_EN.finditer(sentence):
        add(m, Period(int(m.group("a")), int(m.group("b"))))
    for m in _REL_EN.finditer(sentence):
        add(m, _relative(m, date))
    for m in _YEAR_EN.finditer(sentence):
        y = int(m.group("y"))
        cue = (m.group("cue") or "").lower()
        if cue == "since" and date.year and date.year > y:
            add(m, Period(y, date.year))
        else:
            add(m, Period(y, y))
    return sorted(found, key=lambda t: t.start)


def _relative(m: re.Match, date: DocDate) -> Period | None:
    if date.year is None:
        return None
    rel = m.group("rel").lower()
    if rel == "this year":
        return Period(date.year, date.year)
    if rel in ("last year", "the previous year"):
        return Period(date.year - 1, date.year - 1)
    if rel == "next year":
        return Period(date.year + 1, date.year + 1)
    k = _number(m.group("k") or m.group("k2") or m.group("k3") or "")
    end = date.looking_back_end()
    return Period(end - k + 1, end) if k and end else None
