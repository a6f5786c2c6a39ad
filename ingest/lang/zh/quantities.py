"""Figures in Chinese text: value, unit and qualifier of each, with exact spans.

The Chinese counterpart of ``quantities.find_quantities_en`` (same ``Quantity``
records): Arabic and Chinese numerals (through cn2an), the scale words 万 and
亿, %, ‰, 个百分点, 倍, 成 (tenths), full-width ratios (2.21∶1), qualifiers
before (超过, 近, 约, 不低于 ...) or after (以上, 以下, 左右, 多 ...) the
number, and measure words as units (人, 元, 个, 家, 岁, 万人次, 张/千人 ...).
Not figures: list numbering (一、 （二） (3)), plan and congress numbers
(“十四五”, 二十大, 六届四次), dates and years (2026年1月28日, 2025年), quoted
policy names (“30条”), product specifications (8英寸) and names with letters
(L3级, 5G).
"""

from __future__ import annotations

import re
from decimal import Decimal

import cn2an

from ingest.quantities import Quantity, plain

_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_NUM = rf"(?P<num>\d+(?:\.\d+)?|[{_CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
_SCALE = r"(?P<scale>万亿|千万|百万|亿|万|千(?![伏瓦米克]))?"
# Units after the number, longest first. Each maps to (canonical unit, multiplier).
_UNITS = [
    ("个百分点", "percentage points", 1), ("百分点", "percentage points", 1), ("%", "percent", 1), ("％", "percent", 1),
    ("‰", "per mille", 1), ("倍", "times", 1), ("成", "percent", 10),
    ("万亿元", "yuan", 10**12), ("亿元", "yuan", 10**8), ("万元", "yuan", 10**4), ("元", "yuan", 1),
    ("万人次", "person-times", 10**4), ("人次", "person-times", 1), ("万人", "persons", 10**4), ("人", "persons", 1),
    ("名", "persons", 1), ("位", "persons", 1),
    ("周岁", "years", 1), ("岁", "years", 1),
    ("张/千人", "beds per 1,000 people", 1), ("人/千人", "per 1,000 people", 1), ("人/万人", "per 10,000 people", 1),
    ("平方公里", "square kilometres", 1), ("平方米", "square metres", 1), ("公里", "kilometres", 1), ("千米", "kilometres", 1),
    ("千瓦", "kilowatts", 1), ("千伏", "kilovolts", 1), ("吨", "tonnes", 1), ("亩", "mu", 1), ("小时", "hours", 1),
    ("公斤", "kilograms", 1), ("斤", "jin", 1),
]
# Measure words of counts: the unit is the measure word until context names the thing counted.
_MEASURE = "个|家|项|条|所|张|辆|户|座|件|台|套|处|批|类|支|场|次|门|栋|间|块|部|种|只|棵|艘|架|列|趟|班|车次|人次|床"
# A measure word's character that begins a longer word instead: 台阶, 场景, 部署, 家庭, 条件 ...
_NOT_MEASURE = "阶|景|署|门|准|型|持|撑|理|属|有|谈|庭|长|籍|外|餐|槛|隔|件事"
_BEFORE = [(r"(?:超过|超出|逾|高于|多于|突破|超)$", "more than"), (r"(?:不低于|不少于|至少)$", "at least"),
           (r"(?:不到|不足|低于|少于)$", "less than"), (r"(?:不超过|最多|至多)$", "at most"),
           (r"(?:近|约|大约|将近|接近|约为)$", "approximately")]
_AFTER = [(r"^(?:以上|多|余|有余)", "more than"), (r"^(?:以下|以内)", "at most"), (r"^(?:左右|上下|前后)", "approximately")]
_RATIO = re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*[∶:：]\s*(?P<b>\d+(?:\.\d+)?)(?!\d)")
_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2}")
_YEAR = re.compile(r"(?:19|20)\d\d\s*年(?:代)?|(?:19|20)\d\d(?=\s*[-—–~至到]\s*(?:19|20)\d\d)|(?<=[-—–~至到])\s*(?:19|20)\d\d")


def _to_number(text: str) -> Decimal | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    try:
        return Decimal(str(cn2an.cn2an(text, "smart")))
    except (ValueError, KeyError):
        return None


def _blocked(text: str) -> list[tuple[int, int]]:
    """Spans that hold no figure: dates, years, list numbering, plan and congress numbers, quoted names."""
    spans = [m.span() for m in _DATE.finditer(text)] + [m.span() for m in _YEAR.finditer(text)]
    spans += [m.span() for m in re.finditer(rf"(?:^|(?<=[\n。；;：:]))\s*[{_CN_DIGITS}]+\s*、|[（(]\s*[{_CN_DIGITS}\d]+\s*[)）]", text)]
    spans += [m.span() for m in re.finditer(r"[“\"‘「]([^”\"’」]{1,12})[”\"’」]", text) if re.search(r"[\d十五四三二一]", m.group(1))]
    spans += [m.span() for m in re.finditer(rf"[{_CN_DIGITS}]+届[{_CN_DIGITS}]*次?|[{_CN_DIGITS}]+大(?![学型量])|第[{_CN_DIGITS}\d]+", text)]
    spans += [m.span() for m in re.finditer(r"\d+(?:\.\d+)?\s*(?:英寸|纳米|nm|寸)|[A-Za-z]+\d+[A-Za-z]*|\d+[A-Za-z]+", text)]
    # an age bracket naming a group, not a figure: "3岁以下婴幼儿", "65岁及以上老年人", "60周岁以上的"
    spans += [m.span() for m in re.finditer(r"\d+\s*(?:[-—~至到]\s*\d+\s*)?周?岁(?:及)?(?:以上|以下)?(?:的)?"
                                           r"(?=婴幼儿|儿童|幼儿|老年人|老人|人口|人群|青少年|少年|妇女|学生|群体|居民|农村|城乡|困难|失能|高龄|孤寡|独居)", text)]
    return spans


