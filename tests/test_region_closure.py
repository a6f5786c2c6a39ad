"""The materialised region closure (pkg:withinRegion, kg.graph.rdf_regions): it holds the pairs of
skos:broader*, and the region filter that uses it returns the rows of the property path."""

import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kg.graph.namespaces import PKG, REGION_GRAPH, region_iri
from kg.graph.observations import observations_query, prologue
from kg.graph.rdf_regions import (REGIONS_FILE, closure_triples, region_closure, vocabulary_digest,
                                  vocabulary_triples)
from kg.graph.store import open_store
from ontology import path as ontology_path

HAIYAN, JIAXING, ZHEJIANG, CHINA = "330424", "330400", "330000", "100000"
YUZHONG, CHONGQING = "500103", "500000"  # a district right under a municipality


@pytest.fixture(scope="module")
def region_triples():
    g = Graph().parse(ontology_path(REGIONS_FILE), format="turtle")
    return vocabulary_triples(REGIONS_FILE, list(g))


def within(triples, code):
    return {str(o).rsplit("/", 1)[-1] for s, p, o in triples if s == region_iri(code) and p == PKG.withinRegion}


def test_closure_of_a_tree_is_reflexive_and_transitive():
    pairs = region_closure([("county", "city"), ("city", "province"), ("province", "china")], ["island"])
    assert sorted(pairs) == sorted([
        ("county", "county"), ("county", "city"), ("county", "province"), ("county", "china"),
        ("city", "city"), ("city", "province"), ("city", "china"),
        ("province", "province"), ("province", "china"), ("china", "china"), ("island", "island")])
    with pytest.raises(ValueError):
        region_closure([("a", "b"), ("b", "a")])


def test_county_city_province_china_chain(region_triples):
    assert within(region_triples, HAIYAN) == {HAIYAN, JIAXING, ZHEJIANG, CHINA}
    assert within(region_triples, JIAXING) == {JIAXING, ZHEJIANG, CHINA}
    assert within(region_triples, ZHEJIANG) == {ZHEJIANG, CHINA}
    assert within(region_triples, CHINA) == {CHINA}
    assert within(region_triples, YUZHONG) == {YUZHONG, CHONGQING, CHINA}


def test_closure_has_one_pair_per_region_and_ancestor(region_triples):
    g = Graph()
    for t in region_triples:
        g.add(t)
    regions = set(g.subjects(RDF.type, PKG.Region))
    closure = {(s, o) for s, o in g.subject_objects(PKG.withinRegion)}
    expected = {(r, a) for r in regions for a in g.transitive_objects(r, SKOS.broader)}
    assert closure == expected and len(regions) > 3000
    assert len(closure_triples(region_triples)) == len(closure)  # loading twice adds nothing new


def test_digest_of_the_region_graph_names_the_closure_rule():
    assert vocabulary_digest(REGIONS_FILE, "abc") != "abc"
    assert vocabulary_digest("policykg.ttl", "abc") == "abc"


def _observations(codes):
    """A document graph with one observation per region code (each a complete listed figure)."""
    doc = URIRef("https://policykg.org/id/doc/d")
    sent = URIRef("https://policykg.org/id/doc/d/sentence/char=0,9")
    unit = URIRef("https://policykg.org/id/unit/u")
    t = [(doc, URIRef("http://purl.org/dc/terms/identifier"), Literal("d")),
         (sent, URIRef("http://purl.org/dc/terms/isPartOf"), doc),
         (unit, SKOS.prefLabel, Literal("u", lang="en")),
         (PKG.actual, SKOS.prefLabel, Literal("actual", lang="en")),
         (PKG.level, SKOS.prefLabel, Literal("level", lang="en"))]
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    for i, code in enumerate(codes):
        obs = URIRef(f"https://policykg.org/id/doc/d/observation/char={i},{i + 1}")
        fig = URIRef(f"https://policykg.org/id/doc/d/figure/char={i},{i + 1}")
        t += [(obs, RDF.type, PKG.Observation), (obs, PKG.value, Literal(i)), (obs, PKG.metricLabel, Literal("m")),
              (obs, PKG.figureSpan, fig), (obs, PKG.unit, unit), (obs, PKG.status, PKG.actual),
              (obs, PKG.role, PKG.level), (obs, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), sent),
              (fig, URIRef(nif + "beginIndex"), Literal(i)), (fig, URIRef(nif + "endIndex"), Literal(i + 1)),
              (fig, URIRef(nif + "anchorOf"), Literal(str(i)))]
        if code:
            t.append((obs, PKG.refArea, region_iri(code)))
    return t


