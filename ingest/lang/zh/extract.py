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


from ingest import glossary, tables


from ingest.lang.zh import roles
from ingest.lang.zh import words as words_zh
from ingest.lang.zh.vocab import FIGURE_VERB as _VERB, GROUPS, LEAD as _LEAD, TARGET as _TARGET
from ingest.periods import DocDate, plan_period
from ingest.places import figure_region, label
from ingest.quantities import Quantity
from ingest.lang.zh.quantities import find_quantities_zh
from ingest.records import DocumentRecord, Observation

RULE_VERSION = "zh-11"  # zh-11: figures in table cells are read from the table (ingest.tables)
_CLAUSE = re.compile(r"[，,；;。！？!?：:（）()]")
_EVERYONE = re.compile(r"(?:全体|全市|全省|全区)?(居民)(?=人均|收入|消费)")  # 居民人均可支配收入: all residents
PLAN = re.compile(r"[“\"]?(十[一二三四五六七八九])五[”\"]?")  # 十四五, “十五五”: a Five-Year Plan
_CN = "一二三四五六七八九十"


def plan_number(word: str) -> int:
    """十四 -> 14."""
    return 10 + _CN.index(word[1]) + 1 if len(word) == 2 else 10


def extract(rec: DocumentRecord, regions=None, subject=None) -> list[Observation]:
    """All observations in a Chinese document."""
    date = DocDate.parse(rec.issued)
    out: list[Observation] = []
    targets_from: dict[int, int] = {}  # paragraph -> its first sentence that announces the year's targets
    for s in rec.sentences:
        # "主要预期目标是：" announces; "高于预期目标", "完成全年主要目标任务" look back
        if re.search(r"(?<!高于)(?<!低于)(?<!超过)(?<!完成)(?<!实现)(?:预期目标|主要目标)(?!任务|顺利|圆满|全面)", rec.quote(s)):
            targets_from.setdefault(s.paragraph, s.index)
    framed = _framing_periods(rec, date)
    for span in rec.sentences:
        text = rec.quote(span)
        quantities = find_quantities_zh(text)
        if not quantities:
            continue
        mentions = regions.find_mentions(text, "zh") if regions else []
        opening = _CLAUSE.search(text)  # "过去五年，…" / "2025年，…": a time in the opening clause frames the sentence
        period = (_period(text[:opening.start()], date) if opening else None) or _period(text, date) or framed.get(span.paragraph)
        paired = _respectively(text, quantities)
        # "每千人托位、养老床位数分别达到4.7个、27.3张": the list's first item says "per 1,000 people" for all
        first_item: dict[int, str] = {}
        for fig, (name, _) in paired.items():
            first_item.setdefault(_clause_start(text, fig.start), name)
        paired_per = {fig: _per(first_item[_clause_start(text, fig.start)]) for fig in paired}
        previous: dict[int, tuple[str, tuple[int, int]]] = {}  # clause start -> last metric in it
        last_unit: tuple[int, str] | None = None  # end and unit of the figure before
        last_verb: tuple[int, str] | None = None  # end of the figure before and the verb that introduced it
        for q in quantities:
            metric, (ms, me), verb = _metric(text, q)
            if not verb and last_verb and text[last_verb[0]:q.start] == "、":
                verb = last_verb[1]  # "分别增长4.5%、5.7%": a figure joined by 、 shares the verb before the list
            rule = "clause"
            clause = _clause_start(text, q.start)
            inside = [other for other in quantities if other is not q and ms <= other.start < me]
            if inside and clause in previous:
                tail_start = max(o.end for o in inside)
                tail_start += len(text[tail_start:me]) - len(text[tail_start:me].lstrip("、，,；; "))
                if _OWN_SUBJECT.fullmatch(text[tail_start:me]):  # "就业47万人以上、城镇调查失业率控制在5.5%以内"
                    ms = tail_start
                    metric = text[ms:me]
                else:
                    metric, (ms, me) = previous[clause]  # "生产总值达到33757.93亿元、增长5.3%": the same subject
                    rule = "shared-subject"
            if q in paired:
                metric, (ms, me) = paired[q]
                rule = "respectively"
            elif re.fullmatch(r"(?:同比|比上年|较上年|比去年|较去年|年均|年平均|平均每年|平均)?", metric) and (
                    before := _clause_before(previous, clause)):
                metric, (ms, me) = before  # "收入2.4万亿元，同比增长5.6%": the same subject
                rule = "shared-subject"
            unit = q.unit or ("ratio" if metric.endswith("比") else "count")  # 收入比缩小至2.54
            if unit == "yuan" and (per := per_time(text, q)):
                unit = f"yuan {per}"  # 每人每月143元: "yuan per person per month", as in English texts
            elif unit == "yuan" and last_unit and text[last_unit[0]:q.start] == "、" and last_unit[1].startswith("yuan per"):
                unit = last_unit[1]  # "每人每月80元、90元": the list shares its denominator
            unit_zh = None
            if q.unit and len(q.unit) <= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", q.unit):  # a measure word
                metric, (ms, me), unit, unit_zh, counted_rule = _count(text, q, metric, (ms, me), paired_per.get(q))
                rule = f"{rule}+{counted_rule}" if counted_rule and rule == "respectively" else (counted_rule or rule)
            end = _CLAUSE.search(text, q.end)
            own = _period(text[clause:end.start() if end else len(text)], date)
            announced = span.index >= targets_from.get(span.paragraph, len(rec.sentences))
            if announced and not own and date.year:
                own = (date.year, date.year)  # "主要预期目标是：…": this year's targets, whatever plan the sentence cites
            role = roles.classify(text, q, clause, verb, unit, metric, own or period, date.year)
            when = role.period
            status = "target" if (announced or _TARGET.search(text[:q.start])) else "actual"
            if role.role == "baseline" or (when and date.year and when[1] < date.year):
                status = "actual"  # a starting point, or a figure of a past year, is not an aim
            elif when and date.year and status == "actual" and (
                    when[1] > date.year or (when[0] == date.year and (date.month or 12) <= 6)):
                status = "target"  # a report from early 2026 states 2026's figures as aims
            previous[clause] = (metric, (ms, me))
            last_unit = (q.end, unit)
            last_verb = (q.end, verb)
            group = GROUPS.search(metric) or _EVERYONE.match(metric)
            region = figure_region(_applicable(text, mentions, q.start), q.start) or subject
            out.append(Observation(
                start=span.start + q.start, end=span.start + q.end, value=str(q.value), unit=unit,
                metric=metric, metric_start=span.start + ms if metric else None, metric_end=span.start + me if metric else None,
                region=region.code if region else None, region_label=label(region, "zh") if region else None,
                period_start=when[0] if when else None, period_end=when[1] if when else None,
                group=("城乡居民" if group.re is _EVERYONE else group.group(0).replace("常住", "")) if group else None, qualifier=q.qualifier, status=status,
                role=role.role, change_kind=role.change_kind,
                base_start=role.base[0] if role.base else None, base_end=role.base[1] if role.base else None,
                sentence=span.index, rule=f"{RULE_VERSION}:{rule}" + (f"+{role.cue}" if role.cue else ""), unit_zh=unit_zh,
                upper=str(q.upper) if q.upper is not None else None,
            ))
    return tables.apply(rec, out, find_quantities_zh, _table_unit, regions, subject)