def find_quantities_zh(text: str) -> list[Quantity]:
    """Every figure in a Chinese sentence (see the module docstring)."""
    blocked = _blocked(text)
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(s < b and a < e for s, e in blocked + taken)

    for m in _RATIO.finditer(text):
        left, right = Decimal(m.group("a")), Decimal(m.group("b"))
        if right == 0 or (re.fullmatch(r"\d{1,2}", m.group("a")) and re.fullmatch(r"\d\d", m.group("b")) and right != 1):
            blocked.append(m.span())  # a time of day (10:00) or no ratio at all (1:0)
            continue
        if free(*m.span()):
            q = _qualified(text, m.start(), m.end(), m.start("a"), m.end("a"), plain(left / right), "ratio", m.end())
            out.append(q)
            taken.append((q.start, q.end))
    pattern = re.compile(_NUM + r"\s*" + _SCALE)
    for m in pattern.finditer(text):
        num_s, num_e = m.span("num")
        if not free(num_s, m.end()):
            continue
        raw = m.group("num")
        chinese = not raw[0].isdigit()
        if chinese and (raw in ("一", "两", "零", "〇") or raw[0] in "零〇" or re.search(r"[每第这那各哪某个]$", text[:num_s])):
            continue  # 一个/两个/零部件/每一: an article, a word or an ordinal, not a figure
        rest = text[m.end():]
        unit, mult, unit_len = None, 1, 0
        for word, canon, k in _UNITS:
            if rest.startswith(word):
                unit, mult, unit_len = canon, k, len(word)
                break
        approx_more = False
        if unit is None:
            mw = re.match(rf"(多|余)?({_MEASURE})(?!{_NOT_MEASURE})", rest)
            if mw:
                unit, unit_len, approx_more = mw.group(2), mw.end(), bool(mw.group(1))
            elif re.match(rf"(?:{_MEASURE})(?:{_NOT_MEASURE})", rest):
                continue  # "迈上5万亿台阶": the number is part of a figure of speech
        if chinese and unit is None:
            continue  # a Chinese numeral without a unit is a word (十分, 一些), not a figure
        if re.match(r"位数", rest):
            continue  # 两位数增长: "double-digit", not a count of people
        value = _to_number(raw)
        if value is None:
            continue
        scale = m.group("scale") or ""
        value *= {"万亿": 10**12, "千万": 10**7, "百万": 10**6, "亿": 10**8, "万": 10**4, "千": 10**3, "": 1}[scale]
        value *= mult
        if chinese and not scale and value < 10 and unit not in ("percent", "times", "percentage points"):
            continue  # 三个方面, 八项规定, 五个必须: in reports, small counts in words name slogans, not figures
        end = m.end() + unit_len
        if unit is None and not scale:
            # a bare number: only with a qualifier or as the object of 达到/为/增长 does it state a figure
            if not re.search(r"(?:达到|达|为|增长|增加|提高|下降|降低|突破|超过|缩小至|缩小到|降至|降到|提高到|提高至|提升至|提升到|增至)\s*$", text[:num_s]):
                continue
        q = _qualified(text, num_s, end, num_s, num_e, plain(value), unit, m.end())
        if approx_more and q.qualifier is None:  # 120多个: more than 120
            q = Quantity(q.start, q.end, q.number_start, q.number_end, q.value, q.unit, q.unit_end, "more than")
        out.append(q)
        taken.append((q.start, q.end))
    for m in re.finditer(rf"(百|千)分之([{_CN_DIGITS}点]+|\d+(?:\.\d+)?)", text):  # 百分之五 = 5%, 千分之一 = 1‰
        value = _to_number(m.group(2))
        if value is not None and free(*m.span()):
            unit = "percent" if m.group(1) == "百" else "per mille"
            out.append(_qualified(text, m.start(), m.end(), m.start(2), m.end(2), plain(value), unit, m.end()))
    return _ranges(text, sorted(out, key=lambda q: q.start))


_RANGE_DASH = re.compile(r"\s*(?:%|％)?\s*[-—–~～至到]{1,2}\s*$")


def _ranges(text: str, found: list[Quantity]) -> list[Quantity]:
    """One figure for a range ("4.5%—5%", "4.5-5%", "5-6万人"): the lower end is its value, the
    upper end ``upper``; a lower end written without unit or scale takes the upper end's."""
    out: list[Quantity] = []
    for q in found:
        prev = out[-1] if out else None
        between = text[prev.number_end:q.number_start] if prev else ""
        if (prev is not None and q.unit is not None and _RANGE_DASH.fullmatch(between)
                and prev.unit in (None, q.unit) and not text[prev.number_end:prev.end].strip("%％ ")):
            shown = _to_number(text[q.number_start:q.number_end])
            scale = (q.value / shown) if prev.unit is None and shown else Decimal(1)
            low = plain(prev.value * scale)
            if low < q.value:
                out[-1] = Quantity(prev.start, q.end, prev.number_start, q.number_end, low, q.unit, q.unit_end,
                                   prev.qualifier or q.qualifier, upper=q.value)
                continue
        out.append(q)
    return out


def _qualified(text, start, end, num_s, num_e, value, unit, unit_from) -> Quantity:
    qualifier = None
    for pattern, name in _BEFORE:
        mq = re.search(pattern, text[:start])
        if mq:
            start, qualifier = mq.start(), name
            break
    for pattern, name in _AFTER:
        mq = re.match(pattern, text[end:])
        if mq:
            end, qualifier = end + mq.end(), qualifier or name
            break
    return Quantity(start, end, num_s, num_e, value, unit, end if unit else num_e, qualifier)
