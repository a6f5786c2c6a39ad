"""Chinese figure forms, on small sentences written for the tests (the surface layer of Chinese extraction)."""

from decimal import Decimal

import pytest

from ingest.lang.zh.quantities import find_quantities_zh


@pytest.mark.parametrize("text, quote, value, unit, qualifier", [
    ("参保人数达到2669万人。", "2669万人", "26690000", "persons", None),
    ("参保率稳定在98%以上。", "98%以上", "98", "percent", "more than"),
    ("参保人员超过800万人。", "超过800万人", "8000000", "persons", "more than"),
    ("人均可支配收入41580元。", "41580元", "41580", "yuan", None),
    ("技术合同成交额突破1140亿元。", "突破1140亿元", "114000000000", "yuan", "more than"),
    ("建成老年食堂1733个。", "1733个", "1733", "个", None),
    ("婴幼儿托位数达到14.6万个。", "14.6万个", "146000", "个", None),
    ("三甲医院达到55家。", "55家", "55", "家", None),
    ("人均预期寿命79.72岁。", "79.72岁", "79.72", "years", None),
    ("城乡居民收入比缩小至2.21∶1。", "2.21∶1", "2.21", "ratio", None),
    ("收入比2.1∶1左右。", "2.1∶1左右", "2.1", "ratio", "approximately"),
    ("城镇新增就业65万人以上。", "65万人以上", "650000", "persons", "more than"),
    ("提高了1.5个百分点。", "1.5个百分点", "1.5", "percentage points", None),
    ("增长5.4倍。", "5.4倍", "5.4", "times", None),
    ("对美贸易下降超3成。", "超3成", "30", "percent", "more than"),
    ("旅客吞吐量突破5000万人次。", "突破5000万人次", "50000000", "person-times", "more than"),
    ("覆盖120多个城市。", "120多个", "120", "个", "more than"),
    ("新增就业六十五万人。", "六十五万人", "650000", "persons", None),
    ("增长百分之五。", "百分之五", "5", "percent", None),
    ("每千人口床位7.2张/千人。", "7.2张/千人", "7.2", "beds per 1,000 people", None),
    ("约30万人受益。", "约30万人", "300000", "persons", "approximately"),
    ("出生缺陷发生率控制在5‰以下。", "5‰以下", "5", "per mille", "at most"),
    ("孕产妇死亡率降至千分之一以下。", "千分之一以下", "1", "per mille", "at most"),
    ("近3万人受益。", "近3万人", "30000", "persons", "approximately"),
    ("人均预期寿命80岁以上。", "80岁以上", "80", "years", "more than"),
    ("新增养老床位1.2万张。", "1.2万张", "12000", "张", None),
    ("每万人口全科医生数达到3.5人。", "3.5人", "3.5", "persons", None),
    ("新建750千伏变电站。", "750千伏", "750", "kilovolts", None),
    ("城乡居民收入比缩小至2.54。", "2.54", "2.54", None, None),
])
def test_chinese_figure_forms(text, quote, value, unit, qualifier):
    found = find_quantities_zh(text)
    assert len(found) == 1, found
    q = found[0]
    assert text[q.start:q.end] == quote and q.value == Decimal(value) and q.unit == unit and q.qualifier == qualifier


def test_respectively_lists_give_one_figure_each():
    text = "学前教育毛入园率、义务教育巩固率、高中阶段和高等教育毛入学率分别达到93.5%、98.3%、98.5%、64.3%。"
    assert [text[q.start:q.end] for q in find_quantities_zh(text)] == ["93.5%", "98.3%", "98.5%", "64.3%"]


@pytest.mark.parametrize("text", [
    "一、2025年和“十四五”时期工作回顾",  # list numbering, a year, a plan name
    "（一）着力推动“四稳”政策落地。",  # list numbering, a quoted slogan
    "2026年1月28日在重庆市第六届人民代表大会第四次会议上",  # a date, session numbers
    "深入学习贯彻党的二十大、二十届历次全会精神",  # congress numbers
    "制定实施“30条”“20条”等增量政策",  # quoted policy names
    "安意法8英寸碳化硅晶圆项目建成，获得L3级自动驾驶准入",  # product specification, a name
    "时间：2026-02-03",  # an ISO date
])
def test_non_figures(text):
    assert find_quantities_zh(text) == []


@pytest.mark.parametrize("text", ["每一个市民", "坚持和落实“两个毫不动摇”", "建设关键零部件供应链枢纽", "推出一批文艺精品",
                                  "要重点把握三个方面", "落实中央八项规定精神", "经济总量迈上5万亿台阶"])
def test_chinese_numerals_inside_words_are_not_figures(text):
    assert find_quantities_zh(text) == []


def test_chinese_text_is_segmented_by_jieba_through_spacy_with_exact_offsets():
    from ingest.normalize import ParagraphSpan
    from ingest.sentences import describe, split
    from kg.search.lexical import tokenize

    text = "全市地区生产总值达到33757.93亿元、增长5.3%。建成老年食堂1733个，婴幼儿托位数增至14.6万个。"
    spans = split(text, [ParagraphSpan(0, len(text))], "zh")
    assert [text[a:b] for a, b, _ in spans] == ["全市地区生产总值达到33757.93亿元、增长5.3%。", "建成老年食堂1733个，婴幼儿托位数增至14.6万个。"]
    assert "jieba" in describe("zh")
    tokens = tokenize("重庆市基本养老保险参保人数是多少？", "zh")
    assert {"养老保险", "参保"} <= set(tokens) and "养老" in tokens  # jieba's words and character bigrams


def test_times_and_zero_ratios_are_not_ratios():
    assert find_quantities_zh("每天10:00开放，比分1:0。") == []
