"""English comparison questions: what they ask ("which province ... highest", "how far apart",
"how many provinces", "Hunan or Henan") and how their computed answers are phrased."""

from __future__ import annotations

import re

from ingest.lang.en.quantities import find_quantities_en
from ingest.lang.question import ComparisonAsk, ComparisonOutcome

_PLACES = r"(?:provinces?|regions?|cities|city|municipalities|ones?)"
_WHICH = re.compile(rf"\bwhich\s+(?:\w+\s+){{0,2}}?{_PLACES}\b|\bwhich\b", re.I)
_HIGH = r"highest|largest|most|biggest|greatest|fastest|strongest|top|maximum"
_LOW = r"lowest|smallest|least|fewest|slowest|weakest|minimum"
_EXTREME = re.compile(rf"\b(?:(?P<high>{_HIGH})|(?P<low>{_LOW}))\b", re.I)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_TOP = re.compile(rf"\btop\s+(\d+|{'|'.join(_NUMBERS)})\b|\b(\d+|{'|'.join(_NUMBERS)})\s+{_PLACES}\s+with\s+the\b|"
                  rf"\bwhich\s+(\d+|{'|'.join(_NUMBERS)})\s+{_PLACES}\b", re.I)
_SPREAD = re.compile(rf"\bhow far apart\b|\b(?:gap|difference|spread)\b.*\b(?:{_HIGH})\b.*\b(?:{_LOW})\b|"
                     rf"\b(?:{_HIGH})\b\s+and\s+(?:the\s+)?(?:{_LOW})\b", re.I)
_GAP = re.compile(r"\bby how (?:much|many(?:\s+percentage\s+points|\s+\w+)?)\b|\bhow much (?:more|higher|lower|less)\b|\bdifference\b|\bgap\b|\bhow far apart\b", re.I)
_COUNT = re.compile(rf"\bhow many\s+(?:of\s+the\s+(?:\d+\s+)?)?{_PLACES}\b", re.I)
_MISSING = re.compile(r"\b(?:do|does|did)\s+not\s+(?:state|give|set|report)|\bdon't\s+(?:state|give|set)|\b(?:give|state|set)s?\s+no\b|"
                      r"\bwithout\s+a\b", re.I)
_RANGES = re.compile(r"\bas a range\b|\ba range\b", re.I)
_PAIR = re.compile(r"\b(?:higher|more|larger|bigger|greater|faster|exceeds?|lower|less|fewer|smaller|slower)\b", re.I)
_LOWER = re.compile(r"\b(?:lower|less|fewer|smaller|slower)\b", re.I)
_NATIONAL = re.compile(r"\bnational(?:ly)?\b|\bnationwide\b|\bthe (?:whole )?country\b|\bChina(?:'s)?\b", re.I)
_OR_MORE = re.compile(r"\s*(?:or|and)\s+(?:more|higher|above|over|greater)\b", re.I)  # "5% or more": at least 5%
_OR_LESS = re.compile(r"\s*(?:or|and)\s+(?:less|lower|below|under|fewer)\b", re.I)
_OR = re.compile(r"\bor\b|\bcompared (?:with|to)\b|\bversus\b|\bvs\.?\b|\bthan\b", re.I)
_CUES = re.compile(rf"{_WHICH.pattern}|{_EXTREME.pattern}|{_TOP.pattern}|{_GAP.pattern}|{_COUNT.pattern}|"
                   rf"{_MISSING.pattern}|{_RANGES.pattern}|{_PAIR.pattern}|\bis the ranking certain\b|\bcertain\b|"
                   rf"\bin the corpus\b|\baccording to their reports\b|\brather than a single figure\b|\bexpress\b|\band\b|\bare they\b|"
                   rf"\bstates?\b|\breport(?:ed|s)?\b|\bdid\b|\bdo\b|\bdoes\b|\btarget(?:ed|s)?\b|\bset\b|\b{_PLACES}\b|"
                   rf"\bamong\b|\bwhose\b|\bgive\b|\bfigure\b|\bwhat is it\b|\bin order\b|\btheir\b|\bwhat were\b", re.I)


