"""A job whose worker died is taken up again (issue 16 point 11): after kill -9 of the
worker mid-batch, jobs at 160/900 stayed "running" for ever. A worker, when it starts and
each minute, queues again the running jobs whose worker process is gone; the batch resumes
where it stopped, and its page says so. A job interrupted too often is failed, and its page
has a Retry button."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
import webtest
from huey.storage import RedisStorage, SqliteStorage
from pypdf import PdfReader

from tests.conftest import build_app, make_course, make_person, submit, web_sign_in
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training import jobs
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.jobs import Job
from wipo_training.participants import services as participant_services
from wipo_training.timeutil import utcnow

PROJECT = Path(__file__).resolve().parents[1]
PARTICIPANTS = 130
#: Start a batch as start_batch does: put its task in the queue the worker reads.
ENQUEUE = """
import sys
from wipo_training import create_app
from wipo_training.jobs import enqueue
create_app()  # binds the queue to the storage the config names
enqueue(int(sys.argv[1]), sys.argv[2])
"""
#: A process that holds a worker's identity, as a worker would, until it is killed.
LIVE_PROCESS = """
from wipo_training.jobs import this_worker
print(this_worker(), flush=True)
import time
time.sleep(600)
"""


def worker_env(app, database_url) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "WIPO_INSTANCE_PATH": app.instance_path}
    env.pop("HUEY_IMMEDIATE", None)
    return env


def start_worker(env, log: Path) -> subprocess.Popen:
    """``flask worker``, as ``make run`` starts it (one thread), in its own process group."""
    with open(log, "ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
            env=env,
            cwd=PROJECT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def job_state(app, job_id):
    with app.app_context():
        job = db.session.get(Job, job_id)
        state = (job.status, job.done, job.total, job.worker)
        db.session.remove()
    return state


def wait_for(app, job_id, condition, worker, log, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = job_state(app, job_id)
        if condition(state):
            return state
        assert worker.poll() is None, f"the worker ended: {log.read_text()[-3000:]}"
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} is {state} after {seconds} s: {log.read_text()[-3000:]}")


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    os.killpg(worker.pid, sig)
    worker.wait(timeout=60)


def test_a_worker_killed_mid_batch_is_taken_over_by_the_next_worker(
    app, database_url, users, web_as, tmp_path
):
    with app.app_context():
        course = make_course(capacity=500)
        for index in range(PARTICIPANTS):
            enrolment = participant_services.nominate(
                None, course, make_person(family_name=f"Person{index:03d}", given_name="Test")
            )
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            services.set_override(None, enrolment, True, "Worker test")
        job = Job(kind="certificates.pdf", course_id=course.id, base_url="http://wipo.example/")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    env, log = worker_env(app, database_url), tmp_path / "worker.log"
    subprocess.run(
        [sys.executable, "-c", ENQUEUE, str(job_id), "http://wipo.example/"],
        env=env,
        cwd=PROJECT,
        check=True,
    )

    first = start_worker(env, log)
    try:
        _status, done, _total, worker = wait_for(
            app, job_id, lambda s: s[1] >= services.CHUNK, first, log
        )
    finally:
        stop(first, signal.SIGKILL)
    assert worker.split("/")[1] == str(first.pid)  # the job named the worker running it
    status, stopped_at, _total, _worker = job_state(app, job_id)
    assert status == "running" and services.CHUNK <= stopped_at < PARTICIPANTS

    second = start_worker(env, log)
    try:
        wait_for(app, job_id, lambda s: s[0] in ("done", "failed"), second, log)
    finally:
        stop(second)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.done, job.total) == ("done", PARTICIPANTS, PARTICIPANTS)
        assert job.interruptions == 1 and job.interrupted_done == stopped_at
        assert job.worker.split("/")[1] == str(second.pid)
        serials = db.session.execute(sa.select(Certificate.status, Certificate.serial)).all()
        assert {status for status, _ in serials} == {"issued"}
        assert len({serial for _, serial in serials}) == len(serials) == PARTICIPANTS
        merged = services.job_path(job).read_bytes()
        assert len(PdfReader(io.BytesIO(merged)).pages) == PARTICIPANTS

    page = web_as("coordinator").get(f"/jobs/{job_id}")
    note = " ".join(page.html.find(id="interrupted").get_text().split())
    assert note.startswith(f"The worker running this job stopped at {stopped_at} of 130 (")
    assert "A new worker resumed it where it stopped and finished it" in note
    assert page.html.find("a", string="Download")


def identity_of_a_process(env) -> tuple[subprocess.Popen, str]:
    """A real process and its identity as a job's worker."""
    process = subprocess.Popen(
        [sys.executable, "-c", LIVE_PROCESS], env=env, cwd=PROJECT, stdout=subprocess.PIPE
    )
    return process, process.stdout.readline().decode().strip()


def running_job(course, worker: str, **values) -> int:
    job = Job(
        kind="certificates.pdf",
        course_id=course.id,
        status="running",
        worker=worker,
        done=1,
        total=3,
        **values,
    )
    db.session.add(job)
    db.session.commit()
    return job.id


def test_a_live_worker_keeps_its_job_and_a_dead_one_loses_it(app_ctx, database_url):
    """Resumed inline here (the tests run jobs in the process that queues them)."""
    env = worker_env(app_ctx, database_url)
    process, identity = identity_of_a_process(env)
    try:
        course, _enrolments = eligible_course(PEOPLE[:3])
        job_id = running_job(course, identity)
        assert jobs.recover_interrupted_jobs() == []  # its worker is alive: left alone
        assert jobs.claim(job_id) is False  # queued twice: the second copy does not run it
        assert db.session.get(Job, job_id).status == "running"
    finally:
        process.kill()
        process.wait()
    assert jobs.recover_interrupted_jobs() == [job_id]
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.status, job.done, job.total, job.interruptions) == ("done", 3, 3, 1)
    assert job.interrupted_done == 1
    assert job.worker == jobs.this_worker()
    assert jobs.recover_interrupted_jobs() == []  # nothing left to take up


