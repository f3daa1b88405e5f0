"""Every chart of the pages that draw one, as a screen reader user meets it (issue 19): the
picture has a text alternative and a visible caption, the figures are in a table beside it,
and the SVG itself carries a <title> and a <desc> that lists every figure it draws."""

import base64
import re
import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(web, src: str) -> bytes:
    """The chart's SVG: from its data: URL (reports) or its own address (pages)."""
    if src.startswith("data:image/svg+xml;base64,"):
        return base64.b64decode(src.split(",", 1)[1])
    return web.get(src).body


def title_and_desc(svg: bytes) -> tuple[str, str]:
    root = ET.fromstring(svg)  # noqa: S314 (the chart this code drew, not outside input)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    return (title.text if title is not None else ""), (desc.text if desc is not None else "")


def charts_of(web, path: str) -> list[dict]:
    """The charts of the page at ``path``, each checked to carry its texts, with its SVG's
    title and description."""
    page = web.get(path)
    found = []
    for img in page.html.select("main img"):
        src = img["src"]
        if not (".svg" in src or src.startswith("data:image/svg")):
            continue
        where = f"{path}: {img}"[:200]
        assert img.get("alt", "").strip(), f"no text alternative: {where}"
        figure = img.find_parent("figure")
        details = img.find_parent("details")
        if figure is not None:
            caption = figure.find("figcaption")
            assert caption is not None and caption.get_text(strip=True), f"no caption: {where}"
            # The numbers beside it: a table in the same section (or the page's main).
            around = img.find_parent("section") or page.html.find("main")
            assert around.find("table") is not None, f"no table of the figures near {where}"
        else:
            # A question's chart behind a disclosure: its alt names every figure.
            assert details is not None, f"a chart neither in a figure nor in details: {where}"
            assert re.search(r"\d", img["alt"]), f"the alt has no figures: {where}"
        title, desc = title_and_desc(svg_of(web, src))
        assert title.strip(), f"the SVG has no <title>: {where}"
        assert re.search(r": \d", desc), f"the SVG's <desc> has no figures ({desc!r}): {where}"
        found.append({"alt": img["alt"], "title": title, "desc": desc})
    return found


@pytest.fixture
def coordinator_web(demo, web_as):
    return web_as("coordinator")


def test_participants_by_country_charts(demo, coordinator_web):
    bar, world = charts_of(coordinator_web, f"/courses/{demo}/participants/by-country")
    assert "Indonesia: 6" in bar["desc"] and "China: 3" in bar["desc"]
    assert "Indonesia: 6" in world["desc"]
    [statistics] = charts_of(coordinator_web, "/statistics/participants?year=2013")
    assert "Indonesia: 6" in statistics["desc"]


def test_course_report_charts(demo, coordinator_web):
    countries, ranking = charts_of(coordinator_web, f"/courses/{demo}/report")
    assert "Indonesia: 6" in countries["desc"]
    assert ranking["desc"].startswith("Bar chart of")


def test_statistics_charts(demo, coordinator_web):
    charts = charts_of(coordinator_web, "/statistics?year=2013")
    assert len(charts) == 3  # by country, by region, per year
    assert "Indonesia: 6" in charts[0]["desc"]


def test_evaluation_results_charts(demo, coordinator_web):
    charts = charts_of(coordinator_web, f"/courses/{demo}/evaluation/results")
    assert len(charts) > 5  # the ranking and a chart per question
