"""Fixtures for evaluations: a course with a timetable, trainees and an open questionnaire."""

from datetime import date, timedelta

import pytest

from tests.conftest import make_course, make_person, make_session
from wipo_training.auth import services as auth_services
from wipo_training.evaluations import services
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timeutil import utcnow


def build_course(trainees: int = 4, code: str = "ENF-2013", start=date(2013, 12, 2), emails=None):
    """A course with two lectures, a site visit (not evaluated) and accepted trainees whose
    accounts are linked to their person records. Returns (course, [enrolments])."""
    course = make_course(
        code=code,
        start_date=start,
        end_date=start + timedelta(days=11),
        nomination_deadline=None,
        edition_year=start.year,
    )
    make_session(course, title="Border Measures", day=start)
    make_session(course, title="IP Awareness-Raising", day=start + timedelta(days=1))
    make_session(
        course,
        title="Visit to Tokyo Customs",
        kind="site_visit",
        room="",
        day=start + timedelta(days=2),
    )
    enrolments = []
    for index in range(trainees):
        email = (emails or {}).get(index, f"trainee{index}.{code.lower()}@example.test")
        person = make_person(family_name=f"Trainee{index}", given_name=code, email=email)
        enrolment = participant_services.nominate(None, course, person)
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        user = auth_services.user_by_email(email) or auth_services.create_user(
            None, email, person.full_name, "trainee", None
        )
        user.person_id = person.id
        enrolments.append(enrolment)
    return course, enrolments


def open_questionnaire(course, anonymous=True):
    questionnaire, _added = services.generate_questionnaire(None, course)
    questionnaire.opens_at = utcnow() - timedelta(hours=1)
    questionnaire.closes_at = utcnow() + timedelta(hours=1)
    questionnaire.anonymous = anonymous
    db.session.flush()
    return questionnaire


def after_close(questionnaire):
    """A moment after the questionnaire closes: its results can be read then."""
    return questionnaire.closes_at + timedelta(minutes=1)


def close_questionnaire(questionnaire):
    """Close it now (a minute ago), as the coordinator's settings would."""
    questionnaire.closes_at = utcnow() - timedelta(minutes=1)
    db.session.flush()


def full_answers(questionnaire, rating=4, objectives="yes"):
    answers = {}
    for question in questionnaire.questions:
        if question.kind == "rating":
            answers[question.id] = rating
        elif question.kind == "yes_no":
            answers[question.id] = objectives
    return answers


@pytest.fixture
def evaluation(app_ctx):
    course, enrolments = build_course()
    questionnaire = open_questionnaire(course)
    db.session.commit()
    return course, enrolments, questionnaire
