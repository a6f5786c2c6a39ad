"""Every backend honours the same contract: triple stores, vector indexes, embedders."""

import numpy as np
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS, XSD

from kg.search.embedders import HashEmbedder
from kg.graph.guard import QueryRefused
from kg.graph.sparql import SparqlError
from kg.graph.store import OxigraphStore
from kg.registries import stores, vector_indexes
from kg.search.vectors import FaissIndex, NumpyIndex
from support.sparql_server import sparql_server  # noqa: F401  (a fixture: the server of the sparql store)

EX = "http://example.org/"
G1, G2 = URIRef(EX + "g1"), URIRef(EX + "g2")
A, B = URIRef(EX + "a"), URIRef(EX + "b")
PREFIXES = {"ex": EX, "rdfs": str(RDFS)}


SPARQL_ENV = ("POLICYKG_SPARQL_SERVER_URL", "POLICYKG_SPARQL_QUERY_URL", "POLICYKG_SPARQL_UPDATE_URL",
              "POLICYKG_SPARQL_STORE_URL", "POLICYKG_SPARQL_USER", "POLICYKG_SPARQL_PASSWORD",
              "POLICYKG_SPARQL_UNION")


@pytest.fixture(params=[pytest.param(n, marks=pytest.mark.slow) if n == "sparql" else n for n in stores.names()])
def store_factory(request, tmp_path, monkeypatch):
    """Every registered store, each opened under its own folder (the contract below holds for all).

    The ``sparql`` store keeps its graph on an ``oxigraph serve`` started for the session
    (``tests/support/sparql_server.py``), emptied before each test; its URL reaches the store's
    factory as it would from a user, through the environment.
    """
    name = request.param
    if name == "sparql":
        server = request.getfixturevalue("sparql_server")
        server.clear()
        for var in SPARQL_ENV:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("POLICYKG_SPARQL_SERVER_URL", server.url)
    return lambda: stores.create(name, tmp_path / name)


def _load(store):
    store.replace_graph(G1, [(A, RDFS.label, Literal("alpha", lang="en")), (A, URIRef(EX + "n"), Literal("3.5", datatype=XSD.decimal))])
    store.replace_graph(G2, [(B, RDFS.label, Literal("beta")), (B, URIRef(EX + "next"), A)])


def test_select_over_the_union_of_named_graphs(store_factory):
    s = store_factory()
    _load(s)
    res = s.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l } ORDER BY STR(?l)", prefixes=PREFIXES)
    assert res.kind == "SELECT" and res.vars == ["x", "l"]
    assert res.rows == [(A, Literal("alpha", lang="en")), (B, Literal("beta"))]
    n = s.query("SELECT ?n WHERE { ex:a ex:n ?n }", prefixes=PREFIXES).rows[0][0]
    assert n.datatype == XSD.decimal and n.toPython() == pytest.approx(3.5)
    join = s.query("SELECT ?l WHERE { ?y ex:next ?x . ?x rdfs:label ?l }", prefixes=PREFIXES)
    assert [str(r[0]) for r in join.rows] == ["alpha"]
    s.close()


def test_replace_and_remove_touch_only_their_graph(store_factory):
    s = store_factory()
    _load(s)
    s.replace_graph(G1, [(A, RDFS.label, Literal("alpha two"))])
    labels = sorted(str(r[0]) for r in s.query("SELECT ?l WHERE { ?x rdfs:label ?l }", prefixes=PREFIXES).rows)
    assert labels == ["alpha two", "beta"]
    s.remove_graph(G2)
    assert s.graphs() == {G1}
    assert s.triple_count() == 1
    s.remove_graph(URIRef(EX + "absent"))  # no error
    s.close()


def test_change_graph_takes_out_and_puts_in_only_what_it_is_given(store_factory):
    s = store_factory()
    _load(s)
    quoted = Literal('a "quoted"\nlabel', lang="zh")
    s.change_graph(G1, removed=[(A, RDFS.label, Literal("alpha", lang="en")), (A, RDFS.label, Literal("never there"))],
                   added=[(A, RDFS.label, quoted), (A, URIRef(EX + "n"), Literal("3.5", datatype=XSD.decimal))])
    rows = s.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l } ORDER BY STR(?l)", prefixes=PREFIXES).rows
    assert rows == [(A, quoted), (B, Literal("beta"))]
    assert s.triple_count() == 4  # the triple added again is there once
    s.change_graph(G2, removed=[], added=[])
    assert s.graphs() == {G1, G2}
    s.close()


