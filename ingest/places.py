"""Which region a document is about, and which region a figure belongs to.

The document's subject region is the region its title names (the most
specific one); failing that, a region named at least twice in the text that
accounts for at least half of all region mentions; failing that, China (the
corpus's domain is China's public services, so an unplaced figure is national).
A figure belongs to a region named in its own sentence (the nearest mention
before it, else the nearest after it); otherwise to the subject region, which
is also what "the city", "the county", "全市" refer to.
"""

from __future__ import annotations

from collections import Counter

from ingest.gazetteer import CHINA, Gazetteer, Region

_LEVEL_RANK = {"nation": 0, "province": 1, "prefecture": 2, "county": 3}


def subject_region(gaz: Gazetteer, title: str, text: str, language: str) -> Region:
    """The region a document is about (see the module docstring)."""
    in_title = [r for _, _, r in gaz.find_mentions(title, language) if r.code != CHINA]
    if in_title:
        return max(in_title, key=lambda r: _LEVEL_RANK.get(r.level, 0))
    counts = Counter(r.code for _, _, r in gaz.find_mentions(text, language))
    counts.pop(CHINA, None)
    total = sum(counts.values())
    if counts:
        code, n = counts.most_common(1)[0]
        if n >= 2 and n * 2 >= total:
            return gaz.get(code)
    return gaz.get(CHINA)


def label(region: Region, language: str) -> str:
    return region.name_zh if language == "zh" else region.name_en


def figure_region(mentions: list[tuple[int, int, Region]], start: int) -> Region | None:
    """The region mention that applies to a figure starting at ``start`` in the same sentence."""
    before = [m for m in mentions if m[1] <= start]
    if before:
        return before[-1][2]
    after = [m for m in mentions if m[0] >= start]
    return after[0][2] if after else None
