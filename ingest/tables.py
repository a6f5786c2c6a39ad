"""Figures in tables, read from the table's structure rather than from its text as a sentence.

The readers keep each table as rows of cell spans (``DocumentRecord.tables``). A cell that holds a
figure and little else ("7.9", "95.5%", "4.7个", "90%以上") is an observation:

- its **metric** is the row's header, the first column of text ("Hospital beds per 1,000 people",
  "人均预期寿命（岁）"), less a unit in brackets; where that header is a year or a place, the
  column's header is the metric instead (a table with a row per year or per region);
- its **period** is a year in the column's (or the row's) header ("2023", "2025年目标值",
  "2021-2025"), else the one year a caption just before the table names;
- its **region** is a place the column's (or the row's) header names, else the document's region;
- its **unit** is the cell's own ("95.5%"), else one in brackets in a header ("（岁）", "(yuan)"), in
  a column headed "Unit"/"单位", or said by the metric ("per 1,000 people"; the language pack's
  ``unit_of``), else "count";
- its **status** is "target" where the column's header says so (目标, 预期, "target") or the period
  lies after the document's date, else "actual".

The figure's offsets are the cell's, the metric's those of its header cell, so a trace points at
the table itself. A cell of prose is left to the sentence rules; the observations those rules made
from figure cells and header cells of a table read here are replaced.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from decimal import Decimal
from typing import Callable

from ingest.periods import DocDate
from ingest.places import label
from ingest.quantities import Quantity
from ingest.records import DocumentRecord, Observation, Table

RULE_VERSION = "tables-1"
RULE = "table-cell"

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_TARGET = re.compile(r"目标|预期|规划|计划|target|goal|plan|expected|projected", re.IGNORECASE)
# What may stand in a period header besides its years: 年, 底/末, brackets, dashes, status words
_PERIOD_REST = re.compile(r"[\s年底末度()（）\[\]【】\-–—~～至到/、,，.]|目标值?|预期值?|规划值?|实际值?|完成值?|现状值?|"
                          r"基期值?|target|goal|plan|actual|expected|projected|estimate|value|year|end|of", re.IGNORECASE)
_UNIT_HEADER = re.compile(r"^\s*(?:计量)?单位\s*$|^\s*units?\s*$|^\s*unit of measure(?:ment)?\s*$", re.IGNORECASE)
_NUMBER_HEADER = re.compile(r"^\s*(?:序号|编号|No\.?|#|S/N)\s*$", re.IGNORECASE)
_BRACKET_UNIT = re.compile(r"\s*[(（]\s*(?:单位[:：]\s*)?([^()（）]{1,12}?)\s*[)）]\s*$")
_UNIT_LINE = re.compile(r"单位[:：]\s*(\S{1,8})|\bunits?[:：]\s*([A-Za-z%][\w %/-]{0,20})", re.IGNORECASE)
# Room a figure cell leaves for other words: "约", "以上", "about", "(est.)"
_SPARE = 6
_MEASURE_WORD = re.compile(r"[\u4e00-\u9fff]{1,2}")
_PLAIN = re.compile(r"^\s*(?P<q>约|大约|超过|不低于|不少于|≥|>=|≤|<=|>|<|about|approximately|over|more than|at least)?\s*"
                    r"(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<pct>%|‰)?\s*(?P<after>以上|以下|左右)?\s*$",
                    re.IGNORECASE)
_QUALIFIERS = {"约": "approximately", "大约": "approximately", "about": "approximately", "approximately": "approximately",
               "超过": "more than", "over": "more than", "more than": "more than", ">": "more than", "以上": "more than",
               "不低于": "at least", "不少于": "at least", "≥": "at least", ">=": "at least", "at least": "at least",
               "≤": "at most", "<=": "at most", "<": "less than", "以下": "at most", "左右": "approximately"}

FindQuantities = Callable[[str], list]
UnitOf = Callable[[str, Quantity], str]


def apply(rec: DocumentRecord, observations: list[Observation], find_quantities: FindQuantities, unit_of: UnitOf,
          regions=None, subject=None) -> list[Observation]:
    """The document's observations, those in its tables' figure cells read from the tables.

    ``find_quantities`` is the language pack's quantity finder; ``unit_of(metric, quantity)`` the
    unit of a figure written without one, as the pack reads its metric ("per 1,000 people");
    ``regions`` finds places in a header (a gazetteer); ``subject`` is the document's region.
    """
    if not rec.tables:
        return observations
    found, replaced = [], []
    for table in rec.tables:
        cells, spans = read(rec, table, find_quantities, unit_of, regions, subject)
        found += cells
        replaced += spans
    replaced.sort()
    starts = [a for a, _ in replaced]

    def inside(o: Observation) -> bool:
        i = bisect_right(starts, o.start) - 1
        return i >= 0 and replaced[i][0] <= o.start < replaced[i][1]

    kept = [o for o in observations if not inside(o)]
    return sorted(kept + found, key=lambda o: (o.sentence, o.start, o.end))


def read(rec: DocumentRecord, table: Table, find_quantities: FindQuantities, unit_of: UnitOf, regions=None,
         subject=None) -> tuple[list[Observation], list[tuple[int, int]]]:
    """One table's observations, and the spans of the cells whose sentence-rule figures they replace."""
    text = rec.text
    rows = table.rows
    width = max((len(r) for r in rows), default=0)
    if len(rows) < 1 or width < 2:
        return [], []
    cell = [[table.cell(text, r, c).strip() for c in range(width)] for r in range(len(rows))]
    figures = {(r, c): q for r in range(len(rows)) for c in range(width)
               if (q := _figure(cell[r][c], find_quantities)) is not None and not _period_header(cell[r][c])}
    if not figures:
        return [], []
    head_row = 1 if not any((0, c) in figures for c in range(1, width)) else 0
    text_columns = [c for c in range(width) if not any((r, c) in figures for r in range(head_row, len(rows)))
                    and not _NUMBER_HEADER.match(cell[0][c] if head_row else "")]
    unit_column = next((c for c in text_columns if head_row and _UNIT_HEADER.match(cell[0][c])), None)
    label_columns = [c for c in text_columns if c != unit_column]
    if not label_columns:
        return [], []
    date = DocDate.parse(rec.issued)
    caption = _caption(rec, table)
    starts = [s.start for s in rec.sentences]
    out, replaced = [], []
    for (r, c), q in sorted(figures.items()):
        if r < head_row or c <= label_columns[0]:
            continue
        row_head = next((x for x in reversed(label_columns) if x < c and cell[r][x]), None)
        if row_head is None:
            continue
        col_head = cell[0][c] if head_row else ""
        col_span = _span(table, 0, c) if head_row else None
        metric_text, metric_span = cell[r][row_head], _span(table, r, row_head)
        period = _period(col_head) or _period(metric_text)
        place = _place(col_head, regions, rec.language) or _place(metric_text, regions, rec.language)
        if (_period_header(metric_text) or _is_place(metric_text, regions, rec.language)) and col_head \
                and not _period_header(col_head) and not _is_place(col_head, regions, rec.language):
            metric_text, metric_span = col_head, col_span  # a row per year or per region: the column says what
        metric, metric_span = _without_unit(metric_text, metric_span)
        if not metric:
            continue
        unit = q.unit or _header_unit(metric_text, find_quantities) or _header_unit(col_head, find_quantities) \
            or (_header_unit(f"({cell[r][unit_column]})", find_quantities) if unit_column is not None and cell[r][unit_column] else None) \
            or _header_unit(caption[1], find_quantities)
        if unit is None or _MEASURE_WORD.fullmatch(unit):  # "4.7个", "（张）": the pack says what is counted
            unit = unit_of(metric, replace(q, unit=unit))
        period = period or caption[0]
        region = place or subject
        status = "target" if _TARGET.search(col_head) or (period and date.year and period[0] > date.year) else "actual"
        span = _span(table, r, c)
        sentence = _sentence(rec, starts, span[0]) if span else None
        if span is None or sentence is None:
            continue
        start, end = span[0] + q.start, span[0] + q.end
        out.append(Observation(
            start=start, end=end, value=str(q.value), unit=unit, metric=metric,
            metric_start=metric_span[0] if metric_span else None, metric_end=metric_span[1] if metric_span else None,
            region=region.code if region else None, region_label=label(region, rec.language) if region else None,
            period_start=period[0] if period else None, period_end=period[1] if period else None,
            group=None, qualifier=q.qualifier, status=status, role="level", sentence=sentence,
            rule=f"{RULE_VERSION}:{RULE}", upper=str(q.upper) if q.upper is not None else None,
        ))
        replaced.append(span)
    if out:  # the headers' numbers ("2023", "per 1,000 people") are no figures either
        replaced += [s for r in range(len(rows)) for c in range(width) if (r < head_row or c in label_columns)
                     and (s := _span(table, r, c)) is not None]
    return out, replaced


