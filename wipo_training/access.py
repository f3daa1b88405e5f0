"""One declared access policy per route, enforced in one place.

Every view is decorated with ``@public``, ``@signed_in`` or ``@roles(...)`` directly under its
``route`` decorator. ``enforce_access_policy`` runs before every request and refuses a view
that declares nothing (fail closed); the test suite walks ``app.url_map`` so that such a view
is caught before it ships. Object-level checks (a trainee sees only their own course) are the
view's job on top of this.
"""

from collections.abc import Callable

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

PUBLIC = "public"
#: Who edits a course's or a meeting's data, and who reads it (staff export documents).
EDITORS = ("admin", "coordinator")
READERS = ("admin", "coordinator", "staff")
SIGNED_IN = "signed_in"

#: Views registered by libraries, with their policy.
LIBRARY_POLICIES: dict[str, object] = {
    "static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
}


def _declare(policy) -> Callable:
    def decorator(view):
        view.access_policy = policy
        return view

    return decorator


public = _declare(PUBLIC)
signed_in = _declare(SIGNED_IN)


def roles(*allowed: str) -> Callable:
    """Only signed-in users with one of these roles."""
    return _declare(frozenset(allowed))


def policy_for(endpoint: str, app=None):
    """The declared policy of ``endpoint``, or None when it declares none."""
    if endpoint in LIBRARY_POLICIES:
        return LIBRARY_POLICIES[endpoint]
    view = (app or current_app).view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def enforce_access_policy():
    """before_request: apply the route's policy to the current user."""
    if request.endpoint is None:  # no route matched: the 404/405 handlers answer
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        abort(403)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            abort(
                401, description='Sign in, or send an API token as "Authorization: Bearer <token>".'
            )
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if policy == SIGNED_IN or current_user.role in policy:
        return None
    abort(403)
