"""Turn document files (txt, md, html, pdf, docx) into plain text with offsets.

Public API:

* :func:`read_file` reads a path and dispatches on its lower-cased suffix.
* :func:`read_bytes` does the same for content already in memory (e.g. uploads).
* :class:`ExtractedText` holds the text; every offset it carries (blocks,
  pages) indexes ``ExtractedText.text``.
* :class:`ReaderError` is the only exception raised for a bad input file.
"""

from __future__ import annotations

import codecs
import html as html_lib
import io
import os
import platform
import re
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from ingest.records import Table
from ingest.registry import Registry

__all__ = [
    "Block",
    "ExtractedText",
    "Reader",
    "ReaderError",
    "SUPPORTED_SUFFIXES",
    "readers",
    "register_reader",
    "supported_suffixes",
    "read_bytes",
    "read_file",
]


@dataclass(frozen=True)
class Block:
    """A structural unit of the text: ``text[start:end]`` is its content."""

    start: int
    end: int
    kind: str  # "heading" | "paragraph" | "list_item" | "table_cell" | "code"
    page: int | None = None


@dataclass
class ExtractedText:
    """The text of one document plus what the reader learnt about its layout."""

    text: str
    format: str  # "txt" | "md" | "html" | "pdf" | "docx"
    reader: str  # library and version used, e.g. "pypdf 7.1.0"
    title: str | None = None
    blocks: list[Block] | None = None  # None: the caller splits paragraphs itself
    pages: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, page) for pdf
    # Tables as rows of cell spans into ``text`` (docx, html, md; pdf where its text layer keeps a grid).
    # The text states every cell as well: tables add structure, never text.
    tables: list[Table] = field(default_factory=list)


class ReaderError(Exception):
    """A file cannot be read; the message names the file and says why."""


@dataclass(frozen=True)
class Reader:
    """A document format: the file suffixes it reads and ``read(data, name) -> ExtractedText``."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[bytes, str], "ExtractedText"]


# Readers by format name. A new format registers a ``Reader`` here or through the
# ``policykg.readers`` entry point group (see CONTRIBUTING.md).
readers: Registry[Reader] = Registry("reader", "policykg.readers")


def register_reader(name: str, suffixes: tuple[str, ...], read: Callable[[bytes, str], "ExtractedText"]) -> Reader:
    """Register a reader for the given lower-case suffixes (".txt")."""
    reader = Reader(name, tuple(suffixes), read)
    readers.register(name, reader)
    return reader


def _formats() -> dict[str, Reader]:
    """Suffix -> reader, over every registered reader."""
    out: dict[str, Reader] = {}
    for name in readers.names():
        reader = readers.factory(name)
        out.update({suffix: reader for suffix in reader.suffixes})
    return out


def supported_suffixes() -> frozenset[str]:
    """The file suffixes some registered reader reads."""
    return frozenset(_formats())


def read_file(path: str | os.PathLike) -> ExtractedText:
    """Read a document file and return its extracted text.

    The format is chosen from the lower-cased suffix (see ``SUPPORTED_SUFFIXES``).
    Raises :class:`ReaderError` for an unsupported suffix, a file that cannot be
    opened, content invalid for its format, or a document with no text.
    """
    path = Path(path)
    _format_of(path.name)  # reject an unsupported suffix before touching the disk
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    return read_bytes(data, path.name)


def read_bytes(data: bytes, name: str) -> ExtractedText:
    """Extract text from a document's raw bytes; ``name`` gives the suffix and error messages."""
    extracted = _format_of(name).read(data, name)
    if not extracted.text.strip():
        raise ReaderError(f"{name} is empty: no text after extraction")
    return extracted


def _format_of(name: str) -> Reader:
    suffix = os.path.splitext(name)[1].lower()
    formats = _formats()
    if suffix not in formats:
        supported = ", ".join(sorted(formats))
        shown = suffix or "no suffix"
        raise ReaderError(f"cannot read {name}: unsupported file type ({shown}); supported: {supported}")
    return formats[suffix]


