"""Submitting once, anonymously; drafts; bad answers; results; the pages and the API."""

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import create_token, forms_of, make_person, submit
from tests.evaluations.conftest import (
    after_close,
    build_course,
    close_questionnaire,
    full_answers,
    open_questionnaire,
)
from wipo_training.audit import AuditEntry
from wipo_training.evaluations import services
from wipo_training.evaluations.models import Answer, Submission, SubmissionReceipt
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timeutil import utcnow


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_one_submission_per_trainee(evaluation):
    _course, enrolments, questionnaire = evaluation
    services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
    db.session.commit()
    with pytest.raises(services.AlreadySubmitted, match="submitted this evaluation already"):
        services.submit(questionnaire, enrolments[0], full_answers(questionnaire, 1), utcnow())
    db.session.rollback()
    assert (count(Submission), count(SubmissionReceipt)) == (1, 1)
    ratings = {q.id for q in questionnaire.questions if q.kind == "rating"}
    stored = db.session.execute(sa.select(Answer)).scalars().all()
    assert {a.number for a in stored if a.question_id in ratings} == {4}  # the first answers


def test_answers_without_choices_store_sql_null(evaluation):
    """A rating, yes/no or text answer has no choices: the column holds NULL, not the JSON
    text "null" that every results query would read and parse to skip."""
    _course, enrolments, questionnaire = evaluation
    services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
    db.session.commit()
    raw = db.session.execute(sa.text("SELECT choices IS NULL FROM answers")).scalars().all()
    assert raw and all(raw)


