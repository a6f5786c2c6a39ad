"""Chinese comparison questions: what they ask (哪个省最高, 相差多少, 有多少个省份, 甲和乙哪个更多)
and how their computed answers are phrased."""

from __future__ import annotations

import re

from ingest.gazetteer import short_zh
from ingest.lang.question import ComparisonAsk, ComparisonOutcome
from ingest.lang.zh.quantities import find_quantities_zh

_PLACES = r"(?:省份|省区市|省区|省市|省|地区|城市|自治区|区|市)"
_WHICH = re.compile(rf"哪(?:个|些|一个|一)?{_PLACES}|哪(?:个|些|一个)")
_HIGH = "高多大快强长"
_LOW = "低少小慢弱短"
_EXTREME = re.compile(rf"最([{_HIGH}{_LOW}])")
_TOP = re.compile(r"前([一二三四五六七八九十两\d]+)(?:个|名|位)?")
_SPREAD = re.compile(rf"最[{_HIGH}].{{0,16}}最[{_LOW}]|最[{_LOW}].{{0,16}}最[{_HIGH}]|最[{_HIGH}{_LOW}][与和]最[{_HIGH}{_LOW}]")
_GAP = re.compile(r"相差|差距|差多少|高出|多出|高多少|多多少|少多少|低多少|差值")
_COUNT = re.compile(rf"(?:有)?(?:多少|几)个?{_PLACES}|{_PLACES}(?:有|共)(?:多少|几)个")
_MISSING = re.compile(r"没有(?:给出|提出|设定|明确|列出|写明)|未(?:给出|提出|设定|明确|列出|写明)")
_RANGES = re.compile(r"区间|范围")
_PAIR = re.compile(rf"哪(?:个|一个)?{_PLACES}?(?:更|较)?([{_HIGH}{_LOW}])|更([{_HIGH}{_LOW}])|谁(?:更|较)?([{_HIGH}{_LOW}])")
_NATIONAL = re.compile(r"全国")
_AT_LEAST = re.compile(r"(?:达到或超过|达到或高于|不低于|不少于|至少)\s*$")
_OR_MORE = re.compile(r"^\s*(?:或更高|或以上|及以上|或更多)")  # "6%或更高": at least 6%
_OR_LESS = re.compile(r"^\s*(?:或更低|或以下|及以下|或更少)")
_CUES = re.compile(rf"{_WHICH.pattern}|{_EXTREME.pattern}|{_TOP.pattern}|{_GAP.pattern}|{_COUNT.pattern}|"
                   rf"{_MISSING.pattern}|依次是|分别是|是哪些|哪个更|更[{_HIGH}{_LOW}]|表述为|定为|定得|目标人数|"
                   r"在语料的|语料中|\d+份报告|\d+个省份|报告给出|给出|的省份中|省份中|中，|数字|具体|实际|[和与]|是什么|数值|"
                   r"(?:多少)?个百分点|或更高|或以上|及以上|或更低|或以下|（含|(?:个)?省份|省区市|^在|依次|实绩")
_CN = "一二三四五六七八九十"


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "两":
        return 2
    if text.startswith("十"):
        return 10 + (_CN.index(text[1]) + 1 if len(text) > 1 else 0)
    return _CN.index(text[0]) + 1


def read(question: str, regions: int) -> ComparisonAsk | None:
    """The comparison a Chinese question asks for, or None (``regions``: how many regions it names)."""
    gap = bool(_GAP.search(question))
    if _COUNT.search(question) and not _WHICH.search(question.split("是哪些")[0] if "是哪些" in question else question):
        if _MISSING.search(question):
            return ComparisonAsk("missing")
        if _RANGES.search(question):
            return ComparisonAsk("ranges")
        relation, threshold, unit = _threshold(question)
        return ComparisonAsk("count", relation=relation, threshold=threshold, threshold_unit=unit)
    if _SPREAD.search(question) and gap:
        return ComparisonAsk("spread", which=False)
    national = regions == 1 and bool(_NATIONAL.search(question))
    if regions >= 2 or national:
        m = _PAIR.search(question)
        if m or gap:
            word = next((g for g in (m.groups() if m else ()) if g), "高")
            return ComparisonAsk("pair", highest=word not in _LOW, difference=gap, which=bool(m), word=word if m else None,
                                 national=national)
    if regions <= 1 and _WHICH.search(question):
        top = _TOP.search(question)
        extreme = _EXTREME.search(question)
        if top or extreme:
            highest = not (extreme and extreme.group(1) in _LOW)
            return ComparisonAsk("rank", highest=highest, n=_number(top.group(1)) if top else 1,
                                 word=extreme.group(1) if extreme else None)
    return None


