"""No page issues more SQL statements as the data grows: the main pages and API lists are
counted with the demo data plus a small synthetic history, then again after four times more
history, and every count must be the same. A count that depends on the size is an N+1 query
(or a list without pagination)."""

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.conftest import login
from wipo_training.courses.models import Course
from wipo_training.demo import DEMO_PASSWORD, load_demo
from wipo_training.demo.meetings import GROUP_NAME
from wipo_training.demo.scale import load_history
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, WorkingGroup
from wipo_training.people.models import Person


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def pages(ids: dict) -> dict[str, list[str]]:
    """role -> the addresses to count."""
    course, history = ids["course"], ids["history_course"]
    return {
        "coordinator": [
            "/",
            "/courses/",
            "/courses/?year=2010",
            f"/courses/{course}",
            f"/courses/{history}",
            f"/courses/{course}/participants",
            f"/courses/{course}/participants/by-country",
            f"/courses/{history}/participants/by-country",
            f"/courses/{course}/evaluation/results",
            f"/courses/{history}/evaluation/results",
            f"/courses/{history}/attendance",
            f"/courses/{history}/timetable",
            f"/courses/{history}/report",
            "/people/",
            "/people/?q=chan",
            f"/people/{ids['person']}",
            "/statistics?year=2013",
            "/statistics/participants",
            "/working-groups/",
            f"/working-groups/{ids['group']}",
            f"/meetings/{ids['meeting']}",
            "/verify/NO-SUCH-CODE",
            "/funds/",
            "/api/v1/courses",
            "/api/v1/courses?year=2010",
            "/api/v1/working-groups",
            f"/api/v1/working-groups/{ids['group']}/meetings",
            f"/api/v1/meetings/{ids['meeting']}",
            f"/api/v1/people/{ids['person']}",
            f"/api/v1/courses/{course}/participants",
            "/api/v1/statistics?year=2013",
        ],
        "admin": ["/", "/admin/audit", "/admin/users"],
        "staff": ["/"],
        "trainee": ["/", "/courses/", f"/courses/{course}"],
    }


def count_statements(app, ids) -> dict[str, int]:
    counted = {}
    with app.app_context():
        engine = db.engine
    statements = []

    def listener(*_args):
        statements.append(1)

    for role, urls in pages(ids).items():
        client = app.test_client()
        assert login(client, f"{role}@demo.test", DEMO_PASSWORD).status_code == 302
        event.listen(engine, "before_cursor_execute", listener)
        try:
            for url in urls:
                statements.clear()
                response = client.get(url)
                assert response.status_code in (200, 404), f"{url} as {role}"
                counted[f"{role} {url}"] = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    return counted


def test_statement_counts_do_not_grow_with_the_data(app):
    with app.app_context():
        load_demo()
        small = load_history(scale=0.05, seed=1, prefix="H")
        db.session.commit()
        ids = {
            "course": db.session.execute(
                sa.select(Course.id).where(Course.code == "ENF-2013")
            ).scalar_one(),
            "history_course": db.session.execute(
                sa.select(Course.id).where(Course.code == "H2010-001")
            ).scalar_one(),
            "person": db.session.execute(
                sa.select(Person.id).where(Person.email == "trainee@demo.test")
            ).scalar_one(),
            "group": db.session.execute(
                sa.select(WorkingGroup.id).where(WorkingGroup.name == GROUP_NAME)
            ).scalar_one(),
        }
        ids["meeting"] = db.session.execute(
            sa.select(Meeting.id).where(
                Meeting.working_group_id == ids["group"], Meeting.number == 6
            )
        ).scalar_one()
    before = count_statements(app, ids)

    with app.app_context():
        large = load_history(scale=0.2, seed=2, prefix="G")
        db.session.commit()
    assert large["courses"] == 4 * small["courses"] and large["meetings"] > small["meetings"]
    after = count_statements(app, ids)

    grown = {url: (before[url], after[url]) for url in before if after[url] != before[url]}
    assert grown == {}, f"statements that grew with the data (before, after): {grown}"
