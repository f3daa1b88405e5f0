"""Charts read back from their SVG: counts are ticked at whole numbers, the axis reaches past
the longest bar, and the printed values stay readable over the grid lines."""

import re
import xml.etree.ElementTree as ET

import pytest

from wipo_training import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: bytes) -> ET.Element:
    """The chart's XML tree (fails if the SVG is not well-formed)."""
    return ET.fromstring(svg)  # noqa: S314 (the chart this code drew, not outside input)


def groups(svg: bytes, css_class: str):
    """The <g> elements whose class list holds every word of ``css_class``."""
    wanted = set(css_class.split())
    return [g for g in parse(svg).iter(f"{SVG}g") if wanted <= set(g.get("class", "").split())]


def value_axis_labels(svg: bytes) -> list[str]:
    """The tick labels of the value axis (the x axis of a horizontal bar chart)."""
    (axis,) = groups(svg, "axis x")
    return [text.text for text in axis.iter(f"{SVG}text")]


def printed_values(svg: bytes) -> list[str]:
    return [
        text.text
        for text in parse(svg).iter(f"{SVG}text")
        if "value" in text.get("class", "").split()
    ]


COUNTS = {
    "one each": [("Cambodia", 1), ("Lao People's Democratic Republic", 1), ("Viet Nam", 1)],
    "answers": [("1", 0), ("2", 0), ("3", 1), ("4", 2), ("5", 1)],
    "small": [("Indonesia", 6), ("Viet Nam", 6), ("China", 3), ("Algeria", 1)],
    "a year": [("2013", 212), ("2012", 199), ("2011", 137)],
    "thousands": [("Asia", 4321), ("Africa", 987)],
}


@pytest.mark.parametrize("name", COUNTS)
def test_count_charts_are_ticked_at_whole_numbers(name):
    items = COUNTS[name]
    labels = value_axis_labels(charts.bar_chart("Participants", items))
    ticks = [float(label.replace(",", "")) for label in labels]
    assert all(re.fullmatch(r"\d[\d,]*", label) for label in labels), labels
    assert ticks[0] == 0 and ticks == sorted(ticks)
    assert ticks[-1] >= max(count for _label, count in items), "a bar runs past the last tick"
    assert 2 <= len(ticks) <= 11, labels
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1, f"ticks unevenly spaced: {labels}"
    assert printed_values(charts.bar_chart("Participants", items)) == [
        str(count) for _label, count in reversed(items)
    ]


def test_an_empty_count_chart_still_has_whole_number_ticks():
    svg = charts.bar_chart("Participants", [])
    labels = value_axis_labels(svg)
    assert labels and all(label.isdigit() for label in labels), labels
    (message,) = [t for t in parse(svg).iter(f"{SVG}text") if "no_data" in t.get("class", "")]
    assert message.text == "No participants to show"


def test_a_rating_chart_keeps_its_scale():
    svg = charts.bar_chart(
        "Sessions by mean rating (1–5)", [("Border measures", 4.92)], scale=(0, 5)
    )
    assert value_axis_labels(svg) == ["0", "1", "2", "3", "4", "5"]
    assert printed_values(svg) == ["4.92"]


def test_printed_values_are_not_crossed_by_grid_lines():
    """Each printed value sits on a white box drawn just before it (in the browser and in
    WeasyPrint's PDFs alike), and the grid lines are light and solid: they were black dashes
    cutting through the numbers."""
    svg = charts.bar_chart("Participants by country", COUNTS["a year"])
    overlay = [
        element
        for group in groups(svg, "text-overlay")
        for element in group.iter()
        if element.tag in (f"{SVG}rect", f"{SVG}text")
    ]
    values = [e for e in overlay if "value" in e.get("class", "").split()]
    assert [v.text for v in values] == ["137", "199", "212"]
    for value in values:
        box = overlay[overlay.index(value) - 1]
        assert box.tag == f"{SVG}rect" and box.get("fill") == "white", "no box under the value"
        x, y = float(value.get("x")), float(value.get("y"))
        left, top = float(box.get("x")), float(box.get("y"))
        width, height = float(box.get("width")), float(box.get("height"))
        font = charts.STYLE.value_font_size
        assert left < x - 0.3 * font * len(value.text) and left + width > x + 0.3 * font * len(
            value.text
        ), "the box is narrower than the number"
        assert top < y - 0.7 * font and top + height > y, "the box does not cover the number"
    css = svg.decode()
    dashes = re.findall(r"\.guide\.line\s*\{[^}]*stroke-dasharray:\s*([^;}]+)", css)
    assert dashes and {dash.strip() for dash in dashes} == {"none"}


def test_user_text_in_a_chart_is_escaped():
    svg = charts.bar_chart("<script>alert(1)</script>", [("<b>=1+1</b>", 1)])
    parse(svg)  # still well-formed XML
    assert b"<script>" not in svg and b"<b>" not in svg