@pytest.mark.parametrize("backend", ["oxigraph", "rdflib"])
def test_descendants_query_returns_the_rows_of_the_property_path(tmp_path, region_triples, backend):
    store = open_store(backend, tmp_path)
    try:
        store.replace_graph(REGION_GRAPH, region_triples)
        codes = [HAIYAN, JIAXING, ZHEJIANG, CHINA, YUZHONG, CHONGQING, "110105", "440300", None]
        store.replace_graph(URIRef("https://policykg.org/id/graph/doc/d"), _observations(codes))
        pairs = "SELECT ?obs ?area WHERE { ?obs pkg:refArea%s ?area } ORDER BY ?obs ?area"
        prefixes = {"pkg": str(PKG), "skos": str(SKOS)}
        walked = store.query(pairs % "/skos:broader*", prefixes).rows
        joined = store.query(pairs % "/pkg:withinRegion", prefixes).rows
        # region and ancestors: Haiyan 4, Jiaxing 3, Zhejiang 2, China 1, Yuzhong 3, Chongqing 2,
        # Chaoyang (Beijing) 3, Shenzhen 3, no region 0
        assert walked == joined and len(joined) == 21
        for area in [CHINA, ZHEJIANG, JIAXING, HAIYAN, CHONGQING, YUZHONG, "440000", "650000"]:
            for descendants in (True, False):
                q = prologue() + observations_query([str(region_iri(area))], descendants=descendants)
                path_q = q.replace("pkg:refArea/pkg:withinRegion", "pkg:refArea/skos:broader*")
                assert descendants == (path_q != q)
                rows = store.query(q).records()
                assert rows == store.query(path_q).records(), (area, descendants)
                if descendants and area == CHINA:
                    assert len(rows) == len([c for c in codes if c])
    finally:
        store.close()


def test_an_ingested_knowledge_base_has_the_closure_and_gets_it_on_reload(make_kb, tmp_path):
    folder = tmp_path / "haiyan"
    folder.mkdir()
    (folder / "h.txt").write_text("Public services in Haiyan County, Zhejiang\n\nHaiyan trained 265 village doctors in 2022.\n")
    kb = make_kb("closure")
    kb.ingest([folder])
    assert within(kb.store.to_rdflib(), HAIYAN) == {HAIYAN, JIAXING, ZHEJIANG, CHINA}
    # A knowledge base whose region graph was loaded before the closure existed: the digest it
    # recorded is the file's alone, so it is loaded again, with the closure (on opening, as the
    # recorded vocabularies no longer match the derived graphs, or else by the next ingest).
    home = kb.settings.home
    broader = [t for t in kb.store.to_rdflib() if t[1] == SKOS.broader]
    kb.close()  # between ingests a knowledge base only reads: write the old region graph directly
    writer = open_store("oxigraph", home)
    writer.replace_graph(REGION_GRAPH, broader)
    writer.close()
    state = json.loads((home / "state.json").read_text())
    state["vocabularies"][REGIONS_FILE] = state["vocabularies"][REGIONS_FILE].split("+")[0]
    (home / "state.json").write_text(json.dumps(state))
    again = make_kb("closure")
    ask = f"SELECT ?a WHERE {{ <{region_iri(HAIYAN)}> pkg:withinRegion ?a }}"
    again.ingest([folder])
    assert len(again.sparql(ask).rows) == 4
    assert [r["quote"] for r in again.observations(region="Zhejiang")[0]] == ["265"]