def _threshold(question: str) -> tuple[str | None, float | None, str | None]:
    """The figure a count compares with and how (5.5%左右: about; 达到或超过5%: at least)."""
    plain = re.sub(r"[“”\"‘’「」]", " ", question)  # 表述为“5%左右”: a quoted figure is the one compared with
    for q in find_quantities_zh(plain):
        after = question[q.end:q.end + 3]
        if re.match(rf"(?:个)?{_PLACES}|份", after) or q.unit in ("个", "份"):
            continue  # "24个省份": the regions counted, not the figure compared with
        if (_AT_LEAST.search(question[:q.number_start]) or _OR_MORE.match(plain[q.end:])
                or plain[:q.end].endswith(("以上", "及以上"))):  # 以上 includes the number
            relation = ">="
        elif plain[:q.end].endswith(("以下", "以内")):
            relation = "<="
        elif _OR_LESS.match(plain[q.end:]):
            relation = "<="
        else:
            relation = {"approximately": "~", "more than": ">", "at least": ">=", "less than": "<", "at most": "<="}.get(
                q.qualifier, "=")
        return relation, float(q.value), q.unit
    return None, None, None


def cue_spans(question: str) -> list[tuple[int, int]]:
    """The words of a comparison question that are not about the indicator (cues, the compared figure)."""
    spans = [m.span() for m in _CUES.finditer(question)]
    spans += [(q.start, q.end) for q in find_quantities_zh(re.sub(r"[“”\"‘’「」]", " ", question))]
    return spans


def _short(name: str) -> str:
    """A region's name in an answer: 江苏 for 江苏省, 全国 for the country."""
    return "全国" if name in ("中国", "中华人民共和国") else short_zh(name)


def phrase(o: ComparisonOutcome) -> str:
    """The answer to a comparison, leading with its computed result."""
    when = _when(o)
    what = f"{o.indicator}（{when}）" if when else o.indicator
    ops = lambda items: "，".join(f"{_short(x.region)}{x.figure}" for x in items)  # noqa: E731
    bounds = ""
    if o.bounded:
        bounds = f"其中{ops(o.bounded)}只给出界限或区间，"
    if o.op == "rank":
        lead = f"最{o.word}" if o.word else ("最高" if o.highest else "最低")
        if len(o.leaders) > 1 and o.n == 1:
            same = len({x.figure for x in o.leaders}) == 1
            head = f"{'、'.join(_short(x.region) for x in o.leaders)}并列{lead}：" + (
                f"均为{o.leaders[0].figure}" if same else "，".join(f"{_short(x.region)}{x.figure}" for x in o.leaders))
        elif o.n > 1:
            count = _CN[len(o.leaders) - 1] if len(o.leaders) <= 10 else str(len(o.leaders))  # 前三位: no figure to misread
            head = f"{what}{lead}的前{count}位依次是：" + "；".join(
                f"{_short(x.region)}{x.figure}" for x in o.leaders)
        else:
            head = f"{_short(o.leaders[0].region)}{lead}：{o.leaders[0].figure}"
        if o.n == 1:
            head += f"（{what}）"
        text = head + "。"
        if o.runner_up:
            text += f"其次是{ops(o.runner_up)}。"
        if not o.certain:
            text += f"{bounds or ''}按所写数字排序，实际先后无法确定。"
    elif o.op == "spread":
        hi, lo = o.leaders[0], o.leaders[-1]
        text = (f"最高与最低相差{amount(o.difference, o.unit)}：{_short(hi.region)}{hi.figure}最高，{_short(lo.region)}{lo.figure}最低"
                f"（{what}）。")
        if not o.certain:
            text += f"{bounds}差值按所写数字计算。"
    elif o.op == "pair":
        a, b = o.leaders
        if o.relation == "=":
            same = f"均为{a.figure}" if a.figure == b.figure else f"{_short(a.region)}{a.figure}，{_short(b.region)}{b.figure}"
            text = f"{_short(a.region)}与{_short(b.region)}相同：{same}（{what}）。"
        elif o.relation == "?":
            text = f"无法确定哪个{'更高' if o.highest else '更低'}：{ops([a, b])}（{what}），所写范围相互重叠。"
        else:
            asked = o.word or ("高" if o.highest else "低")
            opposite = dict(zip(_HIGH + _LOW, _LOW + _HIGH)).get(asked, "低")
            word = {">": f"更{asked}", ">=": f"不{opposite}于", "<": f"更{asked}", "<=": f"不{opposite}于"}[o.relation]
            if o.asks_difference and not o.which:
                text = f"{'按所写数字' if o.bounded else ''}相差{amount(o.difference, o.unit)}：{ops([a, b])}（{what}）。"
            else:
                text = (f"{_short(a.region)}{word}{'' if o.relation in ('>', '<') else _short(b.region)}：{_short(a.region)}{a.figure}，"
                        f"{_short(b.region)}{b.figure}（{what}）。")
                if o.asks_difference and o.difference is not None:
                    text += f"{'按所写数字' if o.bounded else ''}相差{amount(o.difference, o.unit)}。"
        if o.bounded and o.relation not in ("=",):
            text += f"{bounds}比较按其界限作出。"
    elif o.op in ("count", "missing", "ranges"):
        names = "、".join(_short(x.region) for x in o.members)
        label = {"count": "个省份符合", "missing": "个省份没有给出这一数字", "ranges": "个省份以区间表述"}[o.op]
        text = f"{len(o.members)}{label}（{what}{('，' + o.condition) if o.condition else ''}）：{names or '无'}。"
        if o.undecided:
            text += f"另有{ops(o.undecided)}只给出界限，无法判断。"
        if o.op != "missing" and o.missing:
            text += f"{'、'.join(_short(m) for m in o.missing)}没有给出这一数字。"
        text += f"共比较{o.compared}个地区。"
    else:
        text = ""
    return text


