"""The SVG charts: bars proportional to values and sorted, ranges, floors and ceilings drawn as
what they say, the reference line where its value is, every document text escaped; the tile map."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pytest

from kg.interfaces import charts
from kg.interfaces.charts import Bar, Reference, Tile

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<b>bold</b><img src=x onerror=alert(1)>"

JOBS = [("江苏省", 1_200_000, None, None, "urn:obs:js", "120万人"),
        ("河南省", 1_100_000, None, "more than", "urn:obs:hn", "110万人以上"),
        ("湖南省", 700_000, None, None, "urn:obs:hun", "70万人"),
        ("福建省", 500_000, None, None, "urn:obs:fj", "50万人")]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(SVG + "g") if "bar" in g.get("class", "").split()]


def fill(g: ET.Element) -> ET.Element:
    return next(r for r in g.iter(SVG + "rect") if r.get("class") == "bar-fill")


def test_bar_lengths_are_proportional_to_values():
    root = parse(charts.bar_chart(JOBS, unit="persons"))
    gs = bars(root)
    assert len(gs) == 4
    per_unit = [float(fill(g).get("width")) / float(g.get("data-value")) for g in gs]
    assert max(per_unit) / min(per_unit) < 1.001
    xs = {fill(g).get("x") for g in gs}
    assert len(xs) == 1  # every bar starts at the zero line
    assert root.get("data-lo") == "0"


def test_vertical_bar_heights_are_proportional_and_start_at_zero():
    root = parse(charts.bar_chart(JOBS, orientation="vertical"))
    gs = bars(root)
    per_unit = [float(fill(g).get("height")) / float(g.get("data-value")) for g in gs]
    assert max(per_unit) / min(per_unit) < 1.001
    bottoms = {round(float(fill(g).get("y")) + float(fill(g).get("height")), 1) for g in gs}
    assert len(bottoms) == 1


def test_bars_are_sorted_high_to_low_whatever_the_input_order():
    items = [Bar(f"r{i}", v) for i, v in enumerate([3, 10, 7.5, 0, 1, 22, 4])]
    random.Random(1).shuffle(items)
    for orientation in ("horizontal", "vertical"):
        values = [float(g.get("data-value")) for g in bars(parse(charts.bar_chart(items, orientation=orientation)))]
        assert values == sorted(values, reverse=True) == [22, 10, 7.5, 4, 3, 1, 0]


def test_each_bar_carries_its_value_iri_and_a_tooltip():
    gs = bars(parse(charts.bar_chart(JOBS, unit="persons")))
    assert [g.get("data-iri") for g in gs] == ["urn:obs:js", "urn:obs:hn", "urn:obs:hun", "urn:obs:fj"]
    assert gs[0].get("data-value") == "1200000"
    title = gs[1].find(SVG + "title").text
    assert "河南省" in title and "110万人以上" in title and "1,100,000" in title and "may be higher" in title


def test_document_text_is_never_markup():
    svg = charts.bar_chart([Bar(EVIL, 5, note=EVIL, iri='urn:x" onclick="alert(1)', figure=EVIL)], title=EVIL,
                           reference=Reference(3, EVIL))
    assert "<b>" not in svg and "<img" not in svg and 'onclick="' not in svg
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("b", "img", "script")]
    assert all(not k.startswith("on") for e in root.iter() for k in e.attrib)
    (g,) = bars(root)
    assert g.get("data-iri") == 'urn:x" onclick="alert(1)' and g.get("data-label") == EVIL  # kept as text
    assert EVIL in g.find(SVG + "title").text
    label = next(t for t in g.iter(SVG + "text") if t.get("class") == "bar-label")
    assert label.text.startswith("<b>bold</b>")  # shown as the characters it is (clipped to fit)
    tiles = charts.tile_map([Tile("320000", 1, EVIL, "urn:t", label=EVIL)], title=EVIL)
    assert "<img" not in tiles and "<b>" not in tiles
    parse(tiles)


def test_a_range_is_a_bar_to_its_lower_end_and_a_lighter_segment_to_its_upper_end():
    root = parse(charts.bar_chart([Bar("福建省", 4.5, 5.0, iri="urn:fj", figure="4.5%—5%"), Bar("江苏省", 5.0, iri="urn:js")]))
    fj = next(g for g in bars(root) if g.get("data-iri") == "urn:fj")
    js = next(g for g in bars(root) if g.get("data-iri") == "urn:js")
    assert fj.get("data-kind") == "range" and fj.get("data-upper") == "5"
    main, seg = fill(fj), next(r for r in fj.iter(SVG + "rect") if r.get("class") == "bar-range")
    scale = float(fill(js).get("width")) / 5.0
    assert float(main.get("width")) == pytest.approx(4.5 * scale, abs=0.02)
    assert float(seg.get("x")) == pytest.approx(float(main.get("x")) + float(main.get("width")), abs=0.02)
    assert float(seg.get("width")) == pytest.approx(0.5 * scale, abs=0.02)
    assert seg.get("fill") != main.get("fill")
    assert any(e.get("data-kind") == "range" for e in root.iter(SVG + "g"))  # explained in the legend


def test_floors_and_ceilings_are_marked_and_explained():
    svg = charts.bar_chart([Bar("河南省", 110, note="more than"), Bar("福建省", 5.5, note="5.5%以内"),
                            Bar("湖南省", 70, note="以上"), Bar("江苏省", 120)])
    root = parse(svg)
    kinds = {g.get("data-label"): g.get("data-kind") for g in bars(root)}
    assert kinds == {"河南省": "floor", "湖南省": "floor", "福建省": "ceiling", "江苏省": "point"}
    marks = {g.get("data-label"): [p.get("class") for p in g.iter(SVG + "polygon")] for g in bars(root)}
    assert marks["河南省"] == marks["湖南省"] == ["bar-mark mark-floor"] and marks["江苏省"] == []
    legend = {g.get("data-kind"): "".join(g.itertext()) for g in root.iter(SVG + "g") if g.get("class") == "legend-item"}
    assert "以上" in legend["floor"] and "以内" in legend["ceiling"] and "range" not in legend
    # the floor's arrow starts where its bar ends: beyond the value, pointing on
    henan = next(g for g in bars(root) if g.get("data-label") == "河南省")
    end = float(fill(henan).get("x")) + float(fill(henan).get("width"))
    tips = [float(pt.split(",")[0]) for pt in henan.find(SVG + "polygon").get("points").split()]
    assert min(tips) >= end - 0.01 and max(tips) > end


def test_the_reference_line_stands_at_its_value():
    root = parse(charts.bar_chart([Bar("a", 8), Bar("b", 4)], reference=Reference(5, "全国 national: 5%", "urn:cn")))
    a = next(g for g in bars(root) if g.get("data-label") == "a")
    x0, scale = float(fill(a).get("x")), float(fill(a).get("width")) / 8
    ref = next(g for g in root.iter(SVG + "g") if g.get("class") == "reference")
    line = ref.find(SVG + "line")
    assert float(line.get("x1")) == pytest.approx(x0 + 5 * scale, abs=0.02) == float(line.get("x2"))
    assert ref.get("data-value") == "5" and ref.get("data-iri") == "urn:cn"
    # a reference beyond every bar widens the axis to hold it
    root = parse(charts.bar_chart([Bar("a", 8)], reference=(20, "target")))
    assert float(root.get("data-hi")) >= 20


def test_negative_values_start_the_axis_at_the_minimum():
    root = parse(charts.bar_chart([Bar("up", 3), Bar("down", -2)]))
    assert float(root.get("data-lo")) <= -2
    up, down = (next(g for g in bars(root) if g.get("data-label") == n) for n in ("up", "down"))
    zero = float(fill(up).get("x"))
    assert float(fill(down).get("x")) + float(fill(down).get("width")) == pytest.approx(zero, abs=0.02)
    assert float(fill(down).get("width")) / 2 == pytest.approx(float(fill(up).get("width")) / 3, rel=0.002)
    # a negative floor may be higher: its arrow points up the axis, inside the bar
    root = parse(charts.bar_chart([Bar("down", -2, note="at least"), Bar("up", 3, note="at most")]))
    for g in bars(root):
        xs = [float(pt.split(",")[0]) for pt in g.find(SVG + "polygon").get("points").split()]
        tip = xs[0]  # _arrow lists the tip first
        a, w = float(fill(g).get("x")), float(fill(g).get("width"))
        assert a <= min(xs) and max(xs) <= a + w  # inside the bar
        assert (tip == max(xs)) == (g.get("data-label") == "down")  # the floor's points right, the ceiling's left


def test_ticks_are_round_and_cover_the_values():
    assert charts.nice_ticks(0, 1_200_000) == [0, 250_000, 500_000, 750_000, 1_000_000, 1_250_000]
    assert charts.nice_ticks(0, 5.5) == [0, 2, 4, 6]
    ticks = charts.nice_ticks(-2, 3)
    assert ticks[0] <= -2 and ticks[-1] >= 3 and 0 in ticks
    labels = [t.text for t in parse(charts.bar_chart(JOBS)).iter(SVG + "text") if t.get("class") == "tick"]
    assert labels[0] == "0" and "1M" in labels


def test_no_items_is_a_message_not_an_empty_axis():
    svg = charts.bar_chart([], empty="No region states this figure.")
    assert "No region states this figure." in svg and not bars(parse(svg))
    with pytest.raises(ValueError):
        charts.bar_chart(JOBS, orientation="diagonal")


def test_tuples_of_any_length_from_value_on_are_bars():
    gs = bars(parse(charts.bar_chart([("a", 1), ("b", 2, 3), ("c", 4, None, "at least", "urn:c")])))
    assert [(g.get("data-label"), g.get("data-kind"), g.get("data-iri")) for g in gs] == [
        ("c", "floor", "urn:c"), ("b", "range", ""), ("a", "point", "")]
    assert all(g.get("role") is None for g in gs if not g.get("data-iri"))  # nothing to open


# -- the tile map ------------------------------------------------------------------------------
def test_the_tile_layout_covers_every_province_once():
    layout = charts.tile_positions()
    assert len(layout) == 34 and len(set(layout.values())) == 34
    from ingest.gazetteer import default

    assert {r.code for r in default().regions("province")} == set(layout)


def test_tiles_are_shaded_by_value_and_the_missing_are_grey():
    rows = [Tile("320000", 1_200_000, "120万人", "urn:js"), Tile("410000", 1_100_000, "110万人以上", "urn:hn", note="more than"),
            Tile("350000", 500_000, "50万人", "urn:fj")]
    root = parse(charts.tile_map(rows, missing=["450000"], unit="persons"))
    tiles = {g.get("data-code"): g for g in root.iter(SVG + "g") if "tile" in g.get("class", "").split()}
    assert len(tiles) == 34
    states = {c: g.get("data-state") for c, g in tiles.items()}
    assert states["320000"] == states["350000"] == "value" and states["450000"] == "missing"
    assert states["110000"] == "none"

    def lightness(code):
        colour = next(r for r in tiles[code].iter(SVG + "rect") if r.get("class") == "tile-box").get("fill")
        return sum(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    assert lightness("320000") < lightness("410000") < lightness("350000")  # darker is more
    assert next(r for r in tiles["450000"].iter(SVG + "rect") if r.get("class") == "tile-box").get("fill") == charts.MISSING
    assert tiles["320000"].get("data-iri") == "urn:js" and "120万人" in "".join(tiles["320000"].itertext())
    assert "广西" in "".join(tiles["450000"].itertext()) and tiles["450000"].get("data-iri") is None
    # placed where the layout file says
    (r, c) = charts.tile_positions()["320000"]
    box = next(e for e in tiles["320000"].iter(SVG + "rect") if e.get("class") == "tile-box")
    assert (float(box.get("x")), float(box.get("y"))) == (8 + c * 66, 8 + r * 66)


def test_a_region_off_the_map_is_counted_not_drawn():
    svg = charts.tile_map([Tile("330100", 3.0, "3", "urn:hz"), Tile("330000", 2.0)])
    assert "1 region(s) not on the province map" in svg and 'data-code="330100"' not in svg
