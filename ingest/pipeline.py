"""One file in, one DocumentRecord out: read, normalise, split sentences."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest import lang, normalize, places, sentences
from ingest.gazetteer import default as default_gazetteer
from ingest.readers import ReaderError, read_file
from ingest.records import DocumentRecord, Span

__all__ = ["process", "file_sha256", "ReaderError", "DocumentTooLarge", "RULE_SETS", "MAX_PARAGRAPH_CHARS"]

# Versions of the language-neutral rules that shape a record (the language packs declare
# their own): bump one when its rules change, so every document is re-processed.
# records 2: a figure may be a range (Observation.upper); 3: ids of files whose names are not plain
# are disambiguated (kg.docids), and a paragraph longer than MAX_PARAGRAPH_CHARS is cut into pieces.
# sentences 2: spaCy is imported when first used (the same sentences; its code changed).
# readers 2, records 4, tables 1: tables as rows of cell spans (DocumentRecord.tables), figures in their
# cells read from them (ingest.tables); entities 2: every sentence naming an entity is a mention.
# normalize 2: share buttons and font controls (分享到：微信 微博, 【字体：大 中 小】) are furniture, not titles;
# 3: "Full screen" in two words too.
RULE_SETS = {"readers": "2", "normalize": "3", "sentences": "2", "places": "1", "gazetteer": "2", "entities": "2",
             "glossary": "2", "records": "4", "tables": "1"}

# Longest paragraph handed to spaCy in one piece (spaCy refuses texts over nlp.max_length, 1,000,000
# characters, and its parser needs about 1 GB per 100,000); longer ones are cut at line ends or spaces.
MAX_PARAGRAPH_CHARS = 100_000


class DocumentTooLarge(ReaderError):
    """A document has more text than the limit it is ingested with."""

    def __init__(self, name: str, chars: int, limit: int):
        self.name, self.chars, self.limit = name, chars, limit
        super().__init__(
            f"{name} has {chars:,} characters of text, more than the limit of {limit:,} per document; "
            f"split it into files of at most {limit:,} characters, or raise the limit "
            f"(POLICYKG_MAX_DOCUMENT_CHARS={chars}, or Settings(max_document_chars=...))")


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def process(path: str | Path, meta: dict[str, str] | None = None, sha256: str | None = None,
            doc_id: str | None = None, max_chars: int | None = None) -> DocumentRecord:
    """Read and segment one document.

    ``meta`` is the file's manifest row (title, publisher, issued, language, kind);
    without it the title is taken from the document and the language detected.
    ``doc_id`` defaults to the file stem (``kg.build`` gives every file a unique one).
    Raises ``ReaderError`` for unreadable, binary or empty files, and its subclass
    ``DocumentTooLarge`` for a text longer than ``max_chars`` (when given).
    """
    path = Path(path).resolve()
    meta = meta or {}
    extracted = read_file(path)
    if max_chars is not None and len(extracted.text) > max_chars:
        raise DocumentTooLarge(path.name, len(extracted.text), max_chars)
    paras = bounded(extracted.text, normalize.paragraphs(extracted))
    if not paras:
        raise ReaderError(f"{path.name}: no text left once page furniture is removed")
    language = meta.get("language") or lang.detect(extracted.text)
    pack = lang.get(language)
    spans = pack.split_sentences(extracted.text, paras) if pack else sentences.split(extracted.text, paras, language)
    title = meta.get("title") or extracted.title or _first_line(extracted.text, paras[0])
    rec = DocumentRecord(
        doc_id=doc_id or path.stem,
        source=str(path),
        sha256=sha256 or file_sha256(path),
        text=extracted.text,
        format=extracted.format,
        reader=extracted.reader,
        language=language,
        title=title,
        publisher=meta.get("publisher"),
        issued=meta.get("issued"),
        kind=meta.get("kind"),
        paragraphs=[Span(p.start, p.end, i, p.page) for i, p in enumerate(paras)],
        sentences=[
            Span(s, e, i, paras[p].page, p) for i, (s, e, p) in enumerate(spans)
        ],
        pages=list(extracted.pages),
        tables=list(extracted.tables),
        segmenter=sentences.describe(language),
    )
    _add_observations(rec, pack)
    return rec


def bounded(text: str, paras: list[normalize.ParagraphSpan], limit: int | None = None) -> list[normalize.ParagraphSpan]:
    """The paragraphs, those longer than ``limit`` (default ``MAX_PARAGRAPH_CHARS``) cut into pieces:
    at the last line end before the limit, else the last space, else at the limit."""
    limit = limit or MAX_PARAGRAPH_CHARS
    out = []
    for p in paras:
        start = p.start
        while p.end - start > limit:
            window = text[start : start + limit]
            cut = max(window.rfind("\n"), 0) or max(window.rfind(" "), 0) or limit
            a, b = normalize.trim(text, start, start + cut)
            if b > a:
                out.append(normalize.ParagraphSpan(a, b, p.page))
            start += cut
        a, b = normalize.trim(text, start, p.end)
        if b > a:
            out.append(normalize.ParagraphSpan(a, b, p.page))
    return out


def _add_observations(rec: DocumentRecord, pack) -> None:
    """The document's subject region, and its figures and entities as its language pack reads them."""
    gaz = default_gazetteer()
    region = places.subject_region(gaz, rec.title, rec.text, rec.language)
    rec.subject_region = region.code if region else None
    if pack is not None:
        rec.observations, rec.entities, rec.mentions = pack.extract(rec, gaz, region)


def _first_line(text: str, para: normalize.ParagraphSpan) -> str:
    line = text[para.start : para.end].splitlines()[0].strip()
    return line if len(line) <= 200 else line[:197].rstrip() + "..."
