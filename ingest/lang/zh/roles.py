"""What kind of figure of its indicator a Chinese figure is, and its time.

- **baseline**: the figure after 从/由 (with its year: 从2020年的80.2岁) when a 到/至 follows
  (提升到82.5岁): its period is that year, or the year before a multi-year period;
- **average** (yearly, over the period): 年均, 平均每年, 每年 before it in its clause;
- **change**: introduced by a change verb (增长, 提高, 下降 ...) or counted in 个百分点; its kind
  is percent growth, percentage points, a multiple (增长1.8倍) or an absolute change, and its
  base period the one stated (比上年, 较2020年);
- **cumulative**: 累计/共计 before it, or a flow (新增, 建成, 培训 ...) over several years;
- **level** otherwise. A level stated for several past years (五年来…达到2669万人) is the level
  at their end; a goal for a plan period (“十五五”时期…达到70%) keeps the plan's years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lang.zh.vocab import AVERAGE, CHANGE, CUMULATIVE, FLOW
from ingest.quantities import Quantity

_BASELINE_BEFORE = re.compile(r"(?:从|由)\s*(?:((?:19|20)\d\d)\s*年(?:的|底|末)?)?$")
_BASELINE_AFTER = re.compile(r"^[^，,；;。]{0,8}?(?:提高|提升|增加|增长|上升|下降|降低|减少|缩小|扩大|缩减|压减)?(?:到|至)")
_BASE = re.compile(r"(?:比|较|与|相比|同比)\s*(?:(上年|去年|上一年|前一年)|((?:19|20)\d\d)\s*年)")
_YOY = re.compile(r"同比|比上年|较上年|比去年|较去年")
_NOT_LEVEL_UNITS = ("percent", "percentage points", "ratio", "times", "per mille")


@dataclass
class Role:
    role: str = "level"
    change_kind: str | None = None
    base: tuple[int, int] | None = None
    period: tuple[int, int] | None = None
    cue: str = ""  # what decided it, for the rule name


# A metric that names a rate of change: its percentage is a change of what precedes the word.
_RATE_OF_CHANGE = re.compile(r"(?:涨幅|增幅|增速|增长率|上涨幅度|降幅)$")


def classify(text: str, q: Quantity, clause_start: int, verb: str, unit: str, metric: str,
             period: tuple[int, int] | None, year: int | None = None) -> Role:
    """The role of figure ``q`` in sentence ``text`` (see the module docstring)."""
    before = text[clause_start:q.start]
    several = period is not None and period[0] < period[1]
    base = _BASELINE_BEFORE.search(before)
    if base and _BASELINE_AFTER.match(text[q.end:]):
        year = int(base.group(1)) if base.group(1) else None
        at = (year, year) if year else ((period[0] - 1, period[0] - 1) if several else None)
        return Role("baseline", period=at, cue="baseline")
    is_change = (bool(verb and CHANGE.search(verb)) or unit == "percentage points"
                 or (unit == "percent" and _RATE_OF_CHANGE.search(metric) is not None))  # 居民消费价格涨幅2%
    kind = _change_kind(unit) if is_change else None
    if AVERAGE.search(before) and not unit.startswith("yuan per"):
        return Role("average", kind, period=period, cue="yearly-average")
    if is_change:
        return Role("change", kind, base=_base(before, period), period=period, cue="change")
    if CUMULATIVE.search(before) or (several and unit not in _NOT_LEVEL_UNITS and FLOW.search(before + metric)):
        return Role("cumulative", period=period, cue="cumulative")
    if several and year and period[1] < year:  # a level reached over past years is the level at their end
        return Role("level", period=(period[1], period[1]), cue="level-at-end")
    return Role("level", period=period)


def _change_kind(unit: str) -> str:
    if unit == "percentage points":
        return "points"
    if unit == "percent":
        return "percent"
    if unit == "times":
        return "multiple"
    return "absolute"


def _base(before: str, period: tuple[int, int] | None) -> tuple[int, int] | None:
    m = _BASE.search(before)
    if m and m.group(2):
        return int(m.group(2)), int(m.group(2))
    if (m or _YOY.search(before)) and period and period[0] == period[1]:
        return period[0] - 1, period[0] - 1
    return None
