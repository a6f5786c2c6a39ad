"""Reading a Chinese question: the indicator is what is left without places, years and question words."""

from __future__ import annotations

import re

from ingest.gazetteer import default as default_gazetteer
from ingest.lang.question import ParsedQuestion, distinct_regions, scheme_parts
from ingest.lang.zh.extract import PLAN, plan_number
from ingest.periods import plan_period

_KIND = [("who", re.compile(r"谁|哪位")), ("when", re.compile(r"何时|什么时候|哪一?年")),
         ("where", re.compile(r"哪里|在哪|何地")),
         ("figure", re.compile(r"多少|几[个家所项人岁]|比例|比重|占比|[^频效]率|比是|人数|收入|寿命|规模|数量"))]
_DROP = re.compile(r"是多少|有多少|达到多少|多少|占多大比例|多大比例|多大|多高|多长|是|有|达到|缩小到|提高到|建成了?|了|的|吗|呢|"
                   r"[？?。，,（）()“”\"]|全市|全省|全国|目前|现在|当前|已经|已|去年|今年|明年|这五年|这一年|五年来|一年来|"
                   r"计划|预计|增加|增长|提高|达|累计|年均|平均每年|预期目标|目标|比上年|较上年|同比|增速|增幅|"
                   r"[个家所项人岁元万张次]$|^[个家所项张](?!人)")
_ASKS_FOR = [
    ("money", re.compile(r"多少(?:万|亿)?元|多少钱")),
    ("count", re.compile(r"多少(?:个(?!百分点)|家|所|人|名|张|项|户|套|座|条)|几(?:个(?!百分点)|家|所|项|名|张)")),
    ("rate", re.compile(r"[^频效]率|比例|比重|占比")),
]
_FUTURE = re.compile(r"目标|预期(?!寿命)|力争|计划|将要|将会|十五五")  # 人均预期寿命 is no aim
_PAST = re.compile(r"去年|上年|已经|已|过去|五年来|这五年|十四五")
# The kind of figure asked for, tried in order: "年均增长" asks for a yearly average.
_ROLES = [("average", re.compile(r"年均|平均每年|每年平均|年平均|(?<![人户生])每年")),
          ("cumulative", re.compile(r"累计|总共|一共|合计|共计|总计")),
          ("baseline", re.compile(r"从多少|起点|基数|起初")),
          ("change", re.compile(r"增长|增速|增幅|涨幅|(?:提高|提升|下降|降低|减少|增加|上升)(?:了)?(?:多少|几)|百分点|翻了?几番|多少倍|几倍"))]
_SEVERAL = re.compile(r"分别|各(?:是|为|有)?多少")
_SCHEME = (re.compile(r"标准"), re.compile(r"多少|几"), {"aspect": re.compile(r"方面|领域"), "category": re.compile(r"大类|(?<![人分])类")},
           re.compile(r"项目|服务项"))
_RATE_ASKED = re.compile(r"百分点|倍|%|％|率")
_THIS_YEAR = re.compile(r"今年|本年")
_LAST_YEAR = re.compile(r"去年|上年|上一年")
_RATIO = re.compile(r"(?<![占重])比(?![重例率])")
_MEASURE = re.compile(r"多少([个家所张项户套座条名人元])")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_REGION_SUFFIX = re.compile(r"(?:省|市|自治区|特别行政区|县|区)$")


def asks_for(question: str) -> str | None:
    """The kind of figure the wording asks for: an amount of money (多少元), a count (多少个, but not
    多少个百分点) or a rate (率, 比例)."""
    return next((kind for kind, rx in _ASKS_FOR if rx.search(question)), None)


def read(question: str, groups: re.Pattern, everyone: set[str], reference_year: int | None = None) -> ParsedQuestion:
    """A Chinese question (``groups``: population groups; ``everyone``: group words that mean all residents;
    ``reference_year``: the year 今年 means, the latest year the documents were issued in)."""
    regions = distinct_regions(default_gazetteer().find_mentions(question, "zh"))
    years = None
    m = _YEAR.search(question)
    if m:
        years = (int(m.group(1)), int(m.group(1)))
    plan = PLAN.search(question)
    if plan and not m:  # "十五五" asks about 2026-2030; "十四五末" about its last year
        period = plan_period(plan_number(plan.group(1)))
        years = (period.end, period.end) if re.match(r"[”\"]?末", question[plan.end():]) else (period.start, period.end)
    elif not m and reference_year:
        if _THIS_YEAR.search(question):
            years = (reference_year, reference_year)
        elif _LAST_YEAR.search(question):
            years = (reference_year - 1, reference_year - 1)
    kind = next((k for k, rx in _KIND if rx.search(question)), "what")
    rest = question
    for r in regions:
        for name in sorted({r.name_zh, _REGION_SUFFIX.sub("", r.name_zh), r.short_zh}, key=len, reverse=True):
            rest = rest.replace(name, " ")
    rest = re.sub(r"(?:19|20)\d\d\s*年|[“\"]?十[一二三四五六七八九]五[”\"]?(?:时期|期间|末)?", " ", rest)
    previous = None
    while previous != rest:
        previous, rest = rest, _DROP.sub(" ", rest).strip()
    words = [w for w in re.split(r"\s+", rest) if w]
    group = groups.search(question)
    measure = _MEASURE.search(question)
    role = next((name for name, rx in _ROLES if rx.search(question)), None)
    if role == "change" and measure and not _RATE_ASKED.search(question):
        role = None  # "新增托位增加了多少个": a count of things added is the level of a flow
    future = bool(_FUTURE.search(question))
    status = "target" if future else ("actual" if _PAST.search(question) or (years and reference_year and years[1] < reference_year) else None)
    named = {g.group(0).replace("常住", "") for g in groups.finditer(question)} - set(everyone)
    return ParsedQuestion(text=question, language="zh", kind=kind, regions=regions, national="全国" in question and not regions,
                          years=years, group=group.group(0).replace("常住", "") if group and group.group(0).replace("常住", "") not in everyone else None,
                          indicator="".join(words), words=words, asks_for=asks_for(question),
                          future=future, ratio=bool(_RATIO.search(question)),
                          measure=measure.group(1) if measure else None, role=role, status=status,
                          several=bool(_SEVERAL.search(question)) or len(named) > 1,
                          scheme_parts=scheme_parts(question, *_SCHEME))
