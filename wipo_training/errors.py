"""Error pages in the site's layout, JSON errors for the API; never a traceback."""

from flask import current_app, jsonify, render_template
from werkzeug.exceptions import HTTPException

from .access import is_api_request

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
    500: (
        "Something went wrong",
        "The error has been logged. Nothing you entered was saved by "
        "this request; go back and try again, or tell the coordinator if it happens again.",
    ),
}


def handle_http_error(error: HTTPException):
    """Answer an HTTP error in the format the client asked for."""
    code = error.code or 500
    title, text = TITLES.get(code, (error.name, ""))
    if code == 429 and error.description:
        text = error.description
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        text = f"The upload is larger than this site accepts: at most {limit / 1048576:g} MB."
    if is_api_request():
        message = error.description if code not in (413, 500) else text
        return jsonify(code=code, status=error.name, message=message), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register_errorhandlers(app) -> None:
    """Handlers by code take precedence over flask-smorest's catch-all JSON handler."""
    for code in TITLES:
        app.register_error_handler(code, handle_http_error)
