"""One indicator across regions: one row per region, the regions that state nothing listed.

A comparison never mixes periods, statuses, roles or units: the rows are the figures of one
indicator with exactly the period, status and role asked for (where not asked: the ones most
regions state), in one canonical unit (values are normalised at extraction, so 万元 and 元 are
both yuan); figures that differ in any of these are kept aside in ``excluded`` with the reason.
Where a region states several figures for the cell, the first in its document (an exact figure
before a bound) is its row and the others are counted in ``others``. Regions that state figures
of the indicator only for another cell are listed as missing with that reason.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass, field

from kg.compare.bounds import Interval, interval
from kg.graph.indicators import SCHEME
from kg.graph.namespaces import region_iri
from kg.graph.observations import observations_query, prologue, sparql_string

REGION_PREFIX = str(region_iri(""))
ROW_FIELDS = ("region", "region_code", "figure", "value", "upper", "unit", "qualifier", "period", "status", "role",
              "metric", "indicator", "doc", "start", "end", "iri")


@dataclass
class ComparisonRow:
    """One region's figure: as written (``figure``), normalised (``value``, ``upper``, ``unit``) and where it stands."""

    region: str
    region_code: str
    figure: str
    value: float
    upper: float | None
    unit: str
    qualifier: str | None
    period: str | None
    status: str
    role: str
    metric: str
    indicator: str | None
    doc: str
    start: int
    end: int
    iri: str
    others: int = 0  # further figures the region states for the same cell
    reason: str | None = None  # for an excluded row: why it is not compared

    @property
    def interval(self) -> Interval:
        return interval(self.value, self.qualifier, self.upper)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Comparison:
    """The table of one indicator across regions, and the SPARQL that lists its figures."""

    indicator: str
    indicator_iris: list[str]
    level: str | None
    period: str | None
    status: str | None
    role: str | None
    unit: str | None
    rows: list[ComparisonRow] = field(default_factory=list)  # highest value first
    missing: list[dict] = field(default_factory=list)  # {"region", "region_code", "reason"}
    excluded: list[ComparisonRow] = field(default_factory=list)
    national: ComparisonRow | None = None  # the country's figure for the same cell, where stated
    sparql: str = ""

    def to_json(self) -> dict:
        return {"indicator": self.indicator, "indicator_iris": self.indicator_iris, "level": self.level,
                "period": self.period, "status": self.status, "role": self.role, "unit": self.unit,
                "rows": [r.to_json() for r in self.rows], "missing": self.missing,
                "excluded": [r.to_json() for r in self.excluded],
                "national": self.national.to_json() if self.national else None, "sparql": self.sparql}

    def to_csv(self) -> str:
        """Rows, then the missing regions (no figure), as CSV with ``ROW_FIELDS`` and ``note``."""
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(ROW_FIELDS + ("note",))
        for r in self.rows:
            w.writerow([_cell(getattr(r, f)) for f in ROW_FIELDS] + [f"{r.others} more figure(s) in the document" if r.others else ""])
        for m in self.missing:
            w.writerow([m["region"], m["region_code"]] + [""] * (len(ROW_FIELDS) - 2) + [m["reason"]])
        return out.getvalue()

    def text(self) -> str:
        """A plain-text table for the terminal."""
        head = f"{self.indicator} · {self.period or 'any period'} · {self.status or 'any status'} · {self.role or 'any role'}" \
               + (f" · {self.unit}" if self.unit else "")
        lines = [head]
        width = max([len(r.region) for r in self.rows] + [len(m["region"]) for m in self.missing] + [6])
        for r in self.rows:
            value = _number(r.value) + (f"–{_number(r.upper)}" if r.upper is not None else "")
            lines.append(f"  {r.region:<{width}}  {r.figure:<14} {value:>12} {r.unit:<10} {r.qualifier or '':<12} "
                         f"{r.doc} {r.start}-{r.end}" + (f"  (+{r.others})" if r.others else ""))
        for m in self.missing:
            lines.append(f"  {m['region']:<{width}}  — {m['reason']}")
        if self.national:
            lines.append(f"  national: {self.national.figure} ({self.national.doc} {self.national.start}-{self.national.end})")
        if self.excluded:
            lines.append(f"  not compared: {len(self.excluded)} figure(s) of another period, status, role or unit")
        return "\n".join(lines)


def _cell(v) -> str:
    return "" if v is None else (_number(v) if isinstance(v, float) else str(v))


def _number(v: float) -> str:
    return f"{v:.10g}"


def region_code(iri: str | None) -> str | None:
    return iri[len(REGION_PREFIX):] if iri and iri.startswith(REGION_PREFIX) else None


def indicators_query(name: str) -> str:
    """Indicator concepts one of whose labels is ``name`` (any case), or failing that contains it."""
    needle = sparql_string(name.strip().lower())
    return f"""SELECT ?ind (MAX(?exact) AS ?isExact) (COUNT(DISTINCT ?o) AS ?n) WHERE {{
  ?ind skos:inScheme <{SCHEME}> ; skos:prefLabel|skos:altLabel ?l .
  FILTER (CONTAINS(LCASE(STR(?l)), {needle}))
  BIND (IF(LCASE(STR(?l)) = {needle}, 1, 0) AS ?exact)
  ?o pkg:indicator ?ind .
}} GROUP BY ?ind ORDER BY DESC(?isExact) DESC(?n)"""


