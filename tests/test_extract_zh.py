"""Chinese observations on small reports written for the tests: metrics, counted units in English,
rates per head, lists without 分别, regions by clause, periods framed by paragraphs, targets."""

import pytest

from conftest import figures, processed

REPORT = """2026年湖北省某市政府工作报告
一、2025年工作回顾
过去一年，我们主要做了以下工作：
一是民生持续改善。城镇新增就业12.5万人，建成老年食堂320个，47家县级医院共享三级医院服务。
每千人床位数、执业（助理）医师数增至7.83张、3.57个，每千人托位、养老床位数分别达到4.7个、27.3张。
村卫生室医保定点实现全覆盖，人均预期寿命提升到79岁。
深入贯彻习近平新时代中国特色社会主义思想，全市地区生产总值增长5.1%。城乡居民收入比缩小至2.54。
二是区县协调发展。武汉市地区生产总值增长6%，宜昌市规上工业增加值增长7%。
要重点把握三个方面，落实中央八项规定精神。新建750千伏变电站2座。
二、2026年工作安排
开展家庭医生签约服务200万人以上，扩充普通高中公办学位8000个。
"""


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    return processed(tmp_path_factory.mktemp("zh"), REPORT, "2026年宜昌市政府工作报告", "2026-01-20", language="zh")


@pytest.fixture(scope="module")
def by_quote(record):
    return figures(record)


def test_counted_nouns_get_english_units_from_the_glossary(by_quote):
    canteens = by_quote["320个"]
    assert canteens.unit == "elderly canteens" and canteens.unit_zh == "老年食堂" and canteens.metric == "老年食堂"
    assert by_quote["12.5万人"].unit == "persons" and by_quote["12.5万人"].metric == "城镇新增就业"


def test_a_counted_noun_stops_at_the_verb_after_it(by_quote):
    assert by_quote["47家"].unit_zh == "县级医院" and by_quote["47家"].unit.endswith("hospitals")


def test_rates_per_head_and_lists_joined_by_commas_alone(by_quote):
    assert by_quote["7.83张"].unit == "beds per 1,000 people"
    assert by_quote["3.57个"].metric == "执业（助理）医师数" and by_quote["3.57个"].unit.endswith("per 1,000 people")
    assert by_quote["4.7个"].unit == "childcare places per 1,000 people"
    assert by_quote["27.3张"].unit.endswith("beds per 1,000 people")  # the list's first item says "per 1,000"


def test_regions_come_from_whole_words_in_the_figures_clause(record, by_quote):
    assert record.subject_region == "420500"  # Yichang, from the title
    assert by_quote["79岁"].region == "420500"  # not 保定 inside 医保定点
    assert by_quote["5.1%"].region == "420500"  # not China from 中国特色
    assert by_quote["6%"].region == "420100"  # 武汉市 in its own clause
    assert by_quote["7%"].region == "420500"  # 宜昌市 opens the next clause


def test_bare_ratios_slogans_and_kilovolts(by_quote):
    assert by_quote["2.54"].unit == "ratio" and by_quote["2.54"].metric == "城乡居民收入比"
    assert not {"三个", "八项"} & set(by_quote)  # small counts in words name slogans
    assert "750千" not in by_quote and by_quote["2座"].value == "2"


def test_periods_framed_by_headings_and_colon_paragraphs(by_quote):
    assert (by_quote["12.5万人"].period_start, by_quote["12.5万人"].period_end) == (2025, 2025)
    assert by_quote["79岁"].period_start == 2025  # "过去一年 …：" frames the paragraphs after it
    signing = by_quote["200万人以上"]
    assert signing.period_start == 2026 and signing.status == "target"  # a report of January 2026 on 2026
    assert by_quote["8000个"].status == "target"


PLANS = """2026年某省政府工作报告
五年来，城镇新增就业累计达到320万人。
今年主要预期目标是：城镇新增就业60万人以上，城镇调查失业率5.5%左右。
“十五五”时期，常住人口城镇化率达到70%。力争到2030年，人均预期寿命达到80岁以上。
到2025年，普惠托位达到2万个。
"""


