"""Every button that changes a course, clicked in Chromium as a coordinator does: copy as next
edition, edit, seat quotas, the status buttons through the course's whole life, cancelling;
the course report's texts. Each result is read on the page and back from the database."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.audit import AuditEntry
from wipo_training.courses.models import Course
from wipo_training.evaluations.models import Answer, Question, Questionnaire
from wipo_training.extensions import db

pytestmark = pytest.mark.browser

HOSTILE = '<script>alert("venue")</script> =1+1'


def course_of(app, code: str) -> Course:
    """The course as the database has it now (detached, its columns loaded)."""
    with app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == code)).scalar_one()
        db.session.expunge(course)
        return course


def quotas_of(app, code: str) -> dict[str, int]:
    with app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == code)).scalar_one()
        return {q.country_code: q.seats for q in course.quotas}


def status_changes(app, code: str) -> list[tuple[str, str]]:
    """The course's status changes, from the audit log."""
    with app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == code)).scalar_one()
        entries = db.session.execute(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "course.status", AuditEntry.object_id == str(course.id))
            .order_by(AuditEntry.id)
        ).scalars()
        return [(e.details["from"], e.details["to"]) for e in entries]


def test_next_edition_edited_given_quotas_and_taken_through_its_life(
    live_app, live_server, page, watch, screenshot, open_course
):
    # A course that ran last month: every status can be reached honestly.
    start = date.today() - timedelta(days=21)
    code = f"ENF-{start:%Y%m}"
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2014")

    page.get_by_role("link", name="Copy as next edition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Copy ENF-2014 as the next edition")
    screenshot("buttons-courses-01-copy-form")
    page.get_by_label("Code of the new edition").fill(code)
    page.get_by_label("It starts on").fill(start.isoformat())
    page.get_by_role("button", name="Create the next edition").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        f"{code} created from ENF-2014."
    )
    expect(page.get_by_text(f"{code} · WIPO Japan Funds-in-Trust")).to_be_visible()
    copied = course_of(live_app, code)
    assert (copied.status, copied.start_date) == ("draft", start)
    assert copied.end_date == start + timedelta(days=11)
    assert quotas_of(live_app, code) == quotas_of(live_app, "ENF-2014")
    screenshot("buttons-courses-02-copied-draft")

    # Edit: the venue, with text that must stay text.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Venue", exact=True).fill(HOSTILE)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Course saved.")).to_be_visible()
    expect(page.get_by_text(HOSTILE, exact=False)).to_be_visible()
    assert course_of(live_app, code).venue == HOSTILE

    # Seat quotas: a line that names no country is refused and nothing changes ...
    page.get_by_role("link", name="Seat quotas").click()
    quotas = page.get_by_label("Seats per country")
    lines = quotas.input_value()
    assert "Cambodia: 1" in lines.splitlines()
    quotas.fill(lines + "\nAtlantis: 3")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.get_by_text("Line 13:")).to_be_visible()
    screenshot("buttons-courses-03-quota-error")
    assert "MY" not in quotas_of(live_app, code)
    # ... a country added and one changed are saved.
    quotas.fill(lines.replace("Cambodia: 1", "Cambodia: 2") + "\nMalaysia: 2")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.get_by_text("Seat quotas saved.")).to_be_visible()
    seats = page.get_by_role("table").filter(has_text="Seats")
    expect(seats.get_by_role("row", name="Malaysia 2 0 0")).to_be_visible()
    expect(seats.get_by_role("row", name="Cambodia 2 0 0")).to_be_visible()
    saved = quotas_of(live_app, code)
    assert (saved["MY"], saved["KH"], saved["VN"]) == (2, 2, 1)

    # Draft -> nominations open: the list is complete, so no question is asked.
    expect(page.get_by_role("heading", name="Status: Draft")).to_be_visible()
    page.get_by_role("button", name="Mark as nominations open").click()
    expect(page.get_by_text("The course is now nominations open.")).to_be_visible()
    assert watch.confirmations == []
    screenshot("buttons-courses-04-nominations-open")

    # Nobody was nominated: each step asks first ("anyway").
    page.get_by_role("button", name="Mark as confirmed anyway").click()
    expect(page.get_by_text("The course is now confirmed.")).to_be_visible()
    assert watch.confirmations[-1] == (
        f"Not everything on the list is done. Mark {code} as confirmed anyway?"
    )
    page.get_by_role("button", name="Mark as running anyway").click()
    expect(page.get_by_text("The course is now running.")).to_be_visible()
    screenshot("buttons-courses-05-running")

    # It ended ten days ago: completing it needs no question.
    asked = len(watch.confirmations)
    page.get_by_role("button", name="Mark as completed").click()
    expect(page.get_by_text("The course is now completed.")).to_be_visible()
    assert len(watch.confirmations) == asked
    expect(page.get_by_role("heading", name="Status: Completed")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel the course")).to_have_count(0)
    screenshot("buttons-courses-06-completed")
    assert course_of(live_app, code).status == "completed"
    assert status_changes(live_app, code) == [
        ("draft", "nominations_open"),
        ("nominations_open", "confirmed"),
        ("confirmed", "running"),
        ("running", "completed"),
    ]


def test_cancel_asks_first_and_a_no_changes_nothing(
    live_app, live_server, page, watch, screenshot, open_course
):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2027")
    expect(page.get_by_role("heading", name="Status: Nominations open")).to_be_visible()

    watch.accept = False
    page.get_by_role("button", name="Cancel the course").click()
    # "Go back" closes the question and puts focus back on the button that asked.
    expect(page.get_by_role("button", name="Cancel the course")).to_be_focused()
    assert watch.confirmations == ["Cancel ENF-2027? A cancelled course cannot be reopened."]
    expect(page.get_by_role("heading", name="Status: Nominations open")).to_be_visible()
    assert course_of(live_app, "ENF-2027").status == "nominations_open"

    watch.accept = True
    page.get_by_role("button", name="Cancel the course").click()
    expect(page.get_by_text("The course is now cancelled.")).to_be_visible()
    expect(page.get_by_role("heading", name="Status: Cancelled")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel the course")).to_have_count(0)
    screenshot("buttons-courses-07-cancelled")
    assert course_of(live_app, "ENF-2027").status == "cancelled"
    assert status_changes(live_app, "ENF-2027") == [("nominations_open", "cancelled")]


def test_course_report_texts_and_quoted_comments(
    live_app, live_server, page, watch, screenshot, open_course, course_tab
):
    from wipo_training.reports.models import CourseReportText

    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2013")
    course_tab(page, "ENF-2013", "Course report")
    page.get_by_role("textbox", name="Introduction").fill(f"Twelve days in Tokyo. {HOSTILE}")
    page.get_by_role("textbox", name="Conclusion").fill(
        "The participants asked for a follow-up seminar."
    )
    page.get_by_role("button", name="Save the texts").click()
    expect(page.get_by_text("The report's introduction and conclusion are saved.")).to_be_visible()
    expect(page.locator("article").get_by_text("Twelve days in Tokyo.")).to_be_visible()
    expect(page.locator("article").get_by_text(HOSTILE, exact=False)).to_be_visible()

    comments = page.get_by_role("group", name="Comments").get_by_role("checkbox")
    ticked_before = sum(box.is_checked() for box in comments.all())
    first_unticked = next(box for box in comments.all() if not box.is_checked())
    first_unticked.check()
    page.get_by_role("button", name="Quote the ticked comments").click()
    expect(page.get_by_text(f"{ticked_before + 1} comment(s) will be quoted")).to_be_visible()
    screenshot("buttons-courses-08-report")
    ticked_after = sum(
        box.is_checked()
        for box in page.get_by_role("group", name="Comments").get_by_role("checkbox").all()
    )
    assert ticked_after == ticked_before + 1

    course = course_of(live_app, "ENF-2013")
    with live_app.app_context():
        text = db.session.execute(
            sa.select(CourseReportText).where(CourseReportText.course_id == course.id)
        ).scalar_one()
        assert text.introduction == f"Twelve days in Tokyo. {HOSTILE}"
        assert text.conclusion == "The participants asked for a follow-up seminar."
        quoted = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Answer)
            .join(Question)
            .join(Questionnaire)
            .where(Questionnaire.course_id == course.id, Answer.in_report.is_(True))
        ).scalar_one()
        assert quoted == ticked_before + 1
