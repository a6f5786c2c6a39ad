"""Charts as SVG strings: a bar chart of figures and a tile-grid map of China's provinces.

Pure functions: items in, markup out; no Gradio, no knowledge base. Every text that may come
from a document (labels, figures as written, notes, IRIs) is XML-escaped, so nothing a
document says is ever markup. Every bar and tile that stands for a figure carries
``data-iri`` (the observation it shows), ``data-value`` and a ``<title>`` tooltip, so a page
can open the figure's trace when it is clicked.

A figure is drawn as what it says about the true value (``kg.compare.bounds``): a point, a
range (a bar to the lower end and a lighter segment to the upper end), a floor (以上, "at
least": an arrow points on, the value may be higher) or a ceiling (以内, "at most": an arrow
points back, the value may be lower).
"""

from __future__ import annotations

import csv
import hashlib
import html
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from kg.compare.bounds import interval

TILES_FILE = Path(__file__).resolve().parent / "data" / "province_tiles.csv"

# Chinese qualifiers as written, read as the graph's English qualifier labels (kg.compare.bounds)
_QUALIFIERS_ZH = {"以上": "at least", "不低于": "at least", "至少": "at least", "超过": "more than", "多于": "more than",
                  "以内": "at most", "以下": "at most", "不超过": "at most", "不高于": "at most", "低于": "less than",
                  "左右": "approximately", "约": "approximately", "大约": "approximately"}

KIND_LEGEND = {  # kind -> legend text
    "floor": "at least (以上): the value may be higher",
    "ceiling": "at most (以内): the value may be lower",
    "range": "range: bar to the lower end, light segment to the upper end",
}

FILL = "#3b6fb6"
FILL_RANGE = "#a9c4e8"
FILL_CEILING = "#6f93c9"
MARK = "#1d3f73"
REF = "#c0392b"
GRID = "#e3e6ea"
TEXT = "#222"
MUTED = "#666"
MISSING = "#d9d9d9"
NO_DOC = "#ffffff"
LIGHT = (232, 241, 250)  # the lightest and darkest shade of the map scale
DARK = (8, 48, 107)
FONT = "font-family:system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Microsoft YaHei',sans-serif"


@dataclass(frozen=True)
class Bar:
    """One figure to chart: ``label`` (where/when), ``value`` (a range: its lower end), ``upper``
    (a range's upper end), ``note`` (the qualifier: "at least", "at most", "approximately", or
    以上/以内/左右), ``iri`` (the observation) and ``figure`` (as written, shown at the bar's end)."""

    label: str
    value: float
    upper: float | None = None
    note: str | None = None
    iri: str | None = None
    figure: str | None = None

    @property
    def kind(self) -> str:
        """point, about, floor, ceiling or range."""
        return figure_kind(self.value, self.note, self.upper)


@dataclass(frozen=True)
class Reference:
    """A reference line across the chart: the national figure or a plan target."""

    value: float
    label: str
    iri: str | None = None


@dataclass(frozen=True)
class Tile:
    """One region's figure on the map (``code``: the gazetteer code of a province)."""

    code: str
    value: float
    figure: str | None = None
    iri: str | None = None
    upper: float | None = None
    note: str | None = None
    label: str | None = None  # the region's name, for the tooltip (default: the gazetteer's)


def esc(text) -> str:
    """Text as XML character data or an attribute value."""
    return html.escape("" if text is None else str(text), quote=True)


def figure_kind(value: float, note: str | None = None, upper: float | None = None) -> str:
    """What a figure with this qualifier (English graph label or Chinese as written) and range end says."""
    if upper is not None and upper == value:
        upper = None
    qualifier = note
    if note and note not in ("more than", "at least", "less than", "at most", "approximately"):
        qualifier = next((en for zh, en in _QUALIFIERS_ZH.items() if zh in note), None)
    return interval(value, qualifier, upper).kind


def number(v: float) -> str:
    """A number for a label: up to four significant digits, thousands grouped, no exponent."""
    if v is None or not math.isfinite(v):
        return ""
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    text = f"{v:,.4g}" if abs(v) >= 1 else f"{v:.4g}"
    return text if "e" not in text else f"{v:,.2f}"