def _lib_version(dist: str) -> str:
    try:
        return f"{dist} {version(dist)}"
    except PackageNotFoundError:
        return dist


# --------------------------------------------------------------------------- txt

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode_text(data: bytes, name: str) -> str:
    """Decode a plain-text file the way Python's text mode with universal newlines would."""
    text = _decode_with_bom(data, name)
    if text is None:
        if b"\x00" in data:
            raise ReaderError(f"{name} looks binary (contains NUL bytes), not a text file")
        text = _decode_first(data, ("utf-8", "gb18030"))
        if text is None:
            raise ReaderError(f"{name} is not valid text (neither UTF-8 nor GB18030); is it binary?")
    return _universal_newlines(text)


def _decode_with_bom(data: bytes, name: str) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                message = f"{name} starts with a {encoding} byte-order mark but is not valid {encoding}"
                raise ReaderError(message) from exc
    return None


def _decode_first(data: bytes, encodings: tuple[str, ...]) -> str | None:
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _universal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_txt(data: bytes, name: str) -> ExtractedText:
    return ExtractedText(
        text=_decode_text(data, name),
        format="txt",
        reader=f"python {platform.python_version()}",
    )


# ---------------------------------------------------------------------- markdown

_ATX_CLOSING = r"(?:[ \t]+#+)?[ \t]*$"


def _read_md(data: bytes, name: str) -> ExtractedText:
    from markdown_it import MarkdownIt

    text = _decode_text(data, name)
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    line_starts = _line_starts(text)
    blocks: list[Block] = []
    title = None
    for block, token in _md_blocks(tokens, text, line_starts):
        if blocks and block.start < blocks[-1].end:
            continue  # never emit overlapping blocks, whatever the markup
        blocks.append(block)
        if title is None and block.kind == "heading":
            title = _inline_plain_text(token) or text[block.start:block.end]
    tables = [_pipe_table(text, line_starts, range(*token.map)) for token in tokens if token.type == "table_open" and token.map]
    return ExtractedText(text=text, format="md", reader=_lib_version("markdown-it-py"), title=title, blocks=blocks,
                         tables=[t for t in tables if t is not None])


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")
    return starts


def _md_blocks(tokens, text: str, line_starts: list[int]):
    """Yield (Block, token) for each text-bearing markdown block, in document order."""
    list_depth = 0
    in_heading = False
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            list_depth += 1
        elif token.type == "list_item_close":
            list_depth -= 1
        elif token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type in ("fence", "code_block") and token.map:
            first = token.map[0] + (1 if token.type == "fence" else 0)
            span = _lines_span(text, line_starts, first, token.content.rstrip("\n").split("\n"))
            if span:
                yield Block(*span, kind="code"), token
        elif token.type == "tr_open" and token.map:
            for span in _table_row_spans(tokens, i, text, line_starts):
                yield Block(*span, kind="table_cell"), token
        elif token.type == "inline" and token.map and tokens[i - 1].type in ("heading_open", "paragraph_open"):
            atx = in_heading and tokens[i - 1].markup.startswith("#")
            span = _lines_span(text, line_starts, token.map[0], token.content.split("\n"), atx=atx)
            if span:
                kind = "heading" if in_heading else ("list_item" if list_depth else "paragraph")
                yield Block(*span, kind=kind), token


