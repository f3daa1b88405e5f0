"""The coordinator opens the evaluation, the demo trainee submits it, the coordinator sees
only the count while it is open, closes it with the settings form, and then sees the ranking
of the lectures."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.evaluations.conftest import full_answers
from wipo_training.courses.models import Course
from wipo_training.evaluations import services
from wipo_training.extensions import db
from wipo_training.timetable import services as timetable_services
from wipo_training.timeutil import utcnow

pytestmark = pytest.mark.browser

COMMENT = "The scenario exercise: I will use it at home. <script>alert(1)</script>"


def test_trainee_submits_and_coordinator_sees_the_ranking(
    live_app, live_server, page, watch, screenshot, screenshot_of, other_page, course_tab
):
    base = live_server
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2014")).scalar_one()
        questionnaire, _ = services.generate_questionnaire(None, course)
        # Open since two days ago, for two more days.
        questionnaire.opens_at = utcnow() - timedelta(days=2)
        questionnaire.closes_at = utcnow() + timedelta(days=2)
        # Two colleagues answered already (the demo trainee is Sokha Chan, in this course too).
        others = [
            e
            for e in timetable_services.expected_enrolments(course)
            if e.person.email != "trainee@demo.test"
        ][:2]
        for enrolment in others:
            services.submit(questionnaire, enrolment, full_answers(questionnaire, 3), utcnow())
        db.session.commit()
        course_id = course.id
        ratings_asked = sum(q.kind == "rating" for q in questionnaire.questions)
        # The session she rates 5 on both counts (usefulness, presentation), 4 for the others.
        top = [
            q.id
            for q in questionnaire.questions
            if q.kind == "rating" and q.session_title.startswith("Training scenario")
        ]
    assert len(top) == 2

    sign_in(page, base, "trainee@demo.test")
    expect(page.get_by_text("is open")).to_be_visible()
    page.get_by_role("link", name="Give your evaluation").click()
    expect(page.get_by_text("Anonymous.")).to_be_visible()
    ratings = page.get_by_role("radiogroup")
    expect(ratings.first).to_be_visible()  # the form is there before its groups are counted
    assert ratings.count() == ratings_asked
    for group in ratings.all():
        group.get_by_text("4", exact=True).click()
    for question_id in top:
        page.locator(f"label[for='q{question_id}-5']").click()
    page.get_by_label("Yes").first.check()
    page.get_by_role("textbox").nth(0).fill(COMMENT)
    screenshot("evaluation-form")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Thank you: your evaluation is submitted.")).to_be_visible()
    assert watch.confirmations == ["Submit your evaluation? You cannot change it afterwards."]
    screenshot("evaluation-submitted")

    coordinator = other_page("coordinator@demo.test")
    coordinator.goto(f"{base}/courses/{course_id}/evaluation/results")
    # While it is open, only the count: a result that moved with her answer would be hers.
    expect(coordinator.get_by_text("3 of 12 participants answered")).to_be_visible()
    expect(coordinator.locator("#withheld")).to_contain_text("once the evaluation has closed")
    expect(coordinator.locator("#top-session")).to_have_count(0)
    expect(coordinator.get_by_role("link", name="Anonymous answers (XLSX)")).to_have_count(0)
    screenshot_of(coordinator, "evaluation-results-open")

    # The coordinator closes it as she would: its dates, closing yesterday.
    course_tab(coordinator, "ENF-2014", "Evaluation")
    expect(coordinator.get_by_text(re.compile(r"^Open: from"))).to_be_visible()
    coordinator.get_by_role("link", name="Dates and anonymity").click()
    coordinator.get_by_label("Closes on").fill((date.today() - timedelta(days=1)).isoformat())
    coordinator.get_by_label("Closing time").fill("17:00")
    coordinator.get_by_role("button", name="Save").click()
    expect(coordinator.get_by_text("Evaluation settings saved.")).to_be_visible()
    expect(coordinator.get_by_text(re.compile(r"^Closed: from"))).to_be_visible()
    coordinator.get_by_role("link", name="Results").click()

    expect(coordinator.get_by_text("3 of 12 participants answered")).to_be_visible()
    expect(coordinator.locator("#top-session")).to_have_text(
        "Training scenario: IP Awareness-Raising as a Non-Punitive Measure"
    )
    expect(coordinator.get_by_role("link", name="Anonymous answers (XLSX)")).to_be_visible()
    # A single comment would identify its author: it stays hidden until there are three.
    expect(coordinator.get_by_text(COMMENT)).to_have_count(0)
    screenshot_of(coordinator, "evaluation-results")