def tick_label(v: float) -> str:
    """A compact axis label: 1.2M, 850k, 4.5."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:g}B"
    if a >= 1e6:
        return f"{v / 1e6:g}M"
    if a >= 1e4:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], about ``count`` intervals (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * 0.999)
    start = math.floor(lo / step + 1e-9) * step
    ticks, t = [], start
    while t < hi - step * 1e-9:
        ticks.append(t)
        t = start + step * len(ticks)
    ticks.append(t)
    return [round(x, 10) for x in ticks]


def text_width(text: str, size: float = 12) -> float:
    """An estimate of rendered width: CJK characters are square, the rest about 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in text)


def _clip(text: str, width: float, size: float = 12) -> str:
    if text_width(text, size) <= width:
        return text
    out = ""
    for c in text:
        if text_width(out + c + "…", size) > width:
            break
        out += c
    return out + "…"


def attr_number(v: float) -> str:
    """A number for a data- attribute: exact, no exponent for the magnitudes figures have (1200000, 4.5)."""
    return f"{v:.15g}" if abs(v) < 1e15 else repr(v)


def _attrs(**kw) -> str:
    return "".join(f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in kw.items() if v is not None)


def _as_bar(item) -> Bar:
    if isinstance(item, Bar):
        return item
    if isinstance(item, dict):
        return Bar(**item)
    return Bar(*item)


def _uid(*parts) -> str:
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:8]


def bar_chart(items: Iterable, *, reference: Reference | tuple | None = None, orientation: str = "horizontal",
              unit: str | None = None, title: str | None = None, width: int = 720,
              empty: str = "No figures to chart.") -> str:
    """An SVG bar chart of ``items``: ``Bar`` objects or tuples ``(label, value, upper, note, iri,
    figure)`` (all after ``value`` optional), highest value first.

    ``orientation``: "horizontal" (bars from the left, labels on the left) or "vertical".
    ``reference``: a line at the national figure or a target (``Reference`` or ``(value, label)``).
    The value axis starts at 0 (at the lowest value when one is negative); bar lengths are
    proportional to the values.
    """
    if orientation not in ("horizontal", "vertical"):
        raise ValueError(f"orientation must be horizontal or vertical, not {orientation!r}")
    bars = sorted((_as_bar(i) for i in items), key=lambda b: (-b.value, -(b.upper if b.upper is not None else b.value), b.label))
    if reference is not None and not isinstance(reference, Reference):
        reference = Reference(*reference)
    uid = _uid(bars, reference, orientation, title)
    if not bars:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="pkg-chart pkg-chart-empty" width="{width}" height="40" '
                f'viewBox="0 0 {width} 40" role="img" style="{FONT};max-width:100%;height:auto">'
                f'<text x="8" y="24" font-size="13" fill="{MUTED}">{esc(empty)}</text></svg>')
    values = [b.value for b in bars] + [b.upper for b in bars if b.upper is not None]
    if reference is not None:
        values.append(reference.value)
    lo, hi = min(0.0, *values), max(0.0, *values)
    if lo == hi:
        hi = lo + 1
    ticks = nice_ticks(lo, hi)
    lo, hi = ticks[0], ticks[-1]
    kinds = [k for k in ("range", "floor", "ceiling") if any(b.kind == k for b in bars)]  # "about" shows in the figure (左右)
    legend = [(k, KIND_LEGEND[k]) for k in kinds]
    if reference is not None:
        legend.append(("reference", reference.label))
    shown = [b.figure or number(b.value) + (f"–{number(b.upper)}" if b.upper is not None else "") for b in bars]
    if orientation == "horizontal":
        body, height = _horizontal(bars, shown, reference, ticks, lo, hi, width, unit, title, legend, uid)
    else:
        body, height = _vertical(bars, shown, reference, ticks, lo, hi, width, unit, title, legend, uid)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="pkg-chart pkg-chart-{orientation}" width="{width}" '
            f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" role="img" '
            f'style="{FONT};max-width:100%;height:auto" data-lo="{attr_number(lo)}" data-hi="{attr_number(hi)}">'
            + (f"<title>{esc(title)}</title>" if title else "")
            + (f'<text class="chart-title" x="8" y="17" font-size="13" font-weight="600" fill="{TEXT}">'
               f'{esc(_clip(title, width - 16, 13))}</text>' if title else "") + body + "</svg>")


