"""A DocumentRecord as RDF: the document (Dublin Core), its text as a NIF
context, paragraphs and sentences as offset-based NIF strings, and the ingest
run as a PROV activity."""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ingest.records import DocumentRecord

from kg.version import __version__
from kg.graph.namespaces import NIF, PKG, activity_iri, agent_iri, doc_iri, software_iri, span_iri, text_iri

MEDIA_TYPES = {
    "txt": "text/plain", "md": "text/markdown", "html": "text/html", "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def issued_literal(value: str) -> Literal | None:
    """An ISO date, year-month or year as the matching XSD literal."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD.date)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=XSD.gYear)
    return None


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.nonNegativeInteger)


def document_triples(rec: DocumentRecord, fingerprint: str) -> list[tuple]:
    """Every triple that one document contributes to its named graph."""
    doc, ctx = doc_iri(rec.doc_id), text_iri(rec.doc_id)
    run, software = activity_iri(rec.doc_id, fingerprint), software_iri(__version__)
    t = [
        (doc, RDF.type, PKG.Document),
        (doc, DCTERMS.identifier, Literal(rec.doc_id)),
        (doc, DCTERMS.title, Literal(rec.title, lang=rec.language)),
        (doc, RDFS.label, Literal(rec.title, lang=rec.language)),
        (doc, DCTERMS.language, Literal(rec.language, datatype=XSD.language)),
        (doc, DCTERMS.source, Literal(rec.source.rsplit("/", 1)[-1])),
        (doc, DCTERMS.format, Literal(MEDIA_TYPES.get(rec.format, rec.format))),
        (doc, PKG.sha256, Literal(rec.sha256)),
        (ctx, RDF.type, NIF.Context),
        (ctx, RDF.type, NIF.OffsetBasedString),
        (ctx, NIF.isString, Literal(rec.text)),
        (ctx, NIF.beginIndex, _int(0)),
        (ctx, NIF.endIndex, _int(len(rec.text))),
        (ctx, NIF.sourceUrl, doc),
        (ctx, PROV.wasDerivedFrom, doc),
        (ctx, PROV.wasGeneratedBy, run),
        (doc, PKG.text, ctx),
        (run, RDF.type, PROV.Activity),
        (run, RDFS.label, Literal(f"ingest of {rec.doc_id}")),
        (run, PROV.used, doc),
        (run, PROV.wasAssociatedWith, software),
        (run, PKG.reader, Literal(rec.reader)),
        (run, PKG.segmenter, Literal(rec.segmenter)),
    ]
    if rec.kind:
        t.append((doc, DCTERMS.type, Literal(rec.kind)))
    if rec.issued and (lit := issued_literal(rec.issued)) is not None:
        t.append((doc, DCTERMS.issued, lit))
    if rec.publisher:  # the organization itself is described in the shared graph
        t.append((doc, DCTERMS.publisher, agent_iri(rec.publisher)))
    paragraph_iris = []
    for p in rec.paragraphs:
        iri = span_iri(rec.doc_id, "paragraph", p.start, p.end)
        paragraph_iris.append(iri)
        t += _string(iri, NIF.Paragraph, rec, p.start, p.end, ctx, doc, p.page)
    previous: URIRef | None = None
    for s in rec.sentences:
        iri = span_iri(rec.doc_id, "sentence", s.start, s.end)
        t += _string(iri, NIF.Sentence, rec, s.start, s.end, ctx, doc, s.page)
        if s.paragraph is not None:
            t.append((iri, NIF.superString, paragraph_iris[s.paragraph]))
        if previous is not None:
            t.append((previous, NIF.nextSentence, iri))
        previous = iri
    return t


def _string(iri, cls, rec, start, end, ctx, doc, page) -> list[tuple]:
    t = [
        (iri, RDF.type, cls),
        (iri, RDF.type, NIF.OffsetBasedString),
        (iri, NIF.referenceContext, ctx),
        (iri, NIF.beginIndex, _int(start)),
        (iri, NIF.endIndex, _int(end)),
        (iri, NIF.anchorOf, Literal(rec.text[start:end])),
        (iri, DCTERMS.isPartOf, doc),
    ]
    if page is not None:
        t.append((iri, PKG.page, Literal(page, datatype=XSD.positiveInteger)))
    return t
