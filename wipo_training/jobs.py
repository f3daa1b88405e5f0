"""Background jobs: a Huey task queue (SQLite storage in the instance folder by default, Redis
when HUEY_REDIS_URL is set) and a Job table the pages and the API read progress from.

Run the worker with ``flask --app wsgi worker`` (``make run`` starts it).

The queue is created unbound, as the Flask extensions are, and ``init_app`` gives it the
storage the app's config names. It runs one task, ``run_job``: a job's kind names the handler
that does the work, registered by the domain that owns that kind (documents/tasks.py for
certificate batches), so this module, below every domain, imports none.

A job names the worker process running it. A worker that dies (kill -9, out of memory, the
machine stopping) cannot mark its job failed: the job would stay "running" for ever. So
every worker, when it starts and then each minute, looks for running jobs whose worker is
gone and queues them again: a certificate batch resumes where it stopped, keeping what it
issued. A job interrupted MAX_INTERRUPTIONS times is failed instead, and its page offers
to retry it.
"""

import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, crontab
from huey.storage import BaseStorage, RedisStorage, SqliteStorage
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import UTCDateTime, utcnow

#: What runs a job: called in an app context with the job's id and the address of the
#: request that queued it (or None), once this process has claimed the job.
JobHandler = Callable[[int, str | None], None]


class QueueNotSetUp(BaseStorage):
    """The queue's storage until ``init_app``: any use of it says what is missing."""

    def __getattribute__(self, name):
        if name == "name" or name.startswith("__"):
            return object.__getattribute__(self, name)
        raise RuntimeError("The task queue is not set up: create_app() binds it (jobs.init_app).")


class TaskQueue(Huey):
    """A Huey created unbound; ``init_app`` gives it the app's storage (HUEY_REDIS_URL, else
    ``jobs.sqlite`` in the instance folder) or, with HUEY_IMMEDIATE, runs tasks inline. A
    process has one queue: the app created last configures it (as the worker's does)."""

    def __init__(self, name: str):
        super().__init__(name, storage_class=QueueNotSetUp)

    def init_app(self, app: Flask) -> None:
        if app.config["HUEY_REDIS_URL"]:
            self.storage_class = RedisStorage
            self.storage_kwargs = {"url": app.config["HUEY_REDIS_URL"]}
        else:
            self.storage_class = SqliteStorage
            self.storage_kwargs = {"filename": str(Path(app.instance_path) / "jobs.sqlite")}
        self._immediate = app.config["HUEY_IMMEDIATE"]  # tests: a job runs in its request
        self.storage = self.create_storage()
        app.extensions["jobs"] = {"queue": self, "handlers": {}}


huey = TaskQueue("wipo_training")


def init_app(app: Flask) -> None:
    """Bind the task queue to ``app``; the domains then register their job kinds."""
    huey.init_app(app)


def register_job_kind(app: Flask, family: str, handler: JobHandler) -> None:
    """Jobs whose kind is ``family`` or starts with ``family.`` (e.g. "certificates.pdf")
    are run by ``handler``."""
    app.extensions["jobs"]["handlers"][family] = handler


class Job(db.Model):
    """One piece of long work: its progress, its result file, or its error."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  #: e.g. "certificates.pdf"
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(
        sa.String(10), default="queued"
    )  #: queued running done failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    result_name: Mapped[str | None] = mapped_column(sa.String(200))  #: instance/jobs/<name>
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Every progress step touches it: a job of another machine's worker that has not moved
    #: for JOB_STALE_AFTER (config.py) is taken for interrupted.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: The process running it (see this_worker), None until a worker takes it.
    worker: Mapped[str | None] = mapped_column(sa.String(120))
    #: The address of the request that started it (certificates print it when
    #: PUBLIC_BASE_URL is not set): a resumed run prints the same.
    base_url: Mapped[str | None] = mapped_column(sa.String(300))
    interruptions: Mapped[int] = mapped_column(default=0, server_default="0")  #: workers died
    interrupted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: the last time
    interrupted_done: Mapped[int | None] = mapped_column()  #: its progress then

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} {self.done}/{self.total}>"

    @property
    def percent(self) -> int:
        return (
            int(100 * self.done / self.total)
            if self.total
            else (100 if self.status == "done" else 0)
        )


_worker_app = None
_worker_app_lock = threading.Lock()


def task_app():
    """The app a task runs in: the current one (inline jobs), the worker's (``run_worker``), or
    else one per process, made once even when two threads start tasks at the same moment."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    with _worker_app_lock:
        if _worker_app is None:
            from . import create_app

            _worker_app = create_app()
    return _worker_app


def run_worker(app: Flask, threads: int) -> None:
    """Run the queue's consumer in this process: its tasks run in ``app``."""
    global _worker_app
    _worker_app = app
    # Poll at least every second: an idle consumer backs off to huey's default of 10 s,
    # which a coordinator waiting for a batch would notice.
    huey.create_consumer(workers=threads, worker_type="thread", max_delay=1.0).run()


