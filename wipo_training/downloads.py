"""File downloads: one way to send a generated file, named as staff expect."""

from flask import Response

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
MIMETYPES = {"pdf": PDF, "xlsx": XLSX, "csv": CSV, "txt": TEXT}


def attachment(data: bytes, filename: str, mimetype: str | None = None) -> Response:
    """``data`` as a download called ``filename`` (type from the extension if not given)."""
    return Response(
        data,
        mimetype=mimetype or MIMETYPES[filename.rsplit(".", 1)[-1]],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
