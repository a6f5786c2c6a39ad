"""The staff workbench: documents uploaded and removed from the app, citations scrolled into view,
every view exported, tables that fit, and screenshots of every tab at 1,400 and 420 px.

The first tests need no browser: the upload file names the app accepts, ``KnowledgeBase.remove``
and the Turtle of one document or entity. The rest drive ``python app.py`` (over the five Chinese
reports of ``test_compare``, hashing embedder) in headless Chromium, in order: upload an English
.docx, a Chinese .txt (each a long report with web page furniture at its top) and a broken PDF; ask
about each; read the downloads; remove the upload and check its facts are gone.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.interfaces.web import upload_target

# -- documents made for the tests ------------------------------------------------------------------
FURNITURE = ["下载", "打印", "全屏", "分享到：微信 微博", "【字体：大 中 小】", "Print | Download | Full screen"]
EN_SENTENCE = "The school meal subsidy in Lakeside County reached 7.25 yuan per student per day in 2024."
EN_QUESTION = "What was the school meal subsidy per student per day in Lakeside County?"
ZH_SENTENCE = "临湖县学生营养餐补助标准达到每生每天7.25元。"
ZH_QUESTION = "临湖县学生营养餐补助标准是多少？"


def write_docx(path: Path) -> Path:
    docx = pytest.importorskip("docx", reason="python-docx is not installed")
    d = docx.Document()
    for line in FURNITURE:
        d.add_paragraph(line)
    d.add_paragraph("Lakeside County Education Report 2024")
    for i in range(1, 41):
        d.add_paragraph(f"Section {i}. The county continued routine work on school buildings, teacher training and "
                        f"library collections, and reviewed the maintenance plans of district {i} with the township offices.")
    d.add_paragraph("The Lakeside County Education Bureau inspected the county's schools in May.")
    d.add_paragraph(EN_SENTENCE)
    for i in range(1, 41):
        d.add_paragraph(f"Annex {i}. Further notes on transport, sports grounds and canteen hygiene for school cluster {i}.")
    d.save(str(path))
    return path


def write_zh(path: Path) -> Path:
    parts = [f"第{i}部分。全县继续推进校舍维护、教师培训和图书馆建设，并与乡镇共同研究第{i}学区的维修计划。" for i in range(1, 41)]
    parts += [ZH_SENTENCE] + [f"附件{i}。关于交通、运动场和食堂卫生的补充说明。" for i in range(1, 41)]
    path.write_text("\n".join(FURNITURE) + "\n临湖县2024年教育工作报告\n\n" + "\n\n".join(parts) + "\n", encoding="utf-8")
    return path


# -- no browser ------------------------------------------------------------------------------------


def test_upload_names_are_kept_and_names_that_escape_are_refused(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    assert upload_target(folder, "2024 报告 (final).docx") == folder / "2024 报告 (final).docx"
    for bad in ["../evil.txt", "a/b.txt", "..", ".", "", "  ", ".hidden.txt", "c:\\x\\y.txt", "nul\0.txt"]:
        with pytest.raises(ValueError):
            upload_target(folder, bad)
    with pytest.raises(ValueError, match="unsupported file type"):
        upload_target(folder, "tool.exe")
    (tmp_path / "outside.txt").write_text("x", encoding="utf-8")
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(ValueError):
        upload_target(folder, "link.txt")


def _ask_iri(kb, iri: str) -> bool:
    return kb.sparql(f"ASK {{ <{iri}> ?p ?o }}").boolean


def test_remove_retracts_an_uploaded_document_and_refuses_corpus_ones(make_kb, tiny_corpus):
    from kg.graph.export import document_graph, entity_graph
    from kg.graph.namespaces import doc_iri

    kb = make_kb()
    kb.ingest([tiny_corpus])
    corpus_doc = next(iter(kb.state.docs))
    kb.uploads.mkdir()
    (kb.uploads / "lakeside.txt").write_text("Lakeside County Report\n\nThe Zhejiang Provincial Health Commission "
                                             "published it. " + EN_SENTENCE + "\n", encoding="utf-8")
    report = kb.ingest([kb.uploads])
    (doc,) = report.added
    assert kb.uploaded(doc) and not kb.uploaded(corpus_doc)
    assert _ask_iri(kb, str(doc_iri(doc))) and doc in kb.records

    turtle = document_graph(kb, doc).decode("utf-8")  # the document's own named graph, as Turtle
    assert "7.25" in turtle and "@prefix" in turtle and str(doc_iri(doc)) in turtle
    entity = next(e["iri"] for e in kb.entities() if doc in e["docs"])
    assert f"<{entity}>" in entity_graph(kb, entity).decode("utf-8")

    with pytest.raises(ValueError, match="not uploaded"):
        kb.remove([corpus_doc])
    with pytest.raises(ValueError, match="no such document"):
        kb.remove(["no-such-doc"])
    assert corpus_doc in kb.state.docs and (kb.uploads / "lakeside.txt").exists()  # nothing removed

    report = kb.remove([doc])
    assert report.removed == [doc]
    assert doc not in kb.records and doc not in kb.state.docs and not (kb.uploads / "lakeside.txt").exists()
    assert not _ask_iri(kb, str(doc_iri(doc)))
    assert all(h.doc_id != doc for h in kb.search("school meal subsidy Lakeside", k=10))
    assert corpus_doc in kb.state.docs  # the corpus is untouched
    assert not list((kb.uploads / ".removed").iterdir())


# -- in the browser ------------------------------------------------------------------------------------
TABS = ["Ask", "Figures", "Compare", "Entities", "SPARQL", "Documents"]
TABLES = ["figures-table", "compare-table", "entities-table", "sparql-table", "documents-table"]

# Where the highlighted sentence of the document box in ``panel`` is, relative to the box's visible rectangle.
CITED_PLACE = """(panel) => {
  const mark = document.querySelector(panel + ' .doc-box .cited');
  if (!mark) return null;
  const box = mark.closest('.doc-box'), m = mark.getBoundingClientRect(), b = box.getBoundingClientRect();
  return {inside: m.height > 0 && m.top >= b.top && m.bottom <= b.bottom, scrolled: box.scrollTop,
          scrollable: box.scrollHeight > box.clientHeight + 50, pageY: window.scrollY,
          figures: Array.from(mark.querySelectorAll('.figure')).map((f) => f.textContent)};
}"""
# How a table sits in its page: does its content overflow its own box sideways, and can that box scroll?
TABLE_FIT = """(id) => {
  const port = document.querySelector('#' + id + ' .virtual-table-viewport');
  if (!port) return null;
  const r = port.getBoundingClientRect();
  return {overflow: port.scrollWidth - port.clientWidth, scrolls: getComputedStyle(port).overflowX,
          right: r.right, page: document.documentElement.clientWidth};
}"""


@pytest.fixture(scope="module")
def tb():
    """test_browser's helpers (App, Chromium, screenshots); skips the browser tests where they cannot run."""
    return pytest.importorskip("test_browser")


