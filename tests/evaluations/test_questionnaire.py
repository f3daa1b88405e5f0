"""Building and editing the questionnaire."""

from datetime import date, timedelta

import pytest

from tests.conftest import make_session
from tests.evaluations.conftest import build_course, full_answers
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
