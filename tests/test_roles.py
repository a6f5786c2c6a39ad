"""Every figure knows its role (level, change, yearly average, total over a period, baseline), its
time and, for a change, its kind and base; questions say which kind they ask for. Small sentences
written for each form, in both languages."""

from __future__ import annotations

from conftest import processed

from kg.qa.question import parse

ZH = """2026年某省政府工作报告
过去五年，全省人均预期寿命从2020年的78.56岁提升到2025年的80.2岁，城镇新增就业累计370万人，居民收入年均增长6.5%，城镇和农村居民人均可支配收入分别达到5.1万元、2.3万元。
2025年，全省地区生产总值增长5.6%，比上年提高0.5个百分点，居民人均可支配收入达到3.52万元，增长5.9%，技术合同成交额增长1.8倍。
今年主要预期目标是：地区生产总值增长5%左右，城镇新增就业60万人以上，城镇调查失业率5.5%左右。
“十五五”时期，每年城镇新增就业超过90万人，到2030年人均预期寿命达到81岁。
"""

EN = ("Health in Alpha County\n\n"
      "Life expectancy in Alpha County rose from 78.2 years in 2015 to 80.1 years in 2020. "
      "The TCM outpatient rate rose 150% over five years to 15%. "
      "Urban employment grew by 3.5 percentage points year on year in 2020. "
      "A total of 120,000 new urban jobs were created during the 13th Five-Year Plan period. "
      "Income grew at an average annual rate of 6.5% from 2016 to 2020. "
      "Coverage reached 95%, up from 90% in 2019.\n")


def _by_figure(rec):
    return {rec.text[o.start:o.end]: o for o in rec.observations}


def test_chinese_roles_times_and_kinds_of_change(tmp_path):
    o = _by_figure(processed(tmp_path, ZH, "2026年某省政府工作报告", "2026-01-28", language="zh"))
    base, level = o["78.56岁"], o["80.2岁"]
    assert (base.role, base.period_start, base.status) == ("baseline", 2020, "actual")  # 从2020年的…
    assert (level.role, level.period_start, level.period_end) == ("level", 2025, 2025)
    assert (o["370万人"].role, o["370万人"].period_start, o["370万人"].period_end) == ("cumulative", 2021, 2025)
    assert (o["6.5%"].role, o["6.5%"].change_kind) == ("average", "percent")  # 年均增长
    assert o["5.1万元"].group == "城镇居民" and o["2.3万元"].group == "农村居民"  # 城镇和农村居民…分别
    assert o["5.1万元"].metric == "城镇居民人均可支配收入"
    gdp, points = o["5.6%"], o["0.5个百分点"]
    assert (gdp.role, gdp.change_kind, gdp.status, gdp.period_start) == ("change", "percent", "actual", 2025)
    assert (points.role, points.change_kind, points.base_start) == ("change", "points", 2024)  # 比上年
    assert (o["3.52万元"].role, o["3.52万元"].status) == ("level", "actual")
    assert (o["1.8倍"].role, o["1.8倍"].change_kind) == ("change", "multiple")
    assert (o["5%左右"].role, o["5%左右"].status, o["5%左右"].period_start) == ("change", "target", 2026)
    assert (o["60万人以上"].role, o["60万人以上"].status) == ("level", "target")
    every_year = o["超过90万人"]
    assert (every_year.role, every_year.status, every_year.period_start, every_year.period_end) == (
        "average", "target", 2026, 2030)  # 十五五 goals keep the plan's years
    assert (o["81岁"].metric, o["81岁"].period_start, o["81岁"].status) == ("人均预期寿命", 2030, "target")


def test_english_roles_times_and_kinds_of_change(tmp_path):
    o = _by_figure(processed(tmp_path, EN, issued="2021-03-01"))
    assert (o["78.2 years"].role, o["78.2 years"].period_start) == ("baseline", 2015)
    assert (o["80.1 years"].role, o["80.1 years"].period_start) == ("level", 2020)
    assert (o["150%"].role, o["150%"].change_kind) == ("change", "percent")
    assert o["15%"].role == "level"
    assert (o["3.5 percentage points"].role, o["3.5 percentage points"].change_kind) == ("change", "points")
    assert o["3.5 percentage points"].base_start == 2019  # year on year
    assert (o["120,000"].role, o["120,000"].period_start, o["120,000"].period_end) == ("cumulative", 2016, 2020)
    assert o["6.5%"].role == "average"
    assert (o["95%"].role, o["90%"].role, o["90%"].period_start) == ("level", "baseline", 2019)


def test_roles_are_in_the_graph_and_valid(make_kb, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "province.txt").write_text(ZH, encoding="utf-8")
    (folder / "manifest.csv").write_text("file,title,issued,language\nprovince.txt,2026年某省政府工作报告,2026-01-28,zh\n",
                                         encoding="utf-8")
    kb = make_kb()
    assert not kb.ingest([folder]).failed
    roles = {r["quote"]: (r["role"], r["change"], r["base"]) for r in kb.observations()[0]}
    assert roles["0.5个百分点"] == ("change", "percentage points", "2024")
    assert roles["78.56岁"] == ("baseline", None, None) and roles["370万人"][0] == "cumulative"
    assert roles["超过90万人"][0] == "yearly average"
    trace = kb.trace("0.5个百分点")[0]
    assert (trace.role, trace.change, trace.base) == ("change", "percentage points", "2024")
    assert "role change (percentage points, from 2024)" in trace.text()
    report = kb.validate()
    assert report.conforms, report.violations[:3]


