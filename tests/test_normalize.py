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


def test_share_bars_and_font_controls_are_furniture_and_never_a_title(tmp_path):
    """A web-scraped report opening with its share bar got the title "分享到：微信 微博" (issue 16)."""
    from ingest import process

    for line in ("分享到：微信 微博", "分享到： 微信 微博 QQ空间", "【字体：大 中 小】", "Share: WeChat Weibo",
                 "Print | Download | Full screen"):
        assert is_furniture(line), line
    for line in ("微信公众号关注人数达到12万。", "临湖县发布学生营养改善计划"):
        assert not is_furniture(line), line
    path = tmp_path / "linhu.txt"
    path.write_text("分享到：微信 微博\n下载 打印 全屏\n【字体：大 中 小】\n临湖县学生营养改善计划实施情况通报\n\n"
                    "临湖县学生营养餐补助标准达到每生每天7.25元。\n", encoding="utf-8")
    rec = process(path, {})
    assert rec.title == "临湖县学生营养改善计划实施情况通报"
