"""Every button of the timetable, clicked in Chromium: a session added, edited and deleted, a
timetable copied from an earlier edition, attendance marked for a session that took place,
presenters of country reports chosen; the trainee uploads a country report and makes a new
calendar address."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.auth.models import User
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person
from wipo_training.timetable.models import (
    Attendance,
    CountryReport,
    CourseSession,
    Presentation,
)

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)> =1+1"
# The smallest file the upload takes for a PDF (it looks at the content, not the name).
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def sessions_of(app, code: str) -> dict[str, str]:
    """{title: room} of the course's sessions."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(CourseSession.title, CourseSession.room)
            .join(Course)
            .where(Course.code == code)
        ).all()
        return dict(rows)


def test_sessions_added_edited_deleted_and_a_timetable_copied(
    live_app, live_server, page, watch, screenshot, open_course, course_tab
):
    title = f"Enforcement at the border {HOSTILE}"
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2027")
    course_tab(page, "ENF-2027", "Timetable")
    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Day").fill("2027-02-03")
    page.get_by_label("Starts").fill("17:45")
    page.get_by_label("Ends").fill("18:45")
    page.get_by_label("Room or place").fill("Seminar room B-7")
    page.get_by_label("Lecturers").fill("Mr Taro Yamada; Tokyo Customs")
    screenshot("buttons-timetable-01-session-form")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"“{title}” saved.")).to_be_visible()
    assert sessions_of(live_app, "ENF-2027")[title] == "Seminar room B-7"

    page.get_by_role("link", name=title).click()
    expect(page.get_by_text("Mr Taro Yamada (Tokyo Customs)")).to_be_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Room or place").fill("APIC Lecture Room 2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"“{title}” saved.")).to_be_visible()
    assert sessions_of(live_app, "ENF-2027")[title] == "APIC Lecture Room 2"

    page.get_by_role("link", name=title).click()
    expect(page.get_by_text("APIC Lecture Room 2")).to_be_visible()
    screenshot("buttons-timetable-02-session")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Session deleted.")).to_be_visible()
    assert watch.confirmations == [f"Delete “{title}” and its attendance?"]
    assert title not in sessions_of(live_app, "ENF-2027")

    # A next edition starts empty; its timetable is copied from the edition before.
    open_course(page, "ENF-2014")
    page.get_by_role("link", name="Copy as next edition").click()
    page.get_by_label("Code of the new edition").fill("ENF-2028")
    page.get_by_label("It starts on").fill("2028-11-27")
    page.get_by_role("button", name="Create the next edition").click()
    course_tab(page, "ENF-2028", "Timetable")
    expect(page.get_by_text("No sessions yet.")).to_be_visible()
    page.get_by_role("link", name="Copy from an earlier edition").click()
    expect(page.get_by_label("Copy the timetable of")).to_have_value(
        page.get_by_role("option", name="ENF-2014 — ").get_attribute("value")
    )
    page.get_by_role("button", name="Copy the sessions").click()
    expect(page.get_by_text("23 sessions copied from ENF-2014.")).to_be_visible()
    screenshot("buttons-timetable-03-copied")
    assert sessions_of(live_app, "ENF-2028").keys() == sessions_of(live_app, "ENF-2014").keys()