@huey.task()
def run_job(job_id: int, served_at: str | None = None) -> None:
    """Run a job with the handler registered for its kind, unless it is finished or another
    live worker runs it. ``served_at``: the address of the request that queued it (a worker
    has no request of its own; certificates print it when PUBLIC_BASE_URL is not set)."""
    app = task_app()
    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None:
            return
        family = job.kind.partition(".")[0]
        handler = app.extensions["jobs"]["handlers"].get(family)
        if handler is None:  # a kind this version of the code does not know
            job.status, job.error = "failed", f"No handler for jobs of kind {job.kind}."
            db.session.commit()
        elif claim(job_id):
            handler(job_id, served_at)


def enqueue(job_id: int, base_url: str | None) -> None:
    """Queue a job that is committed as queued (the worker must see it)."""
    run_job(job_id, base_url)


# --- workers that died ----------------------------------------------------------------------

#: How many times a job is resumed after its worker died; the next time it is failed (a job
#: that kills its worker each time, by exhausting memory say, would otherwise loop).
MAX_INTERRUPTIONS = 3
#: A queued job not in the queue is taken for lost after this long (its worker took it from
#: the queue and died before recording it; the grace leaves a live worker time to record it).
LOST_AFTER = timedelta(minutes=1)


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None when no such
    process is alive. A process id is reused; with its start time it names one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the name in parentheses may hold spaces
    return None if fields[0] in ("Z", "X") else fields[19]  # state, then starttime (field 22)


def _alive_without_proc(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def this_worker() -> str:
    """This process as a job's runner: "host/pid/start time"."""
    return f"{socket.gethostname()}/{os.getpid()}/{_process_start(os.getpid()) or '-'}"


def worker_alive(job: Job, now: datetime) -> bool:
    """Is the process running ``job`` still there? On this machine, asked of the system; a
    worker of another machine (workers sharing Redis) is alive while its job moves."""
    if job.worker and job.worker.count("/") >= 2:
        host, pid, started = job.worker.rsplit("/", 2)
        if host == socket.gethostname() and pid.isdigit():
            if started == "-":
                return _alive_without_proc(int(pid))
            return _process_start(int(pid)) == started
    stale_after = current_app.config["JOB_STALE_AFTER"]
    return job.updated_at > now - stale_after


def _same_worker(worker: str | None):
    return Job.worker.is_(None) if worker is None else Job.worker == worker


def claim(job_id: int) -> bool:
    """Record this process as the job's runner, unless it is finished or another live worker
    runs it (a job queued twice); True when this process is to run it."""
    job = db.session.get(Job, job_id)
    if job is None or job.status not in ("queued", "running"):
        return False
    me = this_worker()
    if job.status == "running" and job.worker != me and worker_alive(job, utcnow()):
        return False
    taken = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == job.status, _same_worker(job.worker))
        .values(worker=me, status="running", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def _queued_task_ids() -> set[int] | None:
    """The job ids of the tasks waiting in the queue (None if the queue cannot be read)."""
    try:
        return {task.args[0] for task in huey.pending() if task.args}
    except Exception:  # a task of another version of the code cannot be read back
        return None


def recover_interrupted_jobs(now: datetime | None = None) -> list[int]:
    """Queue again the running jobs whose worker died, and the queued jobs lost from the
    queue; fail those interrupted MAX_INTERRUPTIONS times already. Returns their ids. Safe
    to run in several workers at once: each job is taken over by one of them."""
    now = now or utcnow()
    jobs = (
        db.session.execute(
            sa.select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.id)
        )
        .scalars()
        .all()
    )
    waiting = None
    recovered = []
    for job in jobs:
        if job.status == "running":
            if worker_alive(job, now):
                continue
            interruptions = job.interruptions + 1
            values = {
                "worker": None,
                "interruptions": interruptions,
                "interrupted_at": now,
                "interrupted_done": job.done,
                "status": "queued",
            }
            if interruptions > MAX_INTERRUPTIONS:
                values["status"] = "failed"
                values["error"] = (
                    f"The worker running this job stopped {interruptions} times, the last at "
                    f"{job.done} of {job.total}; it was not started again by itself"
                )
        else:
            if job.updated_at > now - LOST_AFTER:
                continue
            if waiting is None:
                waiting = _queued_task_ids()
            if waiting is None or job.id in waiting:
                continue
            values = {"updated_at": now}
        job_id, base_url = job.id, job.base_url  # read before the commit expires them
        changed = db.session.execute(
            sa.update(Job)
            .where(Job.id == job.id, Job.status == job.status, _same_worker(job.worker))
            .where(Job.updated_at == job.updated_at)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if changed:
            recovered.append(job_id)
            if values.get("status", "queued") == "queued":
                enqueue(job_id, base_url)
    return recovered


@huey.on_startup()
def resume_interrupted_jobs() -> None:
    """When a worker starts: take up the jobs its predecessor left running."""
    with task_app().app_context():
        recover_interrupted_jobs()


@huey.periodic_task(crontab(minute="*"))
def look_for_interrupted_jobs() -> None:
    """Each minute: the jobs of workers that died meanwhile (another machine's, say)."""
    with task_app().app_context():
        recover_interrupted_jobs()
