"""Paragraph spans: furniture left out, hard wraps joined, offsets exact."""

from ingest.normalize import is_furniture, paragraphs
from ingest.readers import Block, ExtractedText


def _paras(text, **kw):
    doc = ExtractedText(text=text, format="txt", reader="test", **kw)
    return [text[p.start : p.end] for p in paragraphs(doc)]


def test_page_furniture_is_not_content():
    for line in ["【print】 【close】", "下载", "【字号：", "加大", "】", "• browsing:", "Page 3 of 10", "- 12 -", "第 2 页"]:
        assert is_furniture(line), line


def test_content_lines_are_kept():
    for line in ["各位代表：", "He said:", "2020", "Coverage rose to 91%.", "一、2025年工作回顾", "First, the system."]:
        assert not is_furniture(line), line


def test_furniture_lines_dropped_and_offsets_exact():
    text = "【print】 【close】\n\nTitle of the page\n\n  • Release date:2023-12-05\n  • browsing:\n\n  Body text here.\n"
    assert _paras(text) == ["Title of the page", "Release date:2023-12-05", "Body text here."]


def test_hard_wrapped_lines_join_into_one_paragraph():
    text = ("The government should provide members of the society with basic public\n"
            "goods and services that are compatible with the level of economic and\n"
            "social development.\n\nA second paragraph.\n")
    paras = _paras(text)
    assert len(paras) == 2
    assert paras[0].startswith("The government") and paras[0].endswith("development.")


def test_lines_ending_a_sentence_stay_separate():
    text = "各位代表：\n现在，我代表市人民政府向大会报告工作。\n一、2025年工作回顾\n刚刚过去的2025年，是关键之年。\n"
    assert _paras(text) == ["各位代表：", "现在，我代表市人民政府向大会报告工作。", "一、2025年工作回顾", "刚刚过去的2025年，是关键之年。"]


def test_running_heads_repeated_on_pdf_pages_are_dropped():
    pages, text = [], ""
    for n in range(1, 5):
        page = f"Annual Report 2024 - page {n}\nSection {'ABCD'[n - 1]} explains item {n + 10}.\n{n}"
        pages.append((len(text), len(text) + len(page), n))
        text += page + "\n\n"
    paras = _paras(text, pages=pages)
    assert paras == [f"Section {'ABCD'[n - 1]} explains item {n + 10}." for n in range(1, 5)]


def test_blocks_from_readers_are_trimmed_and_filtered():
    text = "  Heading  \n\n【打印】\n\nBody."
    blocks = [Block(0, 11, "heading"), Block(13, 17, "paragraph"), Block(19, 24, "paragraph")]
    assert _paras(text, blocks=blocks) == ["Heading", "Body."]
