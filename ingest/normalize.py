"""Paragraph spans from extracted text, without page furniture, keeping exact offsets.

Nothing here rewrites the text: normalising means choosing which character
spans are content. Furniture (print/close buttons, font-size controls, empty
"label:" lines, page numbers, running heads repeated on most PDF pages) is
left out of the spans; whitespace and bullets are trimmed off span edges.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.readers import ExtractedText

# Words that only ever label page controls. A line made of nothing else is furniture.
_CONTROL_WORDS = {
    "print", "close", "share", "download", "email", "e-mail", "fullscreen", "favorite",
    "favourite", "bookmark", "font", "size", "text", "large", "medium", "small", "big",
    "a+", "a-", "top", "back", "to", "zoom", "in", "out", "reset", "save", "pdf",
    "打印", "关闭", "下载", "全屏", "收藏", "分享", "字号", "加大", "还原", "减小", "大", "中", "小",
    "返回顶部", "返回", "顶部", "打印本页", "关闭窗口", "分享到", "默认", "放大", "缩小",
    # share buttons and font controls of Chinese government sites ("分享到：微信 微博", "【字体：大 中 小】")
    "微信", "微博", "新浪微博", "腾讯微博", "qq", "qq空间", "朋友圈", "字体", "wechat", "weibo",
    "twitter", "facebook", "linkedin", "full", "screen",  # "Full screen" written as two words
}
_SPLIT_CONTROLS = re.compile(r"[\s【】\[\]｜|/·•:：()（）<>《》,，、;；\-–—]+")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?(?:\s*(?:/|of)\s*\d{1,4})?$|^第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?$",
    re.IGNORECASE,
)
# Page metadata labels; one standing alone with no value after it is furniture.
_META_LABELS = {
    "browsing", "views", "view", "visits", "hits", "clicks", "source", "author", "editor", "share",
    "release date", "date", "time", "print", "font size", "related", "tags", "keywords",
    "浏览", "浏览次数", "阅读", "阅读量", "点击", "点击数", "来源", "作者", "编辑", "责任编辑", "发布时间",
    "时间", "日期", "分享", "字号", "关键词", "相关链接",
}
_EMPTY_LABEL = re.compile(r"^(.{1,20}?)\s*[:：]$")
_EDGE = " \t\r\n\f\v\u00a0\u3000\u200b\ufeff•·▪◦●○■□◆◇►▶*"
_TERMINAL = tuple(".!?。！？:;：；\"”’')）]】…")


@dataclass(frozen=True)
class ParagraphSpan:
    start: int
    end: int
    page: int | None = None


def is_furniture(line: str) -> bool:
    """True for a line that is page furniture rather than content."""
    s = line.strip(_EDGE)
    if not s:
        return True
    if _PAGE_NUMBER.match(s):
        return True
    label = _EMPTY_LABEL.match(s)
    if label and label.group(1).lower() in _META_LABELS:
        return True
    tokens = [t for t in _SPLIT_CONTROLS.split(s.lower()) if t]
    # Only brackets and separators, or only control words.
    return all(t in _CONTROL_WORDS for t in tokens)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace and bullet characters at both edges."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in " \t\r\n\f\v\u00a0\u3000\u200b\ufeff":
        end -= 1
    return start, end


def paragraphs(doc: ExtractedText) -> list[ParagraphSpan]:
    """Content paragraphs of an extracted document, in order, furniture left out."""
    if doc.blocks is not None:
        spans = [ParagraphSpan(b.start, b.end, b.page) for b in doc.blocks]
    else:
        spans = _paragraphs_from_lines(doc.text, doc.pages)
    out = []
    for p in spans:
        start, end = trim(doc.text, p.start, p.end)
        if end > start and not is_furniture(doc.text[start:end]):
            out.append(ParagraphSpan(start, end, p.page))
    return out


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def _page_of(pages: list[tuple[int, int, int]], offset: int) -> int | None:
    for start, end, number in pages:
        if start <= offset < end:
            return number
    return None


def _head_key(line: str, page_number: int) -> str:
    """A page's header/footer line with its own page number masked."""
    return re.sub(rf"(?<!\d){page_number}(?!\d)", "#", line.strip())


def _running_heads(text: str, lines: list[tuple[int, int]], pages) -> set[str]:
    """Lines at the top or bottom of most pages of a multi-page document (headers, footers).

    Lines are compared exactly, except that the page's own number is masked, so
    "Report 2024 - 3" on page 3 and "Report 2024 - 4" on page 4 are one footer.
    """
    if len(pages) < 3:
        return set()
    per_page = Counter()
    for start, end, number in pages:
        body = [(a, b) for a, b in lines if start <= a < end and text[a:b].strip()]
        edges = body[:2] + body[-2:]
        per_page.update({_head_key(text[a:b], number) for a, b in edges})
    return {s for s, n in per_page.items() if n >= max(3, 0.6 * len(pages))}


def _paragraphs_from_lines(text: str, pages) -> list[ParagraphSpan]:
    """Each non-blank line is a paragraph, except that hard-wrapped lines are joined."""
    lines = _lines(text)
    heads = _running_heads(text, lines, pages)
    blocks: list[list[tuple[int, int]]] = [[]]
    for a, b in lines:
        line = text[a:b]
        page = _page_of(pages, a)
        if not line.strip() or (page and _head_key(line, page) in heads) or is_furniture(line):
            blocks.append([])
        else:
            blocks[-1].append((a, b))
    out = []
    for block in filter(None, blocks):
        widest = max(b - a for a, b in block)
        cur = list(block[0])
        for prev, (a, b) in zip(block, block[1:]):
            if _wrapped(text[prev[0] : prev[1]].rstrip(), text[a:b].lstrip(), widest, len(block)):
                cur[1] = b
            else:
                out.append(ParagraphSpan(cur[0], cur[1], _page_of(pages, cur[0])))
                cur = [a, b]
        out.append(ParagraphSpan(cur[0], cur[1], _page_of(pages, cur[0])))
    return out


def _wrapped(prev: str, nxt: str, widest: int, n_lines: int) -> bool:
    """Whether ``nxt`` continues ``prev`` (a hard line wrap) rather than starting anew."""
    if not prev or not nxt or prev.endswith(_TERMINAL):
        return False
    if nxt[0].islower() or prev.endswith(("-", ",", "，", "、")):
        return True
    # A line nearly as wide as the widest in a block of several is a wrapped line.
    return n_lines >= 3 and len(prev) >= 0.85 * widest and widest >= 40
