"""Comparisons across regions, on small reports written for them: ties, bounds, ranges, missing
regions, a region with no document, mixed units, targets next to actuals, the national figure."""

from __future__ import annotations

import csv
import io
import math

import pytest

from kg import KnowledgeBase, Settings
from kg.compare import bounds
from kg.interfaces.cli import main

REPORTS = {
    "hunan.txt": ("2026年湖南省政府工作报告",
                  "一年来，全省地区生产总值增长4.8%，城镇新增就业82.7万人，城镇居民人均可支配收入5.2万元。\n\n"
                  "今年经济社会发展主要预期目标是：地区生产总值增长5%左右，城镇新增就业70万人，城镇调查失业率5.5%左右。\n"),
    "henan.txt": ("2026年河南省政府工作报告",
                  "一年来，全省生产总值增长5.6%，城镇新增就业121.7万人，城镇居民人均可支配收入48000元。\n\n"
                  "今年经济社会发展主要预期目标是：经济增长5%左右，城镇新增就业110万人以上，城镇调查失业率5.5%左右。\n"),
    "jiangsu.txt": ("2026年江苏省政府工作报告",
                    "一年来，全省地区生产总值增长5.3%，城镇新增就业141万人。\n\n"
                    "今年经济社会发展主要预期目标是：地区生产总值增长5%，城镇新增就业120万人，城镇调查失业率5%左右。\n"),
    "fujian.txt": ("2026年福建省政府工作报告",
                   "一年来，全省地区生产总值增长5%，城镇新增就业54.58万人。\n\n"
                   "今年经济社会发展主要预期目标是：地区生产总值增长4.5%—5%，城镇新增就业50万人，城镇调查失业率5.5%以内。\n"),
    "national.txt": ("2026年国务院政府工作报告",
                     "今年发展主要预期目标是：国内生产总值增长5%左右，城镇新增就业1200万人以上，城镇调查失业率5.5%左右。\n"),
    "guangxi.txt": ("2026年广西壮族自治区政府工作报告",
                    "一年来，全区地区生产总值增长5.1%。\n\n"
                    "今年经济社会发展主要预期目标是：地区生产总值增长5%左右，城镇调查失业率5.5%左右。\n"),
}


def write_reports(folder):
    folder.mkdir()
    lines = ["file,title,publisher,issued,language,kind"]
    for name, (title, body) in REPORTS.items():
        (folder / name).write_text(f"{title}\n\n{body}", encoding="utf-8")
        lines.append(f"{name},{title},,2026-02-01,zh,government work report")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def reports_kb(tmp_path_factory):
    """The five reports, ingested with the real Chinese embedder (answers rank figures by it)."""
    root = tmp_path_factory.mktemp("compare")
    kb = KnowledgeBase(Settings(home=root / "kb"))
    report = kb.ingest([write_reports(root / "reports")])
    assert not report.failed, report.failed
    yield kb
    kb.close()


# -- bounds ------------------------------------------------------------------------------------
def test_a_floor_a_ceiling_and_a_range_allow_what_they_say():
    assert bounds.interval(110, "more than") == bounds.Interval(110, math.inf, 110, "floor")
    assert bounds.interval(5.5, "at most").high == 5.5 and bounds.interval(5.5, "at most").low == -math.inf
    assert bounds.interval(4.5, None, 5).kind == "range"
    assert bounds.interval(5, "approximately").exact


def test_an_order_is_certain_only_where_the_bounds_decide_it():
    items = {"A": bounds.interval(120), "B": bounds.interval(110, "more than"), "C": bounds.interval(70)}
    ranked, certain = bounds.order(list(items), lambda k: items[k])
    assert ranked[0] == "A" and not certain  # B's true value may exceed 120
    items["B"] = bounds.interval(110)
    assert bounds.order(list(items), lambda k: items[k]) == (["A", "B", "C"], True)
    assert bounds.compare_two(bounds.interval(110, "more than"), bounds.interval(70)) == ">"
    assert bounds.compare_two(bounds.interval(28, "at least"), bounds.interval(28)) == ">="
    assert bounds.compare_two(bounds.interval(6, "approximately"), bounds.interval(5.5, None, 6)) == ">="
    assert bounds.compare_two(bounds.interval(5.6), bounds.interval(5.6)) == "="


def test_counting_keeps_about_apart_from_bounds():
    assert bounds.satisfies(bounds.interval(5.5, "approximately"), "~", 5.5)
    assert not bounds.satisfies(bounds.interval(5.5, "at most"), "~", 5.5)
    assert not bounds.satisfies(bounds.interval(5.5), "~", 5.5) and bounds.satisfies(bounds.interval(5.5), "=", 5.5)
    assert bounds.satisfies(bounds.interval(110, "more than"), ">=", 100)
    assert bounds.satisfies(bounds.interval(70, "more than"), ">=", 100) is None  # may or may not be
    assert bounds.satisfies(bounds.interval(50), ">=", 100) is False


