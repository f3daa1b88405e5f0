"""Deeply nested JSON (issue 16 point 9): 1,000 nested arrays made Python's parser raise
RecursionError, a 500. Every write endpoint answers 400 with a clear JSON message instead,
and nothing is saved; JSON of ordinary depth, brackets inside strings included, is read as
before."""

import io

import pytest
import sqlalchemy as sa

from tests.conftest import create_token, make_course
from tests.meetings.conftest import GROUP
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.meetings.models import WorkingGroup
from wipo_training.participants.models import Enrolment
from wipo_training.rest import MAX_JSON_DEPTH, json_deeper_than

COURSE = {
    "fund_id": 1,
    "title": "Patent examination",
    "code": "PAT-2027",
    "country_code": "JP",
    "start_date": "2027-06-07",
    "end_date": "2027-06-18",
    "capacity": 20,
}


@pytest.fixture
def post(app, users):
    """POST with the coordinator's bearer token."""
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}

    def call(url, **kwargs):
        return app.test_client().post(url, headers=headers, **kwargs)

    return call


@pytest.fixture
def course_id(app):
    with app.app_context():
        course = make_course()
        db.session.commit()
        return course.id


def rows(app, model) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def deep(levels: int, kind: str = "array") -> str:
    if kind == "array":
        return "[" * levels + "]" * levels
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize("kind", ["array", "object"])
def test_deep_json_is_400_on_every_write_endpoint(app, post, course_id, kind):
    urls = {
        "/api/v1/courses": Course,
        "/api/v1/working-groups": WorkingGroup,
        f"/api/v1/courses/{course_id}/participants": Enrolment,
    }
    before = {url: rows(app, model) for url, model in urls.items()}
    for url, model in urls.items():
        for levels in (1000, 100_000):
            response = post(url, data=deep(levels, kind), content_type="application/json")
            assert response.status_code == 400, (url, response.get_data(as_text=True)[:500])
            assert response.get_json() == {
                "code": 400,
                "status": "Bad Request",
                "message": f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep; "
                "nothing this API takes is nested that deep.",
            }
        assert rows(app, model) == before[url]


def test_a_deep_value_inside_an_ordinary_body_is_refused_too(app, post):
    body = dict(COURSE, title=[[[[["x"]]]]])
    response = post("/api/v1/courses", json=dict(body, objectives=deep(40)))  # a string: fine
    assert response.status_code == 422  # a list is not a title: the schema says so
    nested = '{"fund_id": 1, "title": ' + deep(MAX_JSON_DEPTH) + "}"
    response = post("/api/v1/courses", data=nested, content_type="application/json")
    assert response.status_code == 400 and "nested more than" in response.get_json()["message"]
    assert rows(app, Course) == 0


def test_brackets_in_strings_and_ordinary_depth_are_read_as_before(app, post):
    title = "[[[[" * 50 + '\\" {{{ <script>alert(1)</script> =1+1'
    response = post("/api/v1/courses", json=dict(COURSE, title=title, objectives=deep(500)))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"] == title
    response = post(
        "/api/v1/working-groups", json=dict(GROUP, name="Group " + "{[" * 80, framework="]}")
    )
    assert response.status_code == 201, response.get_json()
    assert post("/api/v1/courses", data="[[[", content_type="application/json").status_code in (
        400,
        422,
    )


def test_a_deep_json_form_field_is_400_not_500(app, post, course_id):
    """The import's ``decisions`` is JSON text in a multipart field: parsed by the import,
    not by the API's reader, so Python's own limit is met; still a 400."""
    response = post(
        f"/api/v1/courses/{course_id}/participants/import",
        data={
            "file": (io.BytesIO(b"Family name,Given name\n"), "n.csv"),
            "decisions": deep(100_000),
        },
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "nested too deeply" in response.get_json()["message"]


def test_depth_is_counted_without_parsing():
    assert not json_deeper_than(deep(32).encode(), 32)
    assert json_deeper_than(deep(33).encode(), 32)
    assert json_deeper_than(deep(33, "object").encode(), 32)
    assert not json_deeper_than(b'["' + b"[" * 100 + b'"]', 32)  # inside a string
    assert not json_deeper_than(b'["\\"' + b"[" * 100 + b'"]', 32)  # after an escaped quote
    assert not json_deeper_than(b"[" * 100, 32)  # unbalanced: the parser says what is wrong
    assert not json_deeper_than(b'{"a": [1, {"b": [2, 3]}], "c": {}}', 4)
    assert json_deeper_than(b'{"a": [1, {"b": [2, 3]}], "c": {}}', 3)
