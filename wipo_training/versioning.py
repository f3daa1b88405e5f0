"""Optimistic locking: an edit based on an outdated page or an outdated ETag is refused with a
clear message, never silently lost.

Everything people edit carries an integer ``version`` that SQLAlchemy counts up with every
UPDATE of its row (the mapper's ``version_id_col``, see SQLAlchemy's "Configuring a Version
Counter"). An edit page carries the version it showed in a hidden field; the API sends it as
the ETag of every GET and needs it back in ``If-Match`` (flask-smorest's ``Blueprint.etag``:
428 without it, 412 when it is outdated). The service compares it with the row's version read
under a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write transaction's
``BEGIN IMMEDIATE`` already holds the lock), so two saves that start together cannot both
pass the check.
"""

from flask_smorest import abort
from flask_smorest.exceptions import PreconditionFailed
from sqlalchemy import inspect
from wtforms import HiddenField

from .extensions import db


def conflict_message(what: str) -> str:
    """What a person whose edit was refused reads: what happened and what to do."""
    return (
        f"Someone else saved this {what} while you were editing it, so your changes were not "
        "saved. Reload the page to see theirs, then make yours again."
    )


def current_version(obj) -> int:
    """The version the database holds now, read under a row lock (0 before the first save)."""
    if not inspect(obj).persistent:
        return 0
    db.session.refresh(obj, ["version"], with_for_update=True)
    return obj.version


def is_stale(obj, expected_version: int | None) -> bool:
    """Whether ``obj`` changed since the caller read ``expected_version`` (None: no check, for
    the application's own changes)."""
    return expected_version is not None and expected_version != current_version(obj)


class VersionField(HiddenField):
    """The version an edit page showed. A post without it is an outdated page, not "no check":
    WTForms would otherwise keep the object's current version when the field is left out."""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None


def posted_version(value) -> int:
    """The version a form sent back; -1 (never current) when it is missing or not a number."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else -1


def count_change(obj) -> None:
    """Count a change that leaves the row itself as it was (its lines or links changed): the
    next edit based on the earlier version is refused as well."""
    if inspect(obj).persistent and obj.version is not None:
        obj.version = obj.version + 1


# --- the API: ETag and If-Match (flask-smorest) ----------------------------------------------


def etag_data(obj, parts=()) -> dict:
    """What an object's ETag is computed from: its kind, id and version, and those of the
    ``parts`` sent with it (rows of their own, such as a meeting's agenda items)."""
    data = {"kind": type(obj).__name__, "id": obj.id, "version": obj.version}
    if parts:
        data["parts"] = sorted([type(part).__name__, part.id, part.version] for part in parts)
    return data


def set_etag(blp, obj, parts=()) -> None:
    """Send ``obj``'s ETag with the response (the view is decorated with ``blp.etag``)."""
    blp.set_etag(etag_data(obj, parts))


def check_if_match(blp, obj, what: str, parts=()) -> None:
    """412 unless the request's If-Match names ``obj``'s current version (``blp.etag`` has
    already answered 428 when the header is missing)."""
    current_version(obj)
    try:
        blp.check_etag(etag_data(obj, parts))
    except PreconditionFailed:
        abort(
            412,
            message=f"Someone else changed this {what} since you read it. GET it again and "
            "send your change with its new ETag in If-Match.",
        )
