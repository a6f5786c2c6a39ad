"""Tests for ingest.readers: one small file per test, built in tmp_path."""

from __future__ import annotations

import os

import pytest

from ingest.readers import SUPPORTED_SUFFIXES, Block, ExtractedText, ReaderError, read_bytes, read_file


def assert_block_invariant(result: ExtractedText) -> None:
    text = result.text
    assert text.strip()
    previous_end = 0
    for block in result.blocks or []:
        assert 0 <= block.start < block.end <= len(text), block
        content = text[block.start:block.end]
        assert content == content.strip(), block
        assert block.start >= previous_end, "blocks overlap or are out of order"
        previous_end = block.end
    for start, end, _number in result.pages:
        assert 0 <= start <= end <= len(text)


def block_texts(result: ExtractedText, kind: str | None = None) -> list[str]:
    return [result.text[b.start:b.end] for b in result.blocks if kind is None or b.kind == kind]


# ----------------------------------------------------------------------------- txt


def test_txt_round_trips_non_ascii(tmp_path):
    content = "政府工作报告\n\n2025年经济增长5%。\nPlain English line, café.\n"
    path = tmp_path / "report.txt"
    path.write_text(content, encoding="utf-8")
    result = read_file(path)
    assert result.text == content
    assert result.format == "txt"
    assert result.blocks is None and result.pages == [] and result.title is None
    assert result.reader.startswith("python ")


