"""One file in, one DocumentRecord out: read, normalise, split sentences."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingest import lang, normalize, places, sentences
from ingest.gazetteer import default as default_gazetteer
from ingest.readers import ReaderError, read_file
from ingest.records import DocumentRecord, Span

__all__ = ["process", "file_sha256", "ReaderError", "RULE_SETS"]

# Versions of the language-neutral rules that shape a record (the language packs declare
# their own): bump one when its rules change, so every document is re-processed.
RULE_SETS = {"readers": "1", "normalize": "1", "sentences": "1", "places": "1", "gazetteer": "1", "entities": "1",
             "glossary": "2", "records": "2"}  # records 2: a figure may be a range (Observation.upper)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def process(path: str | Path, meta: dict[str, str] | None = None, sha256: str | None = None) -> DocumentRecord:
    """Read and segment one document.

    ``meta`` is the file's manifest row (title, publisher, issued, language, kind);
    without it the title is taken from the document and the language detected.
    Raises ``ReaderError`` for unreadable, binary or empty files.
    """
    path = Path(path).resolve()
    meta = meta or {}
    extracted = read_file(path)
    paras = normalize.paragraphs(extracted)
    if not paras:
        raise ReaderError(f"{path.name}: no text left once page furniture is removed")
    language = meta.get("language") or lang.detect(extracted.text)
    pack = lang.get(language)
    spans = pack.split_sentences(extracted.text, paras) if pack else sentences.split(extracted.text, paras, language)
    title = meta.get("title") or extracted.title or _first_line(extracted.text, paras[0])
    rec = DocumentRecord(
        doc_id=path.stem,
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
        segmenter=sentences.describe(language),
    )
    _add_observations(rec, pack)
    return rec


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
