"""The page cache: a page is made once and served again until the data changes, to the same
session only, never with someone else's content, a stale value or a message already shown."""

import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.conftest import csrf_token, make_course
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.pagecache import current_generation


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_SECONDS": 0.5}


@pytest.fixture
def course_id(app):
    with app.app_context():
        course_id = make_course(title="Enforcement course").id
        db.session.commit()
        return course_id


@pytest.fixture
def statements(app):
    """The SQL statements the app sends, counted."""
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *_args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    yield seen
    event.remove(engine, "before_cursor_execute", listener)


def get(client, url, statements) -> tuple[str, int]:
    statements.clear()
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), len(statements)


def test_a_page_is_kept_until_the_data_changes(app, login_as, course_id, statements):
    client = login_as("coordinator")
    url = f"/courses/{course_id}"
    client.get("/")  # shows the sign-in's message, if any: a page with one is never kept
    first, made = get(client, url, statements)
    again, served = get(client, url, statements)
    assert again == first and served < made  # the session and the generation only
    with app.app_context():  # a change by anyone, through any process, ends it
        generation = current_generation()
        db.session.get(Course, course_id).title = "Renamed course"
        db.session.commit()
        assert current_generation() == generation + 1
    changed, _count = get(client, url, statements)
    assert "Renamed course" in changed
    with app.app_context():  # a statement (not an object) that writes ends it too
        db.session.execute(sa.update(Course).values(city="Osaka"))
        db.session.commit()
    assert "Osaka" in get(client, url, statements)[0]
    time.sleep(0.6)  # and time: no kept page is older than PAGE_CACHE_SECONDS
    _page, count = get(client, url, statements)
    assert count == made


def test_each_session_has_its_own_pages(app, login_as, users, course_id):
    from tests.conftest import login

    coordinator = login_as("coordinator")
    url = f"/courses/{course_id}"
    assert "Edit" in coordinator.get(url).get_data(as_text=True)
    staff = app.test_client()
    login(staff, users["staff"])
    page = staff.get(url).get_data(as_text=True)
    assert ">Edit<" not in page and "Test Staff" in page
    trainee = app.test_client()
    login(trainee, users["trainee"])
    assert trainee.get(url).status_code == 404  # the policy and the object check still apply


def test_a_message_is_shown_once(app, login_as, course_id):
    client = login_as("coordinator")
    url = f"/courses/{course_id}/edit"
    client.get(f"/courses/{course_id}")  # kept
    form = client.get(url).get_data(as_text=True)
    assert "Enforcement course" in form
    data = {
        "csrf_token": csrf_token(client, url),
        "version": 1,
        "fund_id": 1,
        "title": "Enforcement course",
        "code": "ENF-2013",
        "country_code": "JP",
        "start_date": "2013-12-02",
        "end_date": "2013-12-13",
        "time_zone": "Asia/Tokyo",
        "capacity": 30,
        "min_attendance_pct": 80,
    }
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Course saved." in client.get(f"/courses/{course_id}").get_data(as_text=True)
    assert "Course saved." not in client.get(f"/courses/{course_id}").get_data(as_text=True)


def test_a_kept_page_is_not_served_after_access_ends(app, login_as, users, course_id):
    """The cache is asked before the user is loaded: whatever ends access (a revoked
    session, a new role, a deactivated account) changes the generation, so the policy runs."""
    from wipo_training.auth.models import User
    from wipo_training.auth.services import revoke_all_sessions

    def coordinator():
        return db.session.execute(
            sa.select(User).filter_by(email=users["coordinator"])
        ).scalar_one()

    url = f"/courses/{course_id}/edit"
    client = login_as("coordinator")
    client.get("/")  # the sign-in's message
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # kept
    with app.app_context():
        coordinator().role = "staff"
        db.session.commit()
    assert client.get(url).status_code == 403
    with app.app_context():
        coordinator().role = "coordinator"
        db.session.commit()
    assert client.get(url).status_code == 200
    with app.app_context():
        revoke_all_sessions(coordinator())
        db.session.commit()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