def read(question: str, regions: int) -> ComparisonAsk | None:
    """The comparison an English question asks for, or None (``regions``: how many regions it names)."""
    gap = bool(_GAP.search(question))
    if _COUNT.search(question):
        if _MISSING.search(question):
            return ComparisonAsk("missing")
        if _RANGES.search(question):
            return ComparisonAsk("ranges")
        relation, threshold, unit = _threshold(question)
        return ComparisonAsk("count", relation=relation, threshold=threshold, threshold_unit=unit)
    national = regions == 1 and bool(_NATIONAL.search(question))
    if _SPREAD.search(question) and not (regions >= 2 or national):  # "how far apart are Hunan and Henan": a pair
        return ComparisonAsk("spread", which=False)
    if (regions >= 2 or national) and (_OR.search(question) or gap):
        m = _PAIR.search(question)
        return ComparisonAsk("pair", highest=not (m and _LOWER.fullmatch(m.group(0))), difference=gap,
                             which=bool(_WHICH.search(question) or _OR.search(question)), national=national)
    if regions <= 1 and _WHICH.search(question):
        top = _TOP.search(question)
        extreme = _EXTREME.search(question)
        if extreme:  # "which three provinces ... fastest"; "which eight areas" ranks nothing
            n = next((g for g in top.groups() if g), "1") if top else "1"
            return ComparisonAsk("rank", highest=not (extreme and extreme.group("low")),
                                 n=int(n) if n.isdigit() else _NUMBERS[n.lower()])
    return None


def _threshold(question: str) -> tuple[str | None, float | None, str | None]:
    for q in find_quantities_en(question):
        after = question[q.end:q.end + 16]
        if re.match(rf"\s*{_PLACES}\b", after, re.I) or (q.unit is None and 1900 <= q.value <= 2100 and q.value == int(q.value)):
            continue  # "of the 24 provinces": the regions counted; "a 2026 target": a year
        relation = {"approximately": "~", "more than": ">", "at least": ">=", "less than": "<", "at most": "<="}.get(
            q.qualifier, "=")
        if _OR_MORE.match(question[q.end:]):
            relation = ">="
        elif _OR_LESS.match(question[q.end:]):
            relation = "<="
        return relation, float(q.value), q.unit
    return None, None, None


def cue_spans(question: str) -> list[tuple[int, int]]:
    """The words of a comparison question that are not about the indicator (cues, the compared figure)."""
    return [m.span() for m in _CUES.finditer(question)] + [(q.start, q.end) for q in find_quantities_en(question)]


_STATUS = {"target": "target", "actual": "actual"}


def amount(value: float | None, unit: str | None) -> str:
    """A computed difference in English: percentage points for percentages."""
    if value is None:
        return ""
    v = abs(value)
    if unit in ("percent", "percentage points"):
        return f"{v:.4g} percentage points"
    number = f"{v:,.0f}" if v >= 1000 and v == int(v) else f"{v:,.6g}"
    return f"{number} {unit}" if unit and unit != "ratio" else number


def _region(x) -> str:
    """A region's English name, with its name in the document's language where that differs."""
    return f"{x.region} ({x.native})" if x.native and x.native != x.region else x.region


def _figure(x) -> str:
    """An operand in English: the normalised value, and the figure as written when that is Chinese."""
    plain = amount(x.value, x.unit).replace(" percentage points", "%") if x.unit == "percent" else amount(x.value, x.unit)
    return f"{plain} ({x.figure})" if re.search(r"[\u4e00-\u9fff]", x.figure) else x.figure