@pytest.fixture(scope="module")
def app(tb, tmp_path_factory):
    from test_compare import write_reports

    root = tmp_path_factory.mktemp("workbench")
    with tb.App.serving(root / "home", write_reports(root / "reports")) as running:
        yield running


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("uploads")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    return {"en": write_docx(folder / "lakeside-report.docx"), "zh": write_zh(folder / "linhu-report.txt"),
            "broken": folder / "broken.pdf"}


@pytest.fixture(scope="module")
def browser(tb):
    with tb.sync_api.sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=str(tb.CHROMIUM), args=["--no-sandbox"])
        except Exception as exc:
            pytest.skip(f"Chromium at {tb.CHROMIUM} does not start under Playwright: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tb, tmp_path_factory) -> list[Path]:
    folders = [tmp_path_factory.mktemp("screenshots")]
    try:
        out = tb.REPO / "bench" / "out" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        folders.append(out)
    except OSError:
        pass
    return folders


@pytest.fixture(scope="module")
def page(tb, app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(tb.WAIT_MS)
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.goto(app.url, wait_until="load")
    pg.wait_for_selector("button[role=tab]")
    yield pg
    context.close()


def open_tab(page, name: str) -> None:
    """Select a tab, through the "More tabs" menu where a narrow screen puts it."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.count() and tab.first.is_visible():
        tab.first.click()
    else:
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).first.click()
    page.wait_for_timeout(300)


def figure_count(page) -> int:
    m = re.match(r"(\d+) figure", page.locator("#figures-message").inner_text().strip())
    return int(m.group(1)) if m else -1


def download(page, selector: str) -> Path:
    with page.expect_download() as info:
        page.locator(selector).click()
    return Path(info.value.path())


def ask(page, question: str, n: int) -> None:
    open_tab(page, "Ask")
    page.get_by_label("Question").fill(question)
    page.get_by_label("Question").press("Enter")
    page.locator("#ask-chat [data-testid=bot]").nth(n - 1).wait_for()


def sparql_ask(app, query: str) -> bool:
    url = app.url + "sparql?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"}),
                                timeout=30) as r:
        return json.loads(r.read())["boolean"]


@pytest.fixture(scope="module")
def uploaded(tb, page, files) -> dict:
    """The three files uploaded from the Documents tab; what the page said, and the figure count before."""
    open_tab(page, "Figures")
    page.wait_for_function("() => /\\d+ figure/.test(document.querySelector('#figures-message').innerText)")
    before = figure_count(page)
    open_tab(page, "Documents")
    page.locator("#documents-upload input[type=file]").set_input_files([str(files[k]) for k in ("en", "zh", "broken")])
    outcome = page.locator("#documents-outcome")
    # the progress line names the file being read too: wait for the outcome of the last one
    tb.sync_api.expect(outcome).to_contain_text(re.compile(r"broken\.pdf · failed"), timeout=120_000)
    return {"before": before, "outcome": outcome.inner_text()}


@pytest.mark.slow
def test_upload_reports_each_file_and_the_tables_refresh(tb, page, uploaded):
    outcome = uploaded["outcome"]
    assert re.search(r"lakeside-report\.docx · added as lakeside-report", outcome), outcome
    assert re.search(r"linhu-report\.txt · added as linhu-report", outcome), outcome
    assert re.search(r"broken\.pdf · failed: .*not kept", outcome), outcome
    page.wait_for_function("() => document.querySelector('#documents-table').innerText.includes('linhu-report')")
    rows = {r[0]: r for r in tb.table_rows(page, "documents-table")}
    assert rows["lakeside-report"][6] == "uploaded" and rows["linhu-report"][6] == "uploaded"
    assert rows["hunan"][6] == "corpus" and "broken" not in " ".join(rows)
    status = page.locator("#status")
    tb.sync_api.expect(status).to_contain_text("8 document(s) · last upload: 2 added, 1 failed")
    assert re.match(r"Ready · \S", status.inner_text().strip())
    # the Figures tab reads its table again when the upload finished: no reload
    open_tab(page, "Figures")
    page.wait_for_function(f"() => parseInt(document.querySelector('#figures-message').innerText) > {uploaded['before']}")
    assert page.locator("#figures-year input, #figures-year textarea").first.input_value() == ""  # not "0"


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_cited_sentence_is_scrolled_into_view_with_its_figure_marked(tb, page, uploaded, language):
    question, sentence = (EN_QUESTION, EN_SENTENCE) if language == "en" else (ZH_QUESTION, ZH_SENTENCE)
    n = page.locator("#ask-chat [data-testid=bot]").count() + 1
    ask(page, question, n)
    tb.sync_api.expect(page.locator("#ask-document .cited")).to_have_text(sentence)
    page.wait_for_function(f"() => ({CITED_PLACE})('#ask-document')?.inside")
    place = page.evaluate(CITED_PLACE, "#ask-document")
    assert place["scrollable"] and place["scrolled"] > 0, place  # a long document, scrolled within its box
    assert place["figures"] == ["7.25 yuan per student per day" if language == "en" else "7.25元"], place
    assert place["pageY"] == 0  # the page stays where it was: the chat is still in view
    chat = page.locator("#ask-chat").bounding_box()
    assert 0 <= chat["y"] < page.viewport_size["height"]
    # the trace of the stated figure, once its accordion opens
    page.get_by_role("button", name=re.compile("Trace of the stated figures")).click()
    page.wait_for_function(f"() => ({CITED_PLACE})('#ask-trace')?.inside")
    page.get_by_role("button", name=re.compile("Trace of the stated figures")).click()


@pytest.mark.slow
def test_the_documents_tab_scrolls_to_what_is_found_and_exports_turtle(tb, page, uploaded):
    open_tab(page, "Documents")
    tb.choose(page, "documents-pick", "linhu-report")
    page.locator("#documents-find textarea, #documents-find input").first.fill("营养餐补助")
    page.locator("#documents-find textarea, #documents-find input").first.press("Enter")
    tb.sync_api.expect(page.locator("#documents-view .cited")).to_have_text("营养餐补助")
    page.wait_for_function(f"() => ({CITED_PLACE})('#documents-view')?.inside")
    assert page.evaluate(CITED_PLACE, "#documents-view")["scrolled"] > 0
    tb.sync_api.expect(page.locator("#documents-turtle")).to_be_enabled()
    turtle = download(page, "#documents-turtle").read_text(encoding="utf-8")
    import rdflib

    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    texts = {str(o) for o in graph.objects()}
    assert ZH_SENTENCE in texts and "https://policykg.org/id/doc/linhu-report" in turtle
    assert not any("hunan" in str(s) for s in graph.subjects())  # only this document's graph


@pytest.mark.slow
def test_figures_and_entities_export_their_tables(tb, page, uploaded):
    open_tab(page, "Figures")
    page.locator("#figures-metric textarea, #figures-metric input").first.fill("school meal")
    page.locator("#figures-go").click()
    tb.sync_api.expect(page.locator("#figures-message")).to_have_text("1 figure(s)")
    shown = tb.table_rows(page, "figures-table")
    rows = list(csv.reader(io.StringIO(download(page, "#figures-csv").read_text(encoding="utf-8"))))
    assert rows[0][:12] == ["value", "unit", "metric", "indicator", "region", "period", "group", "qualifier", "status",
                            "role", "doc", "quote"] and rows[0][-1] == "iri"
    assert len(rows) == 1 + len(shown) == 2 and rows[1][11] == "7.25 yuan per student per day"
    data = json.loads(download(page, "#figures-json").read_text(encoding="utf-8"))
    assert [d["quote"] for d in data] == ["7.25 yuan per student per day"] and data[0]["doc"] == "lakeside-report"

    open_tab(page, "Entities")
    page.locator("#entities-name textarea, #entities-name input").first.fill("Lakeside")
    page.locator("#entities-go").click()
    page.wait_for_function("""() => {
      const rows = Array.from(document.querySelectorAll('#entities-table [role=row].virtual-row'));
      return rows.length > 0 && rows.every((r) => r.innerText.includes('Lakeside'));
    }""")
    shown = tb.table_rows(page, "entities-table")
    rows = list(csv.reader(io.StringIO(download(page, "#entities-csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["type", "label", "code", "role", "docs", "iri"] and len(rows) == 1 + len(shown)
    assert all("Lakeside" in r[1] for r in rows[1:])
    data = json.loads(download(page, "#entities-json").read_text(encoding="utf-8"))
    assert [d["label"] for d in data] == [r[1] for r in rows[1:]]
    page.locator("#entities-table [data-testid='cell-0-1']").click()
    tb.sync_api.expect(page.locator("#entities-page")).to_contain_text(data[0]["iri"])
    tb.sync_api.expect(page.locator("#entities-turtle")).to_be_enabled()
    turtle = download(page, "#entities-turtle").read_text(encoding="utf-8")
    assert f"<{data[0]['iri']}>" in turtle and "lakeside-report" in turtle


@pytest.mark.slow
def test_tables_fit_at_1400_and_scroll_inside_their_box_on_a_phone(tb, page, uploaded, browser, app, shots):
    for tab, table in zip(["Figures", "Compare", "Entities", "SPARQL", "Documents"], TABLES):
        open_tab(page, tab)
        if tab == "SPARQL":
            page.locator("#sparql-run").click()
            tb.sync_api.expect(page.locator("#sparql-message")).to_contain_text("row(s)")
        if tab == "Compare":
            page.locator("#compare-go").click()
            page.wait_for_selector("#compare-table [role=row].virtual-row")
        fit = page.evaluate(TABLE_FIT, table)
        assert fit is not None and fit["overflow"] <= 1 and fit["right"] <= fit["page"], (table, fit)

    context = browser.new_context(viewport={"width": 420, "height": 900}, accept_downloads=True, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(app.url, wait_until="load")
        phone.wait_for_selector("button[role=tab]")
        for tab, table in [("Figures", "figures-table"), ("Documents", "documents-table")]:
            open_tab(phone, tab)
            phone.wait_for_selector(f"#{table} [role=row].virtual-row")
            fit = phone.evaluate(TABLE_FIT, table)
            assert fit["overflow"] > 0 and fit["scrolls"] in ("auto", "scroll"), (table, fit)  # scrolls sideways
            assert fit["right"] <= fit["page"] + 1, (table, fit)  # inside the page, not cut off by it
        assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


@pytest.mark.slow
def test_a_sparql_error_shows_an_empty_table_and_the_message_once(tb, page, uploaded):
    open_tab(page, "SPARQL")
    page.locator("#sparql-query .cm-content").fill("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    page.locator("#sparql-run").click()
    message = page.locator("#sparql-message")
    tb.sync_api.expect(message).to_contain_text("SPARQL Update is not allowed")
    text = message.inner_text()
    assert text.count("SPARQL error") == 1 and text.count("policykg ingest") == 1 and "`" not in text, text
    assert message.locator("code").inner_text() == "policykg ingest"
    headers = [h.strip() for h in page.locator("#sparql-table th").all_inner_texts()]
    assert not any(h in ("1", "2", "3") for h in headers), headers
    assert page.locator("#sparql-table [role=row].virtual-row").count() == 0


@pytest.mark.slow
def test_screenshots_of_every_tab_at_1400_and_420(tb, page, uploaded, browser, app, shots):
    open_tab(page, "Ask")
    paths = []
    for tab in TABS:
        open_tab(page, tab)
        paths.append(tb.screenshot(page, shots, f"workbench-1400-{tab.lower()}"))
    context = browser.new_context(viewport={"width": 420, "height": 900}, is_mobile=True)
    phone = context.new_page()
    phone.errors = []
    phone.on("pageerror", lambda exc: phone.errors.append(str(exc)))
    try:
        phone.goto(app.url, wait_until="load")
        phone.wait_for_selector("button[role=tab]")
        phone.wait_for_timeout(1000)
        for tab in TABS:
            open_tab(phone, tab)
            phone.wait_for_timeout(500)
            paths.append(tb.screenshot(phone, shots, f"workbench-420-{tab.lower()}"))
        assert not phone.errors, phone.errors
    finally:
        context.close()
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, path
    assert not page.errors, page.errors


@pytest.mark.slow
def test_removing_the_upload_retracts_its_facts(tb, app, page, uploaded):
    doc = "https://policykg.org/id/doc/lakeside-report"
    assert sparql_ask(app, f"ASK {{ <{doc}> ?p ?o }}")
    open_tab(page, "Documents")
    tb.choose(page, "documents-pick", "hunan")  # a corpus document says why it stays
    page.locator("#documents-remove").click()
    tb.sync_api.expect(page.locator("#documents-outcome")).to_contain_text("cannot be removed here")
    assert "part of the corpus" in page.locator("#documents-outcome").inner_text()

    tb.choose(page, "documents-pick", "lakeside-report")
    page.locator("#documents-remove").click()
    tb.sync_api.expect(page.locator("#documents-outcome")).to_contain_text("lakeside-report · removed", timeout=120_000)
    page.wait_for_function("() => !document.querySelector('#documents-table').innerText.includes('lakeside-report')")
    assert not sparql_ask(app, f"ASK {{ <{doc}> ?p ?o }}")
    assert not sparql_ask(app, 'ASK { ?s ?p ?o FILTER (CONTAINS(STR(?o), "Lakeside County reached")) }')
    n = page.locator("#ask-chat [data-testid=bot]").count() + 1
    ask(page, EN_QUESTION, n)
    tb.sync_api.expect(page.locator("#ask-chat [data-testid=bot]")).to_have_count(n)
    assert "7.25" not in page.locator("#ask-chat [data-testid=bot]").nth(n - 1).inner_text()
    assert "lakeside-report" not in page.locator("#ask-citations").inner_text()
    tb.sync_api.expect(page.locator("#status")).to_contain_text("7 document(s) · last removal: 1 removed")
    assert not page.errors, page.errors
