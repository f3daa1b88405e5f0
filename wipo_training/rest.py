"""What every JSON API module shares, below every domain: fields whose limits the OpenAPI
document states, one page of a list, the X-Pagination header, and the checks every API
blueprint runs first (JSON nested too deep, CSRF for callers using the browser's cookie).
The API blueprints are registered by create_app() through init_api()."""

import re

import pycountry
import sqlalchemy as sa
from flask import abort, g, request
from flask_login import current_user
from marshmallow import fields, validate

from .extensions import csrf, db

#: No body this API takes is nested more than 5 levels (a meeting's delegations' delegates);
#: Python's parser gives up with a RecursionError near 1,000.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")


def _csrf_for_cookie_callers():
    """Scripts with a bearer token need no CSRF token; a browser using its cookie does."""
    if request.method not in {"GET", "HEAD", "OPTIONS"} and not g.get("authenticated_by_token"):
        current_user._get_current_object()  # resolve the caller first: sets the flag for tokens
        if not g.get("authenticated_by_token"):
            csrf.protect()


def json_deeper_than(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays or objects more than ``limit`` levels deep, found without
    parsing it: strings and everything but brackets dropped, each pass of the regular
    expression takes away the innermost level (so at most ``limit`` passes, each linear)."""
    brackets = _NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    for _ in range(limit):
        brackets, removed = _INNERMOST_PAIR.subn(b"", brackets)
        if not removed:
            return False  # all gone, or unbalanced: the parser will say what is wrong
    return _INNERMOST_PAIR.search(brackets) is not None


def _refuse_deep_json():
    """400 for a JSON body nested beyond any this API takes, before anything parses it."""
    if request.is_json and json_deeper_than(request.get_data(cache=True), MAX_JSON_DEPTH):
        abort(
            400,
            description=f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep; "
            "nothing this API takes is nested that deep.",
        )


#: The X-Pagination header as sent: one JSON text.
PAGINATION_HEADER = {
    "description": 'The page as JSON: {"total": items, "total_pages", "first_page", '
    '"last_page", "page", "previous_page", "next_page"} (no previous or next at the ends).',
    "schema": {"type": "string", "contentMediaType": "application/json"},
}


def page_items(stmt, pagination_parameters) -> list:
    """One page of ``stmt``; a page beyond any the database could hold is an empty page (the
    offset would overflow the database's integer, which is not the caller's fault)."""
    if (pagination_parameters.page - 1) * pagination_parameters.page_size > LARGEST:
        count = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        pagination_parameters.item_count = db.session.scalar(count)
        return []
    page = db.paginate(
        stmt,
        page=pagination_parameters.page,
        per_page=pagination_parameters.page_size,
        error_out=False,
    )
    pagination_parameters.item_count = page.total
    return page.items


#: What an integer column holds (PostgreSQL's ``integer``; SQLite stores 64 bits).
LARGEST = 2**31 - 1


class Integer(fields.Integer):
    """An integer no larger than the database stores, besides any range of its own: the
    OpenAPI document says so (apispec keeps the narrowest bounds), and a larger number is a
    422 that names the field rather than one the database refuses."""

    def __init__(self, **kwargs):
        given = kwargs.get("validate")
        given = [given] if callable(given) else list(given or [])
        given.append(validate.Range(-LARGEST - 1, LARGEST))
        super().__init__(**{**kwargs, "validate": given})


_CODES = sorted(country.alpha_2 for country in pycountry.countries)


def CountryCode(**kwargs) -> fields.String:
    """An ISO 3166-1 alpha-2 code. The document lists the codes; the services check them (and
    accept the codes an installation adds in EXTRA_COUNTRIES)."""
    return fields.String(validate=validate.Length(equal=2), metadata={"enum": _CODES}, **kwargs)


def Time(**kwargs) -> fields.Time:
    """A time of day as HH:MM or HH:MM:SS (the document gives the pattern)."""
    pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    return fields.Time(metadata={"pattern": pattern, "example": "09:30"}, **kwargs)


def init_api(app, blueprints) -> None:
    """Bind the API (flask-smorest) and its blueprints to the app; each blueprint refuses JSON
    nested too deep and checks CSRF for browser (cookie) callers."""
    from .extensions import api

    api.init_app(app)
    # flask-smorest documents X-Pagination as an object, but a header is text: the object
    # arrives as one JSON string, and clients (and schemathesis) read the document literally.
    api.spec.components.headers_lazy["PAGINATION"] = PAGINATION_HEADER
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
        # On this app, not the blueprint: blueprints are made once, apps (tests) many times.
        hooks = app.before_request_funcs.setdefault(blueprint.name, [])
        hooks += [_refuse_deep_json, _csrf_for_cookie_callers]
