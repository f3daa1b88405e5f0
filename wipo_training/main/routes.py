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


#: What each role is for, in one sentence.
ROLE_INTROS = {
    "admin": "You manage accounts, roles and API tokens, and can read the audit log.",
    "coordinator": "You schedule training courses and working-group meetings: nominations, "
    "timetable, attendance, evaluations, certificates and reports.",
    "staff": "You export participant lists, certificates, reports and statistics.",
    "trainee": "You see your timetable, submit your evaluation and download your certificate.",
}


@bp.route("/")
@signed_in
def dashboard():
    """Your dashboard."""
    return render_template("main/dashboard.html", next_steps=NEXT_STEPS.get(current_user.role, []))