def test_outside_the_window_nothing_is_stored(evaluation):
    _course, enrolments, questionnaire = evaluation
    for moment, message in [
        (questionnaire.opens_at - timedelta(minutes=1), "not open yet"),
        (questionnaire.closes_at, "closed"),
    ]:
        with pytest.raises(services.EvaluationError, match=message):
            services.submit(questionnaire, enrolments[0], full_answers(questionnaire), moment)
    assert count(Submission) == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda q, a: a.update({q[0].id: 6}), "6 is outside the scale 1 to 5"),
        (lambda q, a: a.update({q[0].id: "excellent"}), "give a number from 1 to 5"),
        (lambda q, a: a.update({q[4].id: "maybe"}), "answer yes or no"),
        (lambda q, a: a.pop(q[0].id), "needs an answer"),
        (lambda q, a: a.update({999999: 3}), "There is no question 999999"),
        (lambda q, a: a.update({"x": 3}), "There is no question 'x'"),
        (lambda q, a: a.update({q[6].id: "y" * 5001}), "at most 5000 characters"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(evaluation, change, message):
    _course, enrolments, questionnaire = evaluation
    questions = questionnaire.questions
    answers = full_answers(questionnaire)
    change(questions, answers)
    with pytest.raises(services.AnswerErrors) as error:
        services.submit(questionnaire, enrolments[0], answers, utcnow())
    assert message in str(error.value)
    db.session.rollback()
    assert (count(Submission), count(SubmissionReceipt), count(Answer)) == (0, 0, 0)


def test_anonymity_nothing_links_answers_to_a_person(evaluation):
    course, enrolments, questionnaire = evaluation
    for enrolment in enrolments[:3]:
        services.submit(questionnaire, enrolment, full_answers(questionnaire), utcnow())
    db.session.commit()
    submission_columns = set(Submission.__table__.columns.keys())
    assert submission_columns == {"id", "questionnaire_id", "enrolment_id"}  # no time, no order
    assert all(s.enrolment_id is None for s in db.session.execute(sa.select(Submission)).scalars())
    assert set(SubmissionReceipt.__table__.columns.keys()) == {
        "id",
        "questionnaire_id",
        "enrolment_id",
        "submitted_at",
    }  # no submission id
    assert set(Answer.__table__.columns.keys()) == {
        "submission_id",
        "question_id",
        "number",
        "text",
        "choices",
        "in_report",  # the coordinator's choice to quote it in the report: nothing about who
    }
    ids = {s.id for s in db.session.execute(sa.select(Submission)).scalars()}
    audit = " ".join(
        str(e.details) + str(e.object_id)
        for e in db.session.execute(sa.select(AuditEntry)).scalars()
    )
    assert not any(submission_id in audit for submission_id in ids)
    header, rows = services.answers_table(questionnaire, after_close(questionnaire))
    names = {e.person.full_name for e in enrolments} | {e.person.family_name for e in enrolments}
    assert not names & {str(cell) for row in rows for cell in row}
    assert not any("Trainee" in h for h in header)


def test_not_anonymous_when_set_before_opening(app_ctx):
    course, enrolments = build_course(trainees=1)
    questionnaire = open_questionnaire(course, anonymous=False)
    services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
    assert db.session.execute(sa.select(Submission.enrolment_id)).scalar_one() == enrolments[0].id


def test_drafts_are_kept_until_submitted(evaluation):
    _course, enrolments, questionnaire = evaluation
    first = questionnaire.questions[0]
    services.save_draft(questionnaire, enrolments[0], {first.id: 5}, utcnow())
    with pytest.raises(services.AnswerErrors):
        services.save_draft(questionnaire, enrolments[0], {first.id: 9}, utcnow())
    assert services.draft_for(questionnaire, enrolments[0]).answers == {str(first.id): 5}
    services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
    assert services.draft_for(questionnaire, enrolments[0]) is None


def test_results_ranking_share_and_who_is_missing(evaluation):
    _course, enrolments, questionnaire = evaluation
    awareness = [q for q in questionnaire.questions if "Awareness" in q.text]
    for number, enrolment in enumerate(enrolments[:2]):
        services.submit(questionnaire, enrolment, full_answers(questionnaire, 3 + number), utcnow())
    assert services.results(questionnaire, after_close(questionnaire)).hidden  # two answers
    answers = full_answers(questionnaire, 3, objectives="no")
    answers.update({q.id: 5 for q in awareness})
    services.submit(questionnaire, enrolments[2], answers, utcnow())
    result = services.results(questionnaire, after_close(questionnaire))
    assert not result.hidden and result.submissions == 3 and result.response_rate == 75.0
    assert [(r.title, r.mean) for r in result.ranking] == [
        ("IP Awareness-Raising", 4.0),
        ("Border Measures", 3.33),
    ]
    assert result.objectives.yes_share == 66.7
    first = result.questions[0]
    assert (first.mean, first.median, first.distribution) == (
        3.33,
        3,
        [("1", 0), ("2", 0), ("3", 2), ("4", 1), ("5", 0)],
    )
    assert [e.id for e in services.non_submitters(questionnaire)] == [enrolments[3].id]


def test_comparison_with_the_previous_edition(app_ctx):
    from wipo_training.courses import services as course_services

    old, old_enrolments = build_course(trainees=3)
    old_questionnaire = open_questionnaire(old)
    for enrolment in old_enrolments:
        services.submit(old_questionnaire, enrolment, full_answers(old_questionnaire, 3), utcnow())
    new = course_services.copy_as_next_edition(None, old, date(2014, 12, 1), "ENF-2014")
    from wipo_training.timetable import services as timetable_services

    timetable_services.copy_timetable(None, old, new)
    questionnaire = open_questionnaire(new)
    people = []
    for index in range(3):
        enrolment = participant_services.nominate(None, new, make_person(family_name=f"N{index}"))
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        people.append(enrolment)
        services.submit(questionnaire, enrolment, full_answers(questionnaire, 5), utcnow())
    later = after_close(questionnaire)
    compared = services.comparison(new, services.results(questionnaire, later), later)
    assert compared.code == old.code
    rows = compared.rows
    assert ("How useful was “Border Measures” for your work?", 5.0, 3.0) in rows
    assert ("Were the objectives of the course achieved?", 100.0, 100.0) in rows
    # The earlier figures, counted by the database, are those of the earlier edition's results.
    earlier = {r.question.text: r for r in services.results(old_questionnaire, later).questions}
    assert len(rows) == sum(1 for r in earlier.values() if r.mean or r.yes_share is not None)
    for text, _now, before in rows:
        assert before == (earlier[text].mean if earlier[text].mean is not None
                          else earlier[text].yes_share)
    # While the earlier edition's answers may not be shown, nothing of them is.
    old_questionnaire.closes_at = None
    assert services.comparison(new, services.results(questionnaire, later), later).rows == []


def test_the_trainee_answers_on_the_page(app, users, web_as):
    with app.app_context():
        course, enrolments = build_course(trainees=2, emails={0: users["trainee"]})
        questionnaire = open_questionnaire(course)
        answers = {f"q{k}": str(v) for k, v in full_answers(questionnaire).items()}
        first = questionnaire.questions[0].id
        comments = next(q.id for q in questionnaire.questions if q.key == "course:comments")
        db.session.commit()
    web = web_as("trainee")
    dashboard = web.get("/").text
    assert "is open" in dashboard and "Give your evaluation" in dashboard
    url = "/courses/1/evaluation/answer"
    page = web.get(url)
    assert "Anonymous." in page.text and "Monday 02 December 2013" in page.text
    draft = submit(page, "Save draft", **{f"q{first}": "4"})
    assert draft.status_int == 302 and "Draft saved." in draft.follow().text
    assert f'id="q{first}-4" value="4" checked' in web.get(url).text
    missing = submit(web.get(url), "Submit", **{f"q{first}": "4"})
    assert missing.status_int == 422 and "Nothing was submitted" in missing.text
    second_tab = web.get(url)  # a second tab still shows the form
    hostile = "<script>alert(1)</script> =1+1 " + "long " * 900
    done = submit(web.get(url), "Submit", **answers, **{f"q{comments}": hostile})
    assert "your evaluation is submitted" in done.follow().text
    again = submit(second_tab, "Submit", **answers)
    assert again.status_int == 200
    assert "submitted this evaluation already; nothing was changed" in again.text
    with app.app_context():
        assert count(Submission) == 1
        stored = db.session.execute(sa.select(Answer.text).where(Answer.text.is_not(None)))
        assert stored.scalar_one() == hostile.strip()


def test_no_answers_before_the_course_has_started(app, users, web_as):
    """A course held in 2028: its evaluation cannot open before its first day, and answers
    are refused before it even when the window says otherwise; the page says why."""
    with app.app_context():
        course, enrolments = build_course(
            trainees=1, code="ENF-2028", start=date(2028, 12, 4), emails={0: users["trainee"]}
        )
        questionnaire = open_questionnaire(course)  # opened an hour ago (set directly)
        answers = full_answers(questionnaire)
        with pytest.raises(services.EvaluationError, match="course has not started yet"):
            services.submit(questionnaire, enrolments[0], answers, utcnow())
        with pytest.raises(services.EvaluationError, match="course has not started yet"):
            services.save_draft(questionnaire, enrolments[0], answers, utcnow())
        db.session.commit()
        course_id = course.id
    web = web_as("trainee")
    assert "Give your evaluation" not in web.get("/").text
    page = web.get(f"/courses/{course_id}/evaluation/answer")
    assert "The course has not started yet: the evaluation opens on its first day" in page.text
    assert "04 December 2028" in page.text
    assert not [form for form in forms_of(page) if "action" in form.fields]
    token = create_token(app, users["trainee"])
    response = app.test_client().post(
        f"/api/v1/courses/{course_id}/evaluation/submissions",
        headers={"Authorization": f"Bearer {token}"},
        json={"answers": {str(k): v for k, v in answers.items()}},
    )
    assert response.status_code == 422 and "not started yet" in response.json["message"]
    with app.app_context():
        assert (count(Submission), count(SubmissionReceipt)) == (0, 0)


def test_a_trainee_of_another_course_cannot_answer(app, users, web_as):
    with app.app_context():
        course, _ = build_course(trainees=1)
        open_questionnaire(course)
        other, _ = build_course(
            trainees=1, code="ENF-2014", start=date(2014, 12, 1), emails={0: users["trainee"]}
        )
        db.session.commit()
    web = web_as("trainee")
    assert web.get("/courses/1/evaluation/answer", expect_errors=True).status_int == 404
    token = create_token(app, users["trainee"])
    response = app.test_client().post(
        "/api/v1/courses/1/evaluation/submissions",
        headers={"Authorization": f"Bearer {token}"},
        json={"answers": {}},
    )
    assert response.status_code == 404


def test_results_page_export_and_api(app, users, web_as):
    with app.app_context():
        course, enrolments = build_course(trainees=3)
        questionnaire = open_questionnaire(course)
        comment = next(q for q in questionnaire.questions if q.key == "course:comments")
        for enrolment in enrolments:
            answers = full_answers(questionnaire)
            answers[comment.id] = '=HYPERLINK("http://evil")'
            services.submit(questionnaire, enrolment, answers, utcnow())
        close_questionnaire(questionnaire)
        db.session.commit()
    web = web_as("staff")
    page = web.get("/courses/1/evaluation/results").text
    assert "100.0%</strong> of those who answered found the objectives" in page
    assert "3 of 3 participants answered (100.0%)" in page
    sheet = load_workbook(io.BytesIO(web.get("/courses/1/evaluation/answers.xlsx").body)).active
    assert sheet.max_row == 4
    texts = [
        c
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if c.value and "HYPERLINK" in str(c.value)
    ]
    assert texts and all(c.data_type == "s" for c in texts)
    token = create_token(app, users["staff"])
    api = (
        app.test_client()
        .get("/api/v1/courses/1/evaluation/results", headers={"Authorization": f"Bearer {token}"})
        .json
    )
    assert api["submissions"] == 3 and api["ranking"][0]["mean"] == 4.0
    # The ranking chart's axis is the rating scale, 0 to 5, whatever the highest mean.
    svg = web.get("/courses/1/evaluation/ranking.svg").text
    axis = svg[svg.index('class="axis x') :]
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", axis)
    assert [t for t in ticks if t.isdigit()][:6] == ["0", "1", "2", "3", "4", "5"]


def test_api_submission_201_409_422(app, users):
    with app.app_context():
        course, _ = build_course(trainees=2, emails={0: users["trainee"]})
        questionnaire = open_questionnaire(course)
        answers = {str(k): v for k, v in full_answers(questionnaire).items()}
        db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(app, users['trainee'])}"}
    client = app.test_client()
    got = client.get("/api/v1/courses/1/evaluation", headers=headers).json
    assert len(got["questions"]) == 9 and got["anonymous"] is True
    bad = client.post(
        "/api/v1/courses/1/evaluation/submissions",
        headers=headers,
        json={"answers": {**answers, next(iter(answers)): 0}},
    )
    assert bad.status_code == 422 and "outside the scale" in str(bad.json["errors"])
    assert (
        client.post(
            "/api/v1/courses/1/evaluation/submissions", headers=headers, json={"answers": answers}
        ).status_code
        == 201
    )
    again = client.post(
        "/api/v1/courses/1/evaluation/submissions", headers=headers, json={"answers": answers}
    )
    assert again.status_code == 409
