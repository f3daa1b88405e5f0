"""Script payloads in names, titles and comments are shown as text on every page that shows
them. The browser runs with the Content-Security-Policy bypassed, so that the escaping alone is
tested: any dialog that opens fails the test, and every payload must be readable as text."""

import pytest
import sqlalchemy as sa

from tests.browser.conftest import sign_in
from wipo_training.courses.models import Course
from wipo_training.demo.meetings import GROUP_NAME
from wipo_training.evaluations.models import Answer, Question, Questionnaire
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, WorkingGroup
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person
from wipo_training.timetable.models import CourseSession, Lecturer

pytestmark = pytest.mark.browser

SCRIPT = '<script>alert("xss-script")</script>'
IMG = '<img src=x onerror=alert("xss-img")>'
SVG = '"><svg onload=alert("xss-svg")>'


@pytest.fixture
def hostile(live_app):
    """The demo data with payloads in the fields people type: returns the addresses."""
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2013")).scalar_one()
        course.title = f"Enforcement {SCRIPT}"
        course.venue = IMG
        enrolment = db.session.execute(
            sa.select(Enrolment).where(Enrolment.course_id == course.id).limit(1)
        ).scalar_one()
        person: Person = enrolment.person
        person.family_name = f"Chan{IMG}"
        person.given_name = SVG
        enrolment.position = SCRIPT
        if enrolment.organisation:
            enrolment.organisation.name = f"Office {SVG}"
        session = db.session.execute(
            sa.select(CourseSession)
            .where(CourseSession.course_id == course.id, CourseSession.evaluable.is_(True))
            .limit(1)
        ).scalar_one()
        session.title = f"Lecture {IMG}"
        lecturer = db.session.execute(sa.select(Lecturer).limit(1)).scalar_one()
        lecturer.name = f"Prof {SCRIPT}"
        comment = db.session.execute(
            sa.select(Answer)
            .join(Question)
            .join(Questionnaire)
            .where(Questionnaire.course_id == course.id, Question.kind == "long_text")
            .limit(1)
        ).scalar_one()
        comment.text = f"Great {IMG} {SCRIPT}"
        comment.in_report = True
        group = db.session.execute(
            sa.select(WorkingGroup).where(WorkingGroup.name == GROUP_NAME)
        ).scalar_one()
        group.description = SVG
        meeting = db.session.execute(
            sa.select(Meeting).where(Meeting.working_group_id == group.id, Meeting.number == 6)
        ).scalar_one()
        meeting.chair_a_name = f"Mr {IMG}"
        meeting.delegations[0].organisation = f"METI {SCRIPT}"
        meeting.agenda[0].title = f"Agenda {SVG}"
        meeting.outcomes[0].text = f"Agreed {IMG}"
        meeting.side_events[0].title = f"Seminar {SCRIPT}"
        meeting.release_published = False
        meeting.press_release = f"Release {IMG}\n\nText {SCRIPT}"
        db.session.commit()
        question = db.session.execute(
            sa.select(Question.id)
            .join(Questionnaire)
            .where(Questionnaire.course_id == course.id, Question.session_id == session.id)
            .limit(1)
        ).scalar_one()
        c, m = course.id, meeting.id
        return [
            "/courses/?year=2013",
            f"/courses/{c}",
            f"/courses/{c}/participants",
            f"/courses/{c}/participants/list",
            f"/courses/{c}/participants/by-country",
            f"/courses/{c}/participants/by-country.svg",
            f"/enrolments/{enrolment.id}",
            f"/people/{person.id}",
            "/people/?q=chan",
            f"/courses/{c}/timetable",
            f"/sessions/{session.id}",
            f"/sessions/{session.id}/attendance",
            f"/courses/{c}/attendance",
            f"/courses/{c}/evaluation",
            f"/courses/{c}/evaluation/results",
            f"/courses/{c}/evaluation/ranking.svg",
            f"/questions/{question}/chart.svg",
            f"/courses/{c}/report",
            f"/courses/{c}/certificates",
            "/statistics?year=2013",
            "/statistics/participants?year=2013",
            "/working-groups/",
            f"/working-groups/{group.id}",
            f"/meetings/{m}",
            f"/meetings/{m}/press-release",
            f"/meetings/{m}/agenda/{meeting.agenda[0].id}/edit",
            "/admin/audit",
        ]


def test_payloads_are_text_on_every_page(live_server, browser, hostile):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append((page.url, dialog.message)), dialog.dismiss()))
    sign_in(page, live_server, "admin@demo.test")
    shown = set()
    for path in hostile:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
        if path.endswith(".svg"):
            continue
        text = page.inner_text("body")
        shown.update(payload for payload in (SCRIPT, IMG, SVG) if payload in text)
    context.close()
    assert dialogs == []
    assert shown == {SCRIPT, IMG, SVG}  # each one is on the pages, as text
