"""Whole-graph export (kg/graph/export.py, KnowledgeBase.export, `policykg export`) on the tiny corpus."""

import json
from decimal import Decimal

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDF

from kg.graph.export import DEFAULT_FORMAT, FORMATS
from kg.graph.namespaces import NIF, PKG, PREFIXES, PROV, QB, doc_graph, observation_iri
from kg.graph.store import from_oxigraph_term
from kg.interfaces.cli import build_parser

DOCS = ("alpha", "beta", "gamma")
RDFLIB_PARSER = {"turtle": "turtle", "trig": "trig", "nquads": "nquads", "ntriples": "nt", "jsonld": "json-ld"}


def store_quads(kb) -> set:
    rows = kb.sparql("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return {tuple(r) for r in rows}


def parse_back(path, fmt, parser="rdflib"):
    """The export read back (by rdflib or pyoxigraph) as rdflib terms: quads (s, p, o, graph)
    or, for merged formats, triples."""
    named = FORMATS[fmt].named_graphs
    if parser == "oxigraph":
        parsed = ox.parse(path=str(path), format=FORMATS[fmt].oxigraph or ox.RdfFormat.JSON_LD)
        if named:
            return {(from_oxigraph_term(q.subject), from_oxigraph_term(q.predicate), from_oxigraph_term(q.object), from_oxigraph_term(q.graph_name))
                    for q in parsed}
        return {(from_oxigraph_term(t.subject), from_oxigraph_term(t.predicate), from_oxigraph_term(t.object)) for t in parsed}
    if named:
        ds = Dataset()
        ds.parse(path, format=RDFLIB_PARSER[fmt])
        return {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in ds.quads((None, None, None, None))}
    g = Graph()
    g.parse(path, format=RDFLIB_PARSER[fmt])
    return set(g)


@pytest.fixture
def built(make_kb, tiny_corpus):
    def build(store="oxigraph"):
        kb = make_kb(store=store)
        report = kb.ingest([tiny_corpus])
        assert sorted(report.added) == list(DOCS)
        return kb

    return build


def test_formats_are_one_mapping_with_turtle_first():
    assert list(FORMATS) == ["turtle", "trig", "nquads", "ntriples", "jsonld"]
    assert DEFAULT_FORMAT == "turtle"
    assert {f for f, spec in FORMATS.items() if spec.named_graphs} == {"trig", "nquads", "jsonld"}


@pytest.mark.parametrize("store, parser", [("oxigraph", "rdflib"), ("rdflib", "oxigraph")])
def test_every_format_reads_back_to_exactly_what_the_store_holds(built, tmp_path, store, parser):
    kb = built(store)
    quads = store_quads(kb)
    triples = {q[:3] for q in quads}
    assert len(quads) == kb.store.triple_count() > 1000
    for fmt, spec in FORMATS.items():
        path = tmp_path / f"graph.{spec.extension}"
        done = kb.export(path, fmt)
        back = parse_back(path, fmt, parser)
        expected = quads if spec.named_graphs else triples
        assert done.statements == len(back) == len(expected), fmt
        assert back == expected, fmt  # same terms, literals' datatypes and lexical forms included
    assert done.graphs == len({q[3] for q in quads})
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_observation_keeps_data_cube_provenance_and_offsets(built, tiny_corpus, tmp_path):
    kb = built()
    kb.export(tmp_path / "graph.ttl")
    text = (tmp_path / "graph.ttl").read_text(encoding="utf-8")
    for prefix, ns in PREFIXES.items():
        assert f"@prefix {prefix}: <{ns}> ." in text
    g = Graph().parse(tmp_path / "graph.ttl", format="turtle")
    source = (tiny_corpus / "alpha.txt").read_text()
    start = source.index("4.2")
    obs = observation_iri("alpha", start, start + 3)
    assert (obs, RDF.type, QB.Observation) in g
    assert g.value(obs, PKG.value).toPython() == Decimal("4.2")
    sentence = g.value(obs, PROV.wasDerivedFrom)
    assert "4.2 hospital beds" in str(g.value(sentence, NIF.anchorOf))
    span = g.value(obs, PKG.figureSpan)
    assert g.value(span, NIF.beginIndex) == Literal(start)
    assert g.value(span, NIF.endIndex) == Literal(start + 3)
    assert str(g.value(span, NIF.anchorOf)) == "4.2" == source[start : start + 3]


def test_trig_keeps_one_named_graph_per_document(built, tmp_path):
    kb = built()
    kb.export(tmp_path / "graph.trig", "trig")
    ds = Dataset().parse(tmp_path / "graph.trig", format="trig")
    names = {g.identifier for g in ds.graphs() if len(g)}
    assert {doc_graph(d) for d in DOCS} <= names
    for d in DOCS:
        held = ds.graph(doc_graph(d))
        n = kb.sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{doc_graph(d)}> {{ ?s ?p ?o }} }}").rows[0][0]
        assert len(held) == int(n) > 50
        others = {str(s) for s in held.subjects() if "/id/doc/" in str(s) and f"/id/doc/{d}" not in str(s)}
        assert not others, f"{d}'s graph holds another document's resources: {sorted(others)[:3]}"


