"""Entities: every region, organization and person the five English documents name is linked."""

import json

import pytest

from ingest.lang.en.entities import canonical_org
from kg.interfaces.cli import main

from conftest import REPO

KEY = json.loads((REPO / "tests" / "keys" / "entities_en.json").read_text(encoding="utf-8"))
pytestmark = pytest.mark.slow


def _forms(entry) -> set[str]:
    return {canonical_org(n).lower() for n in [entry["name"], *entry.get("aliases", [])]}


@pytest.fixture(scope="module")
def listed(shipped_kb):
    return {t: shipped_kb.entities(type=t) for t in ("region", "organization", "person", "event", "plan", "standard")}


def _labels(shipped_kb, row) -> set[str]:
    res = shipped_kb.sparql(f"SELECT ?l WHERE {{ <{row['iri']}> skos:prefLabel|skos:altLabel ?l }}")
    return {canonical_org(str(r[0])).lower() for r in res.rows}


def test_every_named_region_is_linked_with_its_code(listed):
    by_code = {r["code"]: r for r in listed["region"]}
    for region in KEY["regions"]:
        assert region["code"] in by_code, region
        assert set(region["docs"]) <= set(by_code[region["code"]]["docs"]), region


def test_every_named_organization_is_linked(shipped_kb, listed):
    for org in KEY["organizations"]:
        found = [r for r in listed["organization"] if _labels(shipped_kb, r) & _forms(org)]
        assert found, f"{org['name']} is not linked"


def test_every_named_person_is_linked_with_role_and_organization(shipped_kb, listed):
    people = {r["label"]: r for r in listed["person"]}
    for person in KEY["people"]:
        assert person["name"] in people, person
        row = people[person["name"]]
        assert set(person["docs"]) <= set(row["docs"])
    zhao = people["Zhao Chenxin"]
    assert zhao["role"] == "Secretary-General and spokesperson"
    assert zhao["organization"].endswith("/national-development-and-reform-commission")
    assert people["Li Hui"]["organization"].endswith("/chongqing-development-and-reform-commission")
    assert people["Ou Xiaoli"]["role"] == "director" and people["Ou Xiaoli"]["organization"].endswith("/social-development-department")


def test_organization_hierarchy_is_stated(listed):
    dept = next(r for r in listed["organization"] if r["label"] == "Social Development Department")
    assert dept["parent"].endswith("/national-development-and-reform-commission")


def test_one_iri_however_many_documents_name_it(listed):
    ndrc = [r for r in listed["organization"] if r["label"] == "National Development and Reform Commission"]
    assert len(ndrc) == 1 and len(ndrc[0]["docs"]) >= 3


def test_haiyan_resolves_under_jiaxing_and_zhejiang(shipped_kb):
    rows = shipped_kb.sparql("""SELECT ?code WHERE { ?h skos:notation "330424" ; skos:broader+ ?a . ?a skos:notation ?code }""")
    assert {str(r[0]) for r in rows.rows} == {"330400", "330000", "100000"}
    assert any(r["code"] == "330424" for r in shipped_kb.entities(type="region", name="Haiyan"))


def test_chongqing_is_a_province_level_municipality(shipped_kb):
    ask = shipped_kb.sparql("ASK { ?c skos:notation \"500000\" ; pkg:adminLevel pkg:province ; pkg:provinceType pkg:municipality }")
    assert ask.boolean


def test_ordinary_words_are_not_regions(listed):
    labels = {r["label"].lower() for r in listed["region"]}
    assert not labels & {"the state", "state", "the country", "country"}
    english = {"000_10a0665f39ccdb0a", "001_44a9fe72a70c896d", "002_b47b57451a07b531", "003_ab19494113870874",
               "004_02ec7f66159d76c8"}  # the key lists the regions of the English documents
    assert {r["code"] for r in listed["region"] if set(r["docs"]) & english} <= {r["code"] for r in KEY["regions"]}


def test_events_have_dates_places_and_organizers(listed):
    conference = next(r for r in listed["event"] if r["label"].startswith("press conference on"))
    assert conference["organization"].endswith("information-office")
    assert "001_44a9fe72a70c896d" in conference["docs"]


def test_plans_carry_their_periods(shipped_kb):
    rows = shipped_kb.sparql("""SELECT ?label ?y0 ?y1 WHERE { ?p a pkg:Plan ; skos:prefLabel ?label ;
                                pkg:period [ pkg:startYear ?y0 ; pkg:endYear ?y1 ] }""").records()
    periods = {r["label"]: (int(r["y0"]), int(r["y1"])) for r in rows}
    assert periods["13th Five-Year Plan"] == (2016, 2020) and periods["14th Five-Year Plan"] == (2021, 2025)


def test_the_standard_links_to_its_bilingual_catalogue(shipped_kb):
    rows = shipped_kb.entities(type="service")
    catalogue = [r for r in rows if "/standard/" in r["iri"]]
    assert len(catalogue) == 31  # 9 aspects and 22 categories
    assert len(rows) - len(catalogue) == 8  # and Chongqing's eight service areas
    std = shipped_kb.entities(type="standard")
    assert std[0]["iri"].endswith("/standard/national-basic-public-service-standards-2021")
    assert "001_44a9fe72a70c896d" in std[0]["docs"]


