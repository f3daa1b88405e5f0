"""Building and editing the questionnaire."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import find_form, make_session, submit
from tests.evaluations.conftest import build_course, full_answers
from wipo_training.courses.models import Course
from wipo_training.evaluations import services
from wipo_training.extensions import db
from wipo_training.timeutil import utcnow


def texts(questionnaire):
    return [(q.section, q.text) for q in questionnaire.questions]


def test_generated_from_the_timetable(app_ctx):
    course, _ = build_course(trainees=0)
    questionnaire, added = services.generate_questionnaire(None, course)
    assert added == 9  # 2 lectures x 2 ratings + 5 course-level questions; the visit is not rated
    assert texts(questionnaire)[:3] == [
        ("Monday 02 December 2013", "How useful was “Border Measures” for your work?"),
        ("Monday 02 December 2013", "How good was the presentation of “Border Measures”?"),
        ("Tuesday 03 December 2013", "How useful was “IP Awareness-Raising” for your work?"),
    ]
    assert [q.key for q in questionnaire.questions[-5:]] == [
        "course:objectives",
        "course:satisfaction",
        "course:most_useful",
        "course:suggestions",
        "course:comments",
    ]
    assert questionnaire.anonymous is True


def test_regenerating_keeps_questions_and_answers(evaluation):
    course, enrolments, questionnaire = evaluation
    services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
    first = questionnaire.questions[0]
    session = services.timetable_services.course_sessions(course)[0]
    services.timetable_services.delete_session(None, session)
    make_session(course, title="Criminal Enforcement", day=date(2013, 12, 12))
    _q, added = services.generate_questionnaire(None, course)
    assert added == 2
    db.session.refresh(first)
    assert first in questionnaire.questions and first.session_id is None
    assert services.answer_count(first) == 1
    assert [q.section for q in questionnaire.questions][-7:-5] == ["Thursday 12 December 2013"] * 2


def test_edit_add_move_and_delete(evaluation):
    _course, enrolments, questionnaire = evaluation
    question = services.add_question(
        None,
        questionnaire,
        "Which lecture should be longer?",
        "single_choice",
        False,
        ["Border Measures", "Awareness", ""],
        services.COURSE_SECTION,
    )
    assert question.choices == ["Border Measures", "Awareness"]
    assert questionnaire.questions[-1] == question
    services.move_question(None, question, -1)
    db.session.refresh(questionnaire)
    assert questionnaire.questions[-2] == question
    with pytest.raises(services.EvaluationError, match="at least two choices"):
        services.add_question(None, questionnaire, "Pick", "multiple_choice", True, ["one"], "")
    services.submit(questionnaire, enrolments[0], full_answers(questionnaire), utcnow())
    rated = questionnaire.questions[0]
    with pytest.raises(services.EvaluationError, match="has 1 answers and cannot be removed"):
        services.delete_question(None, rated)
    with pytest.raises(services.EvaluationError, match="type can no longer change"):
        services.update_question(None, rated, rated.text, "short_text", True, [], rated.section)
    services.delete_question(None, question)  # nobody answered it
    assert question not in questionnaire.questions


def test_copy_from_an_earlier_edition(app_ctx):
    old, _ = build_course(trainees=0)
    services.generate_questionnaire(None, old)
    old_questionnaire = services.questionnaire_for(old)
    services.add_question(
        None,
        old_questionnaire,
        "Was the hotel comfortable?",
        "rating",
        False,
        [],
        services.COURSE_SECTION,
    )
    new, _ = build_course(trainees=0, code="ENF-2014", start=date(2014, 12, 1))
    copied = services.copy_questionnaire(None, old, new)
    assert copied == 1
    questionnaire = services.questionnaire_for(new)
    assert "Was the hotel comfortable?" in [q.text for q in questionnaire.questions]
    border = next(q for q in questionnaire.questions if q.key.startswith("session:border measures"))
    new_border = services.timetable_services.course_sessions(new)[0]
    assert border.session_id == new_border.id and new_border.title == "Border Measures"


def test_settings_rules(evaluation):
    _course, _enrolments, questionnaire = evaluation
    now = utcnow()
    with pytest.raises(services.EvaluationError, match="close after it opens"):
        services.update_settings(None, questionnaire, now, now - timedelta(hours=1), True, now)
    with pytest.raises(services.EvaluationError, match="cannot change now"):
        services.update_settings(
            None, questionnaire, questionnaire.opens_at, questionnaire.closes_at, False, now
        )


def test_the_evaluation_opens_on_the_first_day_at_the_earliest(app_ctx):
    course, _ = build_course(trainees=1, code="ENF-2028", start=date(2028, 12, 4))
    questionnaire, _added = services.generate_questionnaire(None, course)
    now = datetime(2026, 11, 25, tzinfo=UTC)
    # Midnight of 4 December in Tokyo is 15:00 UTC on the 3rd.
    first_moment = datetime(2028, 12, 3, 15, 0, tzinfo=UTC)
    with pytest.raises(services.EvaluationError) as early:
        services.update_settings(
            None,
            questionnaire,
            first_moment - timedelta(minutes=1),
            first_moment + timedelta(days=14),
            True,
            now,
        )
    assert early.value.field == "opens_day"
    assert str(early.value) == (
        "The evaluation can open on the course's first day (04 December 2028) at the earliest."
    )
    assert questionnaire.opens_at is None
    services.update_settings(
        None, questionnaire, first_moment, first_moment + timedelta(days=14), True, now
    )
    assert questionnaire.opens_at == first_moment


def test_the_settings_page_names_the_opening_day_problem(app, web_as):
    with app.app_context():
        course, _ = build_course(trainees=1, code="ENF-2028", start=date(2028, 12, 4))
        services.generate_questionnaire(None, course)
        db.session.commit()
    web = web_as("coordinator")
    page = web.get("/courses/1/evaluation/settings")
    assert "It opens on the course's first day (04 December 2028) at the earliest." in page.text
    refused = submit(page, "Save", opens_day="2028-11-20", opens_time="09:00", closes_time="17:00")
    assert refused.status_int == 422
    error = refused.html.find(id="opens_day-error")
    assert "can open on the course's first day (04 December 2028) at the earliest" in error.text
    with app.app_context():
        assert services.questionnaire_for(db.session.get(Course, 1)).opens_at is None
    saved = submit(refused, "Save", opens_day="2028-12-14", opens_time="09:00")
    assert saved.status_int == 302
    manage = saved.follow().text
    assert "Not open yet" in manage and "14 December 2028 09:00" in manage


def test_a_new_window_proposes_times_and_names_them(app, web_as):
    """The settings of a questionnaire never opened propose 09:00 and 17:00 (the required
    times were empty) under labels that say which is which (two were called "at")."""
    with app.app_context():
        course, _ = build_course(trainees=1, code="ENF-2028", start=date(2028, 12, 4))
        services.generate_questionnaire(None, course)
        db.session.commit()
    form = find_form(web_as("coordinator").get("/courses/1/evaluation/settings"), "Save")
    assert (form["opens_time"].value, form["closes_time"].value) == ("09:00", "17:00")
    labels = [label.get_text(strip=True) for label in form.html.find_all("label")]
    assert "Opening time*" in labels or "Opening time" in labels
