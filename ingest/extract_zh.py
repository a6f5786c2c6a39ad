"""Observations from Chinese sentences.

Chinese clauses are short and their structure is plain enough to read without
a parser: within the clause that holds a figure (between ，；。：), the words
before it, less the verb that introduces the figure (达到, 增长, 稳定在 ...),
name what is measured; a count's measure word (个, 家) counts the noun after
it ("15个智能工厂") or, when nothing follows, the one before ("老年食堂1733个").
In a "分别" clause the i-th figure goes with the i-th item of the list before
分别 ("学前教育毛入园率、义务教育巩固率……分别达到93.5%、98.3%……").
"""

from __future__ import annotations

import re

from .periods import DocDate, plan_period
from .places import figure_region, label
from .quantities import Quantity
from .quantities_zh import find_quantities_zh
from .records import DocumentRecord, Observation

RULE_VERSION = "zh-1"
_CLAUSE = re.compile(r"[，,；;。！？!?：:（）()]")
_VERB = re.compile(
    r"(?:分别)?(?:稳定在|保持在|控制在|提高到|提高至|提升到|提升至|降低到|降低至|降至|下降到|缩小到|缩小至|增加到|增长到|增至|升至|"
    r"达到|达|为|是|占比|占|增长|增加|提高|提升|下降|降低|减少|突破|超过|超|实现|完成|建成|新建|新增|累计|培育|打造|"
    r"布局|启动|开通|覆盖|新开工|开工|改造|引进|带动|吸引|服务|惠及|帮扶|救助|完成|有|共有)$")
_LEAD = re.compile(r"^(?:全市|全年|全省|全区|全县|我市|其中|累计|共|一年来|五年来|今年|去年|同时|并|和|以及|及|、)+")
_CHANGE = re.compile(r"(?:增长|增加|下降|降低|减少|提高|提升)(?:了)?$|^较")
_TARGET = re.compile(r"预期目标|目标是|目标为|力争|确保|争取|计划|将(?:达到|实现|建成|新增)|要(?:达到|实现)")
_GROUP = re.compile(r"城乡居民|城镇居民|农村居民|老年人|残疾人|儿童|婴幼儿|学生|农民工|退役军人|困难群众|新就业群体|青年")
_PLAN = re.compile(r"[“\"]?(十[一二三四五六七八九])五[”\"]?")
_CN = "一二三四五六七八九十"


def _plan_number(word: str) -> int:
    """十四 -> 14."""
    return 10 + _CN.index(word[1]) + 1 if len(word) == 2 else 10


def extract(rec: DocumentRecord, regions=None, subject=None) -> list[Observation]:
    """All observations in a Chinese document."""
    date = DocDate.parse(rec.issued)
    out: list[Observation] = []
    target_paragraphs = {s.paragraph for s in rec.sentences if re.search(r"预期目标|主要目标", rec.quote(s))}
    for span in rec.sentences:
        text = rec.quote(span)
        quantities = find_quantities_zh(text)
        if not quantities:
            continue
        mentions = regions.find_mentions(text, "zh") if regions else []
        period = _period(text, date)
        paired = _respectively(text, quantities)
        previous: dict[int, tuple[str, tuple[int, int]]] = {}  # clause start -> last metric in it
        for q in quantities:
            metric, (ms, me), verb = _metric(text, q)
            rule = "clause"
            clause = _clause_start(text, q.start)
            if any(ms <= other.start < me for other in quantities if other is not q) and clause in previous:
                metric, (ms, me) = previous[clause]  # "生产总值达到33757.93亿元、增长5.3%": the same subject
                rule = "shared-subject"
            if q in paired:
                metric, (ms, me) = paired[q]
                rule = "respectively"
            unit = q.unit or "count"
            if q.unit and len(q.unit) <= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", q.unit):
                counted, noun_span = _counted(text, q, metric, (ms, me))
                unit = counted or q.unit
                if noun_span and not metric:
                    metric, (ms, me) = counted, noun_span
            status = "target" if (span.paragraph in target_paragraphs or _TARGET.search(text[:q.start])) else "actual"
            if period and date.year and period[1] > date.year and status == "actual":
                status = "target"
            previous[clause] = (metric, (ms, me))
            group = _GROUP.search(metric)
            region = figure_region(mentions, q.start) or subject
            out.append(Observation(
                start=span.start + q.start, end=span.start + q.end, value=str(q.value), unit=unit,
                metric=metric, metric_start=span.start + ms if metric else None, metric_end=span.start + me if metric else None,
                region=region.code if region else None, region_label=label(region, "zh") if region else None,
                period_start=period[0] if period else None, period_end=period[1] if period else None,
                group=group.group(0) if group else None, qualifier=q.qualifier, status=status,
                kind="change" if verb and _CHANGE.search(verb) else "level",
                sentence=span.index, rule=f"{RULE_VERSION}:{rule}",
            ))
    return out


