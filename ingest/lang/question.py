"""What a question asks, as a language pack reads it: indicator words, region, period,
population group and the kind of answer, plus the cues that rank candidate figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.gazetteer import CHINA, Region


@dataclass
class ComparisonAsk:
    """What a comparison question asks of the figures of several regions."""

    op: str  # "rank" | "spread" (highest minus lowest) | "count" | "pair" | "missing" | "ranges"
    highest: bool = True  # rank, pair: which end is asked for (most, highest, 更多)
    n: int = 1  # rank: how many leaders (前三: 3)
    relation: str | None = None  # count: "~" (about), "=", ">=", ">", "<=", "<"
    threshold: float | None = None  # count: the figure compared with, normalised like the figures
    threshold_unit: str | None = None
    difference: bool = False  # pair: the question asks by how much
    which: bool = True  # the question asks which region (lead with it), not only how much
    word: str | None = None  # the comparative as asked (多, 高, 快), for the answer to use
    national: bool = False  # pair: one region against the country's figure (比全国高多少)


@dataclass
class Operand:
    """One region's figure in a comparison answer."""

    region: str
    figure: str  # as written in its document
    value: float
    unit: str
    native: str = ""  # the region's short name in its document's language (辽宁), where that differs


@dataclass
class ComparisonOutcome:
    """A computed comparison, for a language pack to phrase."""

    op: str  # as ``ComparisonAsk.op``
    indicator: str
    period: str | None
    status: str | None
    unit: str | None = None
    highest: bool = True
    n: int = 1
    leaders: list[Operand] = field(default_factory=list)  # rank: the leaders; spread: [highest, lowest]; pair: [a, b]
    runner_up: list[Operand] = field(default_factory=list)
    certain: bool = True  # the bounds of the figures allow no other order
    relation: str | None = None  # pair: ">", "<", "=", ">=", "<=", "?" (a against b)
    difference: float | None = None
    asks_difference: bool = False
    which: bool = True
    word: str | None = None  # the comparative as the question asked it
    members: list[Operand] = field(default_factory=list)  # count: the regions counted
    undecided: list[Operand] = field(default_factory=list)  # count: bounds leave it open
    bounded: list[Operand] = field(default_factory=list)  # operands stated only as bounds
    missing: list[str] = field(default_factory=list)  # regions with a document but no figure
    no_document: list[str] = field(default_factory=list)  # regions named but without a document
    compared: int = 0
    condition: str | None = None  # count: the condition as the question put it


@dataclass
class ParsedQuestion:
    text: str
    language: str
    kind: str  # "figure" | "who" | "when" | "where" | "what"
    regions: list[Region] = field(default_factory=list)
    national: bool = False
    years: tuple[int, int] | None = None
    group: str | None = None
    indicator: str = ""  # the question without its wh-words, places, years and function words
    words: list[str] = field(default_factory=list)
    asks_for: str | None = None  # "money" | "count" | "rate": the kind of figure the wording asks for
    future: bool = False  # the wording asks for an expected or planned figure ("will", 目标)
    ratio: bool = False  # the wording asks for a ratio ("income ratio", 收入比)
    measure: str | None = None  # the measure word a count is asked in (多少张 -> 张)
    level_if_fits: bool = False  # a "what is ..." question a well-fitting figure answers
    role: str | None = None  # the kind of figure asked for: "change", "average", "cumulative", "baseline"; None: the level
    status: str | None = None  # "target" (this year's target, a plan goal) or "actual" (last year, the past five years)
    several: bool = False  # the question asks for several figures ("urban and rural", 分别)
    scheme_parts: list[str] = field(default_factory=list)  # a standard's "aspect"/"category" counts asked for
    compare: ComparisonAsk | None = None  # a question comparing regions

    def region_codes(self) -> list[str]:
        codes = [r.code for r in self.regions]
        return codes or ([CHINA] if self.national else [])

    def places(self) -> set[str]:
        """Codes of the regions below the nation that the question names."""
        return {r.code for r in self.regions if r.code != CHINA}


def distinct_regions(mentions) -> list[Region]:
    """The regions of ``(start, end, region)`` mentions, each once, in order of mention."""
    out: list[Region] = []
    for _, _, r in mentions:
        if r.code not in {x.code for x in out}:
            out.append(r)
    return out


def scheme_parts(question: str, standard: re.Pattern, how_many: re.Pattern, parts: dict[str, re.Pattern],
                 other: re.Pattern) -> list[str]:
    """The parts of a standard's structure a question counts ("how many categories does the standard
    cover" -> ["category"]); none when it also asks for something the scheme does not hold."""
    if not (standard.search(question) and how_many.search(question)) or other.search(question):
        return []
    return [name for name, rx in parts.items() if rx.search(question)]


def with_comparison(q: ParsedQuestion, read, cue_spans, reread, implied=None) -> ParsedQuestion:
    """``q`` with the comparison it asks for (``read(text, regions) -> ComparisonAsk | None``), and
    its indicator words read again without the comparison's cue words and compared figure
    (``cue_spans(text)``; ``reread(text) -> ParsedQuestion``): "有多少个省份" asks for no count.
    ``implied(words)`` names the indicator a question leaves implicit ("which grew faster": GDP)."""
    ask = read(q.text, len(q.places()))
    if ask is None:
        return q
    blank = q.text
    for a, b in sorted(set(cue_spans(q.text)), reverse=True):
        blank = blank[:a] + " " * (b - a) + blank[b:]
    plain = reread(blank)
    q.compare, q.kind = ask, "figure"
    q.words, q.indicator, q.asks_for, q.measure, q.several = plain.words, plain.indicator, plain.asks_for, plain.measure, False
    q.role = plain.role  # "by how much", 相差多少: the comparison's difference, not a change the figures state
    if implied is not None and (words := implied(q.words)):  # "which grew faster": the economy did
        q.words, q.indicator = words, " ".join(words)
    return q
