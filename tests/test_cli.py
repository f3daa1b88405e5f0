"""Command-line tools and demo data."""

import sqlalchemy as sa

from tests.conftest import login
from wipo_training.auth.models import User
from wipo_training.demo import DEMO_PASSWORD, DEMO_USERS
from wipo_training.extensions import db


def count_users(app):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()


def test_users_create_asks_for_the_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Yuki.Tanaka@jpo.example",
            "--name",
            "Yuki Tanaka",
            "--role",
            "coordinator",
        ],
        input="a long enough password\na long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created yuki.tanaka@jpo.example (coordinator)." in result.output
    assert (
        login(app.test_client(), "yuki.tanaka@jpo.example", "a long enough password").status_code
        == 302
    )


def test_users_create_refuses_a_short_password_and_a_duplicate(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "new@example.test", "--name", "N", "--role", "staff"],
        input="short\nshort\n",
    )
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    result = runner.invoke(
        args=["users", "create", users["staff"], "--name", "N", "--role", "staff"],
        input="long enough pw\nlong enough pw\n",
    )
    assert result.exit_code != 0 and "already exists" in result.output
    assert count_users(app) == 4


def test_demo_is_idempotent_and_signs_in(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "4 accounts created" in first.output
    second = runner.invoke(args=["demo"])
    assert "0 accounts created" in second.output
    assert count_users(app) == len(DEMO_USERS)
    for email, _name, role in DEMO_USERS:
        client = app.test_client()
        assert login(client, email, DEMO_PASSWORD).status_code == 302
        assert client.get("/api/v1/me").json["role"] == role


def test_demo_if_empty_leaves_a_used_database_alone(app, users):
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert "demo data not loaded" in result.output
    assert count_users(app) == 4
    assert "admin@demo.test" not in result.output  # demo accounts exist only with demo data


def test_users_deactivate(app, users):
    client = app.test_client()
    login(client, users["staff"])
    result = app.test_cli_runner().invoke(args=["users", "deactivate", users["staff"]])
    assert result.exit_code == 0
    assert client.get("/").status_code == 302


def test_demo_scale_adds_history_once_and_refreshes_the_statistics(app):
    """`flask demo --scale`: the history is there, said in figures, added once; and the
    planner knows the new row counts at once (not when autovacuum next passes)."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--scale", "0.05"])
    assert result.exit_code == 0, result.output
    assert "Synthetic history added in" in result.output and "answers" in result.output
    with app.app_context():
        answers = db.session.execute(sa.text("SELECT count(*) FROM answers")).scalar_one()
        assert answers > 1000
        if db.engine.dialect.name == "sqlite":
            stat = db.session.execute(
                sa.text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'answers' LIMIT 1")
            ).scalar_one()
            estimated = int(stat.split()[0])  # an index's first figure: the table's rows
        else:
            estimated = db.session.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE relname = 'answers'")
            ).scalar_one()
        assert estimated == answers
    again = runner.invoke(args=["demo", "--scale", "0.05"])
    assert "already there; nothing added" in again.output