def _tooltip(b: Bar, shown: str, unit: str | None) -> str:
    value = number(b.value) + (f"–{number(b.upper)}" if b.upper is not None else "")
    extra = {"floor": " (at least; may be higher)", "ceiling": " (at most; may be lower)", "about": " (about)",
             "range": " (range)"}.get(b.kind, "")
    return f"{b.label}: {shown} = {value}{(' ' + unit) if unit else ''}{extra}"


def _bar_group(b: Bar, shown: str, unit: str | None, inner: str) -> str:
    attrs = _attrs(class_=f"bar bar-{b.kind}", data_value=attr_number(b.value),
                   data_upper=attr_number(b.upper) if b.upper is not None else None, data_kind=b.kind,
                   data_label=b.label, data_iri=b.iri or "", tabindex="0" if b.iri else None,
                   role="button" if b.iri else None, style="cursor:pointer" if b.iri else None)
    return f"<g{attrs}><title>{esc(_tooltip(b, shown, unit))}</title>{inner}</g>"


def _reference(ref: Reference, line: tuple, label: tuple) -> str:
    """The reference line from (x1, y1) to (x2, y2) and its label at (x, y, anchor)."""
    x1, y1, x2, y2 = line
    lx, ly, anchor = label
    attrs = _attrs(class_="reference", data_value=attr_number(ref.value), data_iri=ref.iri or None,
                   style="cursor:pointer" if ref.iri else None)
    return (f'<g{attrs}><title>{esc(ref.label)}</title>'
            f'<line class="ref-line" x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" stroke="{REF}" '
            f'stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{lx:.2f}" y="{ly:.2f}" font-size="11" fill="{REF}" text-anchor="{anchor}">'
            f'{esc(_clip(ref.label, 260, 11))}</text></g>')


def _arrow(direction: str, x: float, y: float, size: float) -> str:
    """A small triangle with its tip at (x, y) pointing right, left, up or down."""
    h = size / 2
    pts = {"right": [(x, y), (x - size, y - h), (x - size, y + h)], "left": [(x, y), (x + size, y - h), (x + size, y + h)],
           "up": [(x, y), (x - h, y + size), (x + h, y + size)], "down": [(x, y), (x - h, y - size), (x + h, y - size)]}
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in pts[direction])


def _legend(legend: list[tuple[str, str]], x0: float, y0: float, width: float) -> tuple[str, float]:
    """Legend items in rows from (x0, y0); returns the markup and the height used."""
    out, x, y = [], x0, y0
    for kind, text in legend:
        w = 26 + text_width(text, 11) + 16
        if x > x0 and x + w > width:
            x, y = x0, y + 18
        if kind == "range":
            sw = (f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{FILL}"/>'
                  f'<rect x="{x + 10}" y="{y - 9}" width="10" height="10" fill="{FILL_RANGE}"/>')
        elif kind == "floor":
            sw = (f'<rect x="{x}" y="{y - 9}" width="12" height="10" fill="{FILL}"/>'
                  f'<polygon points="{_arrow("right", x + 22, y - 4, 8)}" fill="{MARK}"/>')
        elif kind == "ceiling":
            sw = (f'<rect x="{x}" y="{y - 9}" width="20" height="10" fill="{FILL_CEILING}"/>'
                  f'<polygon points="{_arrow("left", x + 12, y - 4, 8)}" fill="#fff"/>')
        else:  # reference
            sw = f'<line x1="{x}" y1="{y - 4}" x2="{x + 20}" y2="{y - 4}" stroke="{REF}" stroke-width="2" stroke-dasharray="5 3"/>'
        out.append(f'<g class="legend-item" data-kind="{esc(kind)}">{sw}'
                   f'<text x="{x + 26}" y="{y}" font-size="11" fill="{TEXT}">{esc(text)}</text></g>')
        x += w
    return '<g class="legend">' + "".join(out) + "</g>", (y - y0 + 18) if legend else 0


