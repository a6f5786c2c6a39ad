"""What a question asks, read by the pack of the question's language (see ``ingest.lang``)."""

from __future__ import annotations

from ingest import lang
from ingest.lang.question import ParsedQuestion

__all__ = ["ParsedQuestion", "parse", "asks_for"]


def parse(question: str, known: set[str] = frozenset(), reference_year: int | None = None) -> ParsedQuestion:
    """Read the question's indicator, region, period, group and answer kind.

    ``known``: codes of the regions the corpus covers. A place name the gazetteer
    cannot resolve alone ("Haiyan": a county in Zhejiang and one in Qinghai) is
    read as the one the corpus covers, else as all its candidates. ``reference_year`` is the year
    "this year" (今年) means: the latest year the documents were issued in.
    """
    pack = lang.get(lang.detect(question)) or lang.get("en")
    return pack.read_question(question, known, reference_year)


def asks_for(question: str) -> str | None:
    """The kind of figure a question's wording asks for: "money", "count", "rate" or None."""
    return parse(question).asks_for
