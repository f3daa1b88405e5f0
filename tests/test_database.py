"""The data layer: SQLite set-up and no lost updates under concurrency, on both databases."""

import multiprocessing

import pytest
import sqlalchemy as sa

from tests.conftest import build_app
from wipo_training.counters import Counter, next_number
from wipo_training.extensions import db

PROCESSES = 8
INCREMENTS = 100


def _increment_many(database_url: str, instance_path: str, times: int) -> None:
    """One worker process: its own app and engine, ``times`` read-then-write increments.

    The read asks for a row lock, which PostgreSQL honours; SQLite ignores it, so there only
    the app's BEGIN IMMEDIATE keeps the read and the write in one serialised transaction.
    """
    app = build_app(database_url, instance_path)
    with app.app_context():
        for _ in range(times):
            counter = db.session.get(Counter, "concurrency-test", with_for_update=True)
            counter.value = counter.value + 1
            db.session.commit()
        db.engine.dispose()


def test_concurrent_increments_lose_no_update(app, database_url, tmp_path):
    """8 processes x 100 read-then-write increments of one counter end at exactly 800."""
    with app.app_context():
        db.session.add(Counter(key="concurrency-test", value=0))
        db.session.commit()
    ctx = multiprocessing.get_context("spawn")
    workers = [
        ctx.Process(target=_increment_many, args=(database_url, str(tmp_path / "i"), INCREMENTS))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0
    with app.app_context():
        counter = db.session.get(Counter, "concurrency-test")
        assert counter.value == PROCESSES * INCREMENTS


def test_next_number_is_sequential_within_one_session(app_ctx):
    numbers = [next_number("serials") for _ in range(5)]
    db.session.commit()
    assert numbers == [1, 2, 3, 4, 5]
    assert next_number("other") == 1


def test_sqlite_connection_settings(app_ctx):
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    if db.engine.dialect.name != "sqlite":
        assert db.engine.dialect.name == "postgresql"
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(app_ctx):
    """A row pointing at a missing user is refused by the database itself."""
    from wipo_training.auth.models import LoginSession

    db.session.add(LoginSession(user_id=999_999, token_hash="x" * 64))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
    else:
        raise AssertionError("foreign key not enforced")


def test_a_restarted_server_costs_no_request(app, login_as, database_url, monkeypatch):
    """PostgreSQL: a pooled connection that sat idle is tested before use, so after the
    server dropped it (a restart, a failover) the next request gets a new one, not a 500."""
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "PostgreSQL only: SQLite has no server to restart; make test runs this on "
            "PostgreSQL when TEST_DATABASE_URL is set, as .ci/run does"
        )
    from wipo_training import database

    client = login_as("coordinator")
    assert client.get("/courses/").status_code == 200  # the pool holds a connection now
    admin = sa.create_engine(database_url)
    with admin.connect() as connection:
        dropped = connection.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalar()
    admin.dispose()
    assert dropped >= 1
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0)  # every checkout counts as idle
    response = client.get("/courses/?page=1")
    assert response.status_code == 200
    assert "Courses" in response.get_data(as_text=True)