def test_txt_offsets_follow_universal_newlines(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("line one\r\nline two\rline three\n".encode())
    with open(path, encoding="utf-8", newline=None) as handle:
        expected = handle.read()
    assert read_file(path).text == expected == "line one\nline two\nline three\n"


def test_txt_strips_utf8_bom(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello BOM")
    assert read_file(path).text == "Hello BOM"


def test_txt_utf16_with_bom(tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes("宽字符 text".encode("utf-16"))
    assert read_file(path).text == "宽字符 text"


def test_txt_gb18030_legacy_file(tmp_path):
    content = "重庆市政府工作报告：推进高质量发展。"
    path = tmp_path / "legacy.txt"
    path.write_bytes(content.encode("gb18030"))
    assert read_file(path).text == content


def test_txt_with_nul_bytes_is_binary(tmp_path):
    path = tmp_path / "binary.txt"
    path.write_bytes(b"abc\x00\x01\x02def")
    with pytest.raises(ReaderError, match="binary.txt"):
        read_file(path)


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  "])
def test_txt_empty_or_whitespace_only(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ReaderError, match="empty.txt is empty"):
        read_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(ReaderError, match="nowhere.txt"):
        read_file(tmp_path / "nowhere.txt")


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"whatever")
    with pytest.raises(ReaderError, match="sheet.xlsx.*unsupported"):
        read_file(path)


def test_suffix_is_case_insensitive(tmp_path):
    path = tmp_path / "UPPER.TXT"
    path.write_text("shouting", encoding="utf-8")
    assert read_file(path).text == "shouting"
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED_SUFFIXES


# ------------------------------------------------------------------------ markdown

MARKDOWN = """# Housing **Policy** Plan

The council met on Monday.
It approved the plan
with a large majority.

## Goals ##

- Build **more** homes
- Lower rents
  for families

1. First step
2. Second step

> Quoted paragraph here.

Setext Heading
--------------

```python
print("hi")
```

| Year | Units |
|------|-------|
| 2024 | 500 |
"""


def test_markdown_blocks_exclude_markup(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    result = read_file(path)
    assert result.text == MARKDOWN
    assert result.format == "md"
    assert result.reader.startswith("markdown-it-py ")
    assert result.title == "Housing Policy Plan"
    assert block_texts(result, "heading") == ["Housing **Policy** Plan", "Goals", "Setext Heading"]
    assert block_texts(result, "paragraph") == [
        "The council met on Monday.\nIt approved the plan\nwith a large majority.",
        "Quoted paragraph here.",
    ]
    assert block_texts(result, "list_item") == [
        "Build **more** homes",
        "Lower rents\n  for families",
        "First step",
        "Second step",
    ]
    assert block_texts(result, "code") == ['print("hi")']
    assert block_texts(result, "table_cell") == ["Year", "Units", "2024", "500"]
    assert_block_invariant(result)


def test_markdown_without_heading_has_no_title(tmp_path):
    path = tmp_path / "notes.markdown"
    path.write_text("Just a paragraph.\n\nAnd another.\n", encoding="utf-8")
    result = read_file(path)
    assert result.title is None
    assert block_texts(result) == ["Just a paragraph.", "And another."]
    assert all(b.kind == "paragraph" for b in result.blocks)


def test_markdown_crlf_offsets(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes(b"# Title\r\n\r\nBody line one\r\nline two\r\n")
    result = read_file(path)
    assert block_texts(result) == ["Title", "Body line one\nline two"]
    assert_block_invariant(result)


# ---------------------------------------------------------------------------- html

ARTICLE = [
    "The city council approved a new framework for affordable housing on Monday. "
    "The framework sets targets for the next five years. It also creates a fund for local developers.",
    "Under the plan, every new development above fifty units must reserve a share for low-income families. "
    "Developers who comply receive a faster permit process. Those who do not will pay a fee into the fund.",
    "Officials said the rules take effect in January. They expect the first projects to break ground "
    "next spring. A review of the policy is scheduled after two years.",
]


def html_page(title: str = "Housing Policy Update") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<header><div class="site-name">City Portal Services</div>
<nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/contact">Contact</a></nav></header>
<main><article>
<h2>New rules for affordable housing</h2>
{paragraphs}
</article></main>
<footer><p>Home | About | Contact</p><p>Copyright 2024 City Portal. All rights reserved.</p></footer>
</body></html>"""


def test_html_keeps_article_drops_boilerplate(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(), encoding="utf-8")
    result = read_file(path)
    assert result.format == "html"
    assert result.reader.startswith("trafilatura ")
    assert result.title == "Housing Policy Update"
    for paragraph in ARTICLE:
        assert paragraph in result.text
    assert "Home | About | Contact" not in result.text
    assert "Copyright" not in result.text
    assert "City Portal Services" not in result.text
    assert result.blocks is None


def test_html_declared_charset(tmp_path):
    path = tmp_path / "legacy.htm"
    body = "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
    body += "<title>通知</title></head>"
    body += "<body><article><p>关于推进住房保障工作的通知。</p></article></body></html>"
    path.write_bytes(body.encode("gb2312"))
    result = read_file(path)
    assert "关于推进住房保障工作的通知" in result.text
    assert result.title == "通知"


def test_html_tiny_page_falls_back(tmp_path):
    path = tmp_path / "tiny.html"
    path.write_text("<html><body><p>Hi there</p></body></html>", encoding="utf-8")
    assert read_file(path).text.strip() == "Hi there"


def test_html_without_text(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><head><title></title></head><body><div></div></body></html>", encoding="utf-8")
    with pytest.raises(ReaderError, match="blank.html"):
        read_file(path)


# ----------------------------------------------------------------------------- pdf


def make_pdf(path, pages: list[list[str]], title: str | None = None) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    if title:
        pdf.setTitle(title)
    for lines in pages:
        for n, line in enumerate(lines):
            pdf.drawString(72, 720 - 20 * n, line)
        pdf.showPage()
    pdf.save()


def test_pdf_pages_and_spans(tmp_path):
    path = tmp_path / "two.pdf"
    page_lines = [
        ["Page one opening line.", "Page one second line."],
        ["Page two first line.", "Page two closing line."],
    ]
    make_pdf(path, page_lines, title="Two Page Report")
    result = read_file(path)
    assert result.format == "pdf"
    assert result.reader.startswith("pypdf ")
    assert result.title == "Two Page Report"
    assert [number for _, _, number in result.pages] == [1, 2]
    for (start, end, _), lines in zip(result.pages, page_lines):
        page_text = result.text[start:end]
        for line in lines:
            assert line in page_text
    first_end, second_start = result.pages[0][1], result.pages[1][0]
    assert result.text[first_end:second_start] == "\n\n"
    assert "Page two" not in result.text[: result.pages[0][1]]
    assert_block_invariant(result)


def test_pdf_without_title_metadata(tmp_path):
    path = tmp_path / "untitled.pdf"
    make_pdf(path, [["Some words."]])
    assert read_file(path).title is None


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(os.urandom(2048))
    with pytest.raises(ReaderError, match="corrupt.pdf"):
        read_file(path)


def test_pdf_without_text(tmp_path):
    path = tmp_path / "scan.pdf"
    make_pdf(path, [[]])
    with pytest.raises(ReaderError, match="scan.pdf has no extractable text"):
        read_file(path)


def test_encrypted_pdf_needing_password(tmp_path):
    import pypdf

    source = tmp_path / "plain.pdf"
    make_pdf(source, [["Secret words."]])
    writer = pypdf.PdfWriter(clone_from=str(source))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    with pytest.raises(ReaderError, match="locked.pdf is encrypted"):
        read_file(path)


# ---------------------------------------------------------------------------- docx


def make_docx(path, title: str | None = "Housing Memo") -> None:
    import docx

    document = docx.Document()
    document.add_heading("Housing Memo Heading", level=1)
    document.add_paragraph("First body paragraph.")
    document.add_paragraph("   ")  # blank paragraphs are skipped
    document.add_paragraph("Second body paragraph.")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"cell {r}{c}"
    document.add_paragraph("A bullet point", style="List Bullet")
    if title:
        document.core_properties.title = title
    document.save(str(path))


def test_docx_blocks_kinds_and_order(tmp_path):
    path = tmp_path / "memo.docx"
    make_docx(path)
    result = read_file(path)
    assert result.format == "docx"
    assert result.reader.startswith("python-docx ")
    assert result.title == "Housing Memo"
    assert [(result.text[b.start:b.end], b.kind) for b in result.blocks] == [
        ("Housing Memo Heading", "heading"),
        ("First body paragraph.", "paragraph"),
        ("Second body paragraph.", "paragraph"),
        ("cell 00", "table_cell"),
        ("cell 01", "table_cell"),
        ("cell 10", "table_cell"),
        ("cell 11", "table_cell"),
        ("A bullet point", "list_item"),
    ]
    assert result.text == "\n\n".join(block_texts(result))
    assert_block_invariant(result)


def test_docx_without_title(tmp_path):
    path = tmp_path / "notitle.docx"
    make_docx(path, title=None)
    assert read_file(path).title is None


def test_docx_not_a_zip(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_bytes(b"this is plain text pretending to be a docx")
    with pytest.raises(ReaderError, match="fake.docx"):
        read_file(path)


# ------------------------------------------------------------------------- generic


def build_every_format(tmp_path) -> list:
    (tmp_path / "a.txt").write_text("Plain text.\n\nSecond paragraph.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "c.html").write_text(html_page(), encoding="utf-8")
    make_pdf(tmp_path / "d.pdf", [["Alpha page."], ["Beta page."]])
    make_docx(tmp_path / "e.docx")
    return sorted(tmp_path.iterdir())


def test_block_invariant_for_every_format(tmp_path):
    paths = build_every_format(tmp_path)
    assert {p.suffix for p in paths} == {".txt", ".md", ".html", ".pdf", ".docx"}
    for path in paths:
        result = read_file(path)
        assert_block_invariant(result)
        assert all(isinstance(b, Block) for b in result.blocks or [])


def test_read_bytes_matches_read_file(tmp_path):
    for path in build_every_format(tmp_path):
        assert read_bytes(path.read_bytes(), path.name) == read_file(path)
