"""Time expressions in a sentence, resolved to periods (a year or a range of years).

Plan periods follow China's Five-Year Plans: the 3rd began in 1966 and each
lasts five years (the 1st and 2nd ran 1953-1962), so the nth covers
1966 + 5(n-3) to 1970 + 5(n-3): the 13th is 2016-2020, the 14th 2021-2025.
Relative phrases ("last year", "the past five years") resolve against the
document's date; a report issued in the first quarter looks back on complete
years, so its "past five years" end the year before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    start: int
    end: int

    def __str__(self) -> str:
        return str(self.start) if self.start == self.end else f"{self.start}/{self.end}"


@dataclass(frozen=True)
class TimeExpr:
    start: int  # span in the sentence
    end: int
    period: Period
    cue: str  # "by", "since", "in", "as of", "during", "" ... : the word that introduced it
    framing: bool = False  # a fronted adverbial ("By the end of 2020, ..."): it frames what follows
    baseline: bool = False  # the base of a comparison ("up 3.5 points from 2017"): not a figure's period


def plan_period(n: int) -> Period:
    """The years of the nth Five-Year Plan."""
    if n <= 2:
        return Period(1953 + 5 * (n - 1), 1957 + 5 * (n - 1))
    return Period(1966 + 5 * (n - 3), 1970 + 5 * (n - 3))


@dataclass(frozen=True)
class DocDate:
    year: int | None
    month: int | None = None

    @classmethod
    def parse(cls, issued: str | None) -> "DocDate":
        m = re.match(r"(\d{4})(?:-(\d{2}))?", issued or "")
        return cls(int(m.group(1)), int(m.group(2)) if m.group(2) else None) if m else cls(None)

    def looking_back_end(self) -> int | None:
        """The last complete year a retrospective in this document covers."""
        if self.year is None:
            return None
        return self.year - 1 if self.month is not None and self.month <= 3 else self.year