def _table_unit(metric: str, q: Quantity) -> str:
    """The unit of a figure in a table cell whose row says what it counts (每千人口床位数（张）:
    "beds per 1,000 people"), else "count"."""
    counted = strip_leading_verbs(re.sub(r"[数量]+$", "", metric)) if metric else ""
    if not counted:
        return "count"
    per = _per(metric)
    if per is None and not (q.unit and len(q.unit) <= 2):
        return "count"
    return _count_unit(counted, per)[1]


def _count(text: str, q: Quantity, metric: str, span: tuple[int, int], list_per):
    """Metric, its span, unit, Chinese unit and rule (None: unchanged) of a figure with a measure word."""
    counted, noun_span = _counted(text, q, metric, span)
    rule = None
    named_after = noun_span is not None and noun_span[0] >= q.end
    if noun_span and (not metric or named_after or (
            metric.endswith(counted) and not re.match(r"新增|新建|累计|净增", metric))):
        # "建设5条铁路专用线、26条产业路" counts what follows; "建成老年食堂1733个" counts 老年食堂
        metric, span, rule = counted, noun_span, "counted"
    if q.unit == "户" and not named_after:
        return metric, span, "households", None, rule  # "惠及174万户", "完成适老化改造7.4万户"
    if not counted:
        return metric, span, q.unit, None, rule
    unit_zh, unit = _count_unit(counted, _per(metric) or list_per)
    return metric, span, unit, unit_zh, rule


