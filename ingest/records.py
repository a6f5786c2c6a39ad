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
class Observation:
    """One figure stated in a document, with what it measures and where it stands."""

    start: int  # the figure itself ("more than 99%"), offsets into the document text
    end: int
    value: str  # a decimal number as text, scale words applied ("2.97 million" -> "2970000")
    unit: str  # canonical unit: "percent", "yuan per person per month", "persons", "programs" ...
    metric: str  # the phrase saying what is measured
    metric_start: int | None
    metric_end: int | None
    region: str | None  # gazetteer code (GB/T 2260), "100000" for China
    region_label: str | None
    period_start: int | None  # years
    period_end: int | None
    group: str | None  # population group
    qualifier: str | None  # "more than", "at least", "approximately", "less than", "at most"
    status: str  # "actual" | "expected" | "target" | "planned"
    role: str  # "level" | "change" | "cumulative" | "average" (yearly, over the period) | "baseline"
    sentence: int  # index into DocumentRecord.sentences
    rule: str  # which extraction rule produced it (with the rule set's version)
    unit_zh: str | None = None  # a counted Chinese noun when ``unit`` is its English (老年食堂 -> "elderly canteens")
    change_kind: str | None = None  # for a change: "percent" | "points" | "absolute" | "multiple"
    base_start: int | None = None  # for a change: the period it is measured from, where stated
    base_end: int | None = None
    upper: str | None = None  # a range's upper end ("4.5%—5%": value "4.5", upper "5")


@dataclass
class Entity:
    """A named thing: region, organization, person, event, plan, standard or goal."""

    key: str  # "type:slug" — the same in every document
    type: str  # region | organization | person | event | plan | standard | goal
    label: str
    aliases: set[str] = field(default_factory=set)
    code: str | None = None  # regions
    parent: str | None = None  # key of the parent organization
    region: str | None = None  # region code (regional bodies; event places)
    role: str | None = None  # people
    organization: str | None = None  # people: key of their organization; events: organizer
    date: str | None = None  # events: ISO date or year; goals: target year
    period: tuple[int, int] | None = None  # plans
    plan: str | None = None  # goals: key of the plan
    label_en: str | None = None  # English for a Chinese name, by the gazetteer and the glossary
    # service items of an implementation standard's table: "target", "content", "standard", "payment",
    # "responsible", "category" as its columns state them (ingest.tables.service_items)
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mention:
    """Where an entity is named: offsets into the document text and the sentence index."""

    start: int
    end: int
    key: str
    sentence: int


@dataclass
class Table:
    """A table of the document: its rows of cells, each cell the ``(start, end)`` offsets of its text
    in the document text, or None for an empty cell. The first row and the first column are where
    headers stand, when the table has them (``ingest.tables`` decides)."""

    rows: list[list[tuple[int, int] | None]]
    page: int | None = None

    def cell(self, text: str, r: int, c: int) -> str:
        """The text of one cell ("" for an empty or missing one)."""
        row = self.rows[r] if r < len(self.rows) else []
        span = row[c] if c < len(row) else None
        return text[span[0]:span[1]] if span else ""


@dataclass
class DocumentRecord:
    """One ingested document: metadata, extracted text and its segmentation."""

    doc_id: str  # the file stem, made unique where needed (kg.docids); also the last IRI segment, so it must be stable
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
    subject_region: str | None = None  # gazetteer code of the region the document is about
    observations: list[Observation] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # as the reader found them (records before tables have none)

    def quote(self, span: Span) -> str:
        """Return the exact text of a span."""
        return self.text[span.start : span.end]

    def to_dict(self) -> dict:
        """A JSON-ready dict (spans as lists) that ``from_dict`` reads back."""
        d = asdict(self)
        d["paragraphs"] = [_span_tuple(s) for s in self.paragraphs]
        d["sentences"] = [_span_tuple(s) for s in self.sentences]
        d["pages"] = [list(p) for p in self.pages]
        d["observations"] = [asdict(o) for o in self.observations]
        d["entities"] = [asdict(e) | {"aliases": sorted(e.aliases)} for e in self.entities]
        d["mentions"] = [[m.start, m.end, m.key, m.sentence] for m in self.mentions]
        d["tables"] = [{"rows": [[list(c) if c else None for c in row] for row in t.rows], "page": t.page} for t in self.tables]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DocumentRecord":
        """Rebuild a record written by ``to_dict``."""
        d = dict(d)
        d["paragraphs"] = [Span(*s) for s in d.get("paragraphs", [])]
        d["sentences"] = [Span(*s) for s in d.get("sentences", [])]
        d["pages"] = [tuple(p) for p in d.get("pages", [])]
        d["observations"] = [Observation(**_observation_fields(o)) for o in d.get("observations", [])]
        d["entities"] = [Entity(**(e | {"aliases": set(e["aliases"]), "period": tuple(e["period"]) if e.get("period") else None}))
                         for e in d.get("entities", [])]
        d["mentions"] = [Mention(*m) for m in d.get("mentions", [])]
        d["tables"] = [Table([[tuple(c) if c else None for c in row] for row in t["rows"]], t.get("page"))
                       for t in d.get("tables", [])]
        return cls(**d)


def _observation_fields(o: dict) -> dict:
    """An observation as saved, in today's fields (records written before roles said "kind")."""
    o = dict(o)
    if "kind" in o:
        o.setdefault("role", o.pop("kind"))
    return o


def _span_tuple(s: Span) -> list:
    return [s.start, s.end, s.index, s.page, s.paragraph]
