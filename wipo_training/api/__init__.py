"""The JSON API under /api/v1 (flask-smorest). Domain packages add their own blueprints."""

import re

from flask import abort, g, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..access import signed_in
from ..extensions import csrf

#: No body this API takes is nested more than 5 levels (a meeting's delegations' delegates);
#: Python's parser gives up with a RecursionError near 1,000.
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(rb"\[\]|\{\}")

blp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Who is calling: the caller's account."
)


class MeSchema(Schema):
    email = fields.Email(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)


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


@blp.route("/me")
@signed_in
@blp.response(200, MeSchema)
def me():
    """The account behind this request (bearer token or browser session)."""
    return current_user


#: The X-Pagination header as sent: one JSON text.
PAGINATION_HEADER = {
    "description": 'The page as JSON: {"total": items, "total_pages", "first_page", '
    '"last_page", "page", "previous_page", "next_page"} (no previous or next at the ends).',
    "schema": {"type": "string", "contentMediaType": "application/json"},
}


def register_api(app) -> None:
    """Bind the API to the app; called from create_app()."""
    from ..extensions import api

    api.init_app(app)
    # flask-smorest documents X-Pagination as an object, but a header is text: the object
    # arrives as one JSON string, and clients (and schemathesis) read the document literally.
    api.spec.components.headers_lazy["PAGINATION"] = PAGINATION_HEADER
    for blueprint in API_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)


def _collect_blueprints():
    from ..courses.api import blp as courses_blp
    from ..documents.api import blp as documents_blp
    from ..evaluations.api import blp as evaluations_blp
    from ..meetings.api import blp as meetings_blp
    from ..participants.api import blp as participants_blp
    from ..reports.api import blp as reports_blp
    from ..timetable.api import blp as timetable_blp

    blueprints = (
        blp,
        courses_blp,
        participants_blp,
        timetable_blp,
        evaluations_blp,
        documents_blp,
        reports_blp,
        meetings_blp,
    )
    for blueprint in blueprints:
        blueprint.before_request(_refuse_deep_json)
        blueprint.before_request(_csrf_for_cookie_callers)
    return blueprints


#: Every API blueprint, each refusing JSON nested too deep and checking CSRF for browser
#: (cookie) callers.
API_BLUEPRINTS = _collect_blueprints()
