"""Charts as SVG (pygal): the same drawing in the page (as an image) and, later, in PDFs."""

import re

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
)


def _config(chart, title: str):
    chart.title = title
    chart.js = []  # no scripts: the SVG is shown as an image and printed into PDFs
    chart.disable_xml_declaration = False
    chart.show_legend = False
    return chart


def svg_response(data: bytes):
    """A chart as its own response: shown as an image, with a policy for its inline styles."""
    from flask import Response

    response = Response(data, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


_SCRIPT = re.compile(rb"<script.*?</script>", re.DOTALL)


def _render(chart) -> bytes:
    """The SVG without pygal's configuration script: a chart here is a picture."""
    return _SCRIPT.sub(b"", chart.render())


def bar_chart(
    title: str,
    items: list[tuple[str, float]],
    series: str = "Participants",
    scale: tuple[float, float] | None = None,
) -> bytes:
    """A horizontal bar chart of (label, value), in the order given; ``scale`` fixes the
    axis (ratings: 0 to 5, so a 4.9 does not run past the last tick)."""
    height = 120 + 28 * max(len(items), 1)
    chart = _config(
        pygal.HorizontalBar(style=STYLE, width=800, height=height, print_values=True), title
    )
    if scale:
        chart.range = scale
        chart.y_labels = list(range(int(scale[0]), int(scale[1]) + 1))
    chart.x_labels = [label for label, _count in reversed(items)]
    chart.add(series, [count for _label, count in reversed(items)])
    return _render(chart)


def world_map(title: str, counts: dict[str, int]) -> bytes:
    """A world map shaded by participants per country (ISO alpha-2 codes)."""
    from pygal_maps_world.maps import World

    chart = _config(World(style=STYLE, width=900, height=500), title)
    chart.add("Participants", {code.lower(): count for code, count in counts.items()})
    return _render(chart)