def _horizontal(bars, shown, reference, ticks, lo, hi, width, unit, title, legend, uid):
    row, thick, size = 30, 18, 12
    label_w = min(max(text_width(b.label, size) for b in bars), max(220, width * 0.35))
    value_w = min(max(text_width(s, 11) for s in shown), 160) + 20
    left = label_w + 14
    right = value_w + 8
    top = 14 + (24 if title else 0) + (18 if reference is not None else 0)
    plot_w = max(width - left - right, 120)

    def x(v):
        return left + (v - lo) / (hi - lo) * plot_w

    plot_h = row * len(bars)
    out = []
    for t in ticks:  # grid and tick labels
        out.append(f'<line class="grid" x1="{x(t):.2f}" y1="{top}" x2="{x(t):.2f}" y2="{top + plot_h}" stroke="{GRID}"/>')
        out.append(f'<text class="tick" x="{x(t):.2f}" y="{top + plot_h + 15}" font-size="11" fill="{MUTED}" '
                   f'text-anchor="middle">{esc(tick_label(t))}</text>')
    if unit:
        out.append(f'<text class="unit" x="{left + plot_w:.2f}" y="{top + plot_h + 30}" font-size="11" fill="{MUTED}" '
                   f'text-anchor="end">{esc(unit)}</text>')
    x0 = x(0)
    for i, (b, s) in enumerate(zip(bars, shown)):
        y = top + i * row + (row - thick) / 2
        mid = y + thick / 2
        a, e = sorted((x0, x(b.value)))
        sign = 1 if b.value >= 0 else -1
        fill = FILL_CEILING if b.kind == "ceiling" else FILL
        inner = [f'<rect class="bar-hit" x="0" y="{top + i * row}" width="{width}" height="{row}" fill="transparent"/>',
                 f'<text class="bar-label" x="{left - 8}" y="{mid + 4:.1f}" font-size="{size}" fill="{TEXT}" '
                 f'text-anchor="end">{esc(_clip(b.label, label_w, size))}</text>',
                 f'<rect class="bar-fill" x="{a:.2f}" y="{y:.2f}" width="{e - a:.2f}" height="{thick}" fill="{fill}"/>']
        end = x(b.value)
        if b.kind == "range":
            ra, re_ = sorted((x(b.value), x(b.upper)))
            inner.append(f'<rect class="bar-range" x="{ra:.2f}" y="{y:.2f}" width="{re_ - ra:.2f}" height="{thick}" fill="{FILL_RANGE}"/>')
            end = x(b.upper)
        elif b.kind in ("floor", "ceiling"):
            # the arrow points where the true value may lie: up the axis for a floor, down for a ceiling;
            # beyond the bar's end when that is away from zero, inside it otherwise
            way = 1 if b.kind == "floor" else -1
            point = "right" if way > 0 else "left"
            if way == sign:
                tip = end + sign * 11
                inner.append(f'<polygon class="bar-mark mark-{b.kind}" points="{_arrow(point, tip, mid, 9)}" fill="{MARK}"/>')
                end = tip
            elif abs(e - a) >= 10:
                inner.append(f'<polygon class="bar-mark mark-{b.kind}" points="{_arrow(point, end - sign * 10, mid, 8)}" fill="#fff"/>')
        tx = end + sign * 6
        inner.append(f'<text class="bar-value" x="{tx:.2f}" y="{mid + 4:.1f}" font-size="11" fill="{TEXT}" '
                     f'text-anchor="{"start" if sign > 0 else "end"}">{esc(_clip(s, value_w - 10, 11))}</text>')
        out.append(_bar_group(b, s, unit, "".join(inner)))
    out.append(f'<line class="axis zero" x1="{x0:.2f}" y1="{top}" x2="{x0:.2f}" y2="{top + plot_h}" stroke="#555"/>')
    if reference is not None:
        rx = x(reference.value)
        out.append(_reference(reference, (rx, top - 6, rx, top + plot_h), (rx, top - 10, "middle")))
    legend_svg, legend_h = _legend(legend, 8, top + plot_h + 48, width)
    out.append(legend_svg)
    return "".join(out), top + plot_h + 40 + legend_h + 6