def _clause_before(previous: dict, clause: int):
    """The metric of the last figure in a clause before this one, if any."""
    earlier = [c for c in previous if c < clause]
    return previous[max(earlier)] if earlier else None


def _applicable(text: str, mentions: list, pos: int) -> list:
    """Region mentions that can be what a figure at ``pos`` is about: those in its own clause,
    and a sentence's opening topic ("长沙市地区生产总值增长6%，规上工业增加值增长7%")."""
    clause = _clause_start(text, pos)
    end = _CLAUSE.search(text, pos)
    end = end.start() if end else len(text)
    lead = _LEAD.match(text)
    opening = lead.end() if lead else 0
    return [m for m in mentions if clause <= m[0] < end or m[0] == opening]


def _clause_start(text: str, pos: int) -> int:
    starts = [m.end() for m in _CLAUSE.finditer(text, 0, pos) if not _inside_gloss(text, m.start())]
    return starts[-1] if starts else 0


def _inside_gloss(text: str, i: int) -> bool:
    """A bracket of a short gloss inside a name ("执业（助理）医师数"), which does not end a clause."""
    if text[i] in "（(":
        close = re.match(r"[（(][^（()）\d，,；;。]{1,6}[)）]", text[i:])
        return bool(close)
    if text[i] in "）)":
        return bool(re.search(r"[（(][^（()）\d，,；;。]{1,6}$", text[:i]))
    return False


_TIME_LEAD = re.compile(r"(?:(?:到|至|截至|截止|在)?\s*(?:19|20)\d\d\s*年(?:底|末)?(?:的)?|[“\"]?十[一二三四五六七八九]五[”\"]?"
                        r"(?:时期|期间|末)?|今年|去年|五年来|过去五年|一年来)[，,、]?\s*")


def _metric(text: str, q: Quantity) -> tuple[str, tuple[int, int], str]:
    """What the figure measures: its clause before it, less leading adverbs and the verb that introduces it."""
    a = _clause_start(text, q.start)
    lead = _LEAD.match(text[a:q.start])
    start = a + (lead.end() if lead else 0)
    when = _TIME_LEAD.match(text, start, q.start)  # "到2030年人均预期寿命…": the time is the period, not the metric
    start = when.end() if when else start
    rate = _PER_TIME.search(text, start, q.start)  # "提高到每人每年94元": the verb stands before 每人每年
    m = _VERB.search(text[start:rate.start() if rate else q.start])
    end, verb = (start + m.start(), m.group(0)) if m else (q.start, "")
    while start < end and text[start] in "、 ":
        start += 1
    while end > start and text[end - 1] in "、 ":
        end -= 1
    base = re.search(r"(?:从|由)(?:(?:19|20)\d\d年(?:的|底)?)?$", text[start:end])
    if base and base.start() >= 2:  # "技术合同成交额从1795亿元增加到…", "转化率从2020年的…": the baseline
        end = start + base.start()
    compared = re.search(r"(?:较|比)(?:(?:19|20)\d\d年|上年|去年)$|同比$", text[start:end])
    if compared and compared.start() >= 2:  # "人均预期寿命较2020年提高…": the base of a change, not the metric
        end = start + compared.start()
    return text[start:end], (start, end), verb


