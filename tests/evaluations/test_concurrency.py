"""30 trainees submit at the same moment to the app served by gunicorn (several processes
and threads, on this run's database): exactly 30 submissions, no error responses."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.evaluations.conftest import build_course, full_answers, open_questionnaire
from wipo_training.auth import services as auth_services
from wipo_training.evaluations.models import Submission, SubmissionReceipt
from wipo_training.extensions import db

TRAINEES = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def kill(self) -> None:
        """kill -9 the master and its workers at once (they share a process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_gunicorn(database_url: str, instance: Path) -> Server:
    """gunicorn with 4 worker processes x 8 threads on ``database_url``, once it answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "WIPO_INSTANCE_PATH": str(instance)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "4",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wipo_training:create_app()",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=2)  # noqa: S310 (loopback)
            return Server(base, process)
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)


@pytest.fixture
def server(app, database_url, tmp_path):
    """The app served by gunicorn on the test database; stopped after the test."""
    started = start_gunicorn(database_url, tmp_path / "srv")
    yield started
    if started.process.poll() is None:
        os.killpg(started.process.pid, signal.SIGTERM)
        started.process.wait(timeout=30)


@pytest.fixture
def served(server):
    """The served app's URL."""
    return server.url


def post_json(url, token, body, with_body=False):
    """POST ``body``; the status, or (status, the JSON answer) ``with_body``."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    return (status, json.loads(data or b"null")) if with_body else status


def all_at_once(calls):
    """Run the calls in threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_thirty_trainees_at_the_same_moment(app, served):
    with app.app_context():
        course, enrolments = build_course(trainees=TRAINEES)
        questionnaire = open_questionnaire(course)
        answers = {str(k): v for k, v in full_answers(questionnaire).items()}
        tokens = [
            auth_services.create_api_token(auth_services.user_by_email(e.person.email), "load")
            for e in enrolments
        ]
        db.session.commit()
        course_id = course.id
    url = f"{served}/api/v1/courses/{course_id}/evaluation/submissions"
    statuses = all_at_once([lambda t=t: post_json(url, t, {"answers": answers}) for t in tokens])
    assert statuses == [201] * TRAINEES
    # A double click: the same trainee twice at once gives one submission and one 409.
    double = all_at_once([lambda: post_json(url, tokens[0], {"answers": answers})] * 2)
    assert sorted(double) == [409, 409]  # both refused: that trainee submitted above
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count()).select_from(Submission)).scalar()
        receipts = db.session.execute(
            sa.select(sa.func.count()).select_from(SubmissionReceipt)
        ).scalar()
    assert (count, receipts) == (TRAINEES, TRAINEES)


def test_two_tabs_submitting_at_once_store_one(app, served):
    with app.app_context():
        course, enrolments = build_course(trainees=1)
        questionnaire = open_questionnaire(course)
        answers = {str(k): v for k, v in full_answers(questionnaire).items()}
        token = auth_services.create_api_token(
            auth_services.user_by_email(enrolments[0].person.email), "tabs"
        )
        db.session.commit()
        course_id = course.id
    url = f"{served}/api/v1/courses/{course_id}/evaluation/submissions"
    statuses = all_at_once([lambda: post_json(url, token, {"answers": answers})] * 4)
    assert sorted(statuses) == [201, 409, 409, 409]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Submission)).scalar() == 1
