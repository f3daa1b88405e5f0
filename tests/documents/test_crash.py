"""kill -9 in the middle of a batch: no half-written file in place, no certificate marked
issued without its PDF, and the job, whose worker is gone, is taken up again and completed
(tests/test_jobs.py does the same with ``flask worker`` processes)."""

import hashlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from tests.conftest import make_course, make_person
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.jobs import Job, recover_interrupted_jobs
from wipo_training.participants import services as participant_services

PARTICIPANTS = 130
WORKER = """
import sys
from wipo_training.jobs import run_job
run_job.call_local(int(sys.argv[1]))  # the task, as a worker runs it
"""


def test_kill_9_mid_batch_then_run_again(app, database_url):
    with app.app_context():
        course = make_course(capacity=500)
        for index in range(PARTICIPANTS):
            enrolment = participant_services.nominate(
                None, course, make_person(family_name=f"Person{index:03d}", given_name="Test")
            )
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            services.set_override(None, enrolment, True, "Crash test")
        job = Job(kind="certificates.pdf", course_id=course.id)
        db.session.add(job)
        db.session.commit()
        job_id, course_id = job.id, course.id
    env = {**os.environ, "DATABASE_URL": database_url, "WIPO_INSTANCE_PATH": app.instance_path}
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(job_id)],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with app.app_context():
            done = db.session.get(Job, job_id).done
            db.session.remove()
        if done >= services.CHUNK:
            break
        assert worker.poll() is None, "the worker ended before it could be killed"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    if database_url.startswith("sqlite"):  # the database survived the crash whole
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.close()

    with app.app_context():
        certificates = db.session.execute(sa.select(Certificate)).scalars().all()
        issued = [c for c in certificates if c.status == "issued"]
        assert services.CHUNK <= len(issued) < PARTICIPANTS  # killed part-way
        for certificate in issued:  # every issued certificate has its complete PDF
            data = services.pdf_path(certificate).read_bytes()
            assert hashlib.sha256(data).hexdigest() == certificate.sha256
        folder = services.storage_dir() / str(course_id)
        for path in folder.glob("*.pdf"):  # nothing half-written under a final name
            assert len(PdfReader(io.BytesIO(path.read_bytes())).pages) == 1
        job = db.session.get(Job, job_id)
        assert job.status == "running" and job.worker.split("/")[1] == str(worker.pid)

        # The next worker takes it up (here, inline) and completes it.
        assert recover_interrupted_jobs() == [job_id]
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert (job.status, job.done, job.total) == ("done", PARTICIPANTS, PARTICIPANTS)
        statuses = db.session.execute(sa.select(Certificate.status, Certificate.serial)).all()
        assert {s for s, _ in statuses} == {"issued"} and len(statuses) == PARTICIPANTS
        assert len({serial for _, serial in statuses}) == PARTICIPANTS
        merged = (services.jobs_dir() / job.result_name).read_bytes()
        assert len(PdfReader(io.BytesIO(merged)).pages) == PARTICIPANTS
