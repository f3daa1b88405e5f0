"""Every button of the evaluation, clicked in Chromium: the coordinator builds the questionnaire
from the timetable, adds, edits, moves and removes a question, opens it with its dates; the
trainee saves a draft and submits; the coordinator closes it. Questions copied from an earlier
edition."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.courses.models import Course
from wipo_training.evaluations.models import Question, Questionnaire, Submission
from wipo_training.extensions import db
from wipo_training.timeutil import utcnow

pytestmark = pytest.mark.browser

QUESTION = "Would you recommend the course to a colleague? <script>alert(1)</script>"


def questionnaire_of(app, code: str) -> dict:
    """What the database holds of the course's questionnaire."""
    with app.app_context():
        questionnaire = db.session.execute(
            sa.select(Questionnaire).join(Course).where(Course.code == code)
        ).scalar_one_or_none()
        if questionnaire is None:
            return {}
        questions = db.session.execute(
            sa.select(Question)
            .where(Question.questionnaire_id == questionnaire.id)
            .order_by(Question.position)
        ).scalars()
        return {
            "questions": [(q.text, q.kind, q.required) for q in questions],
            "opens_at": questionnaire.opens_at,
            "closes_at": questionnaire.closes_at,
            "anonymous": questionnaire.anonymous,
            "submissions": db.session.execute(
                sa.select(sa.func.count())
                .select_from(Submission)
                .where(Submission.questionnaire_id == questionnaire.id)
            ).scalar_one(),
        }


def set_window(page, opens: date, closes: date):
    """Fill the questionnaire's dates on the settings page and save."""
    page.get_by_label("Opens on").fill(opens.isoformat())
    page.get_by_label("Opening time").fill("09:00")
    page.get_by_label("Closes on").fill(closes.isoformat())
    page.get_by_label("Closing time").fill("17:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Evaluation settings saved.")).to_be_visible()


def test_build_edit_open_answer_and_close_the_evaluation(
    live_app,
    live_server,
    page,
    watch,
    screenshot,
    screenshot_of,
    open_course,
    other_page,
    course_tab,
):
    today = date.today()
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2014")
    course_tab(page, "ENF-2014", "Evaluation")
    page.get_by_role("button", name="Build the questionnaire from the timetable").click()
    added = page.get_by_text(re.compile(r"^\d+ questions added from the timetable"))
    expect(added).to_be_visible()
    built = questionnaire_of(live_app, "ENF-2014")["questions"]
    assert added.inner_text().startswith(f"{len(built)} questions added")
    screenshot("buttons-evaluations-01-built")
    page.get_by_role("button", name="Add new sessions from the timetable").click()
    expect(page.get_by_text("0 questions added from the timetable")).to_be_visible()
    assert questionnaire_of(live_app, "ENF-2014")["questions"] == built

    # A question of our own: added, edited, moved up, then removed (the page asks first).
    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Question", exact=True).fill(QUESTION)
    page.get_by_label("Type").select_option(label="Yes / no")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Question added.")).to_be_visible()
    assert questionnaire_of(live_app, "ENF-2014")["questions"][-1] == (QUESTION, "yes_no", True)
    page.get_by_role("link", name=f"Edit: {QUESTION}").click()
    page.get_by_label("An answer is required").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Question saved.")).to_be_visible()
    assert questionnaire_of(live_app, "ENF-2014")["questions"][-1] == (QUESTION, "yes_no", False)
    page.get_by_role("button", name=f"Move up: {QUESTION}").click()
    texts = [text for text, _k, _r in questionnaire_of(live_app, "ENF-2014")["questions"]]
    assert texts[-2] == QUESTION
    screenshot("buttons-evaluations-02-own-question")
    page.get_by_role("button", name=f"Remove: {QUESTION}").click()
    expect(page.get_by_text("Question removed.")).to_be_visible()
    assert watch.confirmations == [f"Remove “{QUESTION}”?"]
    assert questionnaire_of(live_app, "ENF-2014")["questions"] == built

    # Open it: since two days ago, for a week.
    page.get_by_role("link", name="Dates and anonymity").click()
    screenshot("buttons-evaluations-03-settings")
    set_window(page, today - timedelta(days=2), today + timedelta(days=7))
    expect(page.get_by_text(re.compile(r"^Open: from"))).to_be_visible()
    assert questionnaire_of(live_app, "ENF-2014")["opens_at"] < utcnow()

    # The trainee saves a draft, then submits.
    trainee = other_page("trainee@demo.test")
    trainee.get_by_role("link", name="Give your evaluation").click()
    ratings = trainee.get_by_role("radiogroup")
    expect(ratings.first).to_be_visible()  # the page is there before its groups are counted
    assert ratings.count() == sum(kind == "rating" for _t, kind, _r in built)
    for group in ratings.all():
        group.get_by_text("4", exact=True).click()
    trainee.get_by_role("button", name="Save draft").click()
    expect(trainee.get_by_text("Draft saved.")).to_be_visible()
    expect(trainee.locator("input[type=radio]:checked")).to_have_count(ratings.count())
    assert questionnaire_of(live_app, "ENF-2014")["submissions"] == 0
    trainee.get_by_label("Yes").first.check()
    trainee.get_by_role("textbox").nth(0).fill("The scenario exercise. <b>bold</b>")
    screenshot_of(trainee, "buttons-evaluations-04-answer")
    trainee.get_by_role("button", name="Submit").click()
    expect(trainee.get_by_text("Thank you: your evaluation is submitted.")).to_be_visible()
    screenshot_of(trainee, "buttons-evaluations-05-submitted")
    assert trainee.watch.confirmations == [
        "Submit your evaluation? You cannot change it afterwards."
    ]
    assert questionnaire_of(live_app, "ENF-2014")["submissions"] == 1

    # Close it: it closed yesterday.
    page.get_by_role("link", name="Dates and anonymity").click()
    set_window(page, today - timedelta(days=2), today - timedelta(days=1))
    expect(page.get_by_text(re.compile(r"^Closed: from"))).to_be_visible()
    screenshot("buttons-evaluations-06-closed")
    assert questionnaire_of(live_app, "ENF-2014")["closes_at"] < utcnow()
    trainee.goto(f"{live_server}/")
    expect(trainee.get_by_role("link", name="Give your evaluation")).to_have_count(0)


def test_copy_the_questions_of_an_earlier_edition(
    live_app, live_server, page, watch, screenshot, open_course, course_tab
):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2027")
    course_tab(page, "ENF-2027", "Evaluation")
    expect(page.get_by_text("There is no questionnaire yet.")).to_be_visible()
    source = page.get_by_label("Or copy the questions of")
    source.select_option(label=source.get_by_role("option", name="ENF-2013 — ").inner_text())
    page.get_by_role("button", name="Copy", exact=True).click()
    # The message counts only the questions the timetable did not give (none here: the
    # timetable was copied from the same course), so it reads "0 questions copied."
    expect(page.get_by_text(re.compile(r"^\d+ questions copied\.$"))).to_be_visible()
    copied = questionnaire_of(live_app, "ENF-2027")["questions"]
    assert [text for text, _k, _r in copied] == [
        text for text, _k, _r in questionnaire_of(live_app, "ENF-2013")["questions"]
    ]
    screenshot("buttons-evaluations-07-copied")
