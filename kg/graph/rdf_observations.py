"""Observations as RDF Data Cube: value, unit, area, period, group, qualifier,
status and kind, the exact spans of the figure and of its metric phrase (NIF),
and the sentence and extraction run they were derived from (PROV)."""

from __future__ import annotations

from rdflib import Literal
from rdflib.namespace import PROV, RDF, RDFS, SKOS, TIME, XSD

from ingest import glossary
from ingest.language import has_han
from ingest.records import DocumentRecord, Observation

from kg.version import __version__
from kg.graph.namespaces import (DATASET, ID, NIF, ORG, PKG, QB, agent_iri, concept_iri, observation_iri, period_iri,
                         region_iri, software_iri, span_iri, text_iri, year_iri)

QUALIFIERS = {"more than": PKG.moreThan, "at least": PKG.atLeast, "approximately": PKG.approximately,
              "less than": PKG.lessThan, "at most": PKG.atMost}
STATUSES = {"actual": PKG.actual, "expected": PKG.expected, "target": PKG.target, "planned": PKG.planned}
ROLES = {"level": PKG.level, "change": PKG.change, "cumulative": PKG.cumulative, "average": PKG.yearlyAverage,
         "baseline": PKG.baseline}
CHANGE_KINDS = {"percent": PKG.percentGrowth, "points": PKG.percentagePoints, "absolute": PKG.absoluteChange,
                "multiple": PKG.multiple}


def observation_triples(rec: DocumentRecord, fingerprint: str) -> list[tuple]:
    """The triples one document's observations contribute to its named graph."""
    if not rec.observations:
        return []
    ctx = text_iri(rec.doc_id)
    run = ID[f"doc/{rec.doc_id}/extract/{fingerprint[:16]}"]
    rules = sorted({o.rule for o in rec.observations})
    t = [
        (run, RDF.type, PROV.Activity),
        (run, RDFS.label, Literal(f"figure extraction from {rec.doc_id}")),
        (run, PROV.used, ctx),
        (run, PROV.wasAssociatedWith, software_iri(__version__)),
    ]
    t += [(run, PKG.rule, Literal(r)) for r in rules]
    for o in rec.observations:
        t += _one(rec, o, ctx, run)
    return t


def _phrase(rec: DocumentRecord, kind: str, start: int, end: int, ctx) -> tuple:
    iri = span_iri(rec.doc_id, kind, start, end)
    return iri, [
        (iri, RDF.type, NIF.Phrase), (iri, RDF.type, NIF.OffsetBasedString),
        (iri, NIF.referenceContext, ctx),
        (iri, NIF.beginIndex, Literal(start, datatype=XSD.nonNegativeInteger)),
        (iri, NIF.endIndex, Literal(end, datatype=XSD.nonNegativeInteger)),
        (iri, NIF.anchorOf, Literal(rec.text[start:end])),
    ]


def _one(rec: DocumentRecord, o: Observation, ctx, run) -> list[tuple]:
    obs = observation_iri(rec.doc_id, o.start, o.end)
    sentence = rec.sentences[o.sentence]
    lang = rec.language
    unit = concept_iri("unit", o.unit)
    fig, t = _phrase(rec, "figure", o.start, o.end, ctx)
    t += [
        (obs, RDF.type, PKG.Observation), (obs, RDF.type, QB.Observation),
        (obs, QB.dataSet, DATASET),
        (obs, PKG.value, Literal(o.value, datatype=XSD.decimal)),
        (obs, PKG.unit, unit),
        (obs, PKG.metricLabel, Literal(o.metric, lang=lang)),
        (obs, PKG.status, STATUSES[o.status]),
        (obs, PKG.role, ROLES[o.role]),
        (obs, PKG.figureSpan, fig),
        (obs, PROV.wasDerivedFrom, span_iri(rec.doc_id, "sentence", sentence.start, sentence.end)),
        (obs, PROV.wasGeneratedBy, run),
        (obs, PKG.rule, Literal(o.rule)),
        (obs, RDFS.label, Literal(f"{rec.text[o.start:o.end]} ({o.metric})", lang=lang)),
    ]
    if o.metric_start is not None and o.metric_end is not None and o.metric_end > o.metric_start:
        span, more = _phrase(rec, "metric", o.metric_start, o.metric_end, ctx)
        t += more + [(obs, PKG.metricSpan, span)]
    if o.region:
        t += [(obs, PKG.refArea, region_iri(o.region))]
    if o.period_start is not None:
        t += [(obs, PKG.refPeriod, period_iri(o.period_start, o.period_end))]
    if o.group:
        t += [(obs, PKG.populationGroup, concept_iri("group", o.group))]
    if o.qualifier:
        t += [(obs, PKG.qualifier, QUALIFIERS[o.qualifier])]
    if o.upper is not None:
        t += [(obs, PKG.upperValue, Literal(o.upper, datatype=XSD.decimal))]
    if o.change_kind:
        t += [(obs, PKG.changeKind, CHANGE_KINDS[o.change_kind])]
    if o.base_start is not None:
        t += [(obs, PKG.basePeriod, period_iri(o.base_start, o.base_end))]
    return t


