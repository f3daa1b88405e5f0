"""Rendered pages kept until the data changes.

A GET page (HTML or JSON) is kept per signed-in session (or API token, or for anonymous
visitors) and per address, with the *data generation* it was made from: a number in the
database that every commit which changed anything increases (the session events below). A
kept page is served again only while the generation is the same and for at most
``PAGE_CACHE_SECONDS`` (pages that depend on the clock, such as an evaluation that closes,
are never older than that). Each process keeps its own pages, at most ``PAGE_CACHE_ENTRIES``;
all of them read the one generation, so a change made through any process is seen by all.

Never kept: downloads, responses that set a cookie or change the session (a new CSRF token,
a flashed message), anything but a 200, and requests whose session holds a message to show.
A page is kept only after the access policy let its session (or token) see it, and the key
holds that session's sign-in secret. So the cache is asked first, before the user is loaded
and the policy runs: while the generation is the same, nothing the policy reads has changed
(a sign-out, a revoked session or token, a new role, a deactivated account all increase it),
and a kept page costs the session cookie and one read of the generation.
"""

import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

MAX_BODY = 512 * 1024


class DataGeneration(db.Model):
    """One row: increased by every commit that changes data."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


_READ = "SELECT value FROM data_generation WHERE id = 1"


def current_generation() -> int:
    """The generation, read once per request."""
    if has_request_context() and "data_generation" in g:
        return g.data_generation
    value = db.session.connection().exec_driver_sql(_READ).scalar() or 0
    if has_request_context():
        g.data_generation = value
    return value


# --- noticing changes -------------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _flushed(session, _context):
    if session.new or session.dirty or session.deleted:
        session.info["data_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if (state.is_insert or state.is_update or state.is_delete) and not state.execution_options.get(
        "data_generation"
    ):
        state.session.info["data_changed"] = True


@event.listens_for(Session, "before_commit")
def _bump_generation(session):
    session.flush()  # what is pending counts too
    if session.info.pop("data_changed", False):  # every kept page is stale
        session.execute(
            sa.update(DataGeneration)
            .where(DataGeneration.id == 1)
            .values(value=DataGeneration.value + 1),
            execution_options={"data_generation": True},
        )


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("data_changed", None)


# --- keeping pages ----------------------------------------------------------------------------


class PageCache:
    def __init__(self, entries: int, seconds: float):
        self.entries, self.seconds = entries, seconds
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, generation):
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            kept_generation, expires, page = kept
            if kept_generation != generation or expires < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key, generation, page) -> None:
        with self._lock:
            self._pages[key] = (generation, time.monotonic() + self.seconds, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)


def uncached(view):
    """A view the cache leaves alone (e.g. one that reads nothing from the database)."""
    view.page_cache = False
    return view


def is_uncached(endpoint: str) -> bool:
    return getattr(current_app.view_functions.get(endpoint), "page_cache", True) is False


def _key():
    if request.method != "GET" or request.endpoint in (None, "static") or "_flashes" in session:
        return None
    if is_uncached(request.endpoint):
        return None
    # The session's CSRF secret is part of the key: a kept form carries a token of that
    # session only (a page that made a new one changed the session and was not kept).
    who = (request.headers.get("Authorization"), session.get("_user_id"), session.get("csrf_token"))
    return (who, request.full_path)


def serve_kept_page():
    """before_request (before the user is loaded): a kept page, if it is still good."""
    cache = current_app.extensions.get("page_cache")
    key = _key() if cache else None
    if key is None:
        return None
    g.page_cache_key, g.page_generation = key, current_generation()
    page = cache.get(key, g.page_generation)
    if page is None:
        return None
    del g.page_cache_key  # served, not to be kept again
    body, status, headers = page
    return current_app.response_class(body, status=status, headers=headers)


def keep_page(response):
    """after_request: keep what may be served again."""
    key = g.pop("page_cache_key", None)
    if (
        key is None
        or response.status_code != 200
        or response.direct_passthrough
        or response.mimetype not in ("text/html", "application/json")
        or "Set-Cookie" in response.headers
        or "Content-Disposition" in response.headers
        or session.modified
    ):
        return response
    body = response.get_data()
    if len(body) <= MAX_BODY:
        headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
        current_app.extensions["page_cache"].put(
            key, g.page_generation, (body, response.status_code, headers)
        )
    return response


def init_app(app) -> None:
    if app.config.get("PAGE_CACHE_ENTRIES", 0) > 0:
        app.extensions["page_cache"] = PageCache(
            app.config["PAGE_CACHE_ENTRIES"], app.config["PAGE_CACHE_SECONDS"]
        )
