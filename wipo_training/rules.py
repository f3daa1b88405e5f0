"""The one error a service raises for a request its rules refuse, and the one way it is answered.

Services add and flush; they raise a ``RuleError`` (each domain has its subclass, such as
``CourseError``) whose message is written for the person who asked. The caller decides once:

- an HTML route wraps the service call in ``saving(form)``: the block's work is committed when
  it ends, or rolled back when a rule refused it, and the message shown on the form field it
  names, above the form, or flashed when there is no form;
- an API route just calls the service and commits: a ``RuleError`` that leaves a view is
  rolled back and answered by ``handle_rule_error`` (422, or 409 for an outdated edit), with
  each problem under its field as flask-smorest's validation errors are.
"""

from contextlib import contextmanager

from flask import flash, jsonify, render_template

from .access import is_api_request
from .extensions import db


class RuleError(ValueError):
    """A request the rules refuse. ``field`` names the form field at fault (None: the form as
    a whole); ``problems`` holds every (field, message) found, so a form shows them all at
    once."""

    #: The HTTP status the API answers with.
    status = 422

    def __init__(self, message: str, field: str | None = None, problems=None):
        super().__init__(message)
        self.field = field
        self.problems: list[tuple[str | None, str]] = problems or [(field, message)]

    @classmethod
    def of(cls, problems: list[tuple[str | None, str]]):
        """One error carrying several problems (the first names the field)."""
        return cls(" ".join(message for _field, message in problems), problems[0][0], problems)


class StaleError(RuleError):
    """Someone else saved the thing since this edit started (each domain's ConflictError)."""

    status = 409


class Outcome:
    """Whether the work of a ``saving`` block was committed, and if not, the refusal."""

    saved = False
    error: RuleError | None = None

    def __bool__(self) -> bool:
        return self.saved


def show(exc: RuleError, form=None, field: str | None = None) -> None:
    """Put a refusal where the person reads it: under the form field it names, else under
    ``field``; above the form for an outdated edit or when neither is on the form; flashed
    with the page when there is no form."""
    for name, message in exc.problems:
        target = None
        if form is not None and not isinstance(exc, StaleError):
            target = _field(form, name) or _field(form, field)
        if target is not None:
            target.errors.append(message)
        elif form is not None:
            form.form_errors.append(message)
        else:
            flash(message, "danger")


def _field(form, name: str | None):
    """The form's field called ``name`` (None when there is none)."""
    field = getattr(form, name, None) if name else None
    return field if isinstance(getattr(field, "errors", None), list) else None


@contextmanager
def saving(form=None, field: str | None = None):
    """Run the block as one unit of work: commit it, or, when a rule refused it, roll it back
    and show why (see ``show``). ``with saving(form) as outcome:`` then ``if outcome:``."""
    outcome = Outcome()
    try:
        yield outcome
    except RuleError as exc:
        db.session.rollback()
        outcome.error = exc
        show(exc, form, field)
    else:
        db.session.commit()
        outcome.saved = True


def handle_rule_error(exc: RuleError):
    """A refusal that left a view: nothing is saved. The API answers as flask-smorest does for
    invalid input; a page shows the message (a route with a form catches it itself)."""
    db.session.rollback()
    if is_api_request():
        errors: dict[str, list[str]] = {}
        for field, message in exc.problems:
            errors.setdefault(field or "_schema", []).append(message)
        status = "Conflict" if exc.status == 409 else "Unprocessable Entity"
        body = {"code": exc.status, "status": status, "message": str(exc)}
        if exc.status == 422:
            body["errors"] = {"json": errors}
        return jsonify(body), exc.status
    page = render_template("errors/error.html", code=exc.status, title="Not done", text=str(exc))
    return page, exc.status
