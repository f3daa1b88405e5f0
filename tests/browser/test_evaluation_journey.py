"""The coordinator opens the evaluation, the demo trainee submits it, the coordinator sees
the count while it is open and the ranking of the lectures once it has closed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.test_sign_in_journey import sign_in
from tests.evaluations.conftest import full_answers
from wipo_training.courses.models import Course
from wipo_training.evaluations import services
from wipo_training.extensions import db
from wipo_training.timetable import services as timetable_services
from wipo_training.timeutil import utcnow

pytestmark = pytest.mark.browser


def test_trainee_submits_and_coordinator_sees_the_ranking(
    live_app, live_server, page, browser, screenshot
):
    base = live_server
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2014")).scalar_one()
        questionnaire, _ = services.generate_questionnaire(None, course)
        questionnaire.opens_at = utcnow() - timedelta(hours=1)
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
        top = next(
            q for q in questionnaire.questions if q.session_title.startswith("Training scenario")
        )

    sign_in(page, base, "trainee@demo.test")
    expect(page.get_by_text("is open")).to_be_visible()
    page.get_by_role("link", name="Give your evaluation").click()
    expect(page.get_by_text("Anonymous.")).to_be_visible()
    for group in page.get_by_role("radiogroup").all():
        group.get_by_text("4", exact=True).click()
    for name in (f"q{top.id}", f"q{top.id + 1}"):
        page.locator(f"label[for='{name}-5']").click()
    page.get_by_label("Yes").first.check()
    page.get_by_role("textbox").nth(0).fill("The scenario exercise: I will use it at home.")
    screenshot("evaluation-form")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("your evaluation is submitted")).to_be_visible()
    screenshot("evaluation-submitted")

    coordinator = browser.new_context().new_page()
    sign_in(coordinator, base, "coordinator@demo.test")
    coordinator.goto(f"{base}/courses/{course_id}/evaluation/results")
    # While it is open, only the count: a result that moved with her answer would be hers.
    expect(coordinator.get_by_text("3 of 12 participants answered")).to_be_visible()
    expect(coordinator.locator("#withheld")).to_contain_text("once the evaluation has closed")
    expect(coordinator.locator("#top-session")).to_have_count(0)
    with live_app.app_context():
        services.questionnaire_for(db.session.get(Course, course_id)).closes_at = (
            utcnow() - timedelta(minutes=1)
        )
        db.session.commit()
    coordinator.reload()
    expect(coordinator.locator("#top-session")).to_have_text(
        "Training scenario: IP Awareness-Raising as a Non-Punitive Measure"
    )
    # A single comment would identify its author: it stays hidden until there are three.
    expect(coordinator.get_by_text("The scenario exercise: I will use it at home.")).to_have_count(
        0
    )
    coordinator.screenshot(
        path=str(screenshot.__globals__["SCREENSHOTS"] / "evaluation-results.png"), full_page=True
    )
    coordinator.context.close()