def _vertical(bars, shown, reference, ticks, lo, hi, width, unit, title, legend, uid):
    size = 12
    left = max(text_width(tick_label(t), 11) for t in ticks) + 14
    right = 12
    plot_w = max(width - left - right, 120)
    band = plot_w / len(bars)
    thick = min(band * 0.6, 48)
    label_w = max(text_width(b.label, size) for b in bars)
    rotate = label_w > band - 4
    label_h = min(label_w, 160) * 0.75 + 14 if rotate else 18
    top = 24 + (24 if title else 0) + (18 if reference is not None else 0)
    plot_h = 260

    def y(v):
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    out = []
    for t in ticks:
        out.append(f'<line class="grid" x1="{left}" y1="{y(t):.2f}" x2="{left + plot_w:.2f}" y2="{y(t):.2f}" stroke="{GRID}"/>')
        out.append(f'<text class="tick" x="{left - 6}" y="{y(t) + 4:.2f}" font-size="11" fill="{MUTED}" '
                   f'text-anchor="end">{esc(tick_label(t))}</text>')
    if unit:
        out.append(f'<text class="unit" x="{left - 6}" y="{top - 10}" font-size="11" fill="{MUTED}" text-anchor="start">{esc(unit)}</text>')
    y0 = y(0)
    for i, (b, s) in enumerate(zip(bars, shown)):
        cx = left + band * i + band / 2
        xl = cx - thick / 2
        a, e = sorted((y0, y(b.value)))
        sign = 1 if b.value >= 0 else -1
        fill = FILL_CEILING if b.kind == "ceiling" else FILL
        ly = top + plot_h + 14
        label = esc(_clip(b.label, 160, size))
        label_svg = (f'<text class="bar-label" x="{cx:.2f}" y="{ly:.1f}" font-size="{size}" fill="{TEXT}" text-anchor="end" '
                     f'transform="rotate(-40 {cx:.2f} {ly:.1f})">{label}</text>' if rotate else
                     f'<text class="bar-label" x="{cx:.2f}" y="{ly:.1f}" font-size="{size}" fill="{TEXT}" text-anchor="middle">{label}</text>')
        inner = [f'<rect class="bar-hit" x="{left + band * i:.2f}" y="{top}" width="{band:.2f}" height="{plot_h}" fill="transparent"/>',
                 label_svg,
                 f'<rect class="bar-fill" x="{xl:.2f}" y="{a:.2f}" width="{thick:.2f}" height="{e - a:.2f}" fill="{fill}"/>']
        end = y(b.value)
        if b.kind == "range":
            ra, re_ = sorted((y(b.value), y(b.upper)))
            inner.append(f'<rect class="bar-range" x="{xl:.2f}" y="{ra:.2f}" width="{thick:.2f}" height="{re_ - ra:.2f}" fill="{FILL_RANGE}"/>')
            end = y(b.upper)
        elif b.kind in ("floor", "ceiling"):
            way = 1 if b.kind == "floor" else -1
            point = "up" if way > 0 else "down"
            if way == sign:
                tip = end - sign * 11
                inner.append(f'<polygon class="bar-mark mark-{b.kind}" points="{_arrow(point, cx, tip, 9)}" fill="{MARK}"/>')
                end = tip
            elif abs(e - a) >= 10:
                inner.append(f'<polygon class="bar-mark mark-{b.kind}" points="{_arrow(point, cx, end + sign * 10, 8)}" fill="#fff"/>')
        inner.append(f'<text class="bar-value" x="{cx:.2f}" y="{end - sign * 5 + (0 if sign > 0 else 10):.1f}" font-size="10" '
                     f'fill="{TEXT}" text-anchor="middle">{esc(_clip(s, max(band, 40), 10))}</text>')
        out.append(_bar_group(b, s, unit, "".join(inner)))
    out.append(f'<line class="axis zero" x1="{left}" y1="{y0:.2f}" x2="{left + plot_w:.2f}" y2="{y0:.2f}" stroke="#555"/>')
    if reference is not None:
        ry = y(reference.value)
        out.append(_reference(reference, (left, ry, left + plot_w, ry), (left + plot_w, ry - 5, "end")))
    base = top + plot_h + label_h
    legend_svg, legend_h = _legend(legend, 8, base + 14, width)
    out.append(legend_svg)
    return "".join(out), base + legend_h + 8