def _per(metric: str) -> tuple[str, str] | None:
    """("1,000 people", "托位") for "每千人托位"; None when the metric is not a rate per head."""
    return glossary.default().per_head(metric)


def _count_unit(counted: str, per: tuple[str, str] | None) -> tuple[str | None, str]:
    """The unit of a count: the counted noun in English where the glossary has it (and the Chinese
    noun beside it), else the Chinese noun; "per 1,000 people" for rates per head."""
    if per:
        own = _per(counted)
        counted = own[1] if own and own[1] else counted
    english = glossary.default().translate_plural(counted) or glossary.default().translate_plural(_head(counted))
    unit = english or counted
    if per:
        unit = f"{unit} per {per[0]}"
    return (counted if english else None), unit


def _head(noun: str) -> str:
    """The longest ending of a noun that the glossary knows (芙蓉学校 -> 学校), or the noun."""
    terms = glossary.default()
    for i in range(1, len(noun) - 1):
        if terms.split(noun[i:]):
            return noun[i:]
    return noun


def _counted(text: str, q: Quantity, metric: str, span: tuple[int, int]) -> tuple[str | None, tuple[int, int] | None]:
    """The thing a measure word counts: the noun after it, else the metric before the figure."""
    after = text[q.end:]
    m = re.match(r"([\u4e00-\u9fffA-Za-z0-9“”\"]{2,20}?|[县市区村镇乡](?=（))(?=[，,；;。、：:（）()和与及]|$)", after)
    if m and not re.match(r"^(?:以上|左右|的|是|为|增长|下降)", m.group(1)):
        raw = m.group(1)
        lead = len(raw) - len(raw.lstrip("“”\""))
        noun = _until_verb(raw.strip("“”\""))
        return noun, (q.end + lead, q.end + lead + len(noun))
    if metric:
        noun = strip_leading_verbs(metric)
        return noun, (span[1] - len(noun), span[1])
    return None, None


_ADVERBS = {"全部", "全都", "均", "都", "已", "已经", "全面", "基本"}  # "县域医共体全部达到…": jieba tags 全部 a noun


def _until_verb(phrase: str) -> str:
    """The noun phrase at the start of "县级医院共享三级医院服务": up to the first verb or preposition."""
    kept = ""
    for word, flag in words_zh.tagged(phrase):
        if kept and len(kept) >= 2 and ((flag[0] in "vpdc" and flag != "vn") or word in _ADVERBS):
            break
        kept += word
    return kept


_PER_TIME = re.compile(r"(?:每(人|户|生|名|位)(?:每(年|月|日|天))?|每(年|月|日|天))$")
_PER_WHO = {"人": "person", "名": "person", "位": "person", "户": "household", "生": "student"}
_PER_WHEN = {"年": "year", "月": "month", "日": "day", "天": "day"}


def per_time(text: str, q: Quantity) -> str | None:
    """"per person per year" for "每人每年94元": the denominator written right before a figure."""
    m = _PER_TIME.search(text, 0, q.start)
    if not m:
        return None
    who, when = _PER_WHO.get(m.group(1) or ""), _PER_WHEN.get(m.group(2) or m.group(3) or "")
    return " ".join(f"per {x}" for x in (who, when) if x)


_LEADING_VERBS = re.compile(r"^(?:建成|新建|新增|培育|打造|开通|引进|建设|设立|布局|完成|实施|开工|改造|承担|推进|推动|"
                            r"创建|认定|获批|组建|累计|共|累计建成|新改建|改扩建|提供|支持|落地|形成)+")


