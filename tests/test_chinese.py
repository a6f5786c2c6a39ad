"""The Chinese report end to end: figures, regions, search with e5, answers in Chinese (real models)."""

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow
ZH_FACTS = REPO.parent / "shared" / "eval" / "facts_dev_zh.jsonl"
ZH_QA = REPO.parent / "shared" / "eval" / "qa_dev_zh.jsonl"
REPORT = "2026-chongqing-government-work-report"


def test_chinese_figures_are_observations_with_exact_spans(shipped_kb):
    rec = shipped_kb.document(REPORT)
    assert rec.language == "zh" and rec.subject_region == "500000"
    by_quote = {rec.text[o.start:o.end]: o for o in rec.observations}
    o = by_quote["2669万人"]
    assert o.value == "26690000" and o.unit == "persons" and o.metric == "基本养老保险参保人数" and o.region == "500000"
    assert by_quote["98%以上"].qualifier == "more than"
    paired = [by_quote[q].metric for q in ("93.5%", "98.3%", "98.5%", "64.3%")]
    assert paired == ["学前教育毛入园率", "义务教育巩固率", "高中阶段", "高等教育毛入学率"]
    assert by_quote["65万人以上"].status == "target" and by_quote["65万人以上"].period_start == 2026
    canteens = by_quote["1733个"]
    assert canteens.unit == "elderly canteens" and canteens.unit_zh == "老年食堂"  # English by the glossary
    for o in rec.observations:
        if o.metric_start is not None:
            assert rec.text[o.metric_start:o.metric_end] == o.metric


@pytest.mark.skipif(not ZH_FACTS.exists(), reason="../shared/eval is not beside this checkout")
def test_chinese_fact_key(shipped_kb):
    score = shipped_kb.eval_extraction(ZH_FACTS)
    assert score.recall >= 0.9 and score.accuracy("value") >= 0.95, score.report(verbose=True)
    assert score.accuracy("region") >= 0.9


def test_chinese_question_gets_a_chinese_answer_with_the_figure(shipped_kb):
    ans = shipped_kb.ask("重庆市基本养老保险参保人数是多少？")
    assert ans.answered and ans.answer.startswith("2669万人（重庆市") and ans.citations[0].doc == REPORT
    assert set(ans.to_json()) >= {"question", "answered", "answer", "citations", "sparql", "observations"}


def test_a_chinese_question_about_another_region_is_not_answered(shipped_kb):
    ans = shipped_kb.ask("上海市基本养老保险参保人数是多少？")
    assert ans.answered is False and ans.answer.startswith("语料中没有上海市")


@pytest.mark.skipif(not ZH_QA.exists(), reason="../shared/eval is not beside this checkout")
def test_chinese_question_key(shipped_kb):
    from kg.evaluate.qa import evaluate, load_questions

    result = evaluate(shipped_kb, load_questions(ZH_QA))
    assert result["tool"].right >= 11, result["tool"].wrong


def test_chinese_search_uses_the_multilingual_embedder(shipped_kb):
    meta = shipped_kb.index.metadata()
    assert meta["embedders"]["zh"] == "e5" and meta["embedders"]["en"] == "minilm"
    hits = shipped_kb.search("老年人吃饭的地方建了多少", k=5)
    assert any("老年食堂" in h.text for h in hits)


def test_indicators_carry_labels_in_both_languages(shipped_kb):
    rows = shipped_kb.sparql("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?en ?rule WHERE { ?c skos:prefLabel "城乡居民收入比"@zh ; skos:prefLabel ?en ; pkg:groupingRule ?rule .
                                  FILTER (LANG(?en) = "en") }""").records()
    assert rows and rows[0]["en"] == "income ratio between urban and rural residents"  # the English documents' phrase
    assert "glossary" in rows[0]["rule"]
    translated = shipped_kb.sparql("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?en WHERE { ?c skos:prefLabel "基本医保参保率"@zh ; skos:prefLabel ?en . FILTER (LANG(?en) = "en") }""").records()
    assert translated[0]["en"] == "basic medical insurance participation rate"


