"""The built graph: documents, text spans and provenance in RDF, conforming to the shapes."""

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF

from kg.graph.namespaces import NIF, PKG
from kg.graph.validate import validate_graph

pytestmark = pytest.mark.slow


def test_the_shipped_graph_conforms_to_the_shapes(shipped_kb):
    report = shipped_kb.validate()
    assert report.conforms, "\n".join(map(str, report.violations[:20]))
    assert report.triples > 5000


def test_a_span_whose_text_does_not_match_its_offsets_is_a_violation(shipped_kb):
    g = shipped_kb.store.to_rdflib()
    sentence = next(g.subjects(RDF.type, NIF.Sentence))
    g.set((sentence, NIF.anchorOf, Literal("not the text at these offsets")))
    doc = next(g.subjects(RDF.type, PKG.Document))
    g.remove((doc, DCTERMS.title, None))
    report = validate_graph(g)
    assert not report.conforms
    messages = [str(v) for v in report.violations]
    assert any("between its offsets" in m and str(sentence) in m for m in messages)
    assert any("needs a title" in m for m in messages)


def test_sentences_carry_offsets_text_and_their_document(shipped_kb):
    res = shipped_kb.sparql("""
        SELECT ?doc ?b ?e ?text WHERE {
          ?s a nif:Sentence ; nif:beginIndex ?b ; nif:endIndex ?e ; nif:anchorOf ?text ;
             dcterms:isPartOf/dcterms:identifier ?doc ; nif:referenceContext/nif:isString ?full .
        }""")
    rows = res.records()
    assert len(rows) == sum(len(r.sentences) for r in shipped_kb.records.values())
    for r in rows[:200]:
        rec = shipped_kb.document(r["doc"])
        assert rec.text[int(r["b"]) : int(r["e"])] == r["text"]


def test_each_document_has_its_own_named_graph_and_provenance(shipped_kb):
    res = shipped_kb.sparql("""
        SELECT ?g ?doc ?reader WHERE {
          GRAPH ?g { ?d a pkg:Document ; dcterms:identifier ?doc ; pkg:text/prov:wasGeneratedBy ?run .
                     ?run pkg:reader ?reader ; prov:used ?d . }
        }""")
    graphs = {r["doc"]: r["g"] for r in res.records()}
    assert len(graphs) == len(shipped_kb.records) and len(set(graphs.values())) == len(graphs)
    issued = shipped_kb.sparql('SELECT ?i WHERE { ?d dcterms:identifier "001_44a9fe72a70c896d" ; dcterms:issued ?i }')
    assert [str(r[0]) for r in issued.rows] == ["2021-04-21"]


def test_every_example_query_of_the_console_returns_rows_without_repeats(shipped_kb):
    from kg.interfaces.present import EXAMPLE_QUERIES

    for name, query in EXAMPLE_QUERIES.items():
        rows = shipped_kb.sparql(query).rows
        assert rows, name
        assert len(rows) == len({tuple(map(str, r)) for r in rows}), name