def _clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, pos)]
    return starts[-1] if starts else 0


def _metric(text: str, q: Quantity) -> tuple[str, tuple[int, int], str]:
    """What the figure measures: its clause before it, less leading adverbs and the verb that introduces it."""
    a = _clause_start(text, q.start)
    lead = _LEAD.match(text[a:q.start])
    start = a + (lead.end() if lead else 0)
    m = _VERB.search(text[start:q.start])
    end, verb = (start + m.start(), m.group(0)) if m else (q.start, "")
    while start < end and text[start] in "、 ":
        start += 1
    while end > start and text[end - 1] in "、 ":
        end -= 1
    return text[start:end], (start, end), verb


def _counted(text: str, q: Quantity, metric: str, span: tuple[int, int]) -> tuple[str | None, tuple[int, int] | None]:
    """The thing a measure word counts: the noun after it, else the metric before the figure."""
    after = text[q.end:]
    m = re.match(r"([\u4e00-\u9fffA-Za-z0-9“”\"]{2,20}?)(?=[，,；;。、：:（）()和与及]|$)", after)
    if m and not re.match(r"^(?:以上|左右|的|是|为|增长|下降)", m.group(1)):
        raw = m.group(1)
        lead = len(raw) - len(raw.lstrip("“”\""))
        noun = raw.strip("“”\"")
        return noun, (q.end + lead, q.end + lead + len(noun))
    if metric:
        return re.sub(r"^(?:建成|新建|新增|培育|打造|开通|引进|建设|设立|布局)", "", metric) or metric, span
    return None, None


def _respectively(text: str, quantities: list[Quantity]) -> dict:
    """In '甲、乙和丙分别达到1、2、3', each figure with its item."""
    out = {}
    for m in re.finditer(r"分别", text):
        figs = [q for q in quantities if q.start > m.end() and _clause_start(text, q.start) == _clause_start(text, m.start())]
        if len(figs) < 2:
            continue
        a = _clause_start(text, m.start())
        head = text[a:m.start()]
        lead = _LEAD.match(head)
        offset = a + (lead.end() if lead else 0)
        head = text[offset:m.start()]
        items, pos = [], offset
        for part in re.split(r"(、|和|及|与|以及)", head):
            if part in ("、", "和", "及", "与", "以及"):
                pos += len(part)
                continue
            if part:
                items.append((part, (pos, pos + len(part))))
            pos += len(part)
        if len(items) == len(figs):
            for q, (name, span) in zip(figs, items):
                out[q] = (name, span)
    return out


def _period(text: str, date: DocDate) -> tuple[int, int] | None:
    """A period stated in the sentence: a year, a Five-Year Plan, 今年/去年, 五年来."""
    for m in re.finditer(r"((?:19|20)\d\d)\s*年", text):
        if not re.search(r"(?:较|比|同比|相比|与)\s*$", text[:m.start()]):  # 较2020年: a baseline, not the period
            return int(m.group(1)), int(m.group(1))
    p = _PLAN.search(text)
    if p:
        period = plan_period(_plan_number(p.group(1)))
        return period.start, period.end
    if date.year is None:
        return None
    if "今年" in text:
        return date.year, date.year
    if re.search(r"去年|过去一年|一年来", text):
        end = date.looking_back_end()
        return end, end
    m = re.search(r"(?:过去|近)?([一二三四五六七八九十])年(?:来|间|中)", text)
    if m:
        k = _CN.index(m.group(1)) + 1
        end = date.looking_back_end()
        return end - k + 1, end
    return None
