"""The home page of each role: what needs doing next, each item linking to where it is done,
then links to the rest. Each list is one query of its domain's services (main sits at the
top of the layering and only composes them), so the page costs the same number of
statements whatever the size of the history."""

from datetime import date, timedelta

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..access import signed_in
from ..courses import services as course_services
from ..documents import services as document_services
from ..evaluations import services as evaluation_services
from ..extensions import db
from ..meetings import services as meeting_services
from ..participants import services as participant_services
from ..people.models import Person
from ..timetable import services as timetable_services
from ..timeutil import utcnow

bp = Blueprint("main", __name__)

#: How many items each list shows; the rest are counted ("and 12 more").
SHOWN = 5
#: How far back "recently" reaches for certificates issued and files prepared.
RECENT = timedelta(days=30)

#: Where each role goes for the rest, in the order they usually do it: (title, text, endpoint).
NEXT_STEPS = {
    "admin": [
        (
            "Users and roles",
            "Create accounts, change roles, deactivate people who left.",
            "admin.users",
        ),
        ("Audit log", "See who changed what, and when.", "admin.audit_log"),
        ("Courses", "Every course, its participants and its reports.", "courses.course_list"),
    ],
    "coordinator": [
        (
            "Courses",
            "Create a course, set seat quotas, import nominations, confirm people.",
            "courses.course_list",
        ),
        ("People", "Everyone who took part, across the years.", "participants.people"),
        (
            "Working groups",
            "Meetings, delegations, outcomes and action items.",
            "meetings.group_list",
        ),
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
        (
            "Annual statistics",
            "Participants by country and region for a year or a fund, as a report.",
            "reports.statistics",
        ),
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


#: What a background job prepares, as a person says it.
JOB_LABELS = {
    "certificates.pdf": "Certificates as one PDF",
    "certificates.zip": "Certificates as a ZIP",
    "issued-certificates.pdf": "Issued certificates as one PDF",
    "issued-certificates.zip": "Issued certificates as a ZIP",
}

#: What each role is for, in one sentence.
ROLE_INTROS = {
    "admin": "You manage accounts, roles and API tokens, and can read the audit log.",
    "coordinator": "You run the training courses: seat quotas, nominations, confirmations, "
    "and the participants' figures by country.",
    "staff": "You read the courses and export participant lists and statistics.",
    "trainee": "You see the courses you take part in and your own record.",
}


def coordinator_work() -> dict:
    """What a coordinator (or an administrator) has to decide or do."""
    decisions, decision_courses = participant_services.courses_awaiting_decisions(SHOWN)
    evaluations, open_evaluations = evaluation_services.open_questionnaires(utcnow(), SHOWN)
    to_issue, issue_courses, issue_people = document_services.certificates_to_issue(SHOWN)
    # The pages mark an action item overdue by the server's date: the same day here.
    actions, overdue = meeting_services.overdue_actions(date.today(), SHOWN)
    return {
        "downloads": document_services.downloads_of_user(current_user.id, utcnow() - RECENT, SHOWN),
        "decisions": decisions,
        "decision_courses": decision_courses,
        "status_due": course_services.courses_due_to_move(),
        "evaluations": evaluations,
        "open_evaluations": open_evaluations,
        "to_issue": to_issue,
        "issue_courses": issue_courses,
        "issue_people": issue_people,
        "latest_completed": document_services.LATEST_COMPLETED,
        "actions": actions,
        "overdue": overdue,
    }


def staff_work() -> dict:
    """What staff can download: files prepared, certificates issued lately, reports."""
    since = utcnow() - RECENT
    issued, issued_courses = document_services.certificates_issued_since(since, SHOWN)
    return {
        "downloads": document_services.downloads_of_user(current_user.id, since, SHOWN),
        "issued": issued,
        "issued_courses": issued_courses,
        "completed": course_services.recently_completed_courses(SHOWN),
    }


def trainee_work() -> dict:
    """A trainee's next session, country report, evaluation and certificates."""
    person_id, now = current_user.person_id, utcnow()
    if person_id is None:  # an account not linked to a participant: nothing of theirs
        return {"next_session": None, "reports_due": [], "evaluations": [], "certificates": []}
    next_session = timetable_services.next_session_of_person(person_id, now)
    return {
        "next_session": next_session,
        "next_session_local": next_session
        and timetable_services.to_local(next_session.course, next_session.starts_at),
        "reports_due": timetable_services.country_reports_due(person_id, now),
        "evaluations": evaluation_services.evaluations_of_person(person_id, now),
        "certificates": document_services.certificates_of_person(person_id),
    }


WORK = {
    "admin": coordinator_work,
    "coordinator": coordinator_work,
    "staff": staff_work,
    "trainee": trainee_work,
}


@bp.route("/")
@signed_in
def dashboard():
    """Your dashboard: what needs doing next, and where to go."""
    role = current_user.role
    return render_template(
        "main/dashboard.html",
        work=WORK[role](),
        shown=SHOWN,
        to_local=timetable_services.to_local,
        job_labels=JOB_LABELS,
        next_steps=NEXT_STEPS.get(role, []),
        intro=ROLE_INTROS[role],
    )


@bp.route("/people/<int:person_id>")
@signed_in
def person_detail(person_id: int):
    """A person across the years: every course (participants) and working-group meeting
    (meetings) they took part in, composed here, above both."""
    person = db.get_or_404(Person, person_id)
    if current_user.role == "trainee" and current_user.person_id != person.id:
        abort(404)
    meetings = meeting_services.meetings_of_person(person.id)
    return render_template(
        "participants/person.html",
        person=person,
        enrolments=participant_services.enrolments_of_person(person.id),
        meetings=meetings if current_user.role != "trainee" else [],
    )
