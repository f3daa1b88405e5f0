"""File downloads: one way to send a file, named safely whatever text the name came from.

Course codes, names of people, meetings and groups, and the names of uploaded files all reach
the names files are saved under. The ``Content-Disposition`` header is built here and nowhere
else (RFC 6266): a quoted ASCII ``filename`` for old clients and, when the name is not plain
ASCII, the whole name in UTF-8 as ``filename*`` (RFC 8187), so the header is always ASCII and
can never carry a quote, a ``;`` or a line break from user text.
"""

import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import Response, send_file
from werkzeug.http import quote_header_value

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CSV = "text/csv; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ICS = "text/calendar; charset=utf-8"
ZIP = "application/zip"
OCTET = "application/octet-stream"
MIMETYPES = {
    "pdf": PDF,
    "xlsx": XLSX,
    "pptx": PPTX,
    "csv": CSV,
    "txt": TEXT,
    "ics": ICS,
    "zip": ZIP,
}

#: Kept in a name besides letters, digits and combining marks; anything else becomes "-".
KEPT = "-_."
#: RFC 8187 attr-char besides ASCII letters and digits: left as they are in ``filename*``.
ATTR_CHARS = "!#$&+-.^_`|~"
MAX_STEM = 120
#: Names Windows refuses for a file, whatever the extension.
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(10)}
EXTENSION = re.compile(r"[A-Za-z0-9]{1,8}")


def _clean_stem(stem: str, default: str) -> str:
    stem = re.sub(r"-{2,}", "-", stem).strip("-._ ")[:MAX_STEM].strip("-._ ")
    if stem.upper() in RESERVED:
        stem = f"{stem}-file"
    return stem or default


def safe_filename(text: str, default: str = "download") -> str:
    """``text`` as a file name safe on every system: letters (any script), digits, ``-``,
    ``_`` and ``.`` only; no leading dot, no path, no control or direction-changing
    characters; the extension kept, the rest at most 120 characters.

    >>> safe_filename('東京-"2026";x-report.pdf')
    '東京-2026-x-report.pdf'
    """
    text = unicodedata.normalize("NFKC", str(text))
    stem, dot, extension = text.rpartition(".")
    if not dot or not EXTENSION.fullmatch(extension):
        stem, extension = text, ""
    kept = "".join(ch if ch in KEPT or unicodedata.category(ch)[0] in "LNM" else "-" for ch in stem)
    stem = _clean_stem(kept, default)
    return f"{stem}.{extension}" if extension else stem


def ascii_filename(name: str, default: str = "download") -> str:
    """The plain ASCII fallback of a safe name (accents dropped, other scripts left out)."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = _clean_stem(stem, default)
    return f"{stem}.{extension}" if extension else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` value for a file offered as ``filename`` (any text)."""
    name = safe_filename(filename)
    fallback = ascii_filename(name)
    value = f"{'inline' if inline else 'attachment'}; filename="
    value += quote_header_value(fallback, allow_token=False)
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"
    return value


def _mimetype(filename: str) -> str | None:
    return MIMETYPES.get(safe_filename(filename).rpartition(".")[2].lower())


def attachment(
    data: bytes, filename: str, mimetype: str | None = None, *, inline: bool = False
) -> Response:
    """``data`` as a download called ``filename`` (type from the extension if not given);
    ``inline`` lets the browser open it (calendars)."""
    return Response(
        data,
        mimetype=mimetype or _mimetype(filename) or OCTET,
        headers={"Content-Disposition": content_disposition(filename, inline=inline)},
    )


def stored_file(path: Path, filename: str, mimetype: str | None = None) -> Response:
    """The file at ``path`` as a download called ``filename`` (any text)."""
    response = send_file(path, mimetype=mimetype or _mimetype(filename) or OCTET)
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response
