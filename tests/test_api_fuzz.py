"""schemathesis against /api/v1/openapi.json, signed in as a coordinator and as a trainee:
every check schemathesis has (two told what this API answers where the document cannot say it,
see CONFIG), 40 examples each, for every operation,
whatever the generated ids, numbers, strings and bodies (oversized ones answer 404 or 422)."""

import json

import hypothesis
import pytest
import schemathesis
import schemathesis.checks
import schemathesis.config
import sqlalchemy as sa
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import create_token, make_course, make_person, make_session
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.meetings import services as meeting_services
from wipo_training.participants import services as participant_services
from wipo_training.participants.models import Enrolment

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def api_schema(app):
    with app.app_context():  # a little of everything, so that id 1 exists
        course = make_course()
        participant_services.nominate(None, course, make_person())
        group = meeting_services.create_group(
            None,
            name="Japan-China Joint IP Working Group",
            side_a_country="JP",
            side_a_body="METI",
            side_b_country="CN",
            side_b_body="MOFCOM",
        )
        meeting_services.create_meeting(None, group, number=1)
        db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)


#: Every check schemathesis has (the CLI's ``--checks all``), two of them told what this API
#: answers where the document cannot say it:
#: - missing_required_header: a write without If-Match is 428 Precondition Required (RFC 6585;
#:   tests/test_lost_updates.py), besides the 400/422 schemathesis expects;
#: - positive_data_acceptance: a write whose body matches the document can still break a rule
#:   between fields or against the data (a course ends before it starts, a fund or a meeting
#:   number that does not exist or is taken, both sides of a working group in one country, a
#:   file whose content is not a spreadsheet): 422, or 412/428 for a stale or missing If-Match.
#:   Reads keep the default: every query parameter's rules are in the document.
WRITE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "428", "429", "5xx"]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "checks": {
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]}
        },
        "operations": [
            {
                "include-method": method,
                "checks": {"positive_data_acceptance": {"expected-statuses": WRITE_STATUSES}},
            }
            for method in ("POST", "PUT", "PATCH", "DELETE")
        ],
    }
)
CHECKS = [getattr(schemathesis.checks, name) for name in schemathesis.checks.CHECKS.get_all_names()]
SETTINGS = hypothesis.settings(
    max_examples=40,  # about a minute for the file on SQLite
    deadline=None,
    derandomize=True,  # the same cases every run: a failure can be rerun
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


@pytest.fixture
def coordinator(app, users):
    return {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}


@pytest.fixture
def trainee(app, users):
    return {"Authorization": f"Bearer {create_token(app, users['trainee'])}"}


@schema.parametrize()
@SETTINGS
def test_as_coordinator(case, coordinator):
    case.call_and_validate(headers=coordinator, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_as_trainee(case, trainee):
    case.call_and_validate(headers=trainee, checks=CHECKS)


def test_oversized_ids_and_numbers_are_404_and_422(app, login_as):
    client = login_as("coordinator")
    huge = 10**20
    assert client.get(f"/courses/{huge}").status_code == 404
    assert client.get(f"/api/v1/meetings/{2**31}").status_code == 404
    response = client.get(f"/courses/?year={huge}")
    assert response.status_code == 422
    assert "larger than this site stores" in response.get_data(as_text=True)
    response = client.get(f"/api/v1/courses?year={huge}")
    assert response.status_code == 422 and response.get_json()["code"] == 422


HOSTILE = "<script>alert(1)</script>=1+1" + "x" * 150


def test_a_lecturer_without_title_or_affiliation(app, coordinator):
    with app.app_context():
        course_id = make_course().id
        db.session.commit()
    client = app.test_client()
    body = {
        "kind": "lecture",
        "title": HOSTILE,
        "day": "2013-12-03",
        "start": "09:30:00",
        "end": "10:30:00",
        "lecturers": [{"name": HOSTILE}],
        "accept_warnings": True,
    }
    created = client.post(f"/api/v1/courses/{course_id}/sessions", json=body, headers=coordinator)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["lecturers"] == [{"title": "", "name": HOSTILE, "affiliation": ""}]
    url = f"/api/v1/sessions/{created.get_json()['id']}"
    etag = client.get(url, headers=coordinator).headers["ETag"]
    change = {"lecturers": [{"name": "Ms Second", "title": "Dr"}]}
    changed = client.patch(url, json=change, headers={**coordinator, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["lecturers"] == [
        {"title": "Dr", "name": "Ms Second", "affiliation": ""}
    ]
    etag = changed.headers["ETag"]
    nameless = client.patch(
        url, json={"lecturers": [{}]}, headers={**coordinator, "If-Match": etag}
    )
    assert nameless.status_code == 422
    assert "name" in str(nameless.get_json()["errors"])


def test_responses_match_the_document(app, api_schema, coordinator):
    """An unmarked participant's attendance is null and X-Pagination is one JSON text, as the
    OpenAPI document says (schemathesis's own checks on a chosen case)."""
    from schemathesis.specs.openapi.checks import response_headers_conformance

    with app.app_context():
        course = db.session.get(Course, 1)
        enrolment = db.session.execute(sa.select(Enrolment)).scalar_one()
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        make_session(course)
        db.session.commit()
    checks = [not_a_server_error, response_schema_conformance, response_headers_conformance]
    attendance = api_schema["/api/v1/sessions/{session_id}/attendance"]["GET"]
    case = attendance.Case(path_parameters={"session_id": 1})
    response = case.call_and_validate(headers=coordinator, checks=checks)
    assert response.json()["attendance"][0]["status"] is None
    courses = api_schema["/api/v1/courses"]["GET"].Case(query={"page": 1, "page_size": 1})
    response = courses.call_and_validate(headers=coordinator, checks=checks)
    assert json.loads(response.headers["x-pagination"][0])["total"] == 1


def test_a_405_lists_the_allowed_methods(app, coordinator, login_as):
    response = app.test_client().open("/api/v1/me", method="TRACE", headers=coordinator)
    assert response.status_code == 405 and response.get_json()["code"] == 405
    assert sorted(response.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS"]
    response = login_as("coordinator").delete("/courses/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "DELETE" not in response.headers["Allow"]
