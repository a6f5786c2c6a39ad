"""What a question asks: indicator words, region, period, population group, and the kind of answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.gazetteer import Region, default as default_gazetteer
from ingest.language import detect
from ingest.periods import DocDate, find_times_en

CHINA = "100000"
_NATIONAL = re.compile(r"\b(?:nationally|nationwide|national(?:ly)?|the whole country|across the country|in china|china's)\b", re.I)
_FIGURE_CUES = re.compile(
    r"\b(?:how many|how much|what (?:is|was|are|were) the (?:\w+ ){0,4}(?:rate|ratio|number|share|percentage|proportion|"
    r"level|amount|total|standard|income|coverage|figure|count)|what (?:percentage|share|proportion|rate|ratio|number|"
    r"amount|level)|what per ?cent|per 1,000|per 10,000|per capita)\b", re.I)
_KIND_ZH = [("who", re.compile(r"谁|哪位")), ("when", re.compile(r"何时|什么时候|哪一?年")),
            ("where", re.compile(r"哪里|在哪|何地")),
            ("figure", re.compile(r"多少|几[个家所项人岁]|比例|比重|占比|[^频效]率|比是|人数|收入|寿命|规模|数量"))]
_ZH_DROP = re.compile(r"是多少|有多少|达到多少|多少|占多大比例|多大比例|多大|多高|多长|是|有|达到|缩小到|提高到|建成了?|了|的|吗|呢|"
                      r"[？?。，,（）()“”\"]|全市|全省|全国|目前|现在|当前|已经|已|去年|今年|明年|这五年|这一年|五年来|一年来|"
                      r"计划|预计|增加|增长|提高|达|"
                      r"[个家所项人岁元万张次]$|^[个家所项张](?!人)")
_KIND = [("who", re.compile(r"^\s*(?:who|whom|whose)\b|\bwho\b", re.I)),
         ("when", re.compile(r"^\s*(?:when|what year|in what year|which year)\b", re.I)),
         ("where", re.compile(r"^\s*(?:where|in which (?:city|province|county|place))\b", re.I))]
_STOP = set("""a an the of in on at by for to from with and or is are was were be been has have had do does did what which who
whom whose when where how many much there their its it this that these those as per into than over under about
between during since until according reach reached total number figure level rate please tell me give show
does did will would can could should""".split())
GROUP_WORDS = re.compile(r"\b(urban|rural)\s+(residents?|students?|areas?|population|workers?)\b|\b(migrants?'? children|"
                         r"the elderly|elderly people|children|students|women|the disabled|persons with disabilities)\b", re.I)


_ASKS_FOR = [
    ("money", re.compile(r"\b(?:in|how many|how much)\s+(?:yuan|rmb|dollars)\b|多少(?:万|亿)?元|多少钱", re.I)),
    ("count", re.compile(r"\bhow many\b(?!\s+(?:percentage|percent|points|times))|多少(?:个(?!百分点)|家|所|人|名|张|项|户|套|座|条)|"
                         r"几(?:个(?!百分点)|家|所|项|名|张)", re.I)),
    ("rate", re.compile(r"\b(?:rate|percentage|proportion)\b|[^频效]率|比例|比重|占比", re.I)),
]


def asks_for(question: str) -> str | None:
    """The kind of figure a question's wording asks for: an amount of money ("in yuan", 多少元),
    a count ("how many", 多少个 but not "how many percentage points") or a rate ("rate", 率)."""
    return next((kind for kind, rx in _ASKS_FOR if rx.search(question)), None)


@dataclass
class ParsedQuestion:
    text: str
    language: str
    kind: str  # "figure" | "who" | "when" | "where" | "what"
    regions: list[Region] = field(default_factory=list)
    national: bool = False
    years: tuple[int, int] | None = None
    group: str | None = None
    indicator: str = ""  # the question without its wh-words, places, years and function words
    words: list[str] = field(default_factory=list)
    asks_for: str | None = None  # "money" | "count" | "rate": the kind of figure the wording asks for

    def region_codes(self) -> list[str]:
        codes = [r.code for r in self.regions]
        return codes or ([CHINA] if self.national else [])

    def places(self) -> set[str]:
        """Codes of the regions below the nation that the question names."""
        return {r.code for r in self.regions if r.code != CHINA}


def parse(question: str, known: set[str] = frozenset()) -> ParsedQuestion:
    """Read the question's indicator, region, period, group and answer kind.

    ``known``: codes of the regions the corpus covers. A place name the gazetteer
    cannot resolve alone ("Haiyan": a county in Zhejiang and one in Qinghai) is
    read as the one the corpus covers, else as all its candidates.
    """
    language = detect(question)
    gaz = default_gazetteer()
    mentions = gaz.find_mentions(question, language)
    taken = [(a, b) for a, b, _ in mentions]
    if language == "en":
        # ambiguous, lower-cased or possessive place names ("Haiyan County", "chongqing's")
        for m in re.finditer(r"\b([A-Za-z][a-z'-]+(?:\s+(?:County|City|Province|District|Municipality))?)", question):
            if any(a <= m.start() < b for a, b in taken):
                continue
            name = re.sub(r"['’]s$", "", m.group(1))
            found = gaz.lookup(name, "en")
            if not found or (not m.group(1)[0].isupper() and not {r.code for r in found} & known):
                continue
            chosen = [r for r in found if r.code in known] or found
            mentions += [(m.start(), m.end(), r) for r in chosen]
            taken.append(m.span())
    regions = []
    for _, _, r in mentions:
        if r.code not in {x.code for x in regions}:
            regions.append(r)
    national = bool(_NATIONAL.search(question)) and not [r for r in regions if r.code != CHINA]
    times = find_times_en(question, DocDate(None)) if language == "en" else []
    years = (times[0].period.start, times[0].period.end) if times else None
    if language == "zh":
        return _parse_zh(question, regions, years)
    group_m = GROUP_WORDS.search(question)
    group = group_m.group(0).lower() if group_m else None
    if group_m and re.search(r"\b(?:urban|rural)\s+(?:and|or)\s+$", question[:group_m.start()], re.I):
        group = None  # "urban and rural residents": everyone
    kind = next((k for k, rx in _KIND if rx.search(question)), None)
    if kind is None:
        kind = "figure" if _FIGURE_CUES.search(question) or re.search(r"\b(rate|ratio|percentage|share|proportion|coverage)\b", question, re.I) else "what"
    stripped = question
    for a, b, _ in sorted(mentions, reverse=True):
        stripped = stripped[:a] + " " + stripped[b:]
    for t in sorted(times, key=lambda t: -t.start):
        stripped = stripped[:t.start] + " " + stripped[t.end:]
    words = [w for w in re.findall(r"[A-Za-z][\w-]*|[\u4e00-\u9fff]+|\d+(?:,\d{3})*", stripped.lower().replace("’", "'"))
             if w not in _STOP and len(w) > 1 and not re.fullmatch(r"(?:19|20)\d\d", w)]
    return ParsedQuestion(text=question, language=language, kind=kind, regions=regions, national=national,
                          years=years, group=group, indicator=" ".join(words), words=words, asks_for=asks_for(question))


def _parse_zh(question: str, regions: list[Region], years) -> ParsedQuestion:
    """A Chinese question: the indicator is what is left without places, years and question words."""
    m = re.search(r"((?:19|20)\d\d)\s*年", question)
    if m:
        years = (int(m.group(1)), int(m.group(1)))
    plan = re.search(r"十([一二三四五六七八九])五", question)
    if plan and not m:  # "十五五" asks about 2026-2030
        n = 10 + "一二三四五六七八九".index(plan.group(1)) + 1
        years = (1966 + 5 * (n - 3), 1970 + 5 * (n - 3))
    kind = next((k for k, rx in _KIND_ZH if rx.search(question)), "what")
    rest = question
    for r in regions:
        for name in sorted({r.name_zh, re.sub(r"(?:省|市|自治区|特别行政区|县|区)$", "", r.name_zh)}, key=len, reverse=True):
            rest = rest.replace(name, " ")
    rest = re.sub(r"(?:19|20)\d\d\s*年|[“\"]?十[一二三四五六七八九]五[”\"]?(?:时期|期间|末)?", " ", rest)
    previous = None
    while previous != rest:
        previous, rest = rest, _ZH_DROP.sub(" ", rest).strip()
    words = [w for w in re.split(r"\s+", rest) if w]
    national = "全国" in question and not regions
    group = GROUP_ZH.search(question)
    return ParsedQuestion(text=question, language="zh", kind=kind, regions=regions, national=national, years=years,
                          group=group.group(0) if group else None, indicator="".join(words), words=words,
                          asks_for=asks_for(question))


GROUP_ZH = re.compile(r"城镇居民|农村居民|老年人|残疾人|婴幼儿|学生|农民工|退役军人")