def test_jsonld_has_the_prefixes_as_its_context_and_one_graph_per_name(built, tmp_path):
    kb = built()
    kb.export(tmp_path / "graph.jsonld", "jsonld")
    doc = json.loads((tmp_path / "graph.jsonld").read_text(encoding="utf-8"))
    assert {p: doc["@context"][p] for p in PREFIXES} == {p: str(ns) for p, ns in PREFIXES.items()}
    named = {g["@id"] for g in doc["@graph"]}
    assert {str(doc_graph(d)) for d in DOCS} <= named


def test_a_read_only_knowledge_base_exports_and_a_bad_format_is_refused(built, make_kb, tmp_path):
    built().close()
    ro = make_kb(read_only=True)
    done = ro.export(tmp_path / "ro.nq", "nquads")
    assert done.unit == "quads" and done.statements == ro.store.triple_count()
    with pytest.raises(ValueError, match="unknown export format"):
        ro.export(tmp_path / "x.xml", "xml")
    assert not (tmp_path / "x.xml").exists()


def test_cli_writes_a_file_or_standard_output(cli, tiny_corpus, tmp_path):
    assert cli("ingest", str(tiny_corpus), "-q")[0] == 0
    out_file = tmp_path / "out" / "graph.trig"
    out_file.parent.mkdir()
    code, out, err = cli("export", "--format", "trig", "-o", str(out_file))
    assert code == 0 and err == ""
    assert out.startswith("exported ") and str(out_file) in out and out.count("\n") == 1
    quads = parse_back(out_file, "trig")
    assert f"{len(quads)} quads" in out
    assert [p.name for p in out_file.parent.iterdir()] == ["graph.trig"]  # no temporary file left

    code, out, err = cli("export", "--format", "nquads")  # standard output: the export and nothing else
    assert code == 0 and err == ""
    assert len(list(ox.parse(out.encode("utf-8"), format=ox.RdfFormat.N_QUADS))) == len(quads)
    code, out, _ = cli("export")
    assert code == 0 and out.startswith("@prefix ") and len(Graph().parse(data=out, format="turtle")) > 1000


def test_cli_reports_an_unwritable_path_without_a_traceback(cli, tiny_corpus, tmp_path):
    cli("ingest", str(tiny_corpus), "-q")
    for target in (tmp_path / "missing" / "graph.ttl", tmp_path):  # no such folder; a folder
        code, out, err = cli("export", "-o", str(target))
        assert code == 1 and out == ""
        assert err.startswith(f"policykg: error: cannot write {target}") and "Traceback" not in err
    assert not (tmp_path / "missing").exists()


def test_cli_rejects_an_unknown_format(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    fmt = next(a for a in sub.choices["export"]._actions if "--format" in a.option_strings)
    assert list(fmt.choices) == list(FORMATS) and fmt.default == DEFAULT_FORMAT
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["export", "--format", "xml"])
    assert exc.value.code == 2 and "invalid choice: 'xml'" in capsys.readouterr().err
