"""The app in a real browser (Chromium through Playwright): the Compare tab's chart, map, table,
traces and downloads, the Figures tab's chart, escaping, and a screenshot of every tab; and, over a
second app whose one document is full of markup, that chat bubbles, citations, document and trace
views, tables and messages show text as text.

One ``app.py`` is started for the module, as a user starts it, over a small knowledge base built
from the five Chinese reports of ``test_compare`` with the hashing embedder (no chart depends on
the model). Playwright's own browser download does not work on this project's machines, so the
Debian package's ``/usr/bin/chromium`` is launched. Pages are loaded with ``wait_until="load"``
and then waited on by selector (Gradio keeps a connection open: "networkidle" never settles).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("POLICYKG_CHROMIUM", "/usr/bin/chromium"))
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set POLICYKG_CHROMIUM)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from test_compare import REPORTS, write_reports  # noqa: E402

from kg.compare import ROW_FIELDS  # noqa: E402
from kg.interfaces import charts  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 120.0
WAIT_MS = 20_000
sync_api.expect.set_options(timeout=WAIT_MS)
EVIL = "<b>bold</b><img src=x onerror=alert(1)>"
TABS = ["Ask", "Figures", "Compare", "Entities", "SPARQL", "Documents"]


# --------------------------------------------------------------------------- the app


class App:
    """``python app.py`` in its own session, its output kept, stopped by its process group."""

    def __init__(self, home: Path, corpus: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        env = dict(os.environ, POLICYKG_HOME=str(home), POLICYKG_CORPUS=str(corpus), POLICYKG_EMBEDDER="hash",
                   POLICYKG_EMBEDDER_ZH="hash", PYTHONUNBUFFERED="1", GRADIO_ANALYTICS_ENABLED="False",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "app.py", "--home", str(home), "--port", str(self.port), "--host", "127.0.0.1"],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace", start_new_session=True)
        self.lines: deque[str] = deque(maxlen=300)
        self.ready = threading.Event()
        self.failed: str | None = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in iter(self.proc.stdout.readline, ""):
            self.lines.append(line.rstrip("\n"))
            if line.startswith("ready:"):
                self.ready.set()
            elif line.startswith("build failed"):
                self.failed = line
                self.ready.set()
        self.proc.stdout.close()

    def log(self) -> str:
        return "\n".join(self.lines)

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"app.py exited with {self.proc.returncode}:\n{self.log()}")
            if self.failed:
                pytest.fail(f"the build failed: {self.failed}\n{self.log()}")
            if self.ready.wait(0.5):
                try:
                    with urllib.request.urlopen(self.url + "healthz", timeout=2) as r:
                        if json.loads(r.read()).get("ok"):
                            return
                except (OSError, ValueError):
                    pass
        pytest.fail(f"app.py not ready within {timeout:.0f} s:\n{self.log()}")

    @classmethod
    @contextmanager
    def serving(cls, home: Path, corpus: Path):
        """An app on ``home`` and ``corpus``, ready (its build done), stopped on leaving."""
        running = cls(home, corpus)
        try:
            running.wait(STARTUP_TIMEOUT)
            yield running
        finally:
            running.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self.reader.join(timeout=5)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    with App.serving(root / "home", write_reports(root / "reports")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        except Exception as exc:  # a broken install is a skip with the reason, not an error in every test
            pytest.skip(f"Chromium at {CHROMIUM} does not start under Playwright: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> list[Path]:
    """Folders screenshots are written to: a temporary one, and bench/out/screenshots/ when it can be made."""
    folders = [tmp_path_factory.mktemp("screenshots")]
    try:
        out = REPO / "bench" / "out" / "screenshots"
        out.mkdir(parents=True, exist_ok=True)
        folders.append(out)
    except OSError:
        pass
    return folders


def screenshot(page, shots: list[Path], name: str) -> Path:
    path = shots[0] / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    for folder in shots[1:]:
        shutil.copy(path, folder / path.name)
    return path


def choose(page, elem_id: str, text: str) -> None:
    """Pick the option containing ``text`` in the gr.Dropdown with that elem_id."""
    box = page.locator(f"#{elem_id} input[role=combobox]")
    box.click()
    options = page.locator("#" + box.get_attribute("aria-controls"))
    options.wait_for(timeout=WAIT_MS)
    options.locator("li[role=option]", has_text=text).first.click()
    sync_api.expect(box).to_have_value(re.compile(re.escape(text)))


def table_rows(page, elem_id: str) -> list[list[str]]:
    """The visible cells of a gr.Dataframe, row by row."""
    rows = page.locator(f"#{elem_id} [role=row].virtual-row")
    return [[c.inner_text().strip() for c in rows.nth(i).locator("[role=gridcell]").all()] for i in range(rows.count())]


@pytest.fixture(scope="module")
def page(app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(app.url, wait_until="load")
    pg.wait_for_selector("button[role=tab]")
    pg.errors = errors
    yield pg
    context.close()


@pytest.fixture(scope="module")
def compared(page):
    """The Compare tab after comparing 城镇新增就业, 2026, target."""
    page.get_by_role("tab", name="Compare").click()
    choose(page, "compare-indicator", "城镇新增就业")
    choose(page, "compare-period", "2026")
    choose(page, "compare-status", "target")
    page.locator("#compare-go").click()
    page.wait_for_selector("#compare-chart svg g.bar rect.bar-fill")
    page.wait_for_selector("#compare-table [role=row].virtual-row")
    sync_api.expect(page.locator("#compare-summary")).to_contain_text("2026")
    return page


def bars(page, chart="#compare-chart") -> list[dict]:
    return page.eval_on_selector_all(f"{chart} g.bar", """gs => gs.map(g => {
        const r = g.querySelector('rect.bar-fill').getBoundingClientRect();
        return {value: parseFloat(g.dataset.value), iri: g.dataset.iri, label: g.dataset.label,
                title: g.querySelector('title').textContent, width: r.width, height: r.height};
    })""")


# --------------------------------------------------------------------------- Compare


def test_the_summary_names_the_cell_and_counts_regions(compared):
    text = compared.locator("#compare-summary").inner_text()
    for part in ("城镇新增就业", "2026", "target", "level", "persons", "4 regions", "1 missing"):
        assert part in text, text


def test_one_bar_per_region_with_a_figure_lengths_proportional(compared):
    drawn = bars(compared)
    rows = table_rows(compared, "compare-table")
    with_figure = [r for r in rows if r[1] != "—"]
    assert len(drawn) == len(with_figure) == 4
    assert [b["value"] for b in drawn] == [float(r[2]) for r in with_figure]  # same order as the table, high to low
    widths = [b["width"] for b in drawn]
    assert widths == sorted(widths, reverse=True) and min(widths) > 0
    per_unit = [b["width"] / b["value"] for b in drawn]
    assert max(per_unit) / min(per_unit) < 1.03, per_unit
    henan = next(b for b in drawn if "henan" in b["iri"])
    assert "110万人以上" in henan["title"] and compared.locator("#compare-chart g.bar-floor polygon.mark-floor").count() == 1


def test_the_missing_region_is_a_table_row_and_a_grey_tile(compared):
    rows = table_rows(compared, "compare-table")
    missing = [r for r in rows if r[1] == "—"]
    assert len(missing) == 1 and missing[0][0].startswith("广西") and "no figure" in missing[0][-1]
    tile = compared.locator("#compare-map g.tile[data-code='450000']")
    assert tile.get_attribute("data-state") == "missing"
    assert tile.locator("rect.tile-box").evaluate("e => getComputedStyle(e).fill") == "rgb(217, 217, 217)"
    assert "广西" in tile.text_content()
    shaded = compared.locator("#compare-map g.tile[data-state='value']")
    assert shaded.count() == 4
    assert compared.locator("#compare-map g.tile").count() == len(charts.tile_positions())


def _expect_trace(page, panel: str, figure: str, doc: str) -> None:
    """The trace panel shows that figure, highlighted in its sentence in its document."""
    sync_api.expect(page.locator(f"{panel} mark#cited")).to_have_text(figure)
    sentence = next(s for s in REPORTS[f"{doc}.txt"][1].split("\n") if figure in s).strip()
    assert sentence in page.locator(panel).inner_text()


def test_clicking_a_bar_opens_its_trace(compared):
    compared.locator("#compare-chart g.bar[data-iri*='/henan/'] rect.bar-fill").click()
    _expect_trace(compared, "#compare-trace", "110万人以上", "henan")
    sync_api.expect(compared.locator("#compare-trace")).to_contain_text("/henan/observation/")


def test_clicking_a_tile_opens_its_trace(compared):
    compared.locator("#compare-map g.tile[data-code='430000'] rect.tile-box").click()
    _expect_trace(compared, "#compare-trace", "70万人", "hunan")


def test_clicking_a_table_row_opens_its_trace(compared):
    rows = table_rows(compared, "compare-table")
    index = next(i for i, r in enumerate(rows) if r[0].startswith("福建"))
    compared.locator(f"#compare-table [data-testid='cell-{index}-1']").click()
    _expect_trace(compared, "#compare-trace", "50万人", "fujian")
    missing = next(i for i, r in enumerate(rows) if r[1] == "—")
    compared.locator(f"#compare-table [data-testid='cell-{missing}-0']").click()
    sync_api.expect(compared.locator("#compare-trace")).to_contain_text("states no such figure")


def test_the_csv_download_is_the_table(compared):
    with compared.expect_download() as info:
        compared.locator("#compare-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == ROW_FIELDS + ("note",)
    assert [r[1] for r in rows[1:]] == ["320000", "410000", "430000", "350000", "450000"]
    with compared.expect_download() as info:
        compared.locator("#compare-json-file").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data["period"] == "2026" and data["missing"][0]["region_code"] == "450000"


def test_the_json_and_sparql_are_shown(compared):
    compared.get_by_role("button", name=re.compile("policykg compare")).click()
    sync_api.expect(compared.locator("#compare-json")).to_contain_text("450000")
    compared.get_by_role("button", name=re.compile("SPARQL that lists the figures")).click()
    sync_api.expect(compared.locator("#compare-sparql")).to_contain_text("pkg:indicator")


def test_the_compare_api_answers_gradio_client(app):
    gradio_client = pytest.importorskip("gradio_client")
    client = gradio_client.Client(app.url, verbose=False)
    try:
        data = client.predict("城镇新增就业", "2026", "target", "any", api_name="/compare")
        assert [r["region_code"] for r in data["rows"]] == ["320000", "410000", "430000", "350000"]
        assert data["missing"][0]["region"] == "广西壮族自治区"
        assert client.predict("no such indicator anywhere", "", "any", "any", api_name="/compare")["error"]
    finally:
        client.close()


# --------------------------------------------------------------------------- Figures, escaping, screenshots


def test_the_figures_chart_draws_bars(page):
    page.get_by_role("tab", name="Figures").click()
    page.wait_for_selector("#figures-chart g.bar rect.bar-fill")
    drawn = bars(page, "#figures-chart")
    assert drawn and all(b["width"] > 0 and b["height"] > 0 for b in drawn if b["value"] > 0)
    assert sum(b["width"] > 0 for b in drawn) > 0
    box = page.locator("#figures-chart svg").bounding_box()
    assert box["width"] > 200 and box["height"] > 50
    page.locator("#figures-chart g.bar rect.bar-fill").first.click()
    sync_api.expect(page.locator("#figures-trace mark#cited")).to_have_count(1)
    # only indicators with two or more figures are offered
    combo = page.locator("#figures-indicator input[role=combobox]")
    combo.click()
    options = page.locator("#" + combo.get_attribute("aria-controls") + " li[role=option]")
    options.first.wait_for()
    counts = [int(m.group(1)) for m in (re.search(r"\((\d+) figures\)", o) for o in options.all_inner_texts()) if m]
    assert counts and min(counts) >= 2 and len(counts) == options.count()
    page.locator("h1").first.click()  # closes the list


def test_document_text_shows_as_text_in_chart_labels(browser):
    svg = charts.bar_chart([charts.Bar(EVIL, 3, iri="urn:evil", figure=EVIL), charts.Bar("江苏省", 5)],
                           title=EVIL, reference=charts.Reference(4, EVIL))
    svg += charts.tile_map([charts.Tile("320000", 5, EVIL, "urn:evil")])
    context = browser.new_context()
    try:
        pg = context.new_page()
        dialogs = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.set_content(f"<!doctype html><meta charset='utf-8'><body>{svg}</body>", wait_until="load")
        pg.wait_for_timeout(200)
        assert pg.locator("img, b, svg img, svg b").count() == 0 and not dialogs
        label = pg.locator("g.bar[data-iri='urn:evil'] text.bar-label").text_content()
        assert label.startswith("<b>bold</b>")
        assert EVIL in pg.locator("g.bar[data-iri='urn:evil'] > title").text_content()
        assert EVIL in pg.locator("text.chart-title").text_content()
        assert pg.locator("g.tile[data-code='320000'] title").text_content().endswith(EVIL + " = 5")
    finally:
        context.close()


def test_screenshots_of_every_tab(compared, shots):
    compared.get_by_role("tab", name="Compare").click()
    compared.locator("#compare-chart g.bar").first.wait_for(state="visible")
    compare = screenshot(compared, shots, "compare-view")
    paths = [compare]
    for name in TABS:
        compared.get_by_role("tab", name=name).click()
        compared.wait_for_selector("[role=tabpanel]:visible", timeout=WAIT_MS)
        compared.wait_for_timeout(300)
        paths.append(screenshot(compared, shots, f"tab-{name.lower()}"))
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000, path
    assert not compared.errors, compared.errors


# --------------------------------------------------------------------------- text from documents and users is text
# A second app over one English document full of markup (title and publisher too). The chat bubbles,
# citations, document and trace views, tables, Markdown lines and dropdown labels must show it as the
# characters it is: no element from it in the DOM, no script run, no LaTeX, citation markers intact.

MARKUP_TITLE = "Health <b>bold</b> report <img src=x onerror=\"window.__pwned='title'\">"
MARKUP_PUBLISHER = "Ministry <i>of</i> Health"
MARKUP_DOC = (
    "Hospital beds reached 7.9 per 1,000 people in 2021, <b>bold</b> <img src=x onerror=\"window.__pwned='img'\"> "
    "<iframe src=\"about:blank\"></iframe> <script>window.__pwned='script'</script> *stars* _under_ `tick` $$x^2$$ "
    "${window.__pwned='tpl'} {{value}} & a < b > c.\n\n"
    "Doctors numbered 3.2 per 1,000 people in 2021 according to the <i>ministry</i> and [link](http://example.com).\n"
)
MARKUP_QUESTIONS = [
    "How many hospital beds per 1,000 people in 2021?",
    "What about <b>beds</b> <img src=x onerror=\"window.__pwned='question'\"> <iframe src=\"about:blank\"></iframe> "
    "*stars* [x](http://example.com) $$y$$ & more?",
]
# Elements the document or a question would create if its markup were read as markup.
FOREIGN_ELEMENTS = """() => {
  const words = new Set(['bold', 'beds', 'stars', 'under', 'tick', 'ministry', 'of', 'link', 'x', 'x^2', 'y']);
  const found = [];
  for (const e of document.querySelectorAll('b, i, em, strong, code, a, img, iframe, script, .katex, math')) {
    const tag = e.tagName.toLowerCase();
    if ((tag === 'img' && /(^|\\/)x$/.test(e.getAttribute('src') || '')) || tag === 'iframe' || tag === 'math'
        || (tag === 'script' && e.textContent.includes('__pwned')) || e.classList.contains('katex')
        || (tag === 'a' && (e.getAttribute('href') || '').includes('example.com'))
        || (tag !== 'script' && words.has(e.textContent.trim())))
      found.push(e.outerHTML.slice(0, 200));
  }
  return found;
}"""


def flat(text: str) -> str:
    return " ".join(text.split())


def write_markup_corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "markup.txt").write_text(MARKUP_DOC, encoding="utf-8")
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "title", "publisher", "issued", "language", "kind"])
        writer.writerow(["markup.txt", MARKUP_TITLE, MARKUP_PUBLISHER, "2022-01-01", "en", "report"])
    return folder


@pytest.fixture(scope="module")
def markup_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("markup")
    with App.serving(root / "home", write_markup_corpus(root / "corpus")) as running:
        yield running


@pytest.fixture(scope="module")
def markup_page(markup_app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.errors, pg.dialogs = [], []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(markup_app.url, wait_until="load")
    pg.wait_for_selector("button[role=tab]")
    yield pg
    context.close()


@pytest.fixture(scope="module")
def markup_answers(markup_app) -> list[dict]:
    """The JSON twin (``/ask``) of each question: what the chat must show, character for character."""
    gradio_client = pytest.importorskip("gradio_client")
    client = gradio_client.Client(markup_app.url, verbose=False)
    try:
        return [client.predict(q, api_name="/ask") for q in MARKUP_QUESTIONS]
    finally:
        client.close()


def assert_nothing_interpreted(page) -> None:
    page.wait_for_timeout(300)  # an onerror or a frame would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined", page.evaluate("window.__pwned")
    assert page.evaluate(FOREIGN_ELEMENTS) == []
    assert not page.dialogs and not page.errors, (page.dialogs, page.errors)


def test_the_chat_shows_document_and_question_markup_as_text(markup_page, markup_answers, shots):
    pg = markup_page
    for n, (question, answer) in enumerate(zip(MARKUP_QUESTIONS, markup_answers), 1):
        assert answer["answered"] and answer["citations"], answer
        pg.get_by_label("Question").fill(question)
        pg.get_by_label("Question").press("Enter")
        sync_api.expect(pg.locator("#ask-chat [data-testid=bot]")).to_have_count(n)
        refs = "".join(f" [{i}]" for i in range(1, len(answer["citations"]) + 1))
        user = pg.locator("#ask-chat [data-testid=user] .message-content").nth(n - 1)
        bot = pg.locator("#ask-chat [data-testid=bot] .message-content").nth(n - 1)
        sync_api.expect(bot).to_contain_text(refs.strip())
        assert flat(user.inner_text()) == flat(question)  # the question echo: every character, no markup
        assert flat(bot.inner_text()) == flat(answer["answer"] + refs)  # the answer and its markers, nothing cut
        cites = flat(pg.locator("#ask-citations").inner_text())
        for i, c in enumerate(answer["citations"], 1):
            assert f"[{i}] {MARKUP_TITLE}" in cites and flat(c["quote"]) in cites, (c, cites)
        radio = [flat(t) for t in pg.locator("#ask-pick label").all_inner_texts()]
        assert radio == [f"[{i}] {MARKUP_TITLE} ({c['start']}–{c['end']})" for i, c in enumerate(answer["citations"], 1)]
        view = pg.locator("#ask-document")
        sync_api.expect(view.locator("mark#cited")).to_have_count(1)
        assert flat(view.locator("mark#cited").inner_text()) == flat(answer["citations"][0]["quote"])
        assert flat(MARKUP_DOC) in flat(view.inner_text()) and MARKUP_PUBLISHER in view.inner_text()
        if n == 1:  # the first answer states the figure of the sentence full of markup, and traces it
            assert "7.9" in answer["answer"] and "<b>bold</b> <img src=x" in answer["citations"][0]["quote"]
            pg.get_by_role("button", name=re.compile("Trace of the stated figures")).click()
            trace = pg.locator("#ask-trace")
            sync_api.expect(trace.locator("mark#cited").first).to_be_visible()
            assert "<b>bold</b> <img src=x onerror=" in trace.inner_text() and MARKUP_TITLE in trace.inner_text()
        assert_nothing_interpreted(pg)
    assert "<b>bold</b> <img src=x" in pg.locator("#ask-chat [data-testid=bot]").nth(1).inner_text()  # quoted by the second
    screenshot(pg, shots, "markup-ask")


def test_tables_documents_and_messages_show_markup_as_text(markup_page, shots):
    pg = markup_page
    pg.get_by_role("tab", name="Documents").click()
    choose(pg, "documents-pick", "markup")
    view = pg.locator("#documents-view")
    sync_api.expect(view).to_contain_text("Hospital beds")
    assert flat(MARKUP_DOC) in flat(view.inner_text()) and MARKUP_TITLE in view.inner_text()
    sync_api.expect(pg.locator("#documents-table [role=row].virtual-row")).to_have_count(1)
    assert MARKUP_TITLE in table_rows(pg, "documents-table")[0]
    assert_nothing_interpreted(pg)
    screenshot(pg, shots, "markup-documents")

    pg.get_by_role("tab", name="SPARQL").click()
    pg.locator("#sparql-query .cm-content").fill(
        'SELECT ?sentence WHERE { ?s a nif:Sentence ; nif:anchorOf ?sentence . FILTER (CONTAINS(?sentence, "<b>")) }')
    pg.locator("#sparql-run").click()
    sync_api.expect(pg.locator("#sparql-message")).to_contain_text("row(s)")
    cells = [c for row in table_rows(pg, "sparql-table") for c in row]
    assert any("<b>bold</b> <img src=x onerror=" in c for c in cells), cells
    assert_nothing_interpreted(pg)

    pg.get_by_role("tab", name="Figures").click()
    region = "<b>bold</b> *stars* [x](http://example.com) $$y$$ `tick`"
    pg.locator("#figures-region textarea, #figures-region input").first.fill(region)
    pg.locator("#figures-go").click()
    message = pg.locator("#figures-message")
    sync_api.expect(message).to_contain_text("No region called")
    assert flat(message.inner_text()) == f"No region called {region} in the gazetteer."
    assert message.locator("strong").inner_text() == region  # our bold around their text
    assert_nothing_interpreted(pg)
