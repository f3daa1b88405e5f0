"""The app's one PDF pipeline: ``render_pdf(template, context)``, a template of
``templates/pdf/<domain>/`` printed by WeasyPrint with a locked-down URL fetcher.

Templates are rendered by a Jinja environment of their own, not Flask's: autoescaped, with no
request, user, configuration or ``url_for`` to reach, and usable without an app (certificates
are rendered in processes that have none). Its filters are the plain ones of
``templating.py`` and ``local_time``.

The fetcher serves only ``data:`` URLs and files inside the app's static folder and
``templates/pdf``; it follows no redirects and never reaches the network. The same fetcher is
used for the HTML and every stylesheet. Fonts are configured once per process
(FontConfiguration is the costly part of a render) and stylesheets are parsed once.

WeasyPrint (half a second to import) is imported by the first PDF made, not when the web app
starts. This module imports no domain package.
"""

import mimetypes
import threading
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"
PDF_DIR = TEMPLATES_DIR / "pdf"
#: The only folders a document may load files from.
ALLOWED_ROOTS = ((PACKAGE_DIR / "static").resolve(), PDF_DIR.resolve())
#: The stylesheet of reports, lists and meeting documents (A4 portrait).
REPORT_CSS = ("report.css",)


@cache
def _fetcher_class():
    """SafeURLFetcher, defined on first use so that WeasyPrint is imported only then."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """data: URLs and the app's own document files; everything else is refused."""

        def __init__(self):
            super().__init__(timeout=1, allowed_protocols={"data", "file"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ValueError(f"Refused to fetch {url[:80]!r}: only the app's own files")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in ALLOWED_ROOTS) or not path.is_file():
                raise ValueError(f"Refused to fetch {url[:80]!r}: outside the document folders")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )

    return SafeURLFetcher


@cache
def fetcher():
    """The one SafeURLFetcher of the process."""
    return _fetcher_class()()


@cache
def font_config():
    """One FontConfiguration per process, shared by every render."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def stylesheet(name: str):
    """A stylesheet of templates/pdf, parsed once per process."""
    from weasyprint import CSS

    return CSS(filename=str(PDF_DIR / name), url_fetcher=fetcher(), font_config=font_config())


def local_time(moment, course, fmt: str = "%H:%M") -> str:
    """A stored (UTC) time in the course's time zone, e.g. ``{{ s.starts_at |
    local_time(course) }}`` (the same filter as the web pages')."""
    return moment.astimezone(ZoneInfo(course.time_zone)).strftime(fmt)


@cache
def environment():
    """The documents' Jinja environment: every template autoescaped, templates/ as its root
    (a report's body is shared with its web page), nothing of the request in reach."""
    from jinja2 import Environment, FileSystemLoader

    from .templating import country_name, date_range

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        auto_reload=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(date_range=date_range, local_time=local_time)
    env.globals.update(country_name=country_name)
    return env


def render_html(template: str, context: dict) -> str:
    """A document template as HTML (user text escaped)."""
    return environment().get_template(template).render(context)


def base_url() -> str:
    """Relative URLs in documents resolve inside templates/pdf."""
    return PDF_DIR.as_uri() + "/"


#: WeasyPrint (pango, fontconfig and the shared font configuration) is not safe in two
#: threads of one process at once: a threaded server's or worker's threads take turns to
#: lay out; several processes (gunicorn workers, the render processes) run in parallel.
_LAYOUT_LOCK = threading.Lock()


#: Documents are tagged PDFs: a structure tree made from the HTML (headings, paragraphs,
#: lists, tables with their header cells, figures with their ``alt``) in source order, the
#: language of ``<html lang>`` as /Lang, and /MarkInfo /Marked true, so that screen readers
#: read them. bench/ sets this False in its own process (before any render process starts)
#: to measure what tagging costs; nothing else changes it.
TAGGED = True


def html_to_pdf(html: str, stylesheets: tuple[str, ...] = ()) -> bytes:
    """HTML (already escaped) to PDF bytes through the safe fetcher; ``render_pdf`` is the
    way in for documents, this is its last step. Tagged (see TAGGED)."""
    from weasyprint import HTML

    with _LAYOUT_LOCK:
        document = HTML(string=html, base_url=base_url(), url_fetcher=fetcher())
        return document.write_pdf(
            stylesheets=[stylesheet(name) for name in stylesheets],
            font_config=font_config(),
            uncompressed_pdf=False,
            pdf_tags=TAGGED,
        )


def render_pdf(template: str, context: dict, stylesheets: tuple[str, ...] = REPORT_CSS) -> bytes:
    """A template of templates/pdf/<domain>/ with ``context`` (plain values or loaded
    objects), printed with ``stylesheets`` (paths inside templates/pdf)."""
    return html_to_pdf(render_html(template, context), stylesheets)
