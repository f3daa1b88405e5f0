"""No sequence of views attributes an anonymous answer (issue 16, point 2).

The attack: read the results (page, charts, XLSX, PDF reports, API, statistics), let one
trainee submit, read them again; the difference is that trainee's answers, and who it was
the non-submitter list (or the certificate rule) says. So while the questionnaire is open
only the number of submissions is shown and changes; names never stand beside it; the
answers come out once it has closed, with at least 3 submissions, and it cannot reopen.
"""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import webtest
from openpyxl import load_workbook

from tests.auth.mailbox import inbox  # noqa: F401  (a fixture)
from tests.conftest import create_token, submit, web_sign_in
from tests.evaluations.conftest import build_course, full_answers, open_questionnaire
from tests.reports.conftest import pdf_text
from wipo_training.audit import AuditEntry
from wipo_training.courses.models import CourseStatus
from wipo_training.evaluations import services
from wipo_training.evaluations.models import Questionnaire
from wipo_training.extensions import db
from wipo_training.reports import services as report_services
from wipo_training.timetable import services as timetable_services
from wipo_training.timeutil import utcnow

LATE_COMMENT = "<script>alert(1)</script> =1+1 the one comment the attacker wants"


@pytest.fixture
def evaluation_open(app, users):
    """ENF-2013 (running) with four trainees, the first the test trainee's account; its
    anonymous questionnaire is open and two others have answered."""
    with app.app_context():
        course, enrolments = build_course(trainees=4, emails={0: users["trainee"]})
        course.status = CourseStatus.RUNNING
        questionnaire = open_questionnaire(course)
        comment = next(q for q in questionnaire.questions if q.key == "course:comments")
        for number, enrolment in enumerate(enrolments[1:3]):
            answers = full_answers(questionnaire, rating=3 + number)
            answers[comment.id] = f"Comment number {number}"
            services.submit(questionnaire, enrolment, answers, utcnow())
        db.session.commit()
        return {
            "course": course.id,
            "questionnaire": questionnaire.id,
            "question": questionnaire.questions[0].id,
            "comment": comment.id,
            "names": [e.person.full_name for e in enrolments],
        }


def scrub(text: str) -> str:
    """A page or document without what may change from one view to the next whatever the
    answers: CSRF tokens, and the count of submissions (shown on purpose)."""
    text = re.sub(r'value="[\w.-]{20,}"', 'value=""', text)
    text = re.sub(r"\b\d of 4 participants answered", "N of 4 participants answered", text)
    text = re.sub(r"\b\d+(\.\d+)?%", "P%", text)
    return re.sub(r"\b\d participants? answered:", "N participants answered:", text)


def look(web, api, ids) -> dict:
    """Everything staff can read about the evaluation, as they would read it."""
    course, question = ids["course"], ids["question"]
    seen = {"page": scrub(web.get(f"/courses/{course}/evaluation/results").text)}
    export = web.get(f"/courses/{course}/evaluation/answers.xlsx")
    if export.status_int == 302:  # refused: back to the results page, which says why
        seen["export"] = scrub(export.follow().text)
    else:
        seen["export"] = [
            [c.value for c in row] for row in load_workbook(io.BytesIO(export.body)).active.rows
        ]
    for name, url in (
        ("ranking", f"/courses/{course}/evaluation/ranking.svg"),
        ("chart", f"/questions/{question}/chart.svg"),
    ):
        response = web.get(url, expect_errors=True)
        seen[name] = response.status_int if response.status_int != 200 else response.text
    seen["report_page"] = scrub(web.get(f"/courses/{course}/report").text)
    for name, url in (
        ("evaluation_pdf", f"/courses/{course}/evaluation/report.pdf"),
        ("course_pdf", f"/courses/{course}/report.pdf"),
        ("api_evaluation_pdf", f"/api/v1/courses/{course}/evaluation/report.pdf"),
    ):
        client = api if name.startswith("api") else None
        data = client.get(url).data if client else web.get(url).body
        seen[name] = scrub(pdf_text(data))
    results = api.get(f"/api/v1/courses/{course}/evaluation/results").json
    seen["counts"] = (results.pop("submissions"), results.pop("response_rate"))
    seen["api"] = results
    totals = api.get("/api/v1/statistics?year=2013&basis=calendar").json["totals"]
    seen["statistics"] = (totals["rating_mean"], totals["objectives_share"])
    return seen


