"""Measuring comparison tables against a key of figures by indicator and document (``policykg eval``).

A key line names a document, an indicator (as a label), the figure's period and status and
either the figure (``value``, ``unit``, ``qualifier``, optional ``range`` [low, high]) or
``"missing": true`` when the document states none. For each (indicator, period, status) the
tool's table (``KnowledgeBase.compare``) is built once; a line is right when the row of the
document's region has the key's value, unit, kind of bound and range, or, for a missing figure,
when the region is listed as missing. The qualifier is compared by the kind of bound it makes
(``kg.compare.bounds``: 以上 and 不少于 are both floors), which is what a comparison reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kg.compare.bounds import interval

FIELDS = ("value", "unit", "bound", "range")


@dataclass
class TableScore:
    total: int = 0
    right: int = 0
    fields: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # name -> [right, total]
    wrong: list[dict] = field(default_factory=list)
    tables: int = 0

    def line(self) -> str:
        parts = "  ".join(f"{f} {r}/{t}" for f, (r, t) in self.fields.items())
        return f"table cells {self.right}/{self.total} ({self.right / self.total if self.total else 0:.0%}) in {self.tables} tables  {parts}"

    def to_json(self) -> dict:
        return {"cells": self.total, "right": self.right, "accuracy": self.right / self.total if self.total else 0,
                "tables": self.tables, "fields": {f: {"right": r, "total": t} for f, (r, t) in self.fields.items()},
                "wrong": self.wrong}


def is_table_key(first: dict) -> bool:
    """Whether a key's first line is a comparison-table line (an indicator, no question)."""
    return "indicator" in first and "question" not in first


def evaluate(kb, key: list[dict]) -> TableScore:
    """Score the tables ``kb.compare`` builds against the key lines."""
    from ingest.gazetteer import default

    score = TableScore()
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for item in key:
        groups[(item["indicator"], str(item.get("period") or ""), item.get("status"))].append(item)
    subject = {d: rec.subject_region for d, rec in kb.records.items()}
    gaz = default()
    for (indicator, period, status), items in groups.items():
        if not period:  # a missing figure names no period: take it from the figures of its table
            period = next((str(i["period"]) for i in items if i.get("period")), None)
        try:
            table = kb.compare(indicator, period=period or None, status=status)
        except LookupError:
            table = None
        score.tables += 1
        by_code = {r.region_code: r for r in table.rows} if table else {}
        missing = {m["region_code"] for m in table.missing} if table else set()
        for item in items:
            score.total += 1
            code = subject.get(item["doc"])
            region = gaz.get(code).name_zh if code and gaz.get(code) else item["doc"]
            row = by_code.get(code)
            if item.get("missing"):
                ok = table is not None and row is None and code in missing
                score.fields["missing"][0] += ok
                score.fields["missing"][1] += 1
                got = None if row is None else row.figure
            else:
                checks = _checks(item, row)
                for name, ok_field in checks.items():
                    score.fields[name][0] += ok_field
                    score.fields[name][1] += 1
                ok = all(checks.values())
                got = row.figure if row else None
            score.right += ok
            if not ok:
                score.wrong.append({"indicator": indicator, "region": region, "expected": item.get("quote") or "missing",
                                    "got": got})
    return score


def _checks(item: dict, row) -> dict[str, bool]:
    if row is None:
        return {f: False for f in FIELDS}
    qualifier = None if item.get("qualifier") in (None, "null") else item["qualifier"]
    low_high = item.get("range")
    want = interval(float(item["value"]), qualifier, float(low_high[1]) if low_high else None)
    return {"value": abs(row.value - float(item["value"])) < 1e-9, "unit": row.unit == item.get("unit"),
            "bound": row.interval.kind == want.kind or (row.interval.exact and want.exact),
            "range": (row.upper is None and not low_high) or (low_high is not None and row.upper == float(low_high[1]))}


def report(score: TableScore) -> str:
    lines = [score.line()]
    for w in score.wrong:
        lines.append(f"  {w['indicator']} {w['region']}: expected {w['expected']}, got {w['got'] or 'nothing'}")
    return "\n".join(lines)
