"""Text from documents and users is text: the HTML and Markdown the app builds around it show every
character as written (escaped, never read as markup), and our own markup (highlights, lists) stays.
The real browser checks the same through the running app (``test_browser``)."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from kg.interfaces.present import (CITED, DOCUMENT_BOX, FIGURE, INDICATOR_MENU, chat_text, citations_html, document_html,
                                   entity_html, figure_indicators, md_message, md_text, text_html, trace_html)

EVIL = ("<b>bold</b> <img src=x onerror=alert(1)> <iframe src=\"about:blank\"></iframe> <script>alert(2)</script> "
        "*stars* _under_ `tick` [link](http://example.com) www.example.com a@b.org $$x^2$$ ${1} {{value}} "
        "# not a heading & a < b > c 'q' \"qq\" \\back | pipe ~strike~")


class Page(HTMLParser):
    """The tags and the text (entities decoded) of an HTML fragment."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.parts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def test_text_html_shows_exactly_the_text():
    page = Page(text_html(EVIL))
    assert page.tags == [] and page.text == EVIL
    assert text_html(None) == "" and text_html(7.9) == "7.9"
    assert "&quot;" in text_html('a"b') and "&#x27;" in text_html("a'b")  # safe inside attributes too


def test_chat_text_keeps_lines_and_citation_markers():
    answer = EVIL + "\nsecond line [1] [2]"
    out = chat_text(answer)
    page = Page(out)
    assert page.tags == ["br"] and page.text == EVIL + "second line [1] [2]"
    assert out.endswith("second line [1] [2]")


@pytest.mark.parametrize("text", [EVIL, "**bold** and _it_", "1. not a list", "- not an item", "    not code",
                                  "> not a quote", "<b>x</b>\n\n# head\n---", "http://example.com/a_b_c"])
def test_md_text_is_never_markdown(text):
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).render(md_text(text))
    page = Page(rendered)
    assert set(page.tags) <= {"p", "br"}, rendered
    assert page.text.replace("\n", "") == "".join(line for line in text.strip().splitlines()), rendered
    inside = markdown_it.MarkdownIt("commonmark", {"html": True}).render(f"**{md_text(text)}** · tail")
    assert set(Page(inside).tags) <= {"p", "br", "strong"}  # our bold around their text still works


def test_citations_documents_traces_and_entities_show_markup_as_text():
    citation = SimpleNamespace(title=EVIL, doc="d<b>", start=0, end=5, score=0.5, quote=EVIL)
    page = Page(citations_html(SimpleNamespace(citations=[citation])))
    assert set(page.tags) == {"ol", "li", "b", "br", "small", "code", "blockquote"}  # ours only
    assert f"[1] {EVIL}" in page.text and " ".join(EVIL.split()) in page.text and "d<b>" in page.text

    text = "Before. " + EVIL + " 7.9 beds. After."
    start, end = text.index(EVIL), text.index(" After")
    figure = (text.index("7.9"), text.index("7.9") + 3)
    rec = SimpleNamespace(text=text, title=EVIL, doc_id="doc<1>", language="en", issued="2021", publisher=EVIL)
    view = Page(document_html(rec, start, end, figures=[figure]))
    assert view.text.count(EVIL) == 3 and text in view.text  # title, publisher, the document itself: whole
    assert view.tags.count("mark") == 1 and view.tags.count("img") == 0 and "iframe" not in view.tags

    trace = SimpleNamespace(quote="7.9", value=7.9, unit="beds", metric=EVIL, indicator=None, region=EVIL, period="2021",
                            status="actual", title=EVIL, doc="doc<1>", issued=None, start=figure[0], end=figure[1],
                            sentence_start=start, sentence_end=end, rule="r<1>", software="s", iri="urn:x<y>",
                            sparql="SELECT * { ?s ?p \"<b>\" }")
    page = Page(trace_html(trace, rec))
    assert "img" not in page.tags and "script" not in page.tags and EVIL in page.text and '"<b>"' in page.text

    entity = {"iri": "urn:e<1>", "facts": [{"property": "http://x/label", "value": EVIL}],
              "mentions": [{"title": EVIL, "doc": "d", "start": 1, "end": 3, "sentence": "a < lt & amp b", "text": "lt"}],
              "observations": [{"quote": EVIL, "metric": EVIL, "doc": "d"}]}
    page = Page(entity_html(entity))
    assert set(page.tags) == {"h3", "table", "tr", "th", "td", "h4", "ol", "ul", "li", "b", "small", "code", "br", "mark"}
    assert page.text.count(EVIL) == 4 and "urn:e<1>" in page.text
    assert "a < lt & amp b" in page.text and page.tags.count("mark") == 1  # a name like "lt" marked in the text