def comparable_query(min_regions: int) -> str:
    """Indicator concepts with figures for at least ``min_regions`` regions, and their labels."""
    return f"""SELECT ?ind (SAMPLE(?zhLabel) AS ?zh) (SAMPLE(?enLabel) AS ?en) (COUNT(DISTINCT ?area) AS ?regions)
       (COUNT(DISTINCT ?o) AS ?figures) WHERE {{
  ?o pkg:indicator ?ind ; pkg:refArea ?area .
  ?ind skos:inScheme <{SCHEME}> .
  OPTIONAL {{ ?ind skos:prefLabel ?zhLabel . FILTER (LANG(?zhLabel) = "zh") }}
  OPTIONAL {{ ?ind skos:prefLabel ?enLabel . FILTER (LANG(?enLabel) = "en") }}
}} GROUP BY ?ind HAVING (COUNT(DISTINCT ?area) >= {int(min_regions)}) ORDER BY DESC(?regions) DESC(?figures) ?ind"""


def build(rows: list[dict], *, indicator: str, indicator_iris: list[str], expected: dict[str, str],
          level_of, level: str | None = "province", period: str | None = None, status: str | None = None,
          role: str | None = None, sparql: str = "", national_code: str | None = None,
          own_docs: dict[str, set[str]] | None = None) -> Comparison:
    """The comparison of observation ``rows`` (``kg.graph.observations.COLUMNS``).

    ``expected``: region code -> label of the regions a complete table has a row for (those the
    corpus has a document about); ``level_of(code)``: a region's administrative level;
    ``own_docs``: region code -> the documents about it, whose figures come first.
    Where ``period``/``status``/``role`` is None, the cell (status, role, period and unit
    together) the most regions state is taken.
    """
    cand = [_row(r) for r in rows if r.get("value") is not None]
    national = None
    if national_code:
        own = [r for r in cand if r.region_code == national_code]
        cand = [r for r in cand if r.region_code != national_code]
    else:
        own = []
    at_level = [r for r in cand if r.region_code and (level is None or level_of(r.region_code) == level)]
    given = dict(period=period, status=status, role=role)
    fits = [r for r in at_level if all(v is None or getattr(r, k) == v for k, v in given.items())]
    cell = _most_regions(fits)  # the (status, role, period, unit) most regions state, chosen together
    chosen = dict(zip(CELL_FIELDS, cell)) if cell else dict(given, unit=None)
    kept = [r for r in at_level if cell and tuple(getattr(r, k) for k in CELL_FIELDS) == cell]
    excluded = [r for r in at_level if r not in kept]
    for r in excluded:
        r.reason = "; ".join(f"{k} {getattr(r, k)}, not {chosen[k]}" for k in CELL_FIELDS if getattr(r, k) != chosen[k])
    by_region: dict[str, list[ComparisonRow]] = {}
    own_docs = own_docs or {}
    for r in sorted(kept, key=lambda r: (r.doc not in own_docs.get(r.region_code, ()), not r.interval.exact, r.doc, r.start)):
        by_region.setdefault(r.region_code, []).append(r)  # its own document first, an exact figure before a bound
    table = []
    for code, rs in by_region.items():
        first = rs[0]
        first.others = len({(r.value, r.upper, r.qualifier) for r in rs[1:]} - {(first.value, first.upper, first.qualifier)})
        table.append(first)
    table.sort(key=lambda r: (-r.interval.key, r.region_code))
    stated = {r.region_code for r in table}
    elsewhere = {r.region_code for r in excluded}
    missing = [{"region": label, "region_code": code,
                "reason": "only figures of another period, status, role or unit" if code in elsewhere else "no figure in its document"}
               for code, label in sorted(expected.items()) if code not in stated and (level is None or level_of(code) == level)]
    same = [r for r in own if all(getattr(r, n) == chosen[n] for n in CELL_FIELDS)]
    if same:
        national = same[0]
    return Comparison(indicator=indicator, indicator_iris=indicator_iris, level=level, period=chosen["period"],
                      status=chosen["status"], role=chosen["role"], unit=chosen["unit"], rows=table, missing=missing,
                      excluded=excluded, national=national, sparql=sparql)


CELL_FIELDS = ("status", "role", "period", "unit")


def _most_regions(rows: list[ComparisonRow]) -> tuple | None:
    """The (status, role, period, unit) the most regions state (ties: the most figures, then by value)."""
    regions: dict[tuple, set] = {}
    count: Counter = Counter()
    for r in rows:
        key = tuple(getattr(r, k) for k in CELL_FIELDS)
        regions.setdefault(key, set()).add(r.region_code)
        count[key] += 1
    if not regions:
        return None
    return max(regions, key=lambda v: (len(regions[v]), count[v], str(v)))


def _row(r: dict) -> ComparisonRow:
    return ComparisonRow(
        region=r.get("region") or "", region_code=region_code(r.get("place")) or "", figure=r["quote"],
        value=float(r["value"]), upper=float(r["upper"]) if r.get("upper") is not None else None, unit=r["unit"],
        qualifier=r.get("qualifier"), period=r.get("period"), status=r["status"], role=r["role"], metric=r["metric"],
        indicator=r.get("indicator"), doc=r["doc"], start=r["start"], end=r["end"], iri=r["iri"])


def query(indicator_iris: list[str], language: str, period: str | None, status: str | None, role: str | None) -> str:
    """The SPARQL (with prologue) that lists the figures a comparison is made of."""
    return prologue() + observations_query(indicators=indicator_iris, language=language, period=period,
                                           status=status, role=role)
