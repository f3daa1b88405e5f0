"""A writer that waits longer than the database timeout gets 503 with Retry-After, never a
500, and nothing it sent is half-saved; sent again once the lock is gone, it goes through."""

import contextlib
import sqlite3

import pytest
import sqlalchemy as sa

from tests.conftest import create_token, find_form, make_course, press
from wipo_training.courses.models import Course
from wipo_training.extensions import db


@pytest.fixture
def app_overrides():
    return {"DATABASE_TIMEOUT_MS": 300}


@contextlib.contextmanager
def another_writer(database_url: str):
    """Another process holding the write lock on the courses (SQLite: the whole database)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        connection.isolation_level = None
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
    else:
        engine = sa.create_engine(database_url)
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("LOCK TABLE courses IN EXCLUSIVE MODE")
            yield
        engine.dispose()


def test_a_writer_past_the_timeout_gets_503_with_retry_after(app, users, web_as, database_url):
    with app.app_context():
        course_id = make_course(title="Enforcement course").id
        db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    api = app.test_client()
    headers["If-Match"] = api.get(f"/api/v1/courses/{course_id}", headers=headers).headers["ETag"]
    cancel = find_form(web_as("coordinator").get(f"/courses/{course_id}"), "Cancel the course")

    with another_writer(database_url):
        response = api.patch(
            f"/api/v1/courses/{course_id}", json={"title": "Renamed"}, headers=headers
        )
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "try again in a few seconds" in response.get_json()["message"]
        response = press(cancel, "Cancel the course")
        assert response.status_int == 503 and response.headers["Retry-After"] == "5"
        assert "Busy, try again" in response.text

    with app.app_context():
        course = db.session.get(Course, course_id)
        assert (course.title, course.status) == ("Enforcement course", "draft")
    response = api.patch(f"/api/v1/courses/{course_id}", json={"title": "Renamed"}, headers=headers)
    assert response.status_code == 200 and response.get_json()["title"] == "Renamed"