def strip_leading_verbs(phrase: str) -> str:
    """The noun phrase of "建成老年食堂" / "开工改造城镇老旧小区": leading verbs off, as long as a noun is left."""
    rest = _LEADING_VERBS.sub("", phrase)
    words = words_zh.tagged(rest) if rest else []
    while len(words) > 1 and words[0][1] == "v" and len(words[0][0]) >= 2 and len("".join(w for w, _ in words[1:])) >= 2:
        words = words[1:]
    noun = "".join(w for w, _ in words)
    return noun if len(noun) >= 2 else phrase


def _respectively(text: str, quantities: list[Quantity]) -> dict:
    """In '甲、乙和丙分别达到1、2、3', each figure with its item."""
    out = {}
    cues = [(m.start(), m.end()) for m in re.finditer(r"分别", text)]
    # without 分别: "甲、乙增至1、2" -- figures joined by 、 alone; the list ends at the verb before them
    for i, q in enumerate(quantities[:-1]):
        clause = _clause_start(text, q.start)
        if text[q.end:quantities[i + 1].start] != "、" or (i and text[quantities[i - 1].end:q.start] == "、"):
            continue
        if any(clause <= c < q.start for c, _ in cues):
            continue
        verb = _VERB.search(text[clause:q.start])
        if verb:
            cues.append((clause + verb.start(), clause + verb.start()))
    for cue_start, cue_end in cues:
        figs = [q for q in quantities if q.start > cue_end and _clause_start(text, q.start) == _clause_start(text, cue_start)]
        if len(figs) < 2:
            continue
        a = _clause_start(text, cue_start)
        head = text[a:cue_start]
        lead = _LEAD.match(head)
        offset = a + (lead.end() if lead else 0)
        head = text[offset:cue_start]
        items, pos = [], offset
        for part in re.split(r"(、|和|及|与|以及)", head):
            if part in ("、", "和", "及", "与", "以及"):
                pos += len(part)
                continue
            if part:
                items.append((part, (pos, pos + len(part))))
            pos += len(part)
        if len(items) == 1 and len(figs) == 2 and items[0][0].startswith("城乡"):
            rest, span = items[0][0][2:], items[0][1]  # "城乡居民人均可支配收入分别…": urban, then rural
            items = [("城镇" + rest, span), ("农村" + rest, span)]
        if len(items) == len(figs):
            for q, (name, span) in zip(figs, _shared_tail(items)):
                out[q] = (name, span)
    return out


def _shared_tail(items: list[tuple[str, tuple[int, int]]]) -> list[tuple[str, tuple[int, int]]]:
    """"城镇和农村居民人均可支配收入分别…": short items of one length share the rest of the last
    one (城镇 -> 城镇居民人均可支配收入, as 农村 -> 农村居民人均可支配收入)."""
    *first, (last, last_span) = items
    width = len(first[0][0]) if first else 0
    if not first or width > 4 or any(len(n) != width for n, _ in first) or len(last) <= width + 1:
        return items
    tail = last[width:]
    return [(name + tail, span) for name, span in first] + [(last, last_span)]


_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、")
# After an earlier figure of its clause, the name of a new subject (城镇调查失业率), not a verb (增长) or a frame
_OWN_SUBJECT = re.compile(r"(?!增长|增加|提高|下降|达到|降低|减少|突破|超过|同比|比上年|较上年|年均|分别|其中|均)[\u4e00-\u9fff]{3,}")


