"""Figures in English sentences: where a number stands, its value, unit and qualifier, with
dates, ordinals, years, list markers and plan numbers left out (see ``ingest.quantities``)."""

from __future__ import annotations

import re
from decimal import Decimal

from ingest.quantities import Quantity, parse_number, plain

SCALES_EN = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


QUALIFIERS_EN = [
    # (pattern before the number, normalised qualifier); longest first
    (r"no (?:more|greater) than|not (?:more|greater) than|up to|at most|a maximum of", "at most"),
    (r"no (?:less|fewer) than|not (?:less|fewer) than|at least|a minimum of", "at least"),
    (r"more than|over|above|exceeding|in excess of|upwards of|higher than|greater than", "more than"),
    (r"less than|fewer than|below|under|lower than", "less than"),
    (r"nearly|almost|about|approximately|around|roughly|some|close to|an estimated", "approximately"),
]


_QUAL_EN = re.compile(r"(?:(" + "|".join(p for p, _ in QUALIFIERS_EN) + r")\s+)$", re.IGNORECASE)


_NUM = r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"


_FIGURE_EN = re.compile(
    _NUM
    + r"(?:\s*(?P<ratio>[:∶])\s*(?P<ratio2>\d+(?:\.\d+)?)(?![\d:]))?"
    + r"(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)


_ORDINAL = re.compile(r"^(?:st|nd|rd|th)\b", re.IGNORECASE)


_PERCENT = re.compile(r"^\s*(?:%|per\s?cent\b|percent\b)")


_POINTS = re.compile(r"^\s*(?:percentage|per\s?cent(?:age)?)\s+points?\b", re.IGNORECASE)


_CURRENCY = re.compile(
    r"^\s*(?P<cur>yuan|rmb|renminbi|dollars?|usd|us\$|euros?)\b"
    r"(?P<per>(?:\s*/\s*[a-z]+(?:\s*[·・•/]\s*[a-z]+)*|(?:\s+(?:per|a|each)\s+[a-z]+){1,2}))?",
    re.IGNORECASE,
)


_PER_N = re.compile(r"^\s*(?P<noun>(?:[a-z][\w'-]*\s+){0,3}?[a-z][\w'-]*)?\s*per\s+(?P<n>1,000|1000|10,000|10000|100,000|thousand|ten thousand|hundred thousand|capita)\s*(?P<who>people|persons|residents|population|inhabitants)?", re.IGNORECASE)


_TIMES = re.compile(r"^\s*(?:times|fold)\b(?!\s+of\b)", re.IGNORECASE)  # "50,000 times of sessions" counts sessions


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"


_DATE_BEFORE = re.compile(rf"(?:\b(?:{_MONTHS})\.?\s*)$", re.IGNORECASE)


_DATE_AFTER = re.compile(rf"^\s*(?:{_MONTHS})\b", re.IGNORECASE)


_LIST_MARKER = re.compile(r"(?:^|[\n;；:：.。!?])\W*?\s*[(（]?\s*$")


_YEAR = re.compile(r"^(?:1[89]\d\d|20\d\d|2100)$")


_TIME_UNITS = re.compile(r"^\s*(?:years?|months?|days?|weeks?|hours?|minutes?)\b", re.IGNORECASE)


def _scale_value(value: Decimal, scale: str | None) -> Decimal:
    return plain(value * SCALES_EN[scale.lower()]) if scale else plain(value)


def _compound_per(per: str | None) -> str:
    """'/person·month' or ' per person per month' -> ' per person per month'."""
    if not per:
        return ""
    words = [w.lower() for w in re.split(r"[\s/·・•]+|\bper\b|\ba\b|\beach\b", per) if w and w.strip()]
    return "".join(f" per {w}" for w in words)


def _per_n(match: re.Match) -> str:
    n = match.group("n").lower().replace(",", "")
    n = {"thousand": "1000", "ten thousand": "10000", "hundred thousand": "100000"}.get(n, n)
    who = (match.group("who") or "people").lower()
    if n == "capita":
        return "per capita"
    return f"per {int(n):,} {who}"


def find_quantities_en(text: str) -> list[Quantity]:
    """Every figure in an English sentence, with non-figures (dates, ordinals, years, times) left out."""
    out = []
    for m in _FIGURE_EN.finditer(text):
        num_s, num_e = m.span(1)
        before = text[:num_s]
        after_num = text[num_e:]
        if _ORDINAL.match(after_num) or re.match(r"^[A-Za-z]", after_num) and not re.match(r"^[a-z]{3,}", after_num):
            continue  # 13th, 5G, 3D
        ratio2 = m.group("ratio2")
        if ratio2 and re.fullmatch(r"\d{1,2}", m.group(1)) and re.fullmatch(r"\d\d", ratio2) and ratio2 != "1":
            continue  # a time of day, 09:19
        if re.match(r"^\s*[-–]\s*\d", after_num):
            continue  # 2016-2020
        if (_LIST_MARKER.search(before) and re.match(r"^\s*[.)、）]", after_num)) or \
                (re.search(r"[(（]\s*$", before) and re.match(r"^\s*[)）]", after_num)):
            continue  # 1.  (2)  3)
        if _DATE_BEFORE.search(before) or _DATE_AFTER.match(after_num):
            continue  # April 21, 21 April
        if re.match(r"^-[a-z]", after_num, re.IGNORECASE) or re.search(r"[\"“‘'「]\s*$", before):
            continue  # a descriptor ("10-minute circles") or the start of a quoted name ("20 bottom line")
        if re.search(r"\b(?:aged|ages?|age of)\s+(?:(?:over|above|under|below|between|from)\s+)?$", before, re.IGNORECASE):
            continue  # an age bound describing a group ("the elderly aged over 80")
        if re.search(r"\bper\s*$", before, re.IGNORECASE):
            continue  # the denominator of a unit: "per 1,000 people"
        if re.search(r"[-–]\s*$", before) and re.search(r"\d\s*[-–]\s*$", before):
            continue  # the end of a range of years
        value = parse_number(m.group(1))
        scale = m.group("scale")
        end = m.end("scale") if scale else (m.end("ratio2") if ratio2 else num_e)
        unit, unit_end = None, end
        rest_text = text[end:]
        if ratio2:
            unit = "ratio"
            value = (value / parse_number(ratio2)).normalize() if parse_number(ratio2) != 1 else value
        elif (p := _POINTS.match(rest_text)) is not None:
            unit, unit_end = "percentage points", end + p.end()
        elif (p := _PERCENT.match(rest_text)) is not None:
            unit, unit_end = "percent", end + p.end()
        elif (c := _CURRENCY.match(rest_text)) is not None:
            cur = c.group("cur").lower()
            cur = {"rmb": "yuan", "renminbi": "yuan", "dollar": "dollars", "usd": "dollars", "us$": "dollars", "euro": "euros"}.get(cur, cur)
            unit, unit_end = cur + _compound_per(c.group("per")), end + c.end()
        elif (t := _TIMES.match(rest_text)) is not None:
            unit, unit_end = "times", end + t.end()
        elif not scale and _YEAR.match(m.group(1)) and not _counted(rest_text):
            continue  # a year on its own: "in 2020", "by 2025"
        elif _TIME_UNITS.match(rest_text):
            unit_word = _TIME_UNITS.match(rest_text).group(0).strip().lower()
            unit, unit_end = unit_word if unit_word.endswith("s") else unit_word + "s", end + _TIME_UNITS.match(rest_text).end()
        value = _scale_value(value, scale)
        qual = _QUAL_EN.search(before)
        start = qual.start() if qual else num_s
        qualifier = next((q for p, q in QUALIFIERS_EN if re.fullmatch(p, qual.group(1), re.IGNORECASE)), None) if qual else None
        out.append(Quantity(start, max(unit_end, end), num_s, num_e, value, unit, unit_end, qualifier))
    return out


def _counted(rest: str) -> bool:
    """Whether a year-like number is followed by what it counts ("2000 teachers")."""
    return bool(re.match(r"^\s+(?!years?\b|and\b|or\b|to\b|in\b|on\b|at\b|for\b|with\b|the\b|a\b|was\b|is\b|were\b)[a-z][a-z-]+s\b", rest))


def per_n_unit(text_after_number: str) -> tuple[str | None, str | None, int]:
    """For '5.91general practitioners per 10,000 people': ('general practitioners', 'per 10,000 people', end)."""
    m = _PER_N.match(text_after_number)
    if not m:
        return None, None, 0
    noun = (m.group("noun") or "").strip().lower() or None
    return noun, _per_n(m), m.end()


def per_n_in(phrase: str) -> str | None:
    """The 'per 1,000 people' part of a metric phrase, normalised, if any."""
    m = re.search(r"\bper\s+(1,000|1000|10,000|10000|100,000|thousand|ten thousand|capita)\s*(people|persons|residents|population|inhabitants)?", phrase, re.IGNORECASE)
    if not m:
        return None
    return _per_n(re.match(_PER_N, "x " + m.group(0)))

