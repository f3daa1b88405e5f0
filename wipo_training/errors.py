"""Error pages in the site's layout, JSON errors for the API; never a traceback."""

from flask import current_app, g, jsonify, render_template
from sqlalchemy.exc import DataError, OperationalError, StatementError
from werkzeug.exceptions import BadRequest, HTTPException, SecurityError, ServiceUnavailable

from .access import is_api_request
from .rules import RuleError, handle_rule_error

RETRY_AFTER_SECONDS = 5

TITLES = {
    400: (
        "Bad request",
        "The request could not be understood. Go back, check the form and try again.",
    ),
    401: ("Sign-in required", "Sign in to see this page."),
    403: ("Not allowed", "Your account is not allowed to see or do this."),
    404: ("Not found", "There is no page at this address. It may have been moved or deleted."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than this site accepts."),
    429: (
        "Too many attempts",
        "Too many attempts in a short time. Wait a few minutes and try again.",
    ),
    503: (
        "Busy, try again",
        "Someone else is saving at this very moment and your request waited too long. Nothing "
        "was saved by this request: try again in a few seconds.",
    ),
    500: (
        "Something went wrong",
        "The error has been logged. Nothing you entered was saved by "
        "this request; go back and try again, or tell the coordinator if it happens again.",
    ),
}


def handle_http_error(error: HTTPException):
    """Answer an HTTP error in the format the client asked for."""
    code = error.code or 500
    if isinstance(error, SecurityError):
        # An address not in TRUSTED_HOSTS: the layout's links would ask for it again.
        return "Bad request: this site does not answer at that address.", 400
    title, text = TITLES.get(code, (error.name, ""))
    if code == 429 and error.description:
        text = error.description
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        text = f"The upload is larger than this site accepts: at most {limit / 1048576:g} MB."
    # A 405 names the methods the address does accept (RFC 9110 section 15.5.6).
    allowed = getattr(error, "valid_methods", None) if code == 405 else None
    headers = {"Allow": ", ".join(allowed)} if allowed else {}
    if is_api_request():
        message = error.description if code not in (413, 500, 503) else text
        return jsonify(code=code, status=error.name, message=message), code, headers
    page = render_template("errors/error.html", code=code, title=title, text=text)
    return page, code, headers


def handle_database_busy(error: OperationalError):
    """A lock held past the database timeout (or the database out of reach) is 503 with
    Retry-After, not a 500: the request changed nothing and can simply be sent again."""
    from .extensions import db

    db.session.rollback()
    current_app.logger.warning("Database busy or unavailable: %s", error.orig)
    if "_login_user" not in g:  # the sign-in lookup itself waited: render as signed out
        g._login_user = current_app.login_manager.anonymous_user()
    response = handle_http_error(ServiceUnavailable())
    response = current_app.make_response(response)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_out_of_range(error: Exception):
    """A number too large for the database (SQLite's overflow, PostgreSQL's numeric value out
    of range) is the request's fault: 422, nothing saved."""
    from .extensions import db

    overflow = isinstance(error, OverflowError) or isinstance(
        getattr(error, "orig", None), OverflowError
    )
    if not overflow and not isinstance(error, DataError):
        raise error
    db.session.rollback()
    text = "A number in the request is larger than this site stores. Check it and try again."
    if is_api_request():
        return jsonify(code=422, status="Unprocessable Entity", message=text), 422
    return render_template("errors/error.html", code=422, title="Out of range", text=text), 422


def handle_deep_json(error: RecursionError):
    """JSON nested past what Python's parser recurses into (a JSON text in a form field; API
    bodies are refused before parsing, see api.MAX_JSON_DEPTH) is the request's fault: 400.
    Any other RecursionError stays a server error."""
    if "JSON" not in str(error):
        raise error
    from .extensions import db

    db.session.rollback()
    return handle_http_error(BadRequest("The JSON in the request is nested too deeply to be read."))


def register_errorhandlers(app) -> None:
    """Handlers by code take precedence over flask-smorest's catch-all JSON handler."""
    for code in TITLES:
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_busy)
    app.register_error_handler(StatementError, handle_out_of_range)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(RecursionError, handle_deep_json)
    app.register_error_handler(RuleError, handle_rule_error)
