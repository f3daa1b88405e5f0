"""Background jobs: a Huey task queue (SQLite storage in the instance folder by default, Redis
when HUEY_REDIS_URL is set) and a Job table the pages and the API read progress from.

Run the worker with ``flask --app wsgi worker`` (``make run`` starts it).
"""

import os
import threading
from datetime import datetime

import sqlalchemy as sa
from huey import RedisHuey, SqliteHuey
from sqlalchemy.orm import Mapped, mapped_column

from config import INSTANCE_DIR

from .extensions import db
from .timeutil import UTCDateTime, utcnow


def _make_huey():
    if os.environ.get("HUEY_REDIS_URL"):
        return RedisHuey("wipo_training", url=os.environ["HUEY_REDIS_URL"])
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        "wipo_training",
        filename=str(INSTANCE_DIR / "jobs.sqlite"),
        immediate=os.environ.get("HUEY_IMMEDIATE") == "1",
    )


huey = _make_huey()


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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

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
    """The app a task runs in: the current one (inline jobs), or one per worker process,
    made once even when the worker's threads start two tasks at the same moment."""
    global _worker_app
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    with _worker_app_lock:
        if _worker_app is None:
            from . import create_app

            _worker_app = create_app()
    return _worker_app


@huey.task()
def run_certificate_batch(job_id: int, served_at: str | None = None) -> None:
    """Issue a course's missing certificates and build the merged PDF or the ZIP.
    ``served_at``: the address of the request that queued it, printed in the QR codes
    when PUBLIC_BASE_URL is not set (the worker has no request of its own)."""
    from .documents.services import run_batch

    with task_app().app_context():
        run_batch(job_id, served_at=served_at)