def phrase(o: ComparisonOutcome) -> str:
    """The answer to a comparison, leading with its computed result."""
    when = ", ".join(x for x in (o.period.replace("/", "–") if o.period else None, _STATUS.get(o.status)) if x)
    what = f"{o.indicator} ({when})" if when else o.indicator
    ops = lambda items: "; ".join(f"{_region(x)} {_figure(x)}" for x in items)  # noqa: E731
    bounds = f" {ops(o.bounded)} state{'s' if len(o.bounded) == 1 else ''} only a bound or a range." if o.bounded else ""
    if o.op == "rank":
        end = "highest" if o.highest else "lowest"
        if o.n > 1:
            text = f"Top {len(o.leaders)} ({end} first): " + "; ".join(f"{_region(x)} {_figure(x)}" for x in o.leaders) + f" — {what}."
        elif len(o.leaders) > 1:
            text = f"{_figure(o.leaders[0])} — {' and '.join(_region(x) for x in o.leaders)} tie for the {end} {what}."
        else:
            text = f"{_region(o.leaders[0])}: {_figure(o.leaders[0])}, the {end} {what}."
        if o.runner_up:
            text += f" Next: {ops(o.runner_up)}."
        if not o.certain:
            text += f"{bounds} By the stated figures; the true order cannot be known from the bounds."
    elif o.op == "spread":
        hi, lo = o.leaders[0], o.leaders[-1]
        text = (f"{amount(o.difference, o.unit)} between the highest, {_region(hi)} {_figure(hi)}, and the lowest, "
                f"{_region(lo)} {_figure(lo)} — {what}.")
        if not o.certain:
            text += f"{bounds} The difference is between the stated figures."
    elif o.op == "pair":
        a, b = o.leaders
        if o.relation == "=":
            both = _figure(a) if a.figure == b.figure else f"{_figure(a)} and {_figure(b)}"
            text = f"The same: {_region(a)} and {_region(b)} state {both} — {what}."
        elif o.relation == "?":
            text = f"Cannot tell which is {'higher' if o.highest else 'lower'}: {ops([a, b])} — {what}; the stated ranges overlap."
        else:
            counted = o.unit not in ("percent", "percentage points", "ratio")  # "more jobs", "a higher rate"
            word = ({">": "more", ">=": "at least as many", "<": "fewer", "<=": "at most as many"} if counted else
                    {">": "higher", ">=": "at least as high", "<": "lower", "<=": "at most as high"})[o.relation]
            if o.asks_difference and not o.which:
                text = f"{amount(o.difference, o.unit)} apart{' by the stated figures' if o.bounded else ''}: {ops([a, b])} — {what}."
            else:
                text = f"{_region(a)}: {_figure(a)}, {word} than {_region(b)} ({_figure(b)}) — {what}."
                if o.asks_difference and o.difference is not None:
                    text += f" Difference{' by the stated figures' if o.bounded else ''}: {amount(o.difference, o.unit)}."
        if o.bounded and o.relation != "=":
            text += bounds
    elif o.op in ("count", "missing", "ranges"):
        label = {"count": "match", "missing": "state no figure for it", "ranges": "state it as a range"}[o.op]
        names = ", ".join(_region(x) for x in o.members)
        text = f"{len(o.members)} of {o.compared} regions {label} ({what}{'; ' + o.condition if o.condition else ''}): {names or 'none'}."
        if o.undecided:
            text += f" Undecided, only bounds stated: {ops(o.undecided)}."
        if o.op != "missing" and o.missing:
            text += f" No figure: {', '.join(o.missing)}."
    else:
        text = ""
    return text


def refusal(o: ComparisonOutcome) -> str:
    """Why the corpus cannot support a comparison."""
    parts = []
    if o.no_document:
        parts.append(f"the corpus has no report on {' or '.join(o.no_document)}")
    if o.missing:
        on = " and ".join(o.missing) if len(o.missing) <= 3 else f"{len(o.missing)} regions"
        parts.append(f"the report{'s' if len(o.missing) > 1 else ''} on {on} state{'' if len(o.missing) > 1 else 's'} "
                     f"no figure for {o.indicator}")
    if not o.leaders and not o.no_document:
        return f"Cannot compare: no region in the corpus states {o.indicator}" + (f" ({o.period})" if o.period else "") + "."
    if not parts:
        parts.append(f"fewer than two regions state {o.indicator}")
    stated = "; ".join(f"{_region(x)}: {_figure(x)}" for x in o.leaders)
    return "Cannot compare: " + " and ".join(parts) + (f" ({stated})" if stated else "") + "."


_GENERIC = {"grew", "grow", "grown", "growth", "faster", "slower", "percentage", "points", "point", "economy", "economic", "rate"}  # words that name no indicator of their own
_GROWTH = {"grew", "grow", "grown", "growth", "faster", "slower", "economy"}


def implied(words: list[str]) -> list[str] | None:
    """The indicator a comparison leaves implicit: a region that grew faster is an economy that did."""
    return ["gdp", "growth"] if set(words) <= _GENERIC and set(words) & _GROWTH else None
