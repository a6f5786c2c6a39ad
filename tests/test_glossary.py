"""The Chinese-English glossary rule: complete splits only, fewest terms, templates, plurals."""

import csv

from ingest.glossary import GLOSSARY_CSV, Glossary, Term, default, pluralise

SMALL = Glossary([
    Term("婴幼儿", "infant"), Term("托位", "childcare place"), Term("数", "number of {s}"),
    Term("老年", "elderly"), Term("食堂", "canteen"), Term("老年食堂", "elderly canteen"),
    Term("占比", "share of {}"), Term("人", "person", "people"), Term("基本医保", "basic medical insurance"),
    Term("参保率", "participation rate"), Term("参保", "insured"), Term("率", "{} rate"),
])


def test_fewest_terms_win_and_order_is_kept():
    assert [t.zh for t in SMALL.split("老年食堂")] == ["老年食堂"]
    assert SMALL.translate("基本医保参保率") == "basic medical insurance participation rate"


def test_a_phrase_the_glossary_does_not_cover_gets_no_translation():
    assert SMALL.translate("基本医保覆盖面") is None
    assert SMALL.translate("") is None
    assert SMALL.translate_plural("养老院") is None


def test_templates_take_what_comes_before():
    assert SMALL.translate("婴幼儿托位数") == "number of infant childcare places"
    assert SMALL.translate("老年食堂占比") == "share of elderly canteen"
    assert SMALL.translate("老年的食堂") == "elderly canteen"  # 的 joins, adds nothing


def test_plurals_of_counted_nouns():
    assert SMALL.translate_plural("老年食堂") == "elderly canteens"
    assert SMALL.translate_plural("婴幼儿托位数") == "infant childcare places"  # "number of X" counts X
    assert SMALL.translate_plural("老年人") == "elderly people"  # irregular plural from the glossary
    assert SMALL.translate_plural("老年食堂占比") is None  # a share is not a count
    assert [pluralise(w) for w in ("facility", "box", "bus", "day", "staff", "bed", "building", "rectified")] == [
        "facilities", "boxes", "buses", "days", "staff", "beds", "buildings", "rectified"]
    assert pluralise("rate of urban residents") == "rates of urban residents"


def test_the_shipped_glossary_is_well_formed():
    with open(GLOSSARY_CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 500
    keys = [r["zh"] for r in rows]
    assert len(keys) == len(set(keys)), "duplicate Chinese terms"
    for r in rows:
        assert r["zh"].strip() and r["en"].strip(), r
        assert r["en"].count("{") <= 1 and r["en"].count("{") == r["en"].count("}"), r


def test_the_shipped_glossary_covers_public_service_indicators():
    g = default()
    assert g.translate("基本医保参保率") and "medical insurance" in g.translate("基本医保参保率")
    assert g.translate_plural("三甲医院").endswith("hospitals")
    assert g.translate_plural("老年食堂").endswith("canteens")
