"""Comparison answers: rankings, gaps, counts and pairs of regions, computed from the graph's figures.

The figures are found as for a figure question (``Answerer.candidates``: the question's year,
status, role and kind of figure, ranked by how well they match its indicator words), but for
every region. Each region contributes its best figure scoring within ``COMPARE_MARGIN`` of the
best of all, of the same unit, role, status and period as that one, so a comparison never mixes
them. Figures stated only as bounds (以上, 以内, 超过) or ranges are compared by what they allow
(``kg.compare.bounds``): an order the bounds leave open is said to be open. The answer leads
with the computed result, states every operand as written, and cites each operand's sentence.
"""

from __future__ import annotations

from ingest import lang
from ingest.gazetteer import CHINA, default as default_gazetteer
from ingest.lang.question import ComparisonOutcome, Operand, ParsedQuestion
from kg.compare import bounds
from kg.compare.table import build as build_table
from kg.compare.table import region_code
from kg.graph.namespaces import span_iri
from kg.qa import weights as W
from kg.qa.answer import Answer, Citation


class Comparator:
    """Answers comparison questions (``ParsedQuestion.compare``) for an ``Answerer``."""

    def __init__(self, answerer):
        self.answerer = answerer

    def answer(self, q: ParsedQuestion, hits, k: int = 3) -> Answer | None:
        """The computed answer to a comparison question, or None when ``q`` compares nothing."""
        if q.compare is None:
            return None
        pack = lang.get(q.language) or lang.get("en")
        gaz = default_gazetteer()
        records = self.answerer.records()
        ranked, query, _ = self.answerer.candidates(q, hits, regions=False)
        ranked = [c for c in ranked if c.score >= pack.min_figure_score and c.cover >= (pack.min_cover or 0)]
        if q.years:
            period = str(q.years[0]) if q.years[0] == q.years[1] else f"{q.years[0]}/{q.years[1]}"
            ranked = [c for c in ranked if c.row.get("period") == period]
        named = [r for r in q.regions if r.code != CHINA]
        level = named[0].level if named else "province"
        subjects = {rec.subject_region for rec in records.values() if rec.subject_region}
        expected = {c: _name(gaz.get(c), q.language) for c in subjects if gaz.get(c) and gaz.get(c).level == level}
        if q.compare.op == "pair":  # the cell the two regions state, whatever most others state
            asked = {r.code for r in named} | ({CHINA} if q.compare.national else set())
            ranked = [c for c in ranked if region_code(c.row.get("place")) in asked]
        chosen = _per_region(ranked, level, gaz)
        top = chosen[0] if chosen else None
        table = build_table([c.row for c in chosen], indicator=_indicator(top, q), indicator_iris=[],
                            expected=expected, level_of=lambda c: gaz.get(c).level if gaz.get(c) else None,
                            level=level, period=top.row.get("period") if top else None,
                            status=top.row["status"] if top else None, role=top.row["role"] if top else None,
                            national_code=CHINA)
        by_code = {r.region_code: r for r in table.rows}
        outcome = ComparisonOutcome(op=q.compare.op, indicator=table.indicator, period=table.period, status=table.status,
                                    unit=table.unit, highest=q.compare.highest, n=q.compare.n,
                                    asks_difference=q.compare.difference, which=q.compare.which, word=q.compare.word,
                                    compared=len(table.rows) + len(table.missing))
        outcome.missing = [m["region"] for m in table.missing]
        operands = []
        if q.compare.op == "pair":
            outcome.missing = [expected[r.code] for r in named if r.code in expected and r.code not in by_code] if table.rows else []
            outcome.no_document = [_name(r, q.language) for r in named if r.code not in subjects]
            have = [by_code[r.code] for r in named if r.code in by_code]
            if q.compare.national:  # a region against the country's own figure for the same cell
                have += [table.national] if table.national else []
                if table.national is None and table.rows:
                    outcome.missing.append(_name(gaz.get(CHINA), q.language))
                named = named + [gaz.get(CHINA)]
            if len(named) < 2 or outcome.missing or outcome.no_document or len(have) < 2:
                outcome.leaders = [self._operand(r) for r in have]
                return self._refuse(q, pack, outcome, have, query, table)
            a, b = have[:2]
            rel = bounds.compare_two(a.interval, b.interval)
            if rel in ("<", "<=") if q.compare.highest else rel in (">", ">="):
                a, b = b, a  # the answer names first the region the question asks for (higher, or lower)
                rel = bounds.compare_two(a.interval, b.interval)
            outcome.leaders, outcome.relation = [self._operand(a), self._operand(b)], rel
            outcome.difference = a.interval.key - b.interval.key
            outcome.bounded = [self._operand(x) for x in (a, b) if not x.interval.exact]
            operands = [a, b]
        elif len(table.rows) < 2 and q.compare.op != "missing":
            outcome.leaders = [self._operand(r) for r in table.rows]
            outcome.missing = outcome.missing if table.rows else []  # nothing stated anywhere: say that, not 24 names
            return self._refuse(q, pack, outcome, table.rows, query, table)
        elif q.compare.op == "rank":
            ranked_rows, _ = bounds.order(table.rows, lambda r: r.interval, highest=q.compare.highest)
            lead_key = ranked_rows[0].interval.key
            ties = [r for r in ranked_rows if r.interval.key == lead_key]
            away = "ceiling" if q.compare.highest else "floor"  # 5.5%以内 is not among the highest beside 5.5%左右
            ties = [r for r in ties if r.interval.kind != away] or ties
            ranked_rows = ties + [r for r in ranked_rows if r not in ties]
            if q.compare.n > 1:  # the top N, and any region tied with the N-th
                cut = ranked_rows[:q.compare.n]
                leaders = cut + [r for r in ranked_rows[len(cut):] if r.interval.key == cut[-1].interval.key]
            else:
                leaders = ties
            rest = ranked_rows[len(leaders):]
            outcome.leaders = [self._operand(r) for r in leaders]
            outcome.runner_up = [self._operand(r) for r in rest[:1]]
            ahead = (lambda x, y: bounds.surely_ahead(x.interval, y.interval)) if q.compare.highest else \
                (lambda x, y: bounds.surely_ahead(y.interval, x.interval))
            if q.compare.n > 1:  # the top N are certain only when each is surely ahead of the ones after it
                certain = all(ahead(x, y) for i, x in enumerate(leaders) for y in ranked_rows[i + 1:])
            else:  # the leaders surely ahead of the rest, and a tie only among figures that state the same value
                certain = all(ahead(x, y) for x in leaders for y in rest) and (
                    len(leaders) == 1 or all(x.interval.exact for x in leaders))
            outcome.certain = certain
            outcome.bounded = [self._operand(r) for r in ranked_rows if not r.interval.exact][:6]
            operands = leaders + rest[:1]
        elif q.compare.op == "spread":
            hi = max(table.rows, key=lambda r: r.interval.key)
            lo = min(table.rows, key=lambda r: r.interval.key)
            outcome.leaders = [self._operand(hi), self._operand(lo)]
            outcome.difference = hi.interval.key - lo.interval.key
            others = [r for r in table.rows if r is not hi and r is not lo]  # 5%以上 elsewhere may top the highest
            outcome.certain = (hi.interval.exact and lo.interval.exact
                               and all(bounds.surely_at_least(hi.interval, r.interval) for r in others)
                               and all(bounds.surely_at_least(r.interval, lo.interval) for r in others))
            outcome.bounded = [self._operand(x) for x in table.rows if not x.interval.exact][:6]
            operands = [hi, lo]
        elif q.compare.op == "count":
            if q.compare.threshold is None:
                return None
            yes, open_ = [], []
            for r in table.rows:
                verdict = bounds.satisfies(r.interval, q.compare.relation or "=", q.compare.threshold)
                (yes if verdict else open_ if verdict is None else []).append(r)
            yes.sort(key=lambda r: r.region_code)
            outcome.members, outcome.undecided = [self._operand(r) for r in yes], [self._operand(r) for r in open_]
            outcome.condition = _condition(q)
            operands = yes + open_
        elif q.compare.op == "ranges":
            yes = sorted((r for r in table.rows if r.upper is not None), key=lambda r: r.region_code)
            outcome.members = [self._operand(r) for r in yes]
            operands = yes
        elif q.compare.op == "missing":
            outcome.members = [Operand(m["region"], "", 0.0, "") for m in table.missing]
            operands = table.rows[:0]
        ans = Answer(q.text, True, pack.phrase_comparison(outcome), self._cite(operands))
        return self._finish(ans, query, operands, table)

    def _refuse(self, q, pack, outcome, stated, query, table) -> Answer:
        ans = Answer(q.text, False, pack.comparison_refusal(outcome), self._cite(stated))
        return self._finish(ans, query, stated, table)

    def _finish(self, ans: Answer, query: str, operands, table) -> Answer:
        ans.sparql, ans.observations = query, [r.iri for r in operands]
        ans.figures = [{"iri": r.iri, "quote": r.figure, "value": r.value, "upper": r.upper, "unit": r.unit,
                        "qualifier": r.qualifier, "role": r.role, "status": r.status, "period": r.period,
                        "region": r.region, "doc": r.doc} for r in operands]
        ans.comparison = table.to_json()
        return ans

    def _operand(self, r) -> Operand:
        """An operand of the answer; with the region's Chinese name when its document is Chinese."""
        region = default_gazetteer().get(r.region_code)
        chinese = self.answerer.records()[r.doc].language == "zh"
        return Operand(region=r.region, figure=r.figure, value=r.value, unit=r.unit,
                       native=region.short_zh if region is not None and chinese else "")

    def _cite(self, operands) -> list[Citation]:
        out, seen = [], set()
        records = self.answerer.records()
        for r in operands:
            doc, s, e = self.answerer.sentence_of({"doc": r.doc, "start": r.start, "end": r.end})
            if (doc, s) in seen:
                continue
            seen.add((doc, s))
            rec = records[doc]
            out.append(Citation(doc=doc, start=s, end=e, quote=rec.text[s:e], score=1.0, title=rec.title,
                                iri=str(span_iri(doc, "sentence", s, e))))
        return out