def _figure(cell: str, find_quantities: FindQuantities) -> Quantity | None:
    """The figure a cell holds, when it holds one and little else ("7.9", "95.5%", "约4.7个")."""
    if not cell or not re.search(r"\d", cell):
        return None
    found = find_quantities(cell)
    if len(found) == 1 and len(cell) - (found[0].end - found[0].start) <= _SPARE:
        return found[0]
    m = _PLAIN.match(cell)
    if not m or found and len(found) > 1:
        return None
    value = Decimal(m.group("n").replace(",", ""))
    qualifier = _QUALIFIERS.get((m.group("q") or m.group("after") or "").lower())
    unit = {"%": "percent", "‰": "per mille"}.get(m.group("pct") or "")
    start = m.start("q") if m.group("q") else m.start("n")
    end = m.end("after") if m.group("after") else (m.end("pct") if m.group("pct") else m.end("n"))
    return Quantity(start, end, m.start("n"), m.end("n"), value, unit, end if unit else m.end("n"), qualifier)


def _period_header(text: str) -> bool:
    """A header that is a year or a span of years, maybe with a status word ("2023", "2025年目标值")."""
    years = _YEAR.findall(text)
    return 1 <= len(years) <= 2 and not _PERIOD_REST.sub("", _YEAR.sub("", text)).strip()


