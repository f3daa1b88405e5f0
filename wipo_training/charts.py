"""Charts as SVG (pygal): the same drawing in the page (as an image) and, later, in PDFs."""

import math
import re
from html import escape

import pygal
from pygal.style import Style

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997"),
    font_family="Noto Sans, DejaVu Sans, sans-serif",
    # Light, solid grid lines: black dashes cut through the numbers printed on the bars.
    guide_stroke_color="#dee2e6",
    major_guide_stroke_color="#dee2e6",
    guide_stroke_dasharray="none",
    major_guide_stroke_dasharray="none",
    value_font_size=14,
    no_data_font_size=18,  # pygal's 64 px ran over the title of a short chart
)


#: At most this many intervals on a count axis.
MAX_INTERVALS = 10


def _config(chart, title: str):
    chart.title = title
    chart.js = []  # no scripts: the SVG is shown as an image and printed into PDFs
    chart.disable_xml_declaration = False
    chart.show_legend = False
    return chart


def count_ticks(largest: float) -> list[int]:
    """Whole-number ticks from 0 past ``largest``, 1, 2 or 5 times a power of ten apart:
    a head count has no 0.2 (a chart of ones was ticked 0, 0.1, ... 1)."""
    largest = max(math.ceil(largest), 1)
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if math.ceil(largest / step) <= MAX_INTERVALS:
                return list(range(0, math.ceil(largest / step) * step + 1, step))
        power *= 10


def svg_response(data: bytes):
    """A chart as its own response: shown as an image, with a policy for its inline styles."""
    from flask import Response

    response = Response(data, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


_SCRIPT = re.compile(rb"<script.*?</script>", re.DOTALL)
_VALUE = re.compile(rb'<text ([^<>]*)class="value"([^<>]*)>([^<]*)</text>')
_NUMBER = rb'="(-?[0-9.]+)"'


def _on_white(match: re.Match) -> bytes:
    """A printed value (centred on x, baseline a third of the font size below the bar's
    middle, as pygal draws it) with a white box drawn first under it, so a grid line or the
    axis never crosses the number. Not a text outline: WeasyPrint ignores paint-order, and a
    second copy of the text would be read twice from the PDF."""
    attributes = match[1] + match[2]
    x = float(re.search(rb" x" + _NUMBER, b" " + attributes)[1])
    y = float(re.search(rb" y" + _NUMBER, b" " + attributes)[1])
    size = STYLE.value_font_size
    width = 0.6 * size * len(match[3]) + 6
    top = y - size / 3 - 0.6 * size
    box = (
        f'<rect class="value-box" x="{x - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
        f'height="{1.2 * size:.1f}" rx="3" fill="white" stroke="none"/>'
    )
    return box.encode() + match[0]


def _render(chart, description: str) -> bytes:
    """The SVG without pygal's configuration script (a chart here is a picture), the printed
    values on white, and a <desc> with every figure after pygal's <title>: the chart read
    out as text where the SVG is read rather than looked at."""
    svg = _VALUE.sub(_on_white, _SCRIPT.sub(b"", chart.render()))
    desc = f"<desc>{escape(description)}</desc>".encode()
    return svg.replace(b"</title>", b"</title>" + desc, 1)


def _figures(items) -> str:
    """``Cambodia: 3; Lao PDR: 2``, or ``none`` when there is nothing to draw."""
    return "; ".join(f"{label}: {value:g}" for label, value in items) or "none"


def bar_chart(
    title: str,
    items: list[tuple[str, float]],
    series: str = "Participants",
    scale: tuple[float, float] | None = None,
) -> bytes:
    """A horizontal bar chart of (label, value), in the order given. Values are counts (whole
    ticks from 0 past the longest bar) unless ``scale`` fixes the axis (ratings: 0 to 5, so a
    4.9 does not run past the last tick)."""
    height = 120 + 28 * max(len(items), 1)
    chart = _config(
        pygal.HorizontalBar(style=STYLE, width=800, height=height, print_values=True), title
    )
    if scale:
        chart.range = scale
        chart.y_labels = list(range(int(scale[0]), int(scale[1]) + 1))
    else:
        ticks = count_ticks(max((count for _label, count in items), default=0))
        chart.range = (0, ticks[-1])
        chart.y_labels = ticks
    chart.no_data_text = f"No {series.lower()} to show"
    chart.x_labels = [label for label, _count in reversed(items)]
    chart.add(series, [count for _label, count in reversed(items)])
    return _render(chart, f"Bar chart of {series.lower()}. {_figures(items)}.")


def world_map(title: str, counts: dict[str, int]) -> bytes:
    """A world map shaded by participants per country (ISO alpha-2 codes)."""
    from pygal_maps_world.i18n import COUNTRIES
    from pygal_maps_world.maps import World

    chart = _config(World(style=STYLE, width=900, height=500), title)
    chart.add("Participants", {code.lower(): count for code, count in counts.items()})
    named = [(COUNTRIES.get(code.lower(), code), count) for code, count in counts.items()]
    return _render(chart, f"World map shaded by participants per country. {_figures(named)}.")
