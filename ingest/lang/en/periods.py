"""Time expressions in English sentences ("in 2020", "by the end of the 14th Five-Year Plan",
"last year", "the past five years"), resolved to periods against the document's date."""

from __future__ import annotations

import re

from ingest.periods import DocDate, Period, TimeExpr, plan_period

_WORD_NUMS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
}


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

