"""Reading an English question: its places, years, population group, indicator words and answer kind."""

from __future__ import annotations

import re

from ingest.gazetteer import CHINA, default as default_gazetteer
from ingest.lang.en.periods import find_times_en
from ingest.lang.question import ParsedQuestion, distinct_regions, scheme_parts
from ingest.periods import DocDate

_NATIONAL = re.compile(r"\b(?:nationally|nationwide|national(?:ly)?|the whole country|across the country|in china|china's)\b", re.I)
_FIGURE_CUES = re.compile(
    r"\b(?:how many|how much|what (?:is|was|are|were) the (?:\w+ ){0,4}(?:rate|ratio|number|share|percentage|proportion|"
    r"level|amount|total|standard|income|coverage|figure|count)|what (?:percentage|share|proportion|rate|ratio|number|"
    r"amount|level)|what per ?cent|per 1,000|per 10,000|per capita)\b", re.I)
_FIGURE_WORDS = re.compile(r"\b(rate|ratio|percentage|share|proportion|coverage|target|growth)\b", re.I)
_KIND = [("who", re.compile(r"^\s*(?:who|whom|whose)\b|\bwho\b", re.I)),
         ("when", re.compile(r"^\s*(?:when|what year|in what year|which year)\b", re.I)),
         ("where", re.compile(r"^\s*(?:where|in which (?:city|province|county|place))\b", re.I))]
_ASKS_FOR = [
    ("money", re.compile(r"\b(?:in|how many|how much)\s+(?:yuan|rmb|dollars)\b", re.I)),
    ("count", re.compile(r"\bhow many\b(?!\s+(?:percentage|percent|points|times))", re.I)),
    ("rate", re.compile(r"\b(?:rate|percentage|proportion)\b", re.I)),
]
_FUTURE = re.compile(r"\b(?:expect(?!anc)\w*|will|targets?|targeted|aims?\s+to|plans?\s+to|planned|goals?)\b|"
                     r"\b(?:is|are)\s+[A-Z][\w']*(?:\s+[A-Z][\w']*)?\s+to\s+(?!be\b)\w+")  # "is Chongqing to provide"
_END_OF = re.compile(r"\b(?:at\s+)?the\s+end\s+of\b", re.I)
_BY_YEAR = re.compile(r"\bby (?:the end of )?((?:19|20)\d\d)\b", re.I)  # "by 2025": an aim, if after today
_THIS_YEAR = re.compile(r"\bthis year\b", re.I)
_LAST_YEAR = re.compile(r"\blast year\b", re.I)
_MEASURE = re.compile(r"\bhow many\s+((?:[a-z-]+\s+){0,2}?[a-z-]+?)(?=\s+(?:had|has|have|did|does|do|is|are|was|were|will|in|of|for|per|by|to)\b)", re.I)
_RATIO = re.compile(r"\bratio\b", re.I)
_WHAT_LEVEL = re.compile(r"^\s*what\s+(?:is|was|are|were)\s+(?!the\s+(?:name|title|purpose|aim|goal|meaning)\b)", re.I)
_PAST = re.compile(r"\b(?:last year|in the past|over the past|during the (?:13th|14th|thirteenth|fourteenth)|"
                   r"reached|achieved|was|were|did)\b", re.I)
# The kind of figure asked for, tried in order: "average annual growth" asks for a yearly average.
_ROLES = [("average", re.compile(r"\b(?:average annual|annual average|average yearly|on average|per year on average)\b", re.I)),
          ("cumulative", re.compile(r"\b(?:in total|a total of|altogether|cumulative(?:ly)?)\b", re.I)),
          ("baseline", re.compile(r"\b(?:from what (?:level|figure)|starting (?:level|point)|baseline)\b", re.I)),
          ("change", re.compile(r"\b(?:how fast|by how much|by how many|grow(?:th)?|grew|increase[ds]?|rise|rose|fall|fell|"
                                r"drop(?:ped)?|declined?|percentage points?|how many times|\w+-fold)\b", re.I))]
_SCHEME = (re.compile(r"\bstandards?\b", re.I), re.compile(r"\bhow many\b", re.I),
           {"aspect": re.compile(r"\baspects?\b", re.I), "category": re.compile(r"\bcategor(?:y|ies)\b", re.I)},
           re.compile(r"\bitems?\b|\bservices\b", re.I))
_SEVERAL = re.compile(r"\b(?:respectively|each of|urban and rural|rural and urban)\b|\bhow many\b.*\bhow many\b|"
                      r"\bhow many \w+(?: \w+)?, \w+(?: \w+)?,? and\b", re.I)
