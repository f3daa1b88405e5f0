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
    "coordinator": [
        (
            "Courses",
            "Create a course, set seat quotas, import nominations, confirm people.",
            "courses.course_list",
        ),
        ("People", "Everyone who took part, across the years.", "participants.people"),
        (
            "Statistics",
            "Participants by country, region and kind of office.",
            "participants.statistics",
        ),
    ],
    "staff": [
        (
            "Courses",
            "Participant lists in protocol order, as a page, CSV or XLSX.",
            "courses.course_list",
        ),
        ("Statistics", "Participants by country for a year or a fund.", "participants.statistics"),
        ("People", "The alumni: one record per person across the years.", "participants.people"),
    ],
    "trainee": [
        (
            "My timetable",
            "Your sessions day by day, and an address for your calendar app.",
            "timetable.my_timetable",
        ),
        (
            "Your courses",
            "The courses you take part in; upload your country report.",
            "courses.course_list",
        ),
    ],
}


#: What each role is for, in one sentence.
ROLE_INTROS = {
    "admin": "You manage accounts, roles and API tokens, and can read the audit log.",
    "coordinator": "You run the training courses: seat quotas, nominations, confirmations, "
    "and the participants' figures by country.",
    "staff": "You read the courses and export participant lists and statistics.",
    "trainee": "You see the courses you take part in and your own record.",
}


@bp.route("/")
@signed_in
def dashboard():
    """Your dashboard."""
    evaluations, certificates = [], []
    if current_user.role == "trainee":
        from ..evaluations.services import open_evaluations_for
        from ..timeutil import utcnow

        evaluations = open_evaluations_for(current_user, utcnow())
        from ..documents.routes import own_certificates

        certificates = own_certificates(current_user)
    return render_template(
        "main/dashboard.html",
        evaluations=evaluations,
        certificates=certificates,
        next_steps=NEXT_STEPS.get(current_user.role, []),
        intro=ROLE_INTROS[current_user.role],
    )