def test_questions_say_which_kind_of_figure_they_ask_for():
    cases = {
        "“十四五”时期江苏城镇新增就业累计多少人？": ("cumulative", (2021, 2025), "actual"),
        "2025年江苏进出口总额比上年增长了多少？": ("change", (2025, 2025), "actual"),
        "江苏今年城镇新增就业目标是多少？": (None, (2026, 2026), "target"),
        "“十四五”时期贵州全体居民人均可支配收入年均增长多少？": ("average", (2021, 2025), "actual"),
        "重庆城乡居民收入比缩小到多少？": (None, None, None),
        "How fast did Alpha's GDP grow in 2025?": ("change", (2025, 2025), "actual"),
        "How many new urban jobs were created in total during the 14th Five-Year Plan period?": ("cumulative", (2021, 2025), "actual"),
        "What is the average annual growth of income?": ("average", None, None),
        "What is the unemployment target for this year?": (None, (2026, 2026), "target"),
    }
    for question, (role, years, status) in cases.items():
        q = parse(question, reference_year=2026)
        assert (q.role, q.years, q.status) == (role, years, status), question
    assert parse("城镇和农村居民人均可支配收入分别是多少？").several
    assert parse("What were the per capita incomes of urban and rural residents?").several
    assert not parse("What is the per capita income of rural residents?").several


def _kb_of(make_kb, tmp_path, text, name, title, issued, language):
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / "manifest.csv").write_text(f"file,title,issued,language\n{name}.txt,{title},{issued},{language}\n",
                                         encoding="utf-8")
    kb = make_kb(name)
    assert not kb.ingest([folder]).failed
    return kb


def test_answers_lead_with_the_one_figure_of_the_kind_asked(make_kb, tmp_path):
    kb = _kb_of(make_kb, tmp_path, ZH, "province", "2026年某省政府工作报告", "2026-01-28", "zh")
    expected = {
        "2025年全省地区生产总值增长多少？": "5.6%",
        "全省人均预期寿命达到多少岁？": "80.2岁",
        "今年城镇新增就业的目标是多少？": "60万人以上",
        "“十五五”时期每年城镇新增就业多少人？": "超过90万人",
        "过去五年城镇新增就业累计多少人？": "370万人",
        "农村居民人均可支配收入是多少？": "2.3万元",
    }
    for question, lead in expected.items():
        answer = kb.ask(question)
        assert answer.answered and answer.answer.startswith(lead), (question, answer.answer)
    life = kb.ask("全省人均预期寿命达到多少岁？")
    assert "2020年为78.56岁" in life.answer and "各来源数字不同" not in life.answer  # the baseline is context
    figures = life.to_json()["figures"]
    assert [(f["quote"], f["role"], f["period"], f["status"]) for f in figures] == [("80.2岁", "level", "2025", "actual")]


def test_english_answers_lead_with_the_figure_of_the_kind_asked(make_kb, tmp_path):
    kb = _kb_of(make_kb, tmp_path, EN, "alpha", "Health in Alpha County", "2021-03-01", "en")
    assert kb.ask("By how much did the TCM outpatient rate rise?").answer.startswith("150%")
    assert kb.ask("What was the TCM outpatient rate?").answer.startswith("15%")
    assert kb.ask("What was life expectancy in Alpha County in 2020?").answer.startswith("80.1 years")
    assert kb.ask("What was life expectancy in Alpha County in 2015?").answer.startswith("78.2 years")


def test_a_standard_is_counted_in_its_scheme(make_kb, tiny_corpus):
    kb = make_kb()
    kb.ingest([tiny_corpus])
    en = kb.ask("How many categories does the National Basic Public Service Standards (2021 Edition) cover?")
    assert en.answered and en.answer.startswith("22 categories") and "pkg:ServiceCategory" in en.sparql
    zh = kb.ask("国家基本公共服务标准包括多少个方面？")
    assert zh.answered and zh.answer.startswith("9个方面")


def test_indicators_join_across_word_orders_and_languages(make_kb, tmp_path, tiny_corpus):
    from kg.graph.indicators import cluster

    one = processed(tmp_path, "2026年甲省政府工作报告\n2025年城镇新增就业62万人。\n", "2026年甲省政府工作报告", "2026-01-28",
                    name="a.txt", language="zh")
    two = processed(tmp_path, "2026年乙省政府工作报告\n2025年新增城镇就业人数达到41万人。\n", "2026年乙省政府工作报告", "2026-02-01",
                    name="b.txt", language="zh")
    concepts = cluster({"a": one, "b": two})
    jobs = [c for c in concepts.values() if len(c["members"]) == 2]
    assert len(jobs) == 1 and "the same Chinese words in another order" in jobs[0]["rule"]
    assert jobs[0]["pref"]["en"] == "new urban jobs"  # and the glossary's English for both
    kb = make_kb()
    kb.ingest([tiny_corpus])
    beds = kb.ask("每千人医院床位是多少？")  # a Chinese question, a figure stated only in English
    assert beds.answered and beds.answer.startswith("4.2"), beds.answer
    assert "英文原文：hospital beds" in beds.answer