_PLACE_WORD = re.compile(r"\b([A-Za-z][a-z'-]+(?:\s+(?:County|City|Province|District|Municipality))?)")


def asks_for(question: str, rules=_ASKS_FOR) -> str | None:
    """The kind of figure the wording asks for: an amount of money ("in yuan"), a count
    ("how many", but not "how many percentage points") or a rate ("rate")."""
    return next((kind for kind, rx in rules if rx.search(question)), None)


def read(question: str, known: set[str], stop: frozenset[str], group_words: re.Pattern,
         reference_year: int | None = None) -> ParsedQuestion:
    """An English question (``stop``: function words; ``group_words``: population groups;
    ``reference_year``: the year "this year" means, the latest year the documents were issued in)."""
    gaz = default_gazetteer()
    mentions = gaz.find_mentions(question, "en")
    taken = [(a, b) for a, b, _ in mentions]
    # ambiguous, lower-cased or possessive place names ("Haiyan County", "chongqing's")
    for m in _PLACE_WORD.finditer(question):
        if any(a <= m.start() < b for a, b in taken):
            continue
        name = re.sub(r"['’]s$", "", m.group(1))
        found = gaz.lookup(name, "en")
        if not found or (not m.group(1)[0].isupper() and not {r.code for r in found} & known):
            continue
        chosen = [r for r in found if r.code in known] or found
        mentions += [(m.start(), m.end(), r) for r in chosen]
        taken.append(m.span())
    regions = distinct_regions(mentions)
    national = bool(_NATIONAL.search(question)) and not [r for r in regions if r.code != CHINA]
    times = find_times_en(question, DocDate(None))  # relative spans ("the past five years") stay unresolved
    years = (times[0].period.start, times[0].period.end) if times else None
    single = [t for t in times if t.period.start == t.period.end]
    if years and years[0] < years[1] and single and years[0] <= single[0].period.start <= years[1]:
        years = (single[0].period.start, single[0].period.start)  # "the 14th Five-Year Plan period (2025)"
    elif years and years[0] < years[1] and _END_OF.search(question):
        years = (years[1], years[1])  # "at the end of the 14th Five-Year Plan": its last year
    if years is None and reference_year and (_THIS_YEAR.search(question) or _LAST_YEAR.search(question)):
        year = reference_year if _THIS_YEAR.search(question) else reference_year - 1
        years = (year, year)
    group_m = group_words.search(question)
    group = group_m.group(0).lower() if group_m else None
    if group_m and re.search(r"\b(?:urban|rural)\s+(?:and|or)\s+$", question[:group_m.start()], re.I):
        group = None  # "urban and rural residents": everyone
    kind = next((k for k, rx in _KIND if rx.search(question)), None)
    if kind is None:
        kind = "figure" if _FIGURE_CUES.search(question) or _FIGURE_WORDS.search(question) else "what"
    stripped = question
    spans = [(a, b) for a, b, _ in mentions] + [(t.start, t.end) for t in times]
    for a, b in sorted(spans, reverse=True):  # places and times out, the last first so offsets hold
        stripped = stripped[:a] + " " + stripped[b:]
    words = [w for w in re.findall(r"[A-Za-z][\w-]*|[\u4e00-\u9fff]+|\d+(?:,\d{3})*", stripped.lower().replace("’", "'"))
             if w not in stop and len(w) > 1 and not re.fullmatch(r"(?:19|20)\d\d", w)]
    by = _BY_YEAR.search(question)
    future = bool(_FUTURE.search(question)) or bool(by and int(by.group(1)) > (reference_year or 0))
    role = next((name for name, rx in _ROLES if rx.search(question)), None)
    past = bool(_PAST.search(question)) or bool(years and reference_year and years[1] < reference_year)
    return ParsedQuestion(text=question, language="en", kind=kind, regions=regions, national=national,
                          years=years, group=group, indicator=" ".join(words), words=words, asks_for=asks_for(question),
                          future=future, ratio=bool(_RATIO.search(question)),
                          level_if_fits=kind == "what" and bool(_WHAT_LEVEL.search(question)),
                          role=role, status="target" if future else ("actual" if past else None),
                          several=bool(_SEVERAL.search(question)), scheme_parts=scheme_parts(question, *_SCHEME),
                          measure=measure.group(1).lower() if (measure := _MEASURE.search(question)) else None)