def test_an_english_question_finds_a_figure_stated_in_chinese(shipped_kb):
    ans = shipped_kb.ask("What is Chongqing's basic medical insurance participation rate?")
    assert ans.answered and ans.answer.startswith("98%以上 (Chongqing") and "in Chinese: 基本医保参保率" in ans.answer
    assert ans.citations[0].doc == REPORT
    assert shipped_kb.ask("How many elderly canteens has Chongqing built?").answer.startswith("1733个")


PROVINCES = REPO.parent / "shared" / "corpus-zh-provinces"
PROVINCE_QA = REPO / "tests" / "keys" / "qa_zh_provinces.jsonl"


@pytest.mark.skipif(not PROVINCES.exists(), reason="../shared/corpus-zh-provinces is not beside this checkout")
@pytest.mark.parametrize("key", ["facts_zh_provinces.jsonl", "facts_zh_heldout.jsonl"])
def test_extraction_generalises_to_unseen_provincial_reports(key):
    """The keys were written from the Hunan and Shaanxi, and the Henan and Yunnan reports alone."""
    import csv

    from ingest.gazetteer import default
    from ingest.pipeline import process
    from kg.evaluate.extraction import evaluate, load_key

    facts = load_key(REPO / "tests" / "keys" / key)
    with open(PROVINCES / "manifest.csv", encoding="utf-8") as fh:
        meta = {r["file"]: r for r in csv.DictReader(fh)}
    records = {d: process(PROVINCES / f"{d}.txt", meta[f"{d}.txt"]) for d in sorted({f["doc"] for f in facts})}
    gaz = default()
    score = evaluate(facts, records, region_resolver=lambda name, code: code in {r.code for r in gaz.lookup(name)})
    assert score.recall >= 0.9 and score.accuracy("value") >= 0.95, score.report(verbose=True)
    assert score.accuracy("unit") >= 0.9 and score.accuracy("region") >= 0.95, score.report(verbose=True)
    assert score.accuracy("status") >= 0.9, score.report(verbose=True)


@pytest.mark.skipif(not PROVINCES.exists(), reason="../shared/corpus-zh-provinces is not beside this checkout")
def test_answers_generalise_to_two_unseen_provincial_reports(tmp_path):
    import shutil

    from conftest import stage_core_corpus
    from kg import KnowledgeBase, Settings
    from kg.evaluate.qa import evaluate, load_questions

    folder = tmp_path / "provinces"
    folder.mkdir()
    wanted = ("2026-hunan-government-work-report.txt", "2026-shaanxi-government-work-report.txt")
    for name in wanted:
        shutil.copy(PROVINCES / name, folder / name)
    lines = (PROVINCES / "manifest.csv").read_text(encoding="utf-8").splitlines()
    (folder / "manifest.csv").write_text("\n".join([lines[0]] + [x for x in lines if x.startswith(wanted)]) + "\n", encoding="utf-8")
    kb = KnowledgeBase(Settings(home=tmp_path / "kb"))
    try:
        assert not kb.ingest([stage_core_corpus(tmp_path / "core"), folder]).failed
        result = evaluate(kb, load_questions(PROVINCE_QA))
        assert result["tool"].right >= 16, result["tool"].wrong  # of 20: 12 Chinese, 4 English, 4 unanswerable
    finally:
        kb.close()


def test_who_questions_about_people_named_in_chinese(shipped_kb):
    zh = shipped_kb.ask("重庆市市长是谁？")
    assert zh.answered and zh.answer.startswith("胡衡华（重庆市人民政府市长）")
    en = shipped_kb.ask("Who is the mayor of Chongqing?")
    assert en.answered and en.answer.startswith("胡衡华, mayor of the Chongqing")
    assert not shipped_kb.ask("上海市市长是谁？").answered  # no document about Shanghai