def test_plan_periods_and_targets(tmp_path):
    rec = processed(tmp_path, PLANS, "2026年湖南省政府工作报告", "2026-02-03", language="zh")
    got = {rec.text[o.start:o.end]: (o.period_start, o.period_end, o.status) for o in rec.observations}
    assert got["320万人"] == (2021, 2025, "actual")  # 五年来, looking back from a report of February 2026
    assert got["60万人以上"] == (2026, 2026, "target") and got["5.5%左右"][2] == "target"  # 今年主要预期目标
    assert got["70%"] == (2026, 2030, "target")  # 十五五
    assert got["80岁以上"] == (2030, 2030, "target")  # 力争到2030年
    assert got["2万个"][:2] == (2025, 2025)


ENTITIES = """2026年重庆市政府工作报告
重庆市人民政府市长 胡衡华
在党中央、国务院坚强领导下，在中共重庆市委直接领导下，市政府认真履职。
深入学习贯彻习近平总书记重要讲话精神，推进中西部地区协同发展，建设3家公立医院。
"""


def test_organizations_and_people_in_chinese_text(tmp_path):
    rec = processed(tmp_path, ENTITIES, "2026年重庆市政府工作报告", "2026-01-28", language="zh")
    ents = {e.label: e for e in rec.entities}
    mayor = ents["胡衡华"]
    assert mayor.type == "person" and mayor.role == "市长" and mayor.organization == ents["重庆市人民政府"].key
    assert ents["重庆市人民政府"].label_en == "Chongqing Municipality People's Government"
    assert ents["重庆市人民政府"].region == "500000" and ents["市政府"].region == "500000"  # the report's city
    assert ents["习近平"].role == "总书记"
    assert {"党中央", "国务院", "中共重庆市委"} <= {e.label for e in rec.entities if e.type == "organization"}
    assert not {"中西部", "公立医院"} & set(ents)  # a direction and a kind of facility are not bodies
    for m in rec.mentions:
        assert rec.text[m.start:m.end] in ents.get(rec.text[m.start:m.end], rec.entities[0]).aliases | {rec.text[m.start:m.end]}


def test_framing_words_are_not_part_of_a_chinese_indicator():
    from kg.graph.indicators import normalise

    assert normalise("每年城镇新增就业") == normalise("城镇新增就业") == normalise("力争城镇新增就业")
    assert normalise("城乡低保平均标准分别") == "城乡低保平均标准"
    assert normalise("城镇新增就业") != normalise("农村新增就业")


STANDARD = """某省基本公共服务实施标准（2023年版）
服务内容：为0-6岁儿童免费提供13次健康检查，为35-64岁农村妇女提供宫颈癌检查服务。
人均基本公共卫生服务经费补助标准提高到每人每年94元。
残疾人两项补贴标准分别为每人每月80元、90元。
"""


def test_amounts_per_person_and_period_in_an_implementation_standard(tmp_path):
    rec = processed(tmp_path, STANDARD, "某省基本公共服务实施标准（2023年版）", "2023-06-01", language="zh")
    got = figures(rec)
    assert got["94元"].unit == "yuan per person per year" and got["94元"].metric == "人均基本公共卫生服务经费补助标准"
    assert got["80元"].unit == got["90元"].unit == "yuan per person per month"  # the list shares 每人每月
    assert not any(q.startswith(("6岁", "64岁")) for q in got)  # age ranges name who is served


PRESS = """国家医保局举行新闻发布会
2025年1月15日，国家医保局新闻发言人李明在新闻发布会上介绍，截至2024年底，全国基本医疗保险参保人数达13.26亿人。
2024年，全国职工医保统筹基金收入2.4万亿元，同比增长5.6%。
"""


def test_a_press_release_dated_lead_same_subject_and_spokesperson(tmp_path):
    rec = processed(tmp_path, PRESS, "国家医保局举行新闻发布会", "2025-01-15", language="zh")
    got = figures(rec)
    insured = got["13.26亿人"]
    assert (insured.period_start, insured.status, insured.region) == (2024, "actual", "100000")  # 截至2024年底, not the date
    assert got["5.6%"].metric == "全国职工医保统筹基金收入" and got["5.6%"].role == "change"  # 同比增长: the same subject
    ents = {e.label: e for e in rec.entities}
    assert ents["国家医保局"].label_en == "National Healthcare Security Administration"  # jieba cuts it in two
    assert ents["李明"].role == "发言人" and ents["李明"].organization == ents["国家医保局"].key