def test_attendance_and_presenters_of_a_course_held(
    live_app, live_server, page, watch, screenshot, open_course, course_tab
):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2014")
    course_tab(page, "ENF-2014", "Timetable")
    page.get_by_role("link", name="Criminal Enforcement of IP Rights").click()
    page.get_by_role("link", name="Mark attendance").click()
    page.get_by_label("BOLD, Oyunchimeg").select_option("absent")
    page.get_by_role("textbox", name="Note for Oyunchimeg Bold").fill(f"Flight delayed {HOSTILE}")
    screenshot("buttons-timetable-04-attendance")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 11 present, 1 exceptions.")).to_be_visible()
    with live_app.app_context():
        marks = db.session.execute(
            sa.select(Person.family_name, Attendance.status, Attendance.note)
            .join(CourseSession, Attendance.session_id == CourseSession.id)
            .join(Enrolment, Attendance.enrolment_id == Enrolment.id)
            .join(Person, Enrolment.person_id == Person.id)
            .where(CourseSession.title == "Criminal Enforcement of IP Rights")
            .join(Course, CourseSession.course_id == Course.id)
            .where(Course.code == "ENF-2014")
        ).all()
    assert len(marks) == 12
    assert [m for m in marks if m.status != "present"] == [
        ("Bold", "absent", f"Flight delayed {HOSTILE}")
    ]

    page.get_by_role("link", name="Country reports").first.click()
    meeting = page.locator("form").filter(has_text="Country report presentation meeting I —")
    meeting.get_by_label("Sokha Chan").check()
    meeting.get_by_label("Nasrin Akter").check()
    meeting.get_by_role("button", name="Save presenters for this session").click()
    expect(
        page.get_by_text("2 presenters in “Country report presentation meeting I”.")
    ).to_be_visible()
    screenshot("buttons-timetable-05-presenters")
    with live_app.app_context():
        presenters = db.session.execute(
            sa.select(Person.family_name)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .join(Presentation, Presentation.enrolment_id == Enrolment.id)
            .join(CourseSession, Presentation.session_id == CourseSession.id)
            .where(CourseSession.title == "Country report presentation meeting I")
            .join(Course, CourseSession.course_id == Course.id)
            .where(Course.code == "ENF-2014")
            .order_by(Person.family_name)
        ).scalars()
        assert list(presenters) == ["Akter", "Chan"]


@pytest.fixture
def trainee_in_next_course(live_app):
    """The demo trainee (Sokha Chan) accepted in ENF-2027, its country reports due in a month
    (the demo's date would pass one day)."""
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2027")).scalar_one()
        course.country_report_deadline = date.today() + timedelta(days=30)
        chan = db.session.execute(
            sa.select(Person).where(Person.email == "trainee@demo.test")
        ).scalar_one()
        enrolment = participant_services.nominate(None, course, chan, "Government of Cambodia")
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        db.session.commit()


def test_trainee_uploads_a_country_report_and_renews_the_calendar_address(
    live_app,
    live_server,
    page,
    watch,
    screenshot,
    tmp_path,
    trainee_in_next_course,
    other_page,
    open_course,
    course_tab,
):
    sign_in(page, live_server, "trainee@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My timetable").click()
    old_address = page.get_by_label("Your calendar address").input_value()
    page.get_by_role("button", name="Make a new address").click()
    expect(page.get_by_text("Your calendar has a new address.")).to_be_visible()
    screenshot("buttons-timetable-06-new-calendar-address")
    assert watch.confirmations == ["Make a new address? The current one stops working."]
    assert page.get_by_label("Your calendar address").input_value() != old_address
    with live_app.app_context():
        user = db.session.execute(
            sa.select(User).where(User.email == "trainee@demo.test")
        ).scalar_one()
        assert user.calendar_version == 2

    section = page.get_by_role("region").filter(
        has=page.get_by_role("heading", name="Training Course on the Enforcement of Intellectual")
    )
    section.filter(has_text="February 2027").get_by_role("link", name="Your country report").click()
    expect(page.get_by_text("You have not uploaded your country report yet.")).to_be_visible()
    report = tmp_path / "Cambodia country report.pdf"
    report.write_bytes(PDF)
    page.get_by_label("Country report").set_input_files(str(report))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Your country report is uploaded.")).to_be_visible()
    expect(page.get_by_role("link", name="Cambodia country report.pdf")).to_be_visible()
    screenshot("buttons-timetable-07-country-report")
    with live_app.app_context():
        stored = db.session.execute(
            sa.select(CountryReport).join(Enrolment).join(Course).where(Course.code == "ENF-2027")
        ).scalar_one()
        assert (stored.filename, stored.kind, stored.size) == (
            "Cambodia country report.pdf",
            "pdf",
            len(PDF),
        )

    coordinator = other_page("coordinator@demo.test")
    open_course(coordinator, "ENF-2027")
    course_tab(coordinator, "ENF-2027", "Country reports")
    expect(coordinator.get_by_role("link", name="Cambodia country report.pdf")).to_be_visible()