def test_ask_construct_and_serialisations(store_factory):
    s = store_factory()
    _load(s)
    assert s.query("ASK { ex:b ex:next ex:a }", prefixes=PREFIXES).boolean is True
    g = s.query("CONSTRUCT { ?x rdfs:label ?l } WHERE { ?x rdfs:label ?l }", prefixes=PREFIXES).graph
    assert len(g) == 2
    res = s.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l } ORDER BY STR(?l)", prefixes=PREFIXES)
    assert res.serialize("csv").splitlines() == ["x,l", f"{A},alpha", f"{B},beta"]
    assert '"xml:lang": "en"' in res.serialize("json") or '"xml:lang":"en"' in res.serialize("json")
    assert "<sparql" in res.serialize("xml")
    assert "(2 rows)" in res.serialize("table")
    assert res.serialize("tsv").splitlines() == ["?x\t?l", f"<{A}>\t\"alpha\"@en", f"<{B}>\t\"beta\""]
    ask = s.query("ASK { ex:a ex:next ex:b }", prefixes=PREFIXES)
    assert ask.serialize("csv").strip() == "false" and '"boolean": false' in ask.serialize("json").replace('":false', '": false')
    s.close()


def test_syntax_errors_and_updates_are_refused(store_factory):
    s = store_factory()
    _load(s)
    with pytest.raises(SparqlError):
        s.query("SELECT ?x WHERE { ?x ")
    with pytest.raises(SparqlError, match="read-only"):
        s.query("PREFIX ex: <http://example.org/>\nINSERT DATA { ex:c ex:p ex:d }")
    with pytest.raises(SparqlError, match="read-only"):
        s.query("# a comment\nDELETE WHERE { ?s ?p ?o }")
    assert s.triple_count() == 4
    s.close()


def test_row_cap_and_service_refusal(store_factory):
    s = store_factory()
    _load(s)
    capped = s.query("SELECT ?x ?p ?o WHERE { ?x ?p ?o }", max_rows=3)
    assert len(capped.rows) == 3 and capped.truncated
    exact = s.query("SELECT ?x ?p ?o WHERE { ?x ?p ?o }", max_rows=4)
    assert len(exact.rows) == 4 and not exact.truncated
    graph = s.query("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", max_rows=2)
    assert len(graph.graph) == 2 and graph.truncated
    with pytest.raises(QueryRefused, match="SERVICE"):
        s.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused, match="SERVICE"):
        s.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                services=["http://127.0.0.1:9/other"])
    s.close()


def test_contents_persist_across_reopening(store_factory):
    s = store_factory()
    _load(s)
    s.close()
    again = store_factory()
    assert again.triple_count() == 4
    assert again.graphs() == {G1, G2}
    again.close()


def test_an_oxigraph_store_can_be_read_while_another_instance_writes(tmp_path):
    writer = OxigraphStore(tmp_path / "ox")
    _load(writer)
    writer.flush()
    reader = OxigraphStore(tmp_path / "ox", read_only=True)
    assert reader.triple_count() == 4
    reader.close()
    writer.close()


@pytest.mark.parametrize("cls", [vector_indexes.factory(n) for n in vector_indexes.names()], ids=vector_indexes.names())
def test_vector_index_contract(cls, tmp_path):
    rng = np.random.default_rng(0)
    m = rng.normal(size=(50, 16)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    idx = cls()
    idx.build(m)
    assert len(idx) == 50
    ids, scores = idx.search(m[7], 3)
    assert ids[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)
    idx.save(tmp_path / "v")
    other = cls()
    other.load(tmp_path / "v")
    assert list(other.search(m[7], 3)[0]) == list(ids)
    assert len(cls().search(m[0], 3)[0]) == 0  # an empty index finds nothing
    other.add(m[:2])  # appended rows get the next ids
    assert len(other) == 52 and set(other.search(m[1], 2)[0]) == {1, 51}


def test_faiss_and_numpy_rank_identically():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(200, 32)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    q = m[3] + 0.1 * m[9]
    f, n = FaissIndex(), NumpyIndex()
    f.build(m)
    n.build(m)
    assert list(f.search(q, 10)[0]) == list(n.search(q, 10)[0])


def _check_embedder(emb):
    v = emb.embed_passages(["Hospital beds per 1,000 people.", "Pension insurance coverage.", ""])
    assert v.shape == (3, emb.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:2], axis=1), 1.0, atol=1e-4)
    q = emb.embed_query("hospital beds")
    assert q.shape == (emb.dim,)
    assert float(v[0] @ q) > float(v[1] @ q)
    assert emb.embed_passages([]).shape == (0, emb.dim)


def test_hash_embedder_contract():
    _check_embedder(HashEmbedder())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["minilm", "e5"])
def test_real_embedders_contract(name):
    from kg.search.embedders import load

    emb = load(name)
    _check_embedder(emb)
    # Semantics, not words: a paraphrase with no shared content word ranks first.
    v = emb.embed_passages(["The number of doctors per 10,000 residents rose.", "Kindergarten fees were cut."])
    q = emb.embed_query("physicians per capita")
    assert float(v[0] @ q) > float(v[1] @ q)