def render_md(text: str) -> str:
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).render(text)


def test_a_message_names_a_command_once_as_code_and_stays_text():
    message = "SPARQL Update is not allowed: the graph is rebuilt by `policykg ingest`"
    rendered = render_md(f"**SPARQL error:** {md_message(message)}")
    page = Page(rendered)
    assert page.tags == ["p", "strong", "code"], rendered
    assert page.text.strip() == "SPARQL error: SPARQL Update is not allowed: the graph is rebuilt by policykg ingest"
    assert "`" not in page.text and page.text.count("policykg ingest") == 1
    quoted = EVIL.replace("`", "'")
    evil = Page(render_md(md_message(f"bad `{quoted}` query")))  # what is inside the backticks is text too
    assert set(evil.tags) == {"p", "code"} and f"bad {quoted} query" in evil.text
    for odd in ["one ` backtick", "empty `` span", "a `b` c `d"]:  # no pair to show as code: all of it is text
        assert Page(render_md(md_message(odd))).text.strip() == odd.strip()


def test_the_document_box_and_its_highlight_are_marked_for_the_scroll_script():
    text = "下载 打印 全屏\n" + "filler. " * 200 + "Beds reached 7.9 per 1,000 people. " + "more. " * 50
    start = text.index("Beds")
    end = text.index("people.") + len("people.")
    figure = (text.index("7.9"), text.index("7.9") + 3)
    rec = SimpleNamespace(text=text, title="t", doc_id="d", language="en", issued=None, publisher=None)
    out = document_html(rec, start, end, figures=[figure])
    assert f"class='{DOCUMENT_BOX}' data-cited='d:{start}-{end}'" in out and "overflow-y:auto" in out
    assert f"<mark id='cited' class='{CITED}'" in out and f"<b class='{FIGURE}'" in out
    assert "data-cited" not in document_html(rec)  # nothing to scroll to


def _rows(indicator, unit, values, doc="d"):
    return [{"indicator": indicator, "unit": unit, "value": v, "doc": doc} for v in values]


def test_the_chart_menu_offers_only_indicators_that_name_something():
    rows = (_rows("GDP", "percent", [5, 5.2, 4.8]) + _rows("hospital beds per 1,000 people", "hospital beds per 1,000 people", [7.9, 8])
            + _rows("national key laboratory", "national key laboratories", [3, 12])
            + _rows("1类", "1类", [2, 1]) + _rows("3年", "percent", [3, 4])  # a number and a counter
            + _rows("aspects", "aspects", [9, 9]) + _rows("高效", "高效", [7, 1]) + _rows("yuan", "yuan", [2, 3])  # bare units
            + _rows("Annex", "count", [1, 2, 3, 4, 5, 6]) + _rows("Section", "count", [3, 1, 2, 5, 4])  # numberings
            + _rows("once", "percent", [1]))  # too few figures
    offered = [name for _, name in figure_indicators(rows)]
    assert offered == ["GDP", "hospital beds per 1,000 people", "national key laboratory"], offered
    assert figure_indicators(rows)[0] == ("GDP (3 figures)", "GDP")
    assert INDICATOR_MENU.minimum_figures == 2
