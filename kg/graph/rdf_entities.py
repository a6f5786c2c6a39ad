"""Entities as RDF: their mentions (NIF phrases pointing at the entity with
itsrdf:taIdentRef) in each document's graph, and one description per entity,
merged over all documents, in the shared entities graph."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from ingest.language import has_han
from ingest.records import DocumentRecord, Entity

from kg.graph.namespaces import ID, NIF, ORG, PKG, period_iri, region_iri, span_iri, text_iri
from kg.graph.rdf_observations import period_triples

ITSRDF = Namespace("http://www.w3.org/2005/11/its/rdf#")
STANDARD_2021 = ID["standard/national-basic-public-service-standards-2021"]
CLASSES = {"organization": (PKG.Organization, ORG.Organization), "person": (PKG.Person, FOAF.Person),
           "event": (PKG.Event, PROV.Activity), "plan": (PKG.Plan,), "standard": (PKG.Standard,),
           "goal": (PKG.TargetStatement,), "service": (PKG.ServiceArea, SKOS.Concept),
           "service-item": (PKG.ServiceItem, SKOS.Concept)}
# A service item's details (ingest.tables.service_items) and the properties that state them
ITEM_DETAILS = {"target": PKG.targetGroup, "content": PKG.serviceContent, "standard": PKG.serviceStandard,
                "payment": PKG.paymentResponsibility, "responsible": PKG.responsibleBody,
                "category": PKG.serviceCategoryLabel}


def entity_iri(key: str):
    """One IRI per entity key, whatever document names it."""
    kind, _, name = key.partition(":")
    if kind == "region":
        return region_iri(name)
    if kind == "standard" and "national-basic-public-service-standards" in name and "2021" in name:
        return STANDARD_2021  # the shipped SKOS scheme of that standard
    return ID[f"{kind}/{quote(name, safe='-_.~')}"]


def mention_triples(rec: DocumentRecord) -> list[tuple]:
    """Each mention as a NIF phrase identifying its entity; sentence and entity linked both ways."""
    ctx = text_iri(rec.doc_id)
    t = []
    for m in rec.mentions:
        phrase = span_iri(rec.doc_id, "mention", m.start, m.end)
        sentence = rec.sentences[m.sentence]
        s_iri = span_iri(rec.doc_id, "sentence", sentence.start, sentence.end)
        entity = entity_iri(m.key)
        t += [
            (phrase, RDF.type, NIF.Phrase), (phrase, RDF.type, NIF.OffsetBasedString),
            (phrase, NIF.referenceContext, ctx),
            (phrase, NIF.beginIndex, Literal(m.start, datatype=XSD.nonNegativeInteger)),
            (phrase, NIF.endIndex, Literal(m.end, datatype=XSD.nonNegativeInteger)),
            (phrase, NIF.anchorOf, Literal(rec.text[m.start:m.end])),
            (phrase, ITSRDF.taIdentRef, entity), (phrase, NIF.sentence, s_iri),
            (s_iri, PKG.mentions, entity), (entity, PROV.wasDerivedFrom, s_iri),
        ]
    return t


def merged_entities(records: dict[str, DocumentRecord]) -> dict[str, Entity]:
    """One entity per key over all documents: aliases united, the first stated value of each field kept."""
    return merge_entities(records[d].entities for d in sorted(records))


def merge_entities(lists) -> dict[str, Entity]:
    """One entity per key over entity lists (one per document, in document order): aliases united,
    the first stated value of each field kept."""
    merged: dict[str, Entity] = {}
    for entities in lists:
        for e in entities:
            kept = merged.get(e.key)
            if kept is None:
                merged[e.key] = Entity(**{**e.__dict__, "aliases": set(e.aliases), "details": dict(e.details)})
                continue
            kept.aliases |= e.aliases
            kept.details = {**e.details, **kept.details}
            for attr in ("parent", "region", "role", "organization", "date", "period", "plan", "code"):
                if getattr(kept, attr) is None:
                    setattr(kept, attr, getattr(e, attr))
    return merged


def entity_triples(records: dict[str, DocumentRecord]) -> list[tuple]:
    """Descriptions of every non-region entity (regions are described by the gazetteer graph)."""
    t = set()
    for key, e in merged_entities(records).items():
        t |= describe_entity(key, e)
    return sorted(t)


def describe_entity(key: str, e: Entity) -> set[tuple]:
    """The triples describing one (merged) entity; none for a region (the gazetteer describes those)."""
    t = set()
    if e.type == "region":
        return t
    iri = entity_iri(key)
    for cls in CLASSES.get(e.type, ()):
        t.add((iri, RDF.type, cls))
    t |= {(iri, SKOS.prefLabel, Literal(e.label)), (iri, RDFS.label, Literal(e.label))}
    t |= {(iri, SKOS.altLabel, Literal(a)) for a in e.aliases if a != e.label}
    if e.label_en:
        t.add((iri, SKOS.prefLabel, Literal(e.label_en, lang="en")))
    if e.type == "organization":
        if e.parent:
            t.add((iri, ORG.subOrganizationOf, entity_iri(e.parent)))
        if e.region:
            t.add((iri, DCTERMS.spatial, region_iri(e.region)))
    elif e.type == "person":
        t.add((iri, FOAF.name, Literal(e.label)))
        if e.role:
            t.add((iri, PKG.role, Literal(e.role)))
        if e.organization:
            t.add((iri, ORG.memberOf, entity_iri(e.organization)))
    elif e.type == "event":
        if e.date:
            t.add((iri, DCTERMS.date, Literal(e.date, datatype=XSD.date if len(e.date) == 10 else XSD.gYear)))
        if e.region:
            t.add((iri, PROV.atLocation, region_iri(e.region)))
        if e.organization:
            t.add((iri, PROV.wasAssociatedWith, entity_iri(e.organization)))
    elif e.type == "plan" and e.period:
        t.add((iri, PKG.period, period_iri(*e.period)))
        t |= set(period_triples(*e.period))
    elif e.type in ("service", "service-item") and e.region:
        t.add((iri, DCTERMS.spatial, region_iri(e.region)))
    if e.type == "service-item":
        for name, value in e.details.items():
            if name in ITEM_DETAILS:
                t.add((iri, ITEM_DETAILS[name], Literal(value, lang="zh" if has_han(value) else "en")))
    elif e.type == "goal":
        if e.date:
            t.add((iri, PKG.targetYear, Literal(e.date, datatype=XSD.gYear)))
        if e.plan:
            t.add((iri, PKG.aboutPlan, entity_iri(e.plan)))
    return t


def entity_docs(records: dict[str, DocumentRecord]) -> dict[str, list[str]]:
    docs = defaultdict(set)
    for doc_id, rec in records.items():
        for m in rec.mentions:
            docs[m.key].add(doc_id)
    return {k: sorted(v) for k, v in docs.items()}


def service_area_links(records: dict[str, DocumentRecord], catalogue: list[tuple], embed) -> list[tuple]:
    """``service_links`` of the entities merged over all documents."""
    return service_links(list(merged_entities(records).values()), catalogue, embed)


def service_links(entities: list[Entity], catalogue: list[tuple], embed) -> list[tuple]:
    """Link each service area a region names to the standard's aspect it falls under, and each service
    item of an implementation standard's table to the standard's category (``item_links``); other
    entities have no links. Each entity's links depend on it alone.

    ``catalogue``: (concept IRI, English label, aspect IRI) for the aspects and
    categories of the standard. An area goes to the aspect of the concept whose
    label is nearest by embedding (``embed``: texts -> L2-normalised rows).
    """
    t = item_links([e for e in entities if e.type == "service-item"], embed)
    areas = [e for e in entities if e.type == "service"]
    if not areas or not catalogue:
        return t
    labels = [label for _, label, _ in catalogue]
    vectors = embed([a.label for a in areas] + labels, "en")
    sims = vectors[: len(areas)] @ vectors[len(areas):].T
    for area, row in zip(areas, sims):
        best = int(row.argmax())
        t.append((entity_iri(area.key), SKOS.broadMatch, catalogue[best][2]))
    return t


def _categories() -> list[tuple[str, str, str]]:
    """(notation, Chinese label, English label) of each category of the 2021 standard, from the CSV its
    SKOS scheme is built from (ontology/vocab; scripts/build_standard.py)."""
    import csv

    from ontology import path as ontology_path

    with open(ontology_path("vocab/national-standard-2021-structure.csv"), encoding="utf-8", newline="") as fh:
        return [(r["notation"], r["label_zh"], r["label_en"]) for r in csv.DictReader(fh) if r["level"] == "category"]


def item_links(items: list[Entity], embed) -> list[tuple]:
    """Link each service item of an implementation standard to the category of the 2021 standard it
    falls under (skos:broadMatch): the category its table names, where that is one of the standard's
    own (its label, or a label holding the other: 儿童健康服务 / 儿童健康), else the category whose
    label is nearest the item's category and name by embedding (``embed``: texts, language -> rows)."""
    if not items:
        return []
    categories = _categories()
    t, unplaced = [], []
    for item in items:
        stated = item.details.get("category", "")
        named = [n for n, zh, en in categories if stated and (stated in (zh, en) or zh in stated or stated in zh)]
        if len(named) == 1:
            t.append((entity_iri(item.key), SKOS.broadMatch, URIRef(f"{STANDARD_2021}/{named[0]}")))
        else:
            unplaced.append(item)
    for language in ("zh", "en"):
        group = [i for i in unplaced if has_han(i.label) == (language == "zh")]
        if not group:
            continue
        labels = [zh if language == "zh" else en for _, zh, en in categories]
        texts = [" ".join(x for x in (i.details.get("category"), i.label) if x) for i in group]
        vectors = embed(texts + labels, language)
        sims = vectors[: len(group)] @ vectors[len(group):].T
        for item, row in zip(group, sims):
            t.append((entity_iri(item.key), SKOS.broadMatch, URIRef(f"{STANDARD_2021}/{categories[int(row.argmax())][0]}")))
    return t