def test_entity_page_has_facts_mentions_and_observations(shipped_kb):
    page = shipped_kb.entity("https://policykg.org/id/region/330424")
    assert page["mentions"] and all(m["doc"] == "003_ab19494113870874" for m in page["mentions"])
    text = shipped_kb.document("003_ab19494113870874").text
    assert all(text[m["start"]:m["end"]] == m["text"] for m in page["mentions"])
    assert any(o["quote"] == "74,280 yuan" for o in page["observations"])


def test_cli_entities_json_shape(shipped_kb, capsys):
    assert main(["--home", str(shipped_kb.home), "entities", "--type", "person", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(set(r) == {"iri", "type", "label", "code", "parent", "role", "organization", "docs"} for r in rows)


def test_a_regions_service_areas_link_to_the_standards_aspects(shipped_kb):
    rows = shipped_kb.sparql("""SELECT ?area ?n WHERE { ?a a pkg:ServiceArea ; skos:prefLabel ?area ;
                                dcterms:spatial/skos:notation "500000" ; skos:broadMatch/skos:notation ?n }""").records()
    aspect = {r["area"]: r["n"] for r in rows}
    assert len(aspect) == 8, aspect  # Chongqing's eight areas
    assert (aspect["education"], aspect["employment"], aspect["housing"], aspect["sports and recreation"],
            aspect["special care for the disabled"]) == ("2", "3", "6", "9", "7")


def test_plans_named_in_the_documents(listed):
    labels = {r["label"] for r in listed["plan"]}
    assert {"13th Five-Year Plan", "14th Five-Year Plan", "14th Five-Year Public Service Plan",
            "national action plan of the 13th Five-Year Plan"} <= labels


# -- every sentence that names an entity is a mention (issue 16) -----------------------------------
MENTIONS_ZH = ("浙江省海盐县地处杭嘉湖平原。海盐的城乡居民收入比为1.58。去年海盐新建了三所学校。"
               "海盐还完善了医保报销政策。全省各地学习海盐经验。")
MENTIONS_EN = ("Haiyan County lies in Zhejiang Province. Haiyan built three schools last year. "
               "The reimbursement rates of Haiyan rose by 30%. Other counties learn from Haiyan's experience.")


@pytest.fixture(scope="module")
def mentions_kb(tmp_path_factory):
    from kg import KnowledgeBase, Settings
    from kg.search.embedders import HashEmbedder

    folder = tmp_path_factory.mktemp("mentions")
    (folder / "haiyan-zh.txt").write_text(MENTIONS_ZH, encoding="utf-8")
    (folder / "haiyan-en.txt").write_text(MENTIONS_EN, encoding="utf-8")
    (folder / "manifest.csv").write_text(
        "file,title,publisher,issued,language,kind\n"
        "haiyan-zh.txt,海盐概况,,2023-05-01,zh,news\nhaiyan-en.txt,Haiyan at a glance,,2023-05-01,en,news\n",
        encoding="utf-8")
    kb = KnowledgeBase(Settings(home=folder / "kb", embedder="hash"), embedder=HashEmbedder())
    kb.ingest([folder])
    yield kb
    kb.close()


@pytest.mark.parametrize("doc, text, names", [
    ("haiyan-zh", MENTIONS_ZH, {"海盐县", "海盐"}),
    ("haiyan-en", MENTIONS_EN, {"Haiyan County", "Haiyan"}),
], ids=["zh", "en"])
def test_every_sentence_naming_a_region_is_a_mention_short_name_included(mentions_kb, doc, text, names):
    from kg.graph.namespaces import region_iri

    page = mentions_kb.entity(str(region_iri("330424")))
    mine = [m for m in page["mentions"] if m["doc"] == doc]
    rec = mentions_kb.document(doc)
    naming = [s for s in rec.sentences if any(n in rec.quote(s) for n in names)]
    assert len(naming) == (5 if doc == "haiyan-zh" else 4)
    assert {m["sentence"] for m in mine} == {rec.quote(s) for s in naming}
    assert {m["text"] for m in mine} == names
    assert all(rec.text[m["start"]:m["end"]] == m["text"] for m in mine)


def test_a_short_name_is_not_found_inside_a_longer_word_or_name():
    import re

    from ingest.entities import name_mentions
    from ingest.gazetteer import default
    from ingest.records import DocumentRecord, Entity, Mention, Span

    text = "Haiyan County is in Zhejiang. The Haiyanese Bank of Haiyan opened. Zhang Haiyan spoke."
    rec = DocumentRecord("d", "/d", "0", text, "txt", "python", "en", "T")
    ends = [m.end() for m in re.finditer(r"\. ?", text)]
    rec.sentences = [Span(a, b, i) for i, (a, b) in enumerate(zip([0] + ends[:-1], ends))]
    entities = {"region:330424": Entity("region:330424", "region", "Haiyan County", {"Haiyan County"}, code="330424")}
    found = name_mentions(rec, entities, [Mention(0, 13, "region:330424", 0)], default(), "330424")
    assert found == []  # "Haiyanese", "Bank of Haiyan", "Zhang Haiyan" are other names
