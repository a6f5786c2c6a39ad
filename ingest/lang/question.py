"""What a question asks, as a language pack reads it: indicator words, region, period,
population group and the kind of answer, plus the cues that rank candidate figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.gazetteer import CHINA, Region


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