_STATUS = {"target": "目标", "actual": "实际"}
_UNITS = {"persons": "人", "yuan": "元", "person-times": "人次", "years": "岁", "per mille": "‰", "times": "倍",
          "mu": "亩", "tonnes": "吨", "jin": "斤", "kilograms": "公斤", "square kilometres": "平方公里",
          "kilometres": "公里", "hours": "小时", "kilowatts": "千瓦", "count": "个"}


def amount(value: float | None, unit: str | None) -> str:
    """A computed difference in Chinese: 个百分点 for percentages, 万 for large counts and sums."""
    if value is None:
        return ""
    v = abs(value)
    if unit in ("percent", "percentage points"):
        return f"{v:.4g}个百分点"
    base = (unit or "").split(" per ")[0]  # "yuan per person per month": 元
    word = _UNITS.get(base, "" if unit in (None, "ratio") else unit)
    if v >= 10**8 and word:
        return f"{v / 10**8:.6g}亿{word}"
    if v >= 10**4 and word:
        return f"{v / 10**4:.6g}万{word}"
    return f"{v:.6g}{word}"


def _when(o: ComparisonOutcome) -> str:
    """"2026年、目标": the period and status every operand shares."""
    period = (o.period.replace("/", "—") + "年") if o.period else None
    return "、".join(x for x in (period, _STATUS.get(o.status)) if x)


def refusal(o: ComparisonOutcome) -> str:
    """Why the corpus cannot support a comparison."""
    parts = []
    if o.no_document:
        parts.append(f"语料中没有{'、'.join(o.no_document)}的报告")
    if o.missing:
        who = "、".join(_short(m) for m in o.missing) if len(o.missing) <= 3 else f"{len(o.missing)}个地区"
        parts.append(f"{who}的报告没有给出{o.indicator}的数字")
    when = _when(o)
    if not o.leaders and not o.no_document:
        return f"无法比较：语料中没有哪个地区给出{o.indicator}{'（' + when + '）' if when else ''}的数字。"
    if not parts:
        parts.append(f"语料中给出{o.indicator}的地区不足两个")
    stated = "；".join(f"{_short(x.region)}为{x.figure}" for x in o.leaders)
    return "无法比较：" + "，".join(parts) + (f"（{stated}）" if stated else "") + "。"


_GENERIC = {"经济", "增长", "增速", "经济增长", "更快", "个百分点"}  # words that name no indicator of their own
_GROWTH = {"经济", "增长", "增速", "经济增长", "更快"}


def implied(words: list[str]) -> list[str] | None:
    """The indicator a comparison leaves implicit: a region that grew faster is an economy that did."""
    return ["地区生产总值"] if set(words) <= _GENERIC and set(words) & _GROWTH else None