def trainee_submits(app, users, ids, comment: str):
    """The test trainee answers through the page, in a browser of their own."""
    trainee = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    web_sign_in(trainee, users["trainee"])
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, ids["questionnaire"])
        answers = {f"q{k}": str(v) for k, v in full_answers(questionnaire, rating=1).items()}
    page = trainee.get(f"/courses/{ids['course']}/evaluation/answer")
    response = submit(page, "Submit", **answers, **{f"q{ids['comment']}": comment})
    assert "your evaluation is submitted" in response.follow().text


def settings_form_closing(web, ids, closes_local):
    """The coordinator's settings form with the closing moment changed, as typed."""
    page = web.get(f"/courses/{ids['course']}/evaluation/settings")
    return submit(
        page,
        "Save",
        closes_day=closes_local.strftime("%Y-%m-%d"),
        closes_time=closes_local.strftime("%H:%M"),
    )


def local_now(app, ids):
    with app.app_context():
        course = db.session.get(Questionnaire, ids["questionnaire"]).course
        return timetable_services.to_local(course, utcnow())


def test_the_before_and_after_attack_learns_nothing_while_open(app, users, web_as, evaluation_open):
    ids = evaluation_open
    web = web_as("coordinator")
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_token(app, users['coordinator'])}"

    web.get("/")  # the sign-in message shown once
    before = look(web, api, ids)
    trainee_submits(app, users, ids, LATE_COMMENT)
    after = look(web, api, ids)

    # Only the count moved; every page, chart, file and API answer is otherwise the same.
    assert (before.pop("counts"), after.pop("counts")) == ((2, 50.0), (3, 75.0))
    for view in before:
        assert before[view] == after[view], view
    page = web.get(f"/courses/{ids['course']}/evaluation/results").text
    assert "3 of 4 participants answered (75.0%)" in page
    assert "appear once the evaluation has closed" in page
    assert "Anonymous answers (XLSX)" not in page and "ranking.svg" not in page
    assert not any(name in page for name in ids["names"])  # nobody named beside the count
    assert before["ranking"] == before["chart"] == 404
    assert "appear once the evaluation has closed" in before["export"]
    assert "appear once the evaluation has closed" in before["evaluation_pdf"]
    assert "appear once the evaluation has closed" in before["course_pdf"]
    assert before["api"]["hidden"] and before["api"]["questions"] == []
    assert "appear once the evaluation has closed" in before["api"]["withheld"]
    assert before["statistics"] == (None, None)

    # Closed (through the settings form) with three answers: now, and only now, they show.
    closing = local_now(app, ids) - timedelta(minutes=2)
    assert settings_form_closing(web, ids, closing).status_int == 302
    released = look(web, api, ids)
    assert released["api"]["hidden"] is False and released["api"]["withheld"] is None
    header, *rows = released["export"]
    assert len(rows) == 3 and LATE_COMMENT in {cell for row in rows for cell in row}
    assert "Ranking of sessions" in released["page"]
    assert "the one comment the attacker wants" in released["page"]
    assert "<script>alert(1)</script>" not in released["page"]  # escaped, as any text
    assert "Ranking of sessions" in released["evaluation_pdf"]
    assert released["statistics"] != (None, None)
    # The one who has not answered can be named now: the three who did stay a group of three.
    names = ids["names"]
    assert "Not answered (1)</h2>" in released["page"] and names[3] in released["page"]
    assert not any(name in released["page"] for name in names[:3])

    # It cannot open again: a late answer would be the difference between two exports.
    reopened = settings_form_closing(web, ids, local_now(app, ids) + timedelta(days=1))
    assert reopened.status_int == 422
    assert "it cannot open again" in reopened.text
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, ids["questionnaire"])
        assert questionnaire.closes_at < utcnow()


