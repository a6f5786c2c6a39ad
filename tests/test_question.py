"""Reading questions: years, plan periods, indicator words and the kind of figure asked for."""

import pytest

from kg.qa.question import asks_for, parse


@pytest.mark.parametrize("question, kind", [
    ("How many jobs did Chongqing create?", "count"),
    ("By how many percentage points did the rate rise?", "rate"),
    ("What is Henan's per capita disposable income in yuan?", "money"),
    ("What is the urban unemployment rate?", "rate"),
    ("重庆有多少家三甲医院？", "count"),
    ("城乡居民人均可支配收入是多少元？", "money"),
    ("城镇调查失业率是多少？", "rate"),
    ("高等教育毛入学率提高了多少个百分点？", "rate"),
    ("Who is the mayor of Chongqing?", None),
])
def test_the_kind_of_figure_a_question_asks_for(question, kind):
    assert asks_for(question) == kind


def test_chinese_questions_lose_their_filler_and_read_plan_periods():
    q = parse("河南“十四五”这五年城镇累计新增就业多少人？", set())
    assert q.language == "zh" and q.kind == "figure" and q.years == (2021, 2025)
    assert q.words == ["城镇", "新增就业"] and q.role == "cumulative"  # 累计 says which figure, not which indicator
    assert parse("河南2025年一般公共预算支出中民生支出占多大比例？", set()).words == ["一般公共预算支出中民生支出"]
    assert parse("重庆人均预期寿命是多少？", set()).words == ["人均预期寿命"]


def test_mentions_that_tie_on_their_span_sort_and_parse():
    """An ambiguous place name is read as each of its candidates at one span; sorting such mentions
    compared two Regions and raised TypeError (issue 15)."""
    from ingest.gazetteer import default

    candidates = default().lookup("Haiyan", "en")
    assert len(candidates) >= 2
    tied = [(17, 23, r) for r in reversed(candidates)]
    assert [r.code for _, _, r in sorted(tied)] == sorted(r.code for r in candidates)
    q = parse("how many beds in haiyan and Haiyan County in 2022?")
    assert {r.code for r in q.regions} >= {r.code for r in candidates if r.level == "county"}