# -- tables ------------------------------------------------------------------------------------
def test_a_table_has_a_row_per_region_and_lists_the_missing(reports_kb):
    t = reports_kb.compare("城镇新增就业", period=2026, status="target")
    assert [(r.region_code, r.value, r.qualifier) for r in t.rows] == [
        ("320000", 1200000.0, None), ("410000", 1100000.0, "more than"), ("430000", 700000.0, None), ("350000", 500000.0, None)]
    assert t.rows[0].region == "江苏省"  # labels in the language the indicator was named in
    assert [m["region_code"] for m in t.missing] == ["450000"]  # Guangxi states no target for it
    for r in t.rows:  # every cell points at its figure in its document
        rec = reports_kb.document(r.doc)
        assert rec.text[r.start:r.end] == r.figure and r.status == "target" and r.period == "2026"
    rows = list(csv.DictReader(io.StringIO(t.to_csv())))
    assert rows[-1]["region_code"] == "450000" and rows[-1]["note"]
    # the printed SPARQL is the table's own query: run as is, it lists the same figures
    listed = {r["iri"] for r in reports_kb.sparql(t.sparql).records()}
    assert {r.iri for r in t.rows} <= listed


def test_targets_and_actuals_are_never_mixed(reports_kb):
    actual = reports_kb.compare("城镇新增就业", period=2025, status="actual")
    assert {r.status for r in actual.rows} == {"actual"} and max(r.value for r in actual.rows) == 1410000
    target = reports_kb.compare("地区生产总值", period=2026, status="target")
    assert {r.status for r in target.rows} == {"target"} and {r.role for r in target.rows} == {"change"}
    fujian = next(r for r in target.rows if r.region_code == "350000")
    assert (fujian.value, fujian.upper) == (4.5, 5.0)  # "4.5%—5%": one figure, a range
    assert len(target.rows) == 5  # 经济增长5%左右 is GDP growth too


def test_money_in_wan_yuan_and_yuan_is_compared_normalised(reports_kb):
    t = reports_kb.compare("城镇居民人均可支配收入", period=2025)
    assert {(r.region_code, r.value, r.unit) for r in t.rows} == {("430000", 52000.0, "yuan"), ("410000", 48000.0, "yuan")}


def test_an_unknown_indicator_is_a_clear_error(reports_kb, capsys):
    with pytest.raises(LookupError):
        reports_kb.compare("no such indicator anywhere")
    assert main(["--home", str(reports_kb.home), "compare", "no such indicator anywhere"]) != 0
    assert "no indicator" in capsys.readouterr().err