# -- the tile-grid map ----------------------------------------------------------------------------
@lru_cache(maxsize=4)
def tile_positions(path: str | Path = TILES_FILE) -> dict[str, tuple[int, int]]:
    """Province code -> (row, col) of its tile, from the layout file (``code,row,col``)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["code"]: (int(r["row"]), int(r["col"])) for r in csv.DictReader(fh)}


def _short_name(code: str) -> str:
    from ingest.gazetteer import default

    region = default().get(code)
    return region.short_zh if region else code


def _shade(t: float) -> str:
    t = min(max(t, 0.0), 1.0)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(LIGHT, DARK))


def _tile_text(x: float, y: float, tile: int, name: str, second: str | None, ink: str) -> str:
    """A tile's region name and, under it, its figure."""
    out = (f'<text x="{x + tile / 2}" y="{y + tile * 0.42:.1f}" font-size="12" fill="{ink}" text-anchor="middle">'
           f'{esc(_clip(name, tile - 4, 12))}</text>')
    if second is not None:
        out += (f'<text x="{x + tile / 2}" y="{y + tile * 0.75:.1f}" font-size="10" fill="{ink}" text-anchor="middle">'
                f'{esc(_clip(second, tile - 4, 10))}</text>')
    return out


def tile_map(tiles: Iterable[Tile | tuple], *, missing: Iterable[str] = (), unit: str | None = None,
             title: str | None = None, tile: int = 62, gap: int = 4, names: dict[str, str] | None = None,
             layout: dict[str, tuple[int, int]] | None = None) -> str:
    """An SVG tile grid of the provinces, each a square at its place in ``layout`` (default: the
    shipped ``data/province_tiles.csv``), shaded light to dark by value; the ``missing`` codes
    (a document but no figure) grey and hatched; the others blank (no document).

    ``tiles``: ``Tile`` objects or tuples ``(code, value, figure, iri, upper, note, label)``.
    ``names``: code -> the name written on the tile (default: the gazetteer's short Chinese name).
    """
    layout = layout or tile_positions()
    items = [t if isinstance(t, Tile) else Tile(*t) for t in tiles]
    by_code = {t.code: t for t in items}
    missing = [c for c in missing if c not in by_code]
    values = [t.value for t in items if t.code in layout]
    vlo, vhi = (min(values), max(values)) if values else (0.0, 1.0)
    uid = _uid(items, missing, title)
    rows = max(r for r, _ in layout.values()) + 1
    cols = max(c for _, c in layout.values()) + 1
    pad, top = 8, 8 + (20 if title else 0)
    width = pad * 2 + cols * (tile + gap) - gap
    grid_h = rows * (tile + gap) - gap
    out = [f'<defs><pattern id="hatch-{uid}" width="6" height="6" patternUnits="userSpaceOnUse" '
           f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{MISSING}"/>'
           f'<line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="2"/></pattern>'
           f'<linearGradient id="scale-{uid}"><stop offset="0" stop-color="{_shade(0)}"/>'
           f'<stop offset="1" stop-color="{_shade(1)}"/></linearGradient></defs>']
    if title:
        out.append(f'<text x="{pad}" y="18" font-size="13" font-weight="600" fill="{TEXT}">'
                   f'{esc(_clip(title, width - 2 * pad, 13))}</text>')
    for code, (r, c) in sorted(layout.items(), key=lambda kv: kv[1]):
        x, y = pad + c * (tile + gap), top + r * (tile + gap)
        name = (names or {}).get(code) or _short_name(code)
        t = by_code.get(code)
        if t is not None:
            shade = (t.value - vlo) / (vhi - vlo) if vhi > vlo else 1.0
            fill, ink = _shade(shade), ("#fff" if shade > 0.5 else TEXT)
            shown = t.figure or number(t.value)
            kind = figure_kind(t.value, t.note, t.upper)
            value = number(t.value) + (f"–{number(t.upper)}" if t.upper is not None else "")
            tip = f"{t.label or name}: {shown} = {value}" + (f" {unit}" if unit else "")
            attrs = _attrs(class_="tile tile-value", data_code=code, data_state="value", data_value=attr_number(t.value),
                           data_kind=kind, data_iri=t.iri or "", tabindex="0" if t.iri else None,
                           role="button" if t.iri else None, style="cursor:pointer" if t.iri else None)
            out.append(f'<g{attrs}><title>{esc(tip)}</title>'
                       f'<rect class="tile-box" x="{x}" y="{y}" width="{tile}" height="{tile}" rx="4" fill="{fill}"/>'
                       + _tile_text(x, y, tile, name, shown, ink) + "</g>")
        elif code in missing:
            out.append(f'<g{_attrs(class_="tile tile-missing", data_code=code, data_state="missing")}>'
                       f'<title>{esc(name)}: no figure in its document</title>'
                       f'<rect class="tile-box" x="{x}" y="{y}" width="{tile}" height="{tile}" rx="4" fill="{MISSING}" stroke="#9a9a9a"/>'
                       f'<rect x="{x}" y="{y}" width="{tile}" height="{tile}" rx="4" fill="url(#hatch-{uid})" opacity="0.7"/>'
                       + _tile_text(x, y, tile, name, "—", TEXT) + "</g>")
        else:
            out.append(f'<g{_attrs(class_="tile tile-none", data_code=code, data_state="none")}>'
                       f'<title>{esc(name)}: no document</title>'
                       f'<rect class="tile-box" x="{x}" y="{y}" width="{tile}" height="{tile}" rx="4" fill="{NO_DOC}" stroke="#ccd"/>'
                       + _tile_text(x, y, tile, name, None, "#aab") + "</g>")
    off = [t.code for t in items if t.code not in layout]
    ly = top + grid_h + 20
    scale_w = 160
    legend = [f'<g class="legend"><rect x="{pad}" y="{ly - 10}" width="{scale_w}" height="10" fill="url(#scale-{uid})" stroke="#ccd"/>',
              f'<text x="{pad}" y="{ly + 12}" font-size="10" fill="{MUTED}">{esc(number(vlo) if values else "")}</text>',
              f'<text x="{pad + scale_w}" y="{ly + 12}" font-size="10" fill="{MUTED}" text-anchor="end">'
              f'{esc((number(vhi) + (" " + unit if unit else "")) if values else "")}</text>',
              f'<rect x="{pad + scale_w + 16}" y="{ly - 10}" width="14" height="10" fill="url(#hatch-{uid})" stroke="#9a9a9a"/>',
              f'<text x="{pad + scale_w + 34}" y="{ly}" font-size="10" fill="{TEXT}">document, no figure (无数字)</text>',
              f'<rect x="{pad + scale_w + 190}" y="{ly - 10}" width="14" height="10" fill="{NO_DOC}" stroke="#ccd"/>',
              f'<text x="{pad + scale_w + 208}" y="{ly}" font-size="10" fill="{TEXT}">no document (无文件)</text></g>']
    if off:
        legend.append(f'<text x="{pad}" y="{ly + 28}" font-size="10" fill="{MUTED}">{len(off)} region(s) not on the province map</text>')
    height = ly + (34 if off else 20)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="pkg-map" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" style="{FONT};max-width:100%;height:auto">'
            + (f"<title>{esc(title)}</title>" if title else "") + "".join(out) + "".join(legend) + "</svg>")


def bars_of(rows: Sequence, label=lambda r: r.region) -> list[Bar]:
    """Bars from comparison rows (``kg.compare.ComparisonRow``-like objects)."""
    return [Bar(label(r), r.value, r.upper, r.qualifier, r.iri, r.figure) for r in rows]


def tiles_of(rows: Sequence) -> list[Tile]:
    """Map tiles from comparison rows."""
    return [Tile(r.region_code, r.value, r.figure, r.iri, r.upper, r.qualifier, r.region) for r in rows]
