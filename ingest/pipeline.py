"""One file in, one DocumentRecord out: read, normalise, split sentences."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import language as lang
from . import entities, entities_zh, extract, extract_zh, normalize, places, sentences
from .readers import ReaderError, read_file
from .records import DocumentRecord, Span

__all__ = ["process", "file_sha256", "ReaderError"]


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
    spans = sentences.split(extracted.text, paras, language)
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
    _add_observations(rec)
    return rec


def _add_observations(rec: DocumentRecord) -> None:
    """The document's subject region and its figures, for the languages extraction supports."""
    from .gazetteer import default

    gaz = default()
    region = places.subject_region(gaz, rec.title, rec.text, rec.language)
    rec.subject_region = region.code if region else None
    if rec.language == "en":
        rec.observations = extract.extract(rec, regions=gaz, subject=region)
        rec.entities, rec.mentions = entities.extract_entities(rec, gaz, subject=region)
    elif rec.language == "zh":
        rec.observations = extract_zh.extract(rec, regions=gaz, subject=region)
        rec.entities, rec.mentions = entities_zh.extract_entities(rec, gaz, subject=rec.subject_region)


def _first_line(text: str, para: normalize.ParagraphSpan) -> str:
    line = text[para.start : para.end].splitlines()[0].strip()
    return line if len(line) <= 200 else line[:197].rstrip() + "..."