def _lines_span(
    text: str, line_starts: list[int], first_line: int, content_lines: list[str], atx: bool = False
) -> tuple[int, int] | None:
    """Locate a block whose content lines map one-to-one onto source lines from ``first_line``.

    Container markup (``> ``, list bullets, ``#``) only ever precedes the content
    on a source line, so the stripped content of the first and last non-blank
    lines is matched as a suffix of its (right-stripped) source line.
    """
    numbered = [(first_line + n, line.strip()) for n, line in enumerate(content_lines) if line.strip()]
    if not numbered:
        return None
    (first_no, first_content), (last_no, last_content) = numbered[0], numbered[-1]
    first_src = _source_line(text, line_starts, first_no)
    if atx:
        # "# Title ##": the content is followed by an optional closing sequence.
        match = re.search(re.escape(first_content) + _ATX_CLOSING, first_src)
        if not match:
            return None
        start = line_starts[first_no] + match.start()
        return _checked_span(text, start, start + len(first_content))
    start = _suffix_offset(first_src, first_content)
    end = _suffix_offset(_source_line(text, line_starts, last_no), last_content)
    if start is None or end is None:
        return None
    return _checked_span(text, line_starts[first_no] + start, line_starts[last_no] + end + len(last_content))


def _source_line(text: str, line_starts: list[int], line_no: int) -> str:
    if line_no >= len(line_starts):
        return ""
    end = line_starts[line_no + 1] - 1 if line_no + 1 < len(line_starts) else len(text)
    return text[line_starts[line_no]:end]


def _suffix_offset(source_line: str, content: str) -> int | None:
    stripped = source_line.rstrip()
    if stripped.endswith(content):
        return len(stripped) - len(content)
    # markdown-it rewrote something (e.g. tabs); fall back to a plain search.
    found = source_line.find(content)
    return found if found >= 0 else None


def _checked_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink a span to exclude surrounding whitespace; None if nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if 0 <= start < end <= len(text) else None


def _table_row_spans(tokens, tr_index: int, text: str, line_starts: list[int]):
    """Spans of the non-empty cells of the table row opened at ``tokens[tr_index]``."""
    n_cells = 0
    for token in tokens[tr_index + 1:]:
        if token.type == "tr_close":
            break
        if token.type in ("th_open", "td_open"):
            n_cells += 1
    line_no = tokens[tr_index].map[0]
    row_start = line_starts[line_no]
    # Cells are split on unescaped pipes; cells beyond the header's count are dropped, as markdown-it does.
    for start, end in _split_row(_source_line(text, line_starts, line_no))[:n_cells]:
        span = _checked_span(text, row_start + start, row_start + end)
        if span:
            yield span


def _split_row(line: str) -> list[tuple[int, int]]:
    bounds = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    edges = [-1, *bounds, len(line)]
    cells = [(a + 1, b) for a, b in zip(edges, edges[1:])]
    # A leading/trailing pipe yields an empty outer cell that is not a column.
    if cells and not line[: cells[0][1]].strip():
        cells = cells[1:]
    if cells and not line[cells[-1][0]:].strip():
        cells = cells[:-1]
    return cells


_RULE_ROW = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")  # |---|:--:|


def _pipe_table(text: str, line_starts: list[int], lines) -> Table | None:
    """A table written as pipe-separated lines ("| a | b |", the rule row "|---|---|" skipped):
    each row's cells as spans of ``text``."""
    rows = []
    for line_no in lines:
        line = _source_line(text, line_starts, line_no)
        if not line.strip() or _RULE_ROW.match(line):
            continue
        start = line_starts[line_no]
        rows.append([_checked_span(text, start + a, start + b) for a, b in _split_row(line)])
    return Table(rows) if len(rows) >= 2 and max(len(r) for r in rows) >= 2 else None


def _pipe_tables(text: str) -> list[Table]:
    """Every run of two or more pipe-separated lines in a text (trafilatura writes HTML tables so)."""
    line_starts = _line_starts(text)
    out, run = [], []
    for n in range(len(line_starts)):
        line = _source_line(text, line_starts, n).strip()
        if line.startswith("|") and line.count("|") >= 3:
            run.append(n)
            continue
        if run and (table := _pipe_table(text, line_starts, run)) is not None:
            out.append(table)
        run = []
    if run and (table := _pipe_table(text, line_starts, run)) is not None:
        out.append(table)
    return out


