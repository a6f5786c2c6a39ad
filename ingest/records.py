"""The records that ingest hands to kg: a document, its paragraphs and its sentences.

Every span is a pair of character offsets into ``DocumentRecord.text`` (the
document's extracted text), so ``text[start:end]`` is exactly the span's text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Span:
    """A paragraph or sentence: offsets into the document text and its position."""

    start: int
    end: int
    index: int
    page: int | None = None
    paragraph: int | None = None  # for sentences: the index of the enclosing paragraph


@dataclass
class DocumentRecord:
    """One ingested document: metadata, extracted text and its segmentation."""

    doc_id: str  # the file stem; also the last IRI segment, so it must be stable
    source: str  # absolute path of the file it came from
    sha256: str  # hash of the file's bytes
    text: str
    format: str
    reader: str
    language: str
    title: str
    publisher: str | None = None
    issued: str | None = None  # ISO date or year as written in the manifest
    kind: str | None = None
    paragraphs: list[Span] = field(default_factory=list)
    sentences: list[Span] = field(default_factory=list)
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    segmenter: str = ""

    def quote(self, span: Span) -> str:
        """Return the exact text of a span."""
        return self.text[span.start : span.end]

    def to_dict(self) -> dict:
        """A JSON-ready dict (spans as lists) that ``from_dict`` reads back."""
        d = asdict(self)
        d["paragraphs"] = [_span_tuple(s) for s in self.paragraphs]
        d["sentences"] = [_span_tuple(s) for s in self.sentences]
        d["pages"] = [list(p) for p in self.pages]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DocumentRecord":
        """Rebuild a record written by ``to_dict``."""
        d = dict(d)
        d["paragraphs"] = [Span(*s) for s in d.get("paragraphs", [])]
        d["sentences"] = [Span(*s) for s in d.get("sentences", [])]
        d["pages"] = [tuple(p) for p in d.get("pages", [])]
        return cls(**d)


def _span_tuple(s: Span) -> list:
    return [s.start, s.end, s.index, s.page, s.paragraph]