def test_one_answer_is_never_shown_even_closed(app, users, web_as):
    with app.app_context():
        course, enrolments = build_course(trainees=4)
        course.status = CourseStatus.RUNNING
        questionnaire = open_questionnaire(course)
        comment = next(q for q in questionnaire.questions if q.key == "course:comments")
        answers = full_answers(questionnaire, rating=1)
        answers[comment.id] = LATE_COMMENT
        services.submit(questionnaire, enrolments[0], answers, utcnow())
        questionnaire.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        ids = {
            "course": course.id,
            "questionnaire": questionnaire.id,
            "question": questionnaire.questions[0].id,
            "names": [e.person.full_name for e in enrolments],
        }
    web = web_as("staff")
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_token(app, users['staff'])}"
    seen = look(web, api, ids)
    withheld = "1 participant answered: results are shown only with at least 3 answers"
    for view in ("page", "export", "report_page", "evaluation_pdf", "course_pdf"):
        assert "answered: results are shown only with at least 3 answers" in seen[view], view
        assert "the one comment the attacker wants" not in seen[view], view
    assert seen["ranking"] == seen["chart"] == 404
    assert seen["api"]["hidden"] and seen["api"]["questions"] == seen["api"]["ranking"] == []
    assert seen["api"]["withheld"].startswith(withheld)
    assert seen["statistics"] == (None, None)
    # Naming the three who did not answer would name the one who did.
    page = web.get(f"/courses/{ids['course']}/evaluation/results").text
    assert withheld in page
    assert not any(name in page for name in ids["names"])
    assert "Names are not shown" in page
    with app.app_context():
        questionnaire = db.session.get(Questionnaire, ids["questionnaire"])
        with pytest.raises(services.EvaluationError, match="1 participant answered"):
            services.answers_table(questionnaire)
        assert report_services.comment_choices(questionnaire) == []
        with pytest.raises(services.EvaluationError, match="1 participant answered"):
            report_services.choose_comments(None, questionnaire.course, questionnaire, set())
        # Nothing was shown, so opening it again is allowed (more answers may come).
        services.update_settings(
            None,
            questionnaire,
            questionnaire.opens_at,
            utcnow() + timedelta(days=1),
            True,
            utcnow(),
        )


def test_not_anonymous_shows_who_has_not_answered_and_says_so(app, web_as):
    with app.app_context():
        course, enrolments = build_course(trainees=3)
        questionnaire = open_questionnaire(course, anonymous=False)
        services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
        db.session.commit()
        names = [e.person.full_name for e in enrolments]
        course_id = course.id
    page = web_as("staff").get(f"/courses/{course_id}/evaluation/results").text
    assert "Not anonymous: the participants were told" in page
    assert "Not answered (2)" in page and names[1] in page and names[2] in page
    assert names[0] not in page
    assert "appear once the evaluation has closed" in page  # the results wait all the same


def test_the_system_reminds_those_who_have_not_answered(app, users, web_as, inbox):  # noqa: F811
    with app.app_context():
        course, enrolments = build_course(trainees=4)
        enrolments[3].person.email = None
        questionnaire = open_questionnaire(course)
        services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
        db.session.commit()
        course_id, questionnaire_id = course.id, questionnaire.id
        addresses = [e.person.email for e in enrolments]
        names = [e.person.full_name for e in enrolments]
    web = web_as("staff")
    page = web.get(f"/courses/{course_id}/evaluation/results")
    assert not any(name in page.text for name in names)
    sent = submit(page, "Email a reminder to those who have not answered").follow()
    assert "Reminder emailed to 2 participant(s) who have not answered" in sent.text
    assert "1 have no email address on record" in sent.text
    assert not any(name in sent.text for name in names)  # counts, never who
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses[1:3])
    body = inbox.messages[0].get_content()
    assert f"https://training.example/courses/{course_id}/evaluation/answer" in body
    assert "Your answers are anonymous" in body
    assert "emailed to 2 participant(s)" in sent.text
    # A second click (or a colleague on the same page) does not email everyone again.
    again = submit(sent, "Email a reminder to those who have not answered").follow()
    assert "A reminder was sent on" in again.text and len(inbox.messages) == 2
    with app.app_context():
        audited = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "evaluation.remind")
        ).scalar_one()
        assert audited.details == {
            "course": "ENF-2013",
            "sent": 2,
            "without_address": 1,
            "failed": False,
        }
        # Closed, no reminder: the service refuses whoever calls it.
        questionnaire = db.session.get(Questionnaire, questionnaire_id)
        with pytest.raises(services.EvaluationError, match="closed"):
            services.send_reminders(None, questionnaire, "x", questionnaire.closes_at)


def test_without_email_the_page_says_no_reminder_can_be_sent(app, web_as, evaluation_open):
    page = web_as("coordinator").get(f"/courses/{evaluation_open['course']}/evaluation/results")
    assert "Email is not set up (MAIL_SERVER), so no reminder can be sent" in page.text
    assert "Email a reminder" not in page.text