def _inline_plain_text(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


# -------------------------------------------------------------------------- html

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def _read_html(data: bytes, name: str) -> ExtractedText:
    import trafilatura

    markup = _decode_html(data, name)
    text = trafilatura.extract(
        markup, output_format="txt", include_comments=False, include_tables=True, favor_recall=True
    )
    if not text or not text.strip():
        # extract() gives up on pages it judges too small; keep their text anyway.
        text = trafilatura.html2txt(markup) or trafilatura.baseline(markup)[1]
    if not text or not text.strip():
        raise ReaderError(f"{name} has no text: nothing could be extracted from the HTML")
    return ExtractedText(text=text, format="html", reader=_lib_version("trafilatura"), title=_html_title(markup),
                         tables=_pipe_tables(text))


def _decode_html(data: bytes, name: str) -> str:
    text = _decode_with_bom(data, name)
    if text is not None:
        return text
    if b"\x00" in data:
        raise ReaderError(f"{name} looks binary (contains NUL bytes), not an HTML file")
    match = _META_CHARSET.search(data[:4096])
    encoding = "utf-8"
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            pass  # unknown charset name: stay with utf-8
    return data.decode(encoding, errors="replace")


def _html_title(markup: str) -> str | None:
    import trafilatura

    try:
        metadata = trafilatura.extract_metadata(markup)
    except Exception:  # metadata is a nicety; never fail the read because of it
        metadata = None
    if metadata is not None and metadata.title and metadata.title.strip():
        return metadata.title.strip()
    match = _TITLE_TAG.search(markup)
    if match:
        title = " ".join(html_lib.unescape(match.group(1)).split())
        return title or None
    return None


# --------------------------------------------------------------------------- pdf


def _read_pdf(data: bytes, name: str) -> ExtractedText:
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        _unlock_pdf(reader, name)
        page_texts, fragments = [], []
        for page in reader.pages:
            found: list[tuple[str, float, float]] = []
            page_texts.append(page.extract_text(visitor_text=_fragment_visitor(found)) or "")
            fragments.append(found)
    except ReaderError:
        raise
    # pypdf surfaces damaged files as many exception types, not only its own.
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, NotImplementedError) as exc:
        raise ReaderError(f"{name} is not a readable PDF: {exc}") from exc
    text, pages = _join_pages(page_texts)
    if not text.strip():
        raise ReaderError(f"{name} has no extractable text (a scanned or image-only PDF needs OCR first)")
    tables = [t for (start, _, number), page_text, found in zip(pages, page_texts, fragments)
              for t in _pdf_tables(page_text, found, start, number)]
    return ExtractedText(text=text, format="pdf", reader=_lib_version("pypdf"), title=_pdf_title(reader), pages=pages,
                         tables=tables)


def _fragment_visitor(found: list):
    """A pypdf text visitor that keeps each piece of text with its position on the page."""
    from pypdf import mult

    def visit(text, cm, tm, font_dict, font_size):
        if text and text.strip():
            x, y = mult(tm, cm)[4:6]
            found.append((text, x, y))

    return visit


def _pdf_tables(page_text: str, found: list[tuple[str, float, float]], offset: int, page: int) -> list[Table]:
    """Tables whose grid the text layer keeps: runs of two or more lines (pieces of text at one height)
    of as many pieces each, at least two, every piece ending its line of the extracted text (a word
    set in bold inside a sentence does not)."""
    pieces, cursor = [], 0
    for text, x, y in found:
        body = text.strip()
        at = page_text.find(body, cursor)
        if at < 0:
            continue
        cursor = at + len(body)
        own_line = cursor == len(page_text) or page_text[cursor] == "\n"
        pieces.append((offset + at, offset + cursor, x, y, own_line))
    lines: list[list[tuple]] = []
    for p in pieces:
        if lines and abs(lines[-1][-1][3] - p[3]) <= 2 and p[2] > lines[-1][-1][2]:
            lines[-1].append(p)
        else:
            lines.append([p])
    out, run = [], []
    for line in lines + [[]]:
        if len(line) >= 2 and all(p[4] for p in line) and (not run or len(line) == len(run[-1])):
            run.append(line)
            continue
        if len(run) >= 2:
            out.append(Table([[(p[0], p[1]) for p in row] for row in run], page))
        run = [line] if len(line) >= 2 and all(p[4] for p in line) else []
    return out