def _framing_periods(rec: DocumentRecord, date: DocDate) -> dict[int, tuple[int, int]]:
    """The period each paragraph is framed by when its sentences state none.

    A paragraph's first sentence frames the paragraph ("过去一年，……。城镇新增就业82.7万人"); a
    paragraph that ends in a colon and states a period ("一年来，我们主要做了以下工作：") or opens
    with a period and no figure ("过去的五年极不寻常。") frames the paragraphs after it, and so does
    a numbered heading with one period ("三、2026年重点工作"), until the next heading or framing
    paragraph.
    """
    first: dict[int, str] = {}
    last: dict[int, str] = {}
    for span in rec.sentences:
        if span.paragraph is None:
            continue
        text = rec.quote(span)
        if span.paragraph in first and len(first[span.paragraph]) < 8:  # "各位代表！" opens, the next sentence leads
            first[span.paragraph] += text
        first.setdefault(span.paragraph, text)
        last[span.paragraph] = text
    out, context = {}, None
    for p in sorted(first):
        lead = _period(first[p], date)
        if _HEADING.match(first[p]) and len(first[p]) < 60:
            periods = _periods(first[p], date)
            context = periods[0] if len(periods) == 1 else None
            continue
        own = lead or context
        if own:
            out[p] = own
        if re.search(r"[：:]\s*$", last[p]) and (_period(last[p], date) or lead):
            context = _period(last[p], date) or lead
        elif lead and not find_quantities_zh(first[p]):
            context = lead  # a topic sentence with no figure ("过去的五年极不寻常。") frames what follows
        elif (opening := _opening_period(first[p], date)) and opening != context:
            context = opening  # "各位代表，刚刚过去的2025年，…": a paragraph opening on a new period turns to it
    return out


def _opening_period(text: str, date: DocDate) -> tuple[int, int] | None:
    """The period a paragraph's opening clause names ("刚刚过去的2025年，…"), after an address ("各位代表，")."""
    text = re.sub(r"^\s*各位代表[，,！!]\s*", "", text)
    m = _CLAUSE.search(text)
    return _period(text[:m.start()], date) if m and m.start() <= 16 else None


def _periods(text: str, date: DocDate) -> list[tuple[int, int]]:
    """Every distinct period a heading names ("2025年和“十四五”时期工作回顾" names two)."""
    found = [(int(m.group(1)), int(m.group(1))) for m in re.finditer(r"((?:19|20)\d\d)\s*年", text)]
    found += [(p.start, p.end) for p in (plan_period(plan_number(m.group(1))) for m in PLAN.finditer(text))]
    return sorted(set(found))


def _period(text: str, date: DocDate) -> tuple[int, int] | None:
    """A period stated in the sentence: a year, a Five-Year Plan, 今年/去年, 五年来."""
    until = re.search(r"(?:截至|截止|到)\s*((?:19|20)\d\d)\s*年(?:底|末|年底)", text)
    if until:  # "截至2024年底" is the period even after a dated lead ("2025年1月15日，…")
        return int(until.group(1)), int(until.group(1))
    for m in re.finditer(r"((?:19|20)\d\d)\s*年(?!\s*\d{1,2}\s*月)", text):  # a full date dates an event
        if not re.search(r"(?:较|比|同比|相比|与|从|由)\s*$", text[:m.start()]):  # 较2020年: a baseline, not the period
            return int(m.group(1)), int(m.group(1))
    if date.year is not None and re.search(r"今年(?:是|为)", text):
        return date.year, date.year  # "今年是“十五五”开局之年": this year, which the plan only places
    p = PLAN.search(text)
    if p:
        period = plan_period(plan_number(p.group(1)))
        return period.start, period.end
    if date.year is None:
        return None
    if "今年" in text:
        return date.year, date.year
    if re.search(r"去年|过去(?:的)?一年|一年来", text):
        end = date.looking_back_end()
        return end, end
    m = re.search(r"(?:过去|近)?([一二三四五六七八九十])年(?:来|间|中)|(?:过去(?:的)?|这)([一二三四五六七八九十])年", text)
    if m:
        k = _CN.index(m.group(1) or m.group(2)) + 1
        end = date.looking_back_end()
        return end - k + 1, end
    return None