def shared_constants() -> set[tuple]:
    """The shared graph's triples that no document states: the data set and the software."""
    return {
        (DATASET, RDF.type, QB.DataSet),
        (DATASET, QB.structure, PKG.observationStructure),
        (DATASET, RDFS.label, Literal("Figures stated in the documents", lang="en")),
        (software_iri(__version__), RDF.type, PROV.SoftwareAgent),
        (software_iri(__version__), RDFS.label, Literal(f"policykg {__version__}")),
    }


def shared_triples(records: dict[str, DocumentRecord]) -> list[tuple]:
    """Resources that several documents' observations point at (the data set, units,
    periods, years, population groups), stated once in a shared graph so that a
    query over all graphs sees each of their triples once."""
    t = shared_constants()
    for rec in records.values():
        t |= document_shared_triples(rec)
    return sorted(t)


def document_shared_triples(rec: DocumentRecord) -> set[tuple]:
    """What one document adds to the shared graph (its publisher, units, periods and groups)."""
    t = set()
    if rec.publisher:
        org = agent_iri(rec.publisher)
        t |= {(org, RDF.type, ORG.Organization), (org, SKOS.prefLabel, Literal(rec.publisher)),
              (org, RDFS.label, Literal(rec.publisher))}
    for o in rec.observations:
        unit = concept_iri("unit", o.unit)
        unit_lang = "zh" if has_han(o.unit) else "en"
        t |= {(unit, RDF.type, SKOS.Concept), (unit, SKOS.prefLabel, Literal(o.unit, lang=unit_lang)),
              (unit, SKOS.inScheme, ID["scheme/units"])}
        if o.unit_zh:  # the counted noun as the document names it
            t.add((unit, SKOS.altLabel, Literal(o.unit_zh, lang="zh")))
        if o.period_start is not None:
            t |= set(period_triples(o.period_start, o.period_end))
        if o.base_start is not None:
            t |= set(period_triples(o.base_start, o.base_end))
        if o.group:
            group = concept_iri("group", o.group)
            t |= {(group, RDF.type, SKOS.Concept), (group, SKOS.prefLabel, Literal(o.group, lang=rec.language)),
                  (group, SKOS.inScheme, ID["scheme/groups"])}
            english = glossary.default().translate_plural(o.group) if rec.language == "zh" else None
            if english:  # 城乡居民 -> "urban and rural residents", by the glossary rule
                t.add((group, SKOS.prefLabel, Literal(english, lang="en")))
    return t


def period_triples(start: int, end: int) -> list[tuple]:
    """An OWL-Time interval of whole years, with its bounds as instants and as integers."""
    period = period_iri(start, end)
    label = str(start) if start == end else f"{start}/{end}"
    t = [
        (period, RDF.type, TIME.ProperInterval), (period, RDFS.label, Literal(label)),
        (period, TIME.hasBeginning, year_iri(start)), (period, TIME.hasEnd, year_iri(end)),
        (period, PKG.startYear, Literal(start, datatype=XSD.integer)),
        (period, PKG.endYear, Literal(end, datatype=XSD.integer)),
    ]
    for y in {start, end}:
        t += [(year_iri(y), RDF.type, TIME.Instant), (year_iri(y), TIME.inXSDgYear, Literal(str(y), datatype=XSD.gYear))]
    return t