def test_cli_compare_prints_a_table_csv_json_and_its_sparql(reports_kb, capsys):
    home = ["--home", str(reports_kb.home)]
    assert main(home + ["compare", "城镇新增就业", "--period", "2026", "--status", "target"]) == 0
    out = capsys.readouterr().out
    assert "120万人" in out and "no figure" in out
    assert main(home + ["compare", "new urban jobs", "--period", "2026", "--status", "target", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["rows"][0]["figure"] == "120万人" and data["missing"][0]["region_code"] == "450000"
    assert main(home + ["compare", "城镇新增就业", "--sparql"]) == 0
    assert "pkg:indicator" in capsys.readouterr().out


# -- answers -----------------------------------------------------------------------------------
def test_a_ranking_says_when_a_bound_leaves_the_order_open(reports_kb):
    ans = reports_kb.ask("2026年城镇新增就业目标最多的是哪个省份？")
    assert ans.answered and ans.answer.startswith("江苏") and "120万人" in ans.answer
    assert "无法确定" in ans.answer  # 河南 "110万人以上" may be more
    assert ans.sparql and ans.comparison["rows"]
    assert {c.doc for c in ans.citations} >= {"jiangsu"}


def test_a_pair_is_decided_by_its_bounds_and_cites_both(reports_kb):
    ans = reports_kb.ask("湖南和河南2026年城镇新增就业目标哪个更多？")
    assert ans.answered and ans.answer.startswith("河南") and "110万人以上" in ans.answer and "70万人" in ans.answer
    assert {c.doc for c in ans.citations} == {"henan", "hunan"}
    for c in ans.citations:
        assert reports_kb.document(c.doc).text[c.start:c.end] == c.quote


def test_a_difference_leads_with_the_computed_figure(reports_kb):
    ans = reports_kb.ask("江苏与福建2026年城镇新增就业目标相差多少万人？")
    assert ans.answered and ans.answer.startswith("相差70万人")
    spread = reports_kb.ask("2025年地区生产总值实际增速最高与最低的省份相差多少个百分点？")
    assert spread.answered and spread.answer.startswith("最高与最低相差0.8个百分点")
    assert "河南" in spread.answer and "湖南" in spread.answer


def test_a_count_does_not_take_a_ceiling_for_about(reports_kb):
    ans = reports_kb.ask("有多少个省份把2026年城镇调查失业率目标定为5.5%左右？")
    assert ans.answered and ans.answer.startswith("3个省份")
    assert "福建" not in ans.answer.split("：")[1].split("。")[0]  # 5.5%以内 is not "about 5.5%"


def test_ranges_are_counted_as_ranges(reports_kb):
    ans = reports_kb.ask("有多少个省份的2026年地区生产总值增长目标以区间表述？")
    assert ans.answered and ans.answer.startswith("1个省份") and "福建" in ans.answer


def test_a_region_without_a_figure_or_a_document_is_not_compared(reports_kb):
    missing = reports_kb.ask("广西与湖南2026年城镇新增就业目标哪个更多？")
    assert not missing.answered and "广西" in missing.answer and "70万人" in missing.answer
    nodoc = reports_kb.ask("广东和江苏哪个省份2026年地区生产总值增长目标更高？")
    assert not nodoc.answered and "广东" in nodoc.answer


def test_the_national_figure_is_a_reference_not_a_region(reports_kb):
    t = reports_kb.compare("城镇调查失业率", period=2026, status="target")
    assert t.national is not None and t.national.doc == "national" and t.national.value == 5.5
    assert "100000" not in {r.region_code for r in t.rows} and "100000" not in {m["region_code"] for m in t.missing}
    ans = reports_kb.ask("江苏2026年城镇调查失业率目标比全国低多少？")
    assert ans.answered and "0.5个百分点" in ans.answer and {c.doc for c in ans.citations} == {"jiangsu", "national"}


def test_an_english_comparison_names_the_region_and_its_figure(reports_kb):
    ans = reports_kb.ask("Which province reported the highest GDP growth in 2025?")
    assert ans.answered and ans.answer.startswith("Henan Province (河南)") and "5.6%" in ans.answer
    assert ans.to_json()["comparison"]["status"] == "actual"


def test_a_tie_names_every_region_that_states_the_same_value(reports_kb):
    ans = reports_kb.ask("2026年城镇调查失业率目标最高的是哪个省份？")
    assert ans.answered and "并列最高" in ans.answer and "均为5.5%左右" in ans.answer
    head = ans.answer.split("：")[0]
    assert {"河南", "湖南", "广西"} <= set(head.replace("并列最高", "").split("、")) and "福建" not in head  # 5.5%以内 is at most


def test_top_n_and_lowest_first(reports_kb):
    top = reports_kb.ask("2025年城镇新增就业最多的前三个省份依次是哪些？")
    assert top.answered and top.answer.index("江苏141万人") < top.answer.index("河南121.7万人") < top.answer.index("湖南82.7万人")
    low = reports_kb.ask("Which province reported the lowest GDP growth in 2025?")
    assert low.answered and low.answer.startswith("Hunan Province (湖南): 4.8%")


def test_english_pairs_counts_and_spreads(reports_kb):
    pair = reports_kb.ask("How far apart are Jiangsu and Fujian in their 2026 targets for new urban jobs?")
    assert pair.answered and pair.answer.startswith("700,000 persons apart")
    count = reports_kb.ask("How many provinces target a surveyed urban unemployment rate of around 5.5% for 2026?")
    assert count.answered and count.answer.startswith("3 of 5 regions match")
    spread = reports_kb.ask("What is the gap between the highest and lowest GDP growth in 2025?")
    assert spread.answered and spread.answer.startswith("0.8 percentage points between the highest")


def test_a_count_of_regions_stating_nothing(reports_kb):
    ans = reports_kb.ask("有几个省份没有给出2026年城镇新增就业目标？")
    assert ans.answered and ans.answer.startswith("1个省份没有给出这一数字") and "广西" in ans.answer


def test_nothing_stated_anywhere_is_said_once(reports_kb):
    ans = reports_kb.ask("2026年人均预期寿命目标最高的是哪个省份？")
    assert not ans.answered and ans.answer.startswith("无法比较")
    assert ans.answer.count("、") < 3  # not a list of every region


def test_bounds_leave_a_spread_open():
    from kg.compare.bounds import interval, surely_ahead

    assert not surely_ahead(interval(5, None, 6), interval(5))  # 5%—6% may equal 5%
    assert surely_ahead(interval(110, "more than"), interval(70))
