"""The home page of each role."""

from flask import render_template
from flask_login import current_user

from ..access import signed_in
from . import bp

#: What each role can do next, in the order they usually do it: (title, text, endpoint).
NEXT_STEPS = {
    "admin": [
        (
            "Users and roles",
            "Create accounts, change roles, deactivate people who left.",
            "admin.users",
        ),
        ("Audit log", "See who changed what, and when.", "admin.audit_log"),
    ],
    "coordinator": [],
    "staff": [],
    "trainee": [],
}


@bp.route("/")
@signed_in
def dashboard():
    """Your dashboard."""
    return render_template("main/dashboard.html", next_steps=NEXT_STEPS.get(current_user.role, []))
