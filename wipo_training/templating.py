"""Small helpers for templates: dates as people write them, status badges, country names."""

from datetime import date

from markupsafe import Markup

from .countries import CountryError, get_country

BADGE_CLASSES = {
    "draft": "text-bg-secondary",
    "nominations_open": "text-bg-info",
    "confirmed": "text-bg-primary",
    "running": "text-bg-warning",
    "completed": "text-bg-success",
    "cancelled": "text-bg-dark",
    "nominated": "text-bg-info",
    "accepted": "text-bg-primary",
    "withdrawn": "text-bg-secondary",
    "rejected": "text-bg-dark",
    "planned": "text-bg-info",
    "held": "text-bg-success",
    "open": "text-bg-warning",
    "done": "text-bg-success",
    "dropped": "text-bg-secondary",
}


def date_range(start: date, end: date) -> str:
    """'2–13 December 2013', '28 November – 3 December 2013', or both dates in full."""
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def status_badge(status: str) -> Markup:
    """A coloured badge for a course, enrolment, meeting or action-item status."""
    label = status.replace("_", " ")
    css = BADGE_CLASSES.get(status, "text-bg-light")
    return Markup('<span class="badge {}">{}</span>').format(css, label)


def country_name(code: str) -> str:
    """The display name of a country code (the code itself if unknown)."""
    try:
        return get_country(code).name
    except CountryError:
        return code
