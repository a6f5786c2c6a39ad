"""Listing and tracing observations: SPARQL built from filters, every value escaped."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kg.graph.namespaces import PREFIXES
from kg.graph.sparql import QueryResult

COLUMNS = ("iri", "metric", "indicator", "value", "unit", "region", "period", "group", "qualifier",
           "status", "role", "change", "base", "doc", "start", "end", "quote", "upper", "place")


def sparql_string(text: str) -> str:
    """A SPARQL string literal for arbitrary text."""
    esc = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
           .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{esc}"'


def sparql_iri(iri: str) -> str:
    if any(c in iri for c in '<>"{}|^`\\ \n'):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


def observations_query(region_iris: list[str] | None = None, metric: str | None = None,
                       observation: str | None = None, language: str = "en", year: int | None = None,
                       descendants: bool = True, indicators: list[str] | None = None,
                       period: str | None = None, status: str | None = None, role: str | None = None) -> str:
    """The SELECT that lists observations with the COLUMNS, optionally filtered.

    ``region_iris``: figures of these regions or (``descendants``) any region under them;
    ``metric``: text contained in the metric phrase or in a label of its indicator;
    ``observation``: one observation IRI; ``year``: figures whose period includes that year;
    ``indicators``: figures of these indicator concepts; ``period`` ("2026", "2021/2025"),
    ``status`` and ``role`` (English labels: "target", "yearly average"): figures with exactly that.
    """
    lang = sparql_string(language)
    filters = []
    if observation:
        filters.append(f"VALUES ?iri {{ {sparql_iri(observation)} }}")
    if indicators is not None:
        values = " ".join(sparql_iri(i) for i in indicators) or "<urn:policykg:none>"
        filters.append(f"VALUES ?ind {{ {values} }}\n  ?iri pkg:indicator ?ind .")
    if region_iris is not None:
        values = " ".join(sparql_iri(r) for r in region_iris) or "<urn:policykg:none>"
        # pkg:withinRegion: the region itself or one above it, materialised from skos:broader when the
        # gazetteer is loaded (kg.graph.rdf_regions): the rows of pkg:refArea/skos:broader*, one join.
        path = "pkg:refArea/pkg:withinRegion" if descendants else "pkg:refArea"
        filters.append(f"VALUES ?area {{ {values} }}\n  ?iri {path} ?area .")
    if metric:
        needle = sparql_string(metric.lower())
        filters.append(
            f"FILTER (CONTAINS(LCASE(STR(?metric)), {needle}) || EXISTS {{ ?iri pkg:indicator/(skos:prefLabel|skos:altLabel) ?l . "
            f"FILTER (CONTAINS(LCASE(STR(?l)), {needle})) }})")
    if year is not None:
        filters.append(f"?iri pkg:refPeriod ?p . ?p pkg:startYear ?y0 ; pkg:endYear ?y1 . "
                       f"FILTER (?y0 <= {int(year)} && {int(year)} <= ?y1)")
    where = "\n  ".join(filters)
    return f"""SELECT DISTINCT ?iri ?metric ?indicator ?value ?unit ?region ?period ?group ?qualifier ?status ?role ?change ?base ?doc ?start ?end ?quote ?upper ?place WHERE {{
  {where}
  ?iri a pkg:Observation ; pkg:value ?value ; pkg:metricLabel ?metric ; pkg:figureSpan ?fig ;
       pkg:unit/skos:prefLabel ?unit ; pkg:status ?st ; pkg:role ?ro ; prov:wasDerivedFrom/dcterms:isPartOf/dcterms:identifier ?doc .
  ?st skos:prefLabel ?status . FILTER (LANG(?status) = "en")
  ?ro skos:prefLabel ?role . FILTER (LANG(?role) = "en")
  ?fig nif:beginIndex ?start ; nif:endIndex ?end ; nif:anchorOf ?quote .
  OPTIONAL {{ ?iri pkg:indicator/skos:prefLabel ?indicatorHere . FILTER (LANG(?indicatorHere) = {lang}) }}
  OPTIONAL {{ ?iri pkg:indicator/skos:prefLabel ?indicatorThere . FILTER (LANG(?indicatorThere) != {lang}) }}
  BIND (COALESCE(?indicatorHere, ?indicatorThere) AS ?indicator)
  OPTIONAL {{ ?iri pkg:refArea ?place . ?place skos:prefLabel ?region . FILTER (LANG(?region) = {lang}) }}
  OPTIONAL {{ ?iri pkg:refPeriod/rdfs:label ?period }}
  OPTIONAL {{ ?iri pkg:populationGroup/skos:prefLabel ?groupHere . FILTER (LANG(?groupHere) = {lang}) }}
  OPTIONAL {{ ?iri pkg:populationGroup/skos:prefLabel ?groupThere . FILTER (LANG(?groupThere) != {lang}) }}
  BIND (COALESCE(?groupHere, ?groupThere) AS ?group)
  OPTIONAL {{ ?iri pkg:qualifier ?qu . ?qu skos:prefLabel ?qualifier . FILTER (LANG(?qualifier) = "en") }}
  OPTIONAL {{ ?iri pkg:changeKind ?ck . ?ck skos:prefLabel ?change . FILTER (LANG(?change) = "en") }}
  OPTIONAL {{ ?iri pkg:basePeriod ?bp . ?bp rdfs:label ?base }}
  OPTIONAL {{ ?iri pkg:upperValue ?upper }}{_exactly(period, status, role)}
}}
ORDER BY ?doc ?start"""


def _exactly(period: str | None, status: str | None, role: str | None) -> str:
    tests = [f"STR(?{name}) = {sparql_string(value)}" for name, value in (("period", period), ("status", status), ("role", role))
             if value is not None]
    return f"\n  FILTER ({' && '.join(tests)})" if tests else ""


def rows(result: QueryResult) -> list[dict]:
    """Query rows as plain dicts, numbers as numbers."""
    out = []
    for r in result.records():
        r = dict(r)
        for k in ("start", "end"):
            r[k] = int(r[k]) if r.get(k) is not None else None
        out.append(r)
    return out


@dataclass
class Trace:
    """Where one figure came from, down to the characters."""

    iri: str
    doc: str
    title: str
    issued: str | None
    source: str
    quote: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    sentence_end: int
    marked: str  # the sentence with the figure between ⟦ ⟧
    metric: str
    indicator: str | None
    value: str
    unit: str
    region: str | None
    period: str | None
    status: str
    role: str
    change: str | None  # the kind of change, for a change
    base: str | None  # the base period of a change, where stated
    rule: str
    activity: str
    software: str
    sparql: str

    def to_json(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        lines = [
            f"{self.iri}",
            f"  figure     {self.quote!r} = {self.value} {self.unit}" + (f" ({self.status})" if self.status != "actual" else ""),
            f"  metric     {self.metric}" + (f"  [indicator: {self.indicator}]" if self.indicator else ""),
            f"  region     {self.region or '-'}   period {self.period or '-'}   role {self.role}"
            + (f" ({self.change}{', from ' + self.base if self.base else ''})" if self.change or self.base else ""),
            f"  document   {self.title} ({self.doc}{', ' + self.issued if self.issued else ''}; file {self.source})",
            f"  characters {self.start}-{self.end} of the document text; sentence {self.sentence_start}-{self.sentence_end}:",
            f"             {self.marked}",
            f"  extracted  by rule {self.rule} in {self.activity} ({self.software})",
            "  SPARQL that returns it:",
        ]
        lines += ["    " + line for line in self.sparql.splitlines()]
        return "\n".join(lines)


def trace_query(iri: str) -> str:
    return f"""SELECT ?doc ?title ?issued ?source ?sentence ?sb ?se ?rule ?activity ?software WHERE {{
  VALUES ?obs {{ {sparql_iri(iri)} }}
  ?obs prov:wasDerivedFrom ?s ; pkg:rule ?rule ; prov:wasGeneratedBy ?activity .
  ?activity prov:wasAssociatedWith/rdfs:label ?software .
  ?s nif:anchorOf ?sentence ; nif:beginIndex ?sb ; nif:endIndex ?se ; dcterms:isPartOf ?d .
  ?d dcterms:identifier ?doc ; dcterms:title ?title ; dcterms:source ?source .
  OPTIONAL {{ ?d dcterms:issued ?issued }}
}}"""


def prologue(names=("pkg", "prov", "nif", "dcterms", "skos", "rdfs")) -> str:
    return "".join(f"PREFIX {n}: <{PREFIXES[n]}>\n" for n in names)