def _period(text: str) -> tuple[int, int] | None:
    if not text or not _period_header(text):
        return None
    years = [int(y) for y in _YEAR.findall(text)]
    return min(years), max(years)


def _is_place(text: str, regions, language: str) -> bool:
    return _place(text, regions, language) is not None


def _place(text: str, regions, language: str):
    """The region a header names as the whole of its text (a column per province)."""
    if not text or regions is None:
        return None
    found = regions.find_mentions(text.strip(), language)
    if len(found) == 1 and found[0][0] == 0 and found[0][1] >= len(text.strip()) - 1:
        return found[0][2]
    return None


def _without_unit(text: str, span: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
    """A header less its bracketed unit: "Life expectancy (years)" -> "Life expectancy"."""
    m = _BRACKET_UNIT.search(text)
    if not m or m.start() == 0:
        return text, span
    return text[:m.start()], (span[0], span[0] + m.start()) if span else None


def _header_unit(text: str, find_quantities: FindQuantities) -> str | None:
    """The unit a header states: in brackets at its end ("（万人）", "(%)") or after 单位:/Unit:."""
    if not text:
        return None
    m = _BRACKET_UNIT.search(text) or _UNIT_LINE.search(text)
    if not m:
        return None
    word = next(g for g in m.groups() if g).strip()
    for probe in (f"1{word}", f"1 {word}"):
        found = find_quantities(probe)
        if len(found) == 1 and found[0].unit and found[0].end == len(probe):
            return found[0].unit
    return None if re.search(r"\d", word) else word


def _caption(rec: DocumentRecord, table: Table) -> tuple[tuple[int, int] | None, str]:
    """The period the line just before a table names, if it names one year, and that line."""
    first = next((c for row in table.rows for c in row if c), None)
    if first is None:
        return None, ""
    before = rec.text[max(0, first[0] - 200):first[0]].rstrip()
    line = before.rsplit("\n", 1)[-1].strip() if before else ""
    years = {int(y) for y in _YEAR.findall(line)}
    return ((min(years), max(years)) if len(years) == 1 else None), line


def _span(table: Table, r: int, c: int) -> tuple[int, int] | None:
    row = table.rows[r] if r < len(table.rows) else []
    return tuple(row[c]) if c < len(row) and row[c] else None


def _sentence(rec: DocumentRecord, starts: list[int], offset: int) -> int | None:
    """The sentence holding an offset; else (a cell that is no sentence of its own, such as a bare
    "27" that paragraphs leave out as a page number) the last sentence before it."""
    i = bisect_right(starts, offset) - 1
    if i < 0:
        return None
    return rec.sentences[i].index


# -- service items of an implementation standard ------------------------------------------------
# A provincial implementation standard lists its services in a table (服务项目, 服务对象, 服务内容,
# 服务标准, 支付和保障责任, 牵头负责单位): each row is a service item of the region.
_ITEM_COLUMNS = {
    "item": re.compile(r"服务项目|项目名称|服务事项|^\s*项目\s*$|service items?", re.IGNORECASE),
    "target": re.compile(r"服务对象|^\s*对象\s*$|target group|beneficiar", re.IGNORECASE),
    "content": re.compile(r"服务内容|^\s*内容\s*$|content", re.IGNORECASE),
    "standard": re.compile(r"服务标准|^\s*标准\s*$|standard", re.IGNORECASE),
    "payment": re.compile(r"支付|保障责任|funding|payment", re.IGNORECASE),
    "responsible": re.compile(r"负责单位|责任单位|牵头单位|主管部门|responsib|lead (?:body|agency|department)", re.IGNORECASE),
    "category": re.compile(r"服务类别|^\s*类别\s*$|category", re.IGNORECASE),
}
_ENUMERATION = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]+[)）、.．]|\d+[、.．)）]|第[一二三四五六七八九十]+[类部分章节])\s*")


