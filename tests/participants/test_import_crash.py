"""kill -9 of the server in the middle of a 2,000-row nomination import: after a restart the
database passes its integrity check, the import is absent (never half there), and sending it
again imports every row."""

import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid

import sqlalchemy as sa

from tests.conftest import create_token, make_course, start_gunicorn
from tests.participants.conftest import GOOD_ROWS, xlsx
from wipo_training.extensions import db
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person

ROWS = 2000


def workbook() -> bytes:
    rows = []
    for index in range(ROWS):
        row = list(GOOD_ROWS[index % len(GOOD_ROWS)])
        row[0] = f"{row[0]}{index}"
        row[10] = f"person{index}@import.example" if row[10] else ""
        rows.append(row)
    return xlsx(rows)


def post_file(url: str, token: str, data: bytes) -> int:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="n.xlsx"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # the server died under the request


def import_in_progress(database_url: str) -> bool:
    """Is another connection in the middle of a write transaction right now? (SQLite: the
    write lock is taken; PostgreSQL: a transaction that has written rows, so has an xid.)"""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # the write lock is taken
            return True
        finally:
            connection.close()
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        busy = connection.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND backend_xid IS NOT NULL"
            )
        ).scalar()
    engine.dispose()
    return bool(busy)


def counts(app, course_id):
    with app.app_context():
        people = db.session.execute(  # the people with an email in the file
            sa.select(sa.func.count(Person.id)).where(Person.email.like("%@import.example"))
        ).scalar()
        enrolments = db.session.execute(
            sa.select(sa.func.count(Enrolment.id)).where(Enrolment.course_id == course_id)
        ).scalar()
        db.session.remove()
    return people, enrolments


def test_kill_9_mid_import_leaves_nothing_half_done(app, users, database_url, tmp_path):
    with app.app_context():
        course_id = make_course(capacity=ROWS).id
        db.session.commit()
    token = create_token(app, users["coordinator"])
    data = workbook()
    server = start_gunicorn(database_url, tmp_path / "srv")
    url = f"{server.url}/api/v1/courses/{course_id}/participants/import"
    statuses = []
    request = threading.Thread(target=lambda: statuses.append(post_file(url, token, data)))
    request.start()
    try:
        deadline = time.monotonic() + 60
        seen = 0
        while seen < 3:  # the import's write transaction, seen three times running
            seen = seen + 1 if import_in_progress(database_url) else 0
            assert time.monotonic() < deadline and not statuses, statuses
            time.sleep(0.05)
        # SQLite takes its write lock as the request starts: give the import time to be
        # writing rows (it takes several seconds); PostgreSQL's xid means rows are written.
        time.sleep(2.0 if database_url.startswith("sqlite") else 0.1)
    finally:
        server.kill()  # also when the test fails before: never leave a server running
        request.join(timeout=60)
    assert statuses == [0]  # the request never got an answer

    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.close()
    assert counts(app, course_id) == (0, 0)  # absent, not half there

    server = start_gunicorn(database_url, tmp_path / "srv")  # the restart
    try:
        assert post_file(url.replace(url.split("/api/")[0], server.url), token, data) == 200
    finally:
        server.kill()
    with_email = sum(1 for index in range(ROWS) if GOOD_ROWS[index % len(GOOD_ROWS)][10])
    assert counts(app, course_id) == (with_email, ROWS)
