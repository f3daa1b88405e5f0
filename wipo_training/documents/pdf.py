"""One render_pdf() for the whole app: WeasyPrint with a locked-down URL fetcher.

The fetcher serves only ``data:`` URLs and files inside the app's own static folder and
``templates/documents``; it follows no redirects and never reaches the network. The same
fetcher is used for the HTML and every stylesheet. Fonts are configured once per process
(FontConfiguration is the costly part of a render) and stylesheets are parsed once.
"""

import mimetypes
import threading
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent
#: The only folders a document may load files from.
ALLOWED_ROOTS = (
    (PACKAGE_DIR / "static").resolve(),
    (PROJECT_DIR / "templates" / "documents").resolve(),
)


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
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


@cache
def font_config() -> FontConfiguration:
    """One FontConfiguration per process, shared by every render."""
    return FontConfiguration()


@cache
def fetcher() -> SafeURLFetcher:
    return SafeURLFetcher()


@cache
def stylesheet(name: str) -> CSS:
    """A stylesheet from templates/documents, parsed once per process."""
    path = PROJECT_DIR / "templates" / "documents" / name
    return CSS(filename=str(path), url_fetcher=fetcher(), font_config=font_config())


@cache
def _jinja():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from ..templating import date_range

    environment = Environment(
        loader=FileSystemLoader(PROJECT_DIR / "templates" / "documents"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )
    environment.filters["date_range"] = date_range
    return environment


def document_template(name: str):
    """A template of templates/documents, autoescaped, usable without a Flask app (the
    render processes have none)."""
    return _jinja().get_template(name)


def document_base_url() -> str:
    """Relative URLs in documents resolve inside templates/documents."""
    return (PROJECT_DIR / "templates" / "documents").as_uri() + "/"


#: WeasyPrint (pango, fontconfig and the shared font configuration) is not safe in two
#: threads of one process at once: a threaded server's or worker's threads take turns to
#: lay out; several processes (gunicorn workers, the render processes) run in parallel.
_LAYOUT_LOCK = threading.Lock()


def render_pdf(html: str, stylesheets: tuple[str, ...] = ()) -> bytes:
    """HTML (already escaped by Jinja) to PDF bytes, safely."""
    with _LAYOUT_LOCK:
        document = HTML(string=html, base_url=document_base_url(), url_fetcher=fetcher())
        return document.write_pdf(
            stylesheets=[stylesheet(name) for name in stylesheets],
            font_config=font_config(),
            uncompressed_pdf=False,
        )
