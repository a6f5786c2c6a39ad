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
    assert by_quote["1733个"].unit == "老年食堂"
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
    from kg.qa_eval import evaluate, load_questions

    result = evaluate(shipped_kb, load_questions(ZH_QA))
    assert result["tool"].right >= 11, result["tool"].wrong


def test_chinese_search_uses_the_multilingual_embedder(shipped_kb):
    meta = shipped_kb.index.metadata()
    assert meta["embedders"]["zh"] == "e5" and meta["embedders"]["en"] == "minilm"
    hits = shipped_kb.search("老年人吃饭的地方建了多少", k=5)
    assert any("老年食堂" in h.text for h in hits)