CELL = ("indicator", "unit", "role", "status", "period")


def _per_region(ranked, level: str, gaz) -> list:
    """Each region's best figure in the cell (indicator, unit, role, status, period) the question
    asks about: of the cells whose best figure scores within ``COMPARE_MARGIN`` of the best of all,
    the one the most regions state (a comparison is about what many regions report; the single
    best-scoring figure may be a neighbour's side remark). The country's own figure is kept for
    the table to set apart."""
    if not ranked:
        return []
    best = ranked[0].score
    cells: dict[tuple, dict[str, object]] = {}
    for c in ranked:
        code = region_code(c.row.get("place"))
        region = gaz.get(code) if code else None
        if region is None or (region.level != level and code != CHINA):
            continue
        regions = cells.setdefault(tuple(c.row.get(k) for k in CELL), {})
        held = regions.get(code)
        # ranked, so the first is the best; but an exact figure close behind beats a bound
        # ("突破3万亿元" and "32765亿元" in one report: the total is 32765亿元)
        if held is None or (_bound(held.row) and not _bound(c.row) and c.score >= held.score - W.COMPARE_MARGIN):
            regions[code] = c
    contenders = [(key, regions) for key, regions in cells.items()
                  if max(c.score for c in regions.values()) >= best - W.COMPARE_MARGIN]
    if not contenders:
        return []
    key, regions = max(contenders, key=lambda kv: (len(kv[1]), max(c.score for c in kv[1].values())))
    return sorted(regions.values(), key=lambda c: -c.score)


def _bound(row: dict) -> bool:
    return bounds.interval(float(row["value"]), row.get("qualifier"), None).kind in ("floor", "ceiling")


def _indicator(top, q: ParsedQuestion) -> str:
    if top is None:
        return q.indicator
    return top.row.get("indicator") or top.row["metric"]


def _name(region, language: str) -> str:
    if region is None:
        return ""
    return region.name_zh if language == "zh" else region.name_en


def _condition(q: ParsedQuestion) -> str | None:
    c = q.compare
    if c.threshold is None:
        return None
    sign = {"~": "≈", "=": "=", ">=": "≥", ">": ">", "<=": "≤", "<": "<"}[c.relation or "="]
    number = f"{c.threshold:,.0f}" if c.threshold >= 1000 and c.threshold == int(c.threshold) else f"{c.threshold:g}"
    return f"{sign} {number}{'%' if c.threshold_unit == 'percent' else (' ' + c.threshold_unit if c.threshold_unit else '')}"