def test_a_job_of_another_machine_is_taken_over_when_it_stops_moving(app_ctx):
    course, _enrolments = eligible_course(PEOPLE[:2])
    job_id = running_job(course, "elsewhere.example/4242/12345")
    assert jobs.recover_interrupted_jobs() == []  # it moved a moment ago
    later = utcnow() + timedelta(minutes=16)
    assert jobs.recover_interrupted_jobs(later) == [job_id]
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "done"


def test_a_queued_job_lost_from_the_queue_is_queued_again(app_ctx):
    """Its worker took it from the queue and died before recording it."""
    course, _enrolments = eligible_course(PEOPLE[:2])
    job = Job(kind="certificates.zip", course_id=course.id)
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    assert jobs.recover_interrupted_jobs() == []  # just queued: a worker may be taking it
    assert jobs.recover_interrupted_jobs(utcnow() + timedelta(minutes=2)) == [job_id]
    db.session.expire_all()
    assert db.session.get(Job, job_id).status == "done"


def test_a_job_interrupted_too_often_fails_and_retry_completes_it(app, database_url, users, web_as):
    env = worker_env(app, database_url)
    process, identity = identity_of_a_process(env)
    process.kill()
    process.wait()
    with app.app_context():
        course, _enrolments = eligible_course(PEOPLE[:3])
        job_id = running_job(course, identity, interruptions=jobs.MAX_INTERRUPTIONS)
        assert jobs.recover_interrupted_jobs() == [job_id]
        job = db.session.get(Job, job_id)
        assert job.status == "failed" and job.interruptions == jobs.MAX_INTERRUPTIONS + 1

    web = web_as("coordinator")
    page = web.get(f"/jobs/{job_id}")
    alert = " ".join(page.html.find(role="alert").get_text().split())
    assert alert == (
        "The job failed: The worker running this job stopped 4 times, the last at 1 of 3; it "
        "was not started again by itself. Certificates already issued are kept."
    )
    response = submit(page, "Retry")
    assert response.status_int == 302
    page = response.follow()
    assert "The job was started again." in page.text
    assert "Status: <strong>done</strong>. 3 of 3 certificates." in page.text
    assert page.html.find("a", string="Download")
    assert not page.html.find(id="interrupted")
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.done, job.total, job.interruptions) == ("done", 3, 3, 0)


def test_a_failed_batch_has_a_retry_button(app, users, web_as):
    """A batch that failed for a reason of its own (nobody was eligible yet) is started
    again from its page once the reason is gone."""
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:2])
        from wipo_training.timetable.models import Attendance

        db.session.execute(sa.delete(Attendance))  # nobody eligible
        db.session.commit()
        course_id, enrolment_ids = course.id, [e.id for e in enrolments]
    web = web_as("coordinator")
    response = submit(web.get(f"/courses/{course_id}/certificates"), "Issue and download")
    page = response.follow()
    assert "The job failed: CertificateError: No certificate of ENF-2013 is issued." in page.text
    assert page.html.find("button", string="Retry")
    staff = webtest.TestApp(app)  # staff gather the certificates issued; they do not issue
    assert web_sign_in(staff, users["staff"]).status_int == 302
    staff_page = staff.get(page.request.path)
    assert not staff_page.html.find("button", string="Retry")
    assert "A coordinator can start it again." in staff_page.text
    with app.app_context():
        for enrolment_id in enrolment_ids:
            from wipo_training.participants.models import Enrolment

            services.set_override(
                None, db.session.get(Enrolment, enrolment_id), True, "<script>alert(1)</script>"
            )
        db.session.commit()
    page = submit(web.get(page.request.path), "Retry").follow()
    assert "Status: <strong>done</strong>. 2 of 2 certificates." in page.text
    again = submit(web.get(f"/courses/{course_id}/certificates"), "Issue and download").follow()
    job_path = again.request.path
    assert "Status: <strong>done</strong>" in again.text
    assert not again.html.find("button", string="Retry")
    assert job_path != page.request.path


def test_the_queue_is_built_from_the_apps_config(database_url, tmp_path):
    """Redis when HUEY_REDIS_URL is set, else a SQLite file in the app's instance folder."""
    build_app(database_url, tmp_path / "one", HUEY_IMMEDIATE=False)
    assert isinstance(jobs.huey.storage, SqliteStorage)
    assert jobs.huey.storage.filename == str(tmp_path / "one" / "jobs.sqlite")
    build_app(
        database_url,
        tmp_path / "two",
        HUEY_IMMEDIATE=False,
        HUEY_REDIS_URL="redis://127.0.0.1:6379/7",
    )
    assert isinstance(jobs.huey.storage, RedisStorage)
    assert jobs.huey.storage.conn.connection_pool.connection_kwargs["db"] == 7


def test_a_job_of_a_kind_without_a_handler_fails_and_says_so(app_ctx):
    course, _enrolments = eligible_course(PEOPLE[:1])
    job = Job(kind="posters.pdf", course_id=course.id)
    db.session.add(job)
    db.session.flush()
    job_id = job.id  # read before the commit, as start_batch does: after it, a transaction
    db.session.commit()
    jobs.enqueue(job_id, None)
    job = db.session.get(Job, job_id)
    assert (job.status, job.error) == ("failed", "No handler for jobs of kind posters.pdf.")
