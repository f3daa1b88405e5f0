"""Two coordinators issue the certificates of the same course at the same moment, against the
app served by gunicorn with its job worker: one certificate per participant, no duplicate
serial, both batches done, no error response."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import all_at_once, make_course, make_person, post_json
from wipo_training.auth import services as auth_services
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services

PARTICIPANTS = 12


def get_json(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


def test_two_coordinators_issue_the_same_course_at_once(app, served, database_url, tmp_path):
    with app.app_context():
        course = make_course(capacity=50)
        for index in range(PARTICIPANTS):
            enrolment = participant_services.nominate(
                None, course, make_person(family_name=f"Person{index:02d}", given_name="Test")
            )
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            services.set_override(None, enrolment, True, "Concurrency test")
        tokens = []
        for number in (1, 2):
            user = auth_services.create_user(
                None,
                f"coordinator{number}@example.test",
                f"Coordinator {number}",
                "coordinator",
                "correct horse battery staple",
            )
            tokens.append(auth_services.create_api_token(user, "load"))
        db.session.commit()
        course_id = course.id

    # The job worker, on the same database and queue as the served app.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WIPO_INSTANCE_PATH": str(tmp_path / "srv"),
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "worker", "--workers", "2"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        url = f"{served}/api/v1/courses/{course_id}/certificates/batch"
        answers = all_at_once(
            [lambda t=t: post_json(url, t, {"format": "zip"}, with_body=True) for t in tokens]
        )
        assert [status for status, _body in answers] == [202, 202]
        jobs = [body["id"] for _status, body in answers]
        deadline = time.monotonic() + 60
        while True:
            states = [get_json(f"{served}/api/v1/jobs/{job}", tokens[0]) for job in jobs]
            if all(state["status"] in ("done", "failed") for state in states):
                break
            assert time.monotonic() < deadline, states
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert [state["status"] for state in states] == ["done", "done"], states
    assert [state["total"] for state in states] == [PARTICIPANTS, PARTICIPANTS]

    with app.app_context():
        certificates = db.session.execute(sa.select(Certificate)).scalars().all()
        assert len(certificates) == PARTICIPANTS
        assert {c.status for c in certificates} == {"issued"}
        assert len({c.enrolment_id for c in certificates}) == PARTICIPANTS
        serials = sorted(c.serial for c in certificates)
        assert serials == [f"ENF-2013-{n:03d}" for n in range(1, PARTICIPANTS + 1)]


def test_two_writers_of_one_stored_file_each_store_a_whole_file(tmp_path):
    """A batch storing a certificate while another batch stores the same one: each writes
    under a temporary name of its own and renames a whole file (with one shared temporary
    name, the second writer's rename took the first's file away: FileNotFoundError)."""
    from wipo_training.documents.services import _write_atomically

    path = tmp_path / "1-abc.pdf"

    def first(handle):
        handle.write(b"%PDF first")
        _write_atomically(path, lambda other: other.write(b"%PDF second"))  # meanwhile

    _write_atomically(path, first)
    assert path.read_bytes() == b"%PDF first"
    assert [p.name for p in tmp_path.iterdir()] == ["1-abc.pdf"]  # no temporary left
