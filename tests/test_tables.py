"""Tables: the readers keep each table's rows of cell spans, and a figure in a cell takes its metric
from the row's header, its period or region from the column's header, its unit from either
(ingest.tables); questions about it are answered, and traced to the cell."""

from __future__ import annotations

import io

import pytest

from ingest import process
from ingest.readers import read_bytes
from ingest.records import DocumentRecord

MANIFEST = "file,title,publisher,issued,language,kind\n"


def _docx_en(path):
    import docx

    d = docx.Document()
    d.add_paragraph("Health services in Haiyan County, Zhejiang Province, improved steadily in 2023.")
    d.add_paragraph("Main health indicators of Haiyan County in 2023:")
    t = d.add_table(rows=2, cols=2)  # an indicator table: no header row, the year in the caption
    for r, (name, value) in enumerate([("Hospital beds per 1,000 people", "7.9"), ("Life expectancy (years)", "82.4")]):
        t.cell(r, 0).text, t.cell(r, 1).text = name, value
    d.add_paragraph("Two years compared:")
    t = d.add_table(rows=3, cols=3)  # indicators by year
    for r, row in enumerate([("Indicator", "2022", "2023"), ("Licensed doctors per 1,000 people", "3.1", "3.4"),
                             ("Health insurance coverage", "95%", "96.5%")]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    d.save(str(path))


def _cells(rec, table):
    return [[rec.text[a:b] if (a, b) != (None, None) else None for a, b in (c or (None, None) for c in row)]
            for row in table.rows]


def _by_figure(rec):
    return {(rec.text[o.start:o.end], o.period_start): o for o in rec.observations}


def test_docx_tables_are_rows_of_cell_spans(tmp_path):
    path = tmp_path / "haiyan.docx"
    _docx_en(path)
    got = read_bytes(path.read_bytes(), path.name)
    assert [_cells(got, t) for t in got.tables] == [
        [["Hospital beds per 1,000 people", "7.9"], ["Life expectancy (years)", "82.4"]],
        [["Indicator", "2022", "2023"], ["Licensed doctors per 1,000 people", "3.1", "3.4"],
         ["Health insurance coverage", "95%", "96.5%"]],
    ]


def test_a_docx_figure_takes_its_metric_from_the_row_and_its_year_from_the_column(tmp_path):
    path = tmp_path / "haiyan.docx"
    _docx_en(path)
    rec = process(path, {"title": "Haiyan County health report", "issued": "2024-03-01", "language": "en"})
    table = rec.tables[0]
    obs = _by_figure(rec)
    beds = obs[("7.9", 2023)]  # the caption names the year of a table without a header row
    assert (beds.metric, beds.unit, beds.region) == ("Hospital beds per 1,000 people", "beds per 1,000 people", "330424")
    assert (beds.start, beds.end) == table.rows[0][1] and (beds.metric_start, beds.metric_end) == table.rows[0][0]
    assert beds.rule.endswith(":table-cell") and beds.status == "actual"
    life = obs[("82.4", 2023)]
    assert (life.metric, life.unit) == ("Life expectancy", "years")  # the bracketed unit is the unit, not the metric
    assert obs[("3.1", 2022)].metric == obs[("3.4", 2023)].metric == "Licensed doctors per 1,000 people"
    assert obs[("96.5%", 2023)].unit == "percent" and obs[("95%", 2022)].metric == "Health insurance coverage"
    assert not [o for o in rec.observations if not o.metric]  # no figure of a cell is left without its metric


def test_an_html_table(tmp_path):
    html = """<html><head><title>Haiyan health</title></head><body><article>
<h1>Haiyan County health report</h1>
<p>Haiyan County in Zhejiang Province improved its health services in 2023. The table lists the main indicators.</p>
<table>
<tr><th>Indicator</th><th>2022</th><th>2023</th></tr>
<tr><td>Hospital beds per 1,000 people</td><td>7.5</td><td>7.9</td></tr>
<tr><td>Life expectancy (years)</td><td>82.1</td><td>82.4</td></tr>
</table>
<p>More work remains to be done in the coming years, the report says.</p>
</article></body></html>"""
    path = tmp_path / "haiyan.html"
    path.write_text(html, encoding="utf-8")
    rec = process(path, {"title": "Haiyan County health report", "issued": "2024-03-01", "language": "en"})
    assert _cells(rec, rec.tables[0])[1] == ["Hospital beds per 1,000 people", "7.5", "7.9"]
    obs = _by_figure(rec)
    assert obs[("7.9", 2023)].metric == obs[("7.5", 2022)].metric == "Hospital beds per 1,000 people"
    assert obs[("82.4", 2023)].unit == "years"
    assert (obs[("7.9", 2023)].start, obs[("7.9", 2023)].end) == rec.tables[0].rows[1][2]


def test_a_pdf_table_whose_text_layer_keeps_the_grid(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    buf = io.BytesIO()
    styles = getSampleStyleSheet()
    SimpleDocTemplate(buf, pagesize=A4).build([
        Paragraph("Haiyan County health report", styles["Title"]),
        Paragraph("Haiyan County in <b>Zhejiang</b> Province improved its <b>health</b> services.", styles["Normal"]),
        Table([["Indicator", "2022", "2023"], ["Hospital beds per 1,000 people", "7.5", "7.9"],
               ["Life expectancy (years)", "82.1", "82.4"]]),
    ])
    path = tmp_path / "haiyan.pdf"
    path.write_bytes(buf.getvalue())
    rec = process(path, {"title": "Haiyan County health report", "issued": "2024-03-01", "language": "en"})
    assert len(rec.tables) == 1 and rec.tables[0].page == 1  # the line with words in bold is no table
    assert _cells(rec, rec.tables[0])[2] == ["Life expectancy (years)", "82.1", "82.4"]
    obs = _by_figure(rec)
    assert obs[("7.9", 2023)].metric == "Hospital beds per 1,000 people" and obs[("82.1", 2022)].unit == "years"


def test_a_chinese_table_with_a_target_column(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("浙江省海盐县卫生健康事业发展主要指标如下。")
    t = d.add_table(rows=3, cols=3)
    for r, row in enumerate([("指标", "2022年", "2025年目标"), ("每千人口医疗卫生机构床位数（张）", "7.5", "8"),
                             ("人均预期寿命（岁）", "82", "82.5")]):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    path = tmp_path / "haiyan.docx"
    d.save(str(path))
    rec = process(path, {"title": "海盐县卫生健康事业发展规划", "issued": "2023-06-01", "language": "zh"})
    obs = _by_figure(rec)
    beds, aim = obs[("7.5", 2022)], obs[("8", 2025)]
    assert beds.metric == aim.metric == "每千人口医疗卫生机构床位数"
    assert beds.unit == aim.unit and beds.unit.endswith("per 1,000 people")
    assert (beds.status, aim.status) == ("actual", "target")
    assert obs[("82.5", 2025)].unit == "years" and obs[("82.5", 2025)].metric == "人均预期寿命"


def test_a_record_written_before_tables_loads():
    rec = DocumentRecord("d", "/x", "0", "Some text.", "txt", "python", "en", "T")
    saved = rec.to_dict()
    saved.pop("tables")
    assert DocumentRecord.from_dict(saved).tables == []
    rec.tables = read_bytes(b"| a | b |\n|---|---|\n| c | 1 |\n", "t.md").tables
    assert DocumentRecord.from_dict(rec.to_dict()).tables == rec.tables


def test_the_question_about_a_table_row_is_answered_and_traced_to_its_cell(tmp_path, make_kb):
    folder = tmp_path / "docs"
    folder.mkdir()
    _docx_en(folder / "haiyan.docx")
    (folder / "manifest.csv").write_text(
        MANIFEST + "haiyan.docx,Haiyan County health report,,2024-03-01,en,report\n", encoding="utf-8")
    kb = make_kb()
    kb.ingest([folder])
    ans = kb.ask("How many hospital beds per 1,000 people did Haiyan County have in 2023?")
    assert ans.answered and ans.answer.startswith("7.9"), ans.answer
    (trace,) = kb.trace(ans.observations[0])
    rec = kb.document("haiyan")
    assert (trace.start, trace.end) == rec.tables[0].rows[0][1] and trace.metric == "Hospital beds per 1,000 people"
    assert trace.unit == "beds per 1,000 people" and trace.period == "2023" and trace.rule.endswith(":table-cell")
    assert kb.validate().conforms


@pytest.mark.parametrize("language", ["en", "zh"])
def test_prose_in_a_cell_is_left_to_the_sentence_rules(tmp_path, language):
    import docx

    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    rows = ([("Item", "Progress"), ("Clinics", "The county built 12 new clinics in 2023, more than planned.")]
            if language == "en" else [("项目", "进展"), ("诊所", "全县2023年新建诊所12个，超额完成任务。")])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    path = tmp_path / "prose.docx"
    d.save(str(path))
    rec = process(path, {"title": "Progress", "issued": "2024-03-01", "language": language})
    assert [o.rule.endswith(":table-cell") for o in rec.observations if rec.text[o.start:o.end].startswith("12")] == [False]


ITEMS = [("序号", "服务项目", "服务对象", "服务内容", "服务标准", "支付和保障责任", "牵头负责单位"),
         ("（二）儿童健康服务",) * 7,
         ("1", "新生儿访视", "辖区内居住的新生儿", "提供新生儿访视、新生儿疾病筛查服务", "按照《国家基本公共卫生服务规范》执行",
          "财政补助", "省卫生健康委"),
         ("2", "儿童健康管理", "辖区内居住的0-6岁儿童", "为0-6岁儿童提供13次健康检查", "每年健康管理率达到90%以上",
          "财政补助", "省卫生健康委"),
         ("（十）公共卫生服务",) * 7,
         ("3", "老年人健康管理", "辖区内65岁及以上常住居民", "每年提供1次健康管理服务", "按照规范执行", "财政补助", "省卫生健康委")]


def test_an_implementation_standards_table_becomes_service_items_linked_to_the_national_categories(tmp_path, make_kb):
    import docx

    d = docx.Document()
    d.add_paragraph("浙江省基本公共服务实施标准（2023年版）")
    t = d.add_table(rows=len(ITEMS), cols=7)
    for r, row in enumerate(ITEMS):
        if len(set(row)) == 1:  # a heading row across the table
            t.cell(r, 0).merge(t.cell(r, 6)).text = row[0]
            continue
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    folder = tmp_path / "docs"
    folder.mkdir()
    d.save(str(folder / "zhejiang.docx"))
    (folder / "manifest.csv").write_text(MANIFEST + "zhejiang.docx,浙江省基本公共服务实施标准（2023年版）,,2023-06-01,zh,standard\n",
                                         encoding="utf-8")
    kb = make_kb()
    kb.ingest([folder])
    rec = kb.document("zhejiang")
    items = {e.label: e for e in rec.entities if e.type == "service-item"}
    assert set(items) == {"新生儿访视", "儿童健康管理", "老年人健康管理"}
    visit = items["新生儿访视"]
    assert visit.region == "330000" and visit.details == {
        "target": "辖区内居住的新生儿", "content": "提供新生儿访视、新生儿疾病筛查服务",
        "standard": "按照《国家基本公共卫生服务规范》执行", "payment": "财政补助", "responsible": "省卫生健康委",
        "category": "儿童健康服务"}
    assert items["老年人健康管理"].details["category"] == "公共卫生服务"
    listed = {r["label"]: r for r in kb.entities(type="service-item")}
    assert set(listed) == set(items)
    std = "https://policykg.org/id/standard/national-basic-public-service-standards-2021/"
    links = {r["label"]: str(r["category"]) for r in kb.sparql(
        "SELECT ?label ?category WHERE { ?item a pkg:ServiceItem ; skos:prefLabel ?label ; skos:broadMatch ?category }"
    ).records()}
    assert links == {"新生儿访视": std + "1.2", "儿童健康管理": std + "1.2", "老年人健康管理": std + "4.10"}
    page = kb.entity(listed["新生儿访视"]["iri"])
    assert {str(f["property"]).rsplit("#", 1)[-1] for f in page["facts"]} >= {"targetGroup", "serviceContent",
                                                                             "serviceStandard", "responsibleBody"}
    assert [m["text"] for m in page["mentions"]] == ["新生儿访视"]
    assert kb.validate().conforms
