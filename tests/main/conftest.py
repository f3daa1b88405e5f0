"""Shared by the dashboard's tests: a signed-in browser, moving a course on through its
statuses, and nominating people to it."""

import webtest

from tests.conftest import make_person, web_sign_in
from wipo_training.courses import services as course_services
from wipo_training.participants import services as participant_services
from wipo_training.participants.models import Enrolment

TO_COMPLETED = ("nominations_open", "confirmed", "running", "completed")


def browser(app, email):
    """A WebTest browser signed in through the sign-in form."""
    web = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert web_sign_in(web, email).status_int == 302
    return web


def move(course, *statuses):
    for status in statuses:
        course_services.change_course_status(None, course, status)


def nominate(course, count: int, accept: int = 0, prefix: str = "Person") -> list[Enrolment]:
    enrolments = []
    for index in range(count):
        person = make_person(family_name=f"{prefix}{index}", given_name="Test", country_code="VN")
        enrolment = participant_services.nominate(None, course, person, override_reason="test")
        if index < accept:
            participant_services.change_enrolment_status(None, enrolment, "accepted")
        enrolments.append(enrolment)
    return enrolments
