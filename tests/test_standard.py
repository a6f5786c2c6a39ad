"""The National Basic Public Service Standards (2021 Edition) as shipped in
ontology/standard-2021.ttl, and its build script scripts/build_standard.py."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

REPO = Path(__file__).resolve().parent.parent
TTL = REPO / "ontology" / "standard-2021.ttl"
CSV = REPO / "ontology" / "vocab" / "national-standard-2021-structure.csv"
SHARED_CSV = Path("/work/shared/vocab/national-standard-2021-structure.csv")
PKG = Namespace("https://policykg.org/ns#")
STANDARD = URIRef("https://policykg.org/id/standard/national-basic-public-service-standards-2021")
STD = Namespace(str(STANDARD) + "/")
NDRC = URIRef("https://policykg.org/id/org/national-development-and-reform-commission")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph().parse(TTL, format="turtle")


@pytest.fixture
def build(monkeypatch):
    spec = importlib.util.spec_from_file_location("build_standard", REPO / "scripts" / "build_standard.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def of_type(graph: Graph, cls: URIRef) -> set[URIRef]:
    return set(graph.subjects(RDF.type, cls))


def labels(graph: Graph, node: URIRef, lang: str) -> list[str]:
    return [str(o) for o in graph.objects(node, SKOS.prefLabel) if o.language == lang]


# ------------------------------------------------------------------ the shipped file

def test_file_parses_and_has_the_header(graph):
    assert len(graph) > 200
    head = TTL.read_text(encoding="utf-8").split("\n@prefix", 1)[0]
    assert "scripts/build_standard.py" in head
    assert "ontology/vocab/national-standard-2021-structure.csv" in head
    assert re.search(r" on \d{4}-\d{2}-\d{2} ", head)
    assert "do not edit" in head.lower()
    assert hashlib.sha256(CSV.read_bytes()).hexdigest() in head  # built from the CSV as it is now


def test_nine_aspects_and_twenty_two_categories(graph):
    aspects, categories = of_type(graph, PKG.ServiceAspect), of_type(graph, PKG.ServiceCategory)
    assert len(aspects) == 9 and len(categories) == 22
    assert aspects | categories == of_type(graph, SKOS.Concept)
    assert aspects == {STD[str(n)] for n in range(1, 10)}
    assert STD["1.2"] in categories and STD["9.22"] in categories  # "." kept in the IRI
    for concept in aspects | categories:
        notation = str(concept).rsplit("/", 1)[1]
        assert list(graph.objects(concept, SKOS.notation)) == [Literal(notation)]
        assert list(graph.objects(concept, SKOS.inScheme)) == [STANDARD]


def test_every_category_has_exactly_one_broader_aspect(graph):
    aspects = of_type(graph, PKG.ServiceAspect)
    for category in of_type(graph, PKG.ServiceCategory):
        broader = list(graph.objects(category, SKOS.broader))
        assert len(broader) == 1 and broader[0] in aspects, category
        assert str(category).startswith(str(broader[0]) + ".")
    for aspect in aspects:
        assert not list(graph.objects(aspect, SKOS.broader))
        assert list(graph.subjects(SKOS.broader, aspect)), f"{aspect} has no categories"


def test_bilingual_labels_on_every_concept(graph):
    for node in of_type(graph, SKOS.Concept) | {STANDARD}:
        zh, en = labels(graph, node, "zh"), labels(graph, node, "en")
        assert len(zh) == 1 and len(en) == 1, node
        assert re.search(r"[\u4e00-\u9fff]", zh[0]) and en[0].isascii(), node
        assert len(list(graph.objects(node, SKOS.prefLabel))) == 2, node


def test_labels_are_those_of_the_csv(graph):
    with CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 31
    for row in rows:
        node = STD[row["notation"]]
        assert labels(graph, node, "zh") == [row["label_zh"]]
        assert labels(graph, node, "en") == [row["label_en"]]


def test_the_standard_is_a_scheme_with_the_aspects_on_top(graph):
    aspects = of_type(graph, PKG.ServiceAspect)
    assert {PKG.Standard, SKOS.ConceptScheme} <= set(graph.objects(STANDARD, RDF.type))
    assert set(graph.objects(STANDARD, RDFS.label)) == {
        Literal("National Basic Public Service Standards (2021 Edition)", lang="en"),
        Literal("国家基本公共服务标准（2021年版）", lang="zh")}
    assert set(graph.objects(STANDARD, RDFS.label)) == set(graph.objects(STANDARD, SKOS.prefLabel))
    assert list(graph.objects(STANDARD, DCTERMS.issued)) == [Literal("2021", datatype=XSD.gYear)]
    assert list(graph.objects(STANDARD, DCTERMS.publisher)) == [NDRC]
    assert set(graph.objects(STANDARD, SKOS.hasTopConcept)) == aspects
    assert set(graph.subjects(SKOS.topConceptOf, STANDARD)) == aspects


def test_seven_haves_and_two_guarantees(graph):
    by_group: dict[str, set[str]] = {}
    for aspect, group in graph.subject_objects(PKG.group):
        by_group.setdefault(str(group), set()).update(labels(graph, aspect, "zh"))
    assert by_group == {
        "seven haves": {"幼有所育", "学有所教", "劳有所得", "病有所医", "老有所养", "住有所居", "弱有所扶"},
        "two guarantees": {"优军服务保障", "文体服务保障"},
    }
    assert not set(graph.subjects(PKG.group, None)) & of_type(graph, PKG.ServiceCategory)


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="../shared/vocab is not beside this checkout")
def test_csv_is_the_shared_copy():
    assert CSV.read_bytes() == SHARED_CSV.read_bytes()


# ------------------------------------------------------------------ the build script

def test_file_is_what_the_build_script_makes(build, tmp_path):
    shipped = TTL.read_bytes()
    date = re.search(r" on (\d{4}-\d{2}-\d{2}) ", shipped.decode("utf-8")).group(1)
    out = build.build(tmp_path / "standard-2021.ttl", date)
    assert out.read_bytes() == shipped
    build.main(["--output", str(tmp_path / "again.ttl"), "--date", date])
    assert (tmp_path / "again.ttl").read_bytes() == shipped


def test_build_rejects_a_broken_csv(build, tmp_path):
    text = CSV.read_text(encoding="utf-8")
    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace("9.22,category,9,", "9.22,category,10,"), encoding="utf-8")
    with pytest.raises(ValueError, match="parent"):
        build.build(tmp_path / "out.ttl", "2000-01-01", source=broken)


def test_build_refuses_groups_that_do_not_fit(build, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text('its 9 aspects (the "six haves" and "three guarantees")', encoding="utf-8")
    with pytest.raises(ValueError, match="does not look like"):
        build.build(tmp_path / "out.ttl", "2000-01-01", readme=readme)
    readme.write_text("its 9 aspects and 22 categories", encoding="utf-8")
    with pytest.raises(ValueError, match="no phrase"):
        build.build(tmp_path / "out.ttl", "2000-01-01", readme=readme)