def service_items(rec: DocumentRecord, subject: str | None, add) -> None:
    """The service items of every table whose header names an item column and two more of the columns
    above, each row one entity of type "service-item" (key ``service-item:<region>-<item>``) with its
    target group, content, standard, payment and responsible body in ``details``, and the category
    its row stands under (a "category" column, or a heading row spanning the table: "（一）优孕优生服务").
    ``add(entity, start, end, sentence)`` records the entity and its mention (the item's cell)."""
    from ingest.entities import slug
    from ingest.records import Entity

    starts = [s.start for s in rec.sentences]
    for table in rec.tables:
        if len(table.rows) < 2:
            continue
        width = max(len(r) for r in table.rows)
        head = [table.cell(rec.text, 0, c).strip() for c in range(width)]
        roles: dict[str, int] = {}
        for c, text in enumerate(head):
            for role, pattern in _ITEM_COLUMNS.items():
                if text and pattern.search(text) and role not in roles:
                    roles[role] = c
        if "item" not in roles or len(set(roles) - {"item", "category"}) < 2:
            continue
        category = None
        for r in range(1, len(table.rows)):
            cells = [s for s in table.rows[r] if s]
            span = _span(table, r, roles["item"])
            if len(set(cells)) == 1 and (len(cells) > 1 or span is None):  # a heading row: one text across the table
                category = _ENUMERATION.sub("", rec.text[cells[0][0]:cells[0][1]]).strip()
                continue
            if span is None or (r > 1 and span == _span(table, r - 1, roles["item"])):
                continue  # no item, or the item of the row above (a merged cell)
            item = _ENUMERATION.sub("", rec.text[span[0]:span[1]]).strip()
            sentence = _sentence(rec, starts, span[0])
            if not item or sentence is None:
                continue
            details = {role: " ".join(table.cell(rec.text, r, c).split()) for role, c in roles.items()
                       if role not in ("item",) and table.cell(rec.text, r, c).strip()}
            if category and "category" not in details:
                details["category"] = category
            key = f"service-item:{subject or 'unknown'}-{slug(item)}"
            add(Entity(key, "service-item", item, region=subject, details=details), span[0], span[1], sentence)