def _unlock_pdf(reader, name: str) -> None:
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    if not reader.is_encrypted:
        return
    try:
        unlocked = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError as exc:
        raise ReaderError(f"{name} is encrypted with a cipher this installation cannot open: {exc}") from exc
    if not unlocked:
        raise ReaderError(f"{name} is encrypted and needs a password")


def _join_pages(page_texts: list[str]) -> tuple[str, list[tuple[int, int, int]]]:
    """Join page texts with blank lines; return the text and (start, end, page_number) spans."""
    pages = []
    offset = 0
    for number, page_text in enumerate(page_texts, start=1):
        pages.append((offset, offset + len(page_text), number))
        offset += len(page_text) + 2  # the "\n\n" separator
    return "\n\n".join(page_texts), pages


def _pdf_title(reader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # broken metadata must not lose an otherwise readable PDF
        return None
    title = str(title).strip() if title else ""
    # reportlab and some other generators write "untitled" when no title was given
    return title if title and title.lower() != "untitled" else None


# -------------------------------------------------------------------------- docx


def _read_docx(data: bytes, name: str) -> ExtractedText:
    import docx
    from docx.opc.exceptions import PackageNotFoundError as DocxPackageError

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, DocxPackageError, KeyError, ValueError) as exc:
        raise ReaderError(f"{name} is not a valid .docx file: {exc}") from exc
    parts: list[str] = []
    blocks: list[Block] = []
    tables: list[Table] = []
    offset = 0
    for piece_text, kind, table in _docx_pieces(document):
        if table is not None:  # a table: its rows, each cell the span of its piece (None: an empty cell)
            tables.append(Table([[(blocks[i].start, blocks[i].end) if i is not None else None for i in row]
                                 for row in table]))
            continue
        blocks.append(Block(offset, offset + len(piece_text), kind))
        parts.append(piece_text)
        offset += len(piece_text) + 2  # the "\n\n" separator
    title = (document.core_properties.title or "").strip() or None
    return ExtractedText(
        text="\n\n".join(parts), format="docx", reader=_lib_version("python-docx"), title=title, blocks=blocks,
        tables=[t for t in tables if len(t.rows) >= 2 or any(len(r) >= 2 for r in t.rows)]
    )


def _docx_pieces(document):
    """Yield (stripped text, kind, None) for body paragraphs and table cells in document order, and
    after each table's cells (None, None, rows): its rows of the numbers of the blocks its cells are
    (counting pieces yielded so far; None for an empty cell; a merged cell in every grid place it fills)."""
    from docx.table import Table as DocxTable

    count = 0
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            seen: dict = {}
            rows = []
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    if cell._tc not in seen:  # a merged cell appears once per grid place it spans
                        seen[cell._tc] = None
                        if cell.text.strip():
                            seen[cell._tc] = count
                            count += 1
                            yield cell.text.strip(), "table_cell", None
                    cells.append(seen[cell._tc])
                rows.append(cells)
            yield None, None, rows
        elif item.text.strip():
            count += 1
            yield item.text.strip(), _paragraph_kind(item), None


def _paragraph_kind(paragraph) -> str:
    style = getattr(paragraph.style, "name", None) or ""
    if style.startswith("Heading") or style == "Title":
        return "heading"
    if "List" in style:
        return "list_item"
    return "paragraph"


_BUILT_IN = [register_reader("txt", (".txt",), _read_txt), register_reader("md", (".md", ".markdown"), _read_md),
             register_reader("html", (".html", ".htm"), _read_html), register_reader("pdf", (".pdf",), _read_pdf),
             register_reader("docx", (".docx",), _read_docx)]
# The built-in formats' suffixes; ``supported_suffixes()`` adds those of readers registered since.
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(s for r in _BUILT_IN for s in r.suffixes)
