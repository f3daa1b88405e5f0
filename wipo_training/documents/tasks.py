"""The documents' background work, run by the job worker (jobs.py): certificate batches."""

from flask import Flask

from ..jobs import register_job_kind
from . import services


def run_certificate_batch(job_id: int, served_at: str | None) -> None:
    """Issue a course's missing certificates and build the merged PDF or the ZIP (or, for
    staff, the file of those issued so far)."""
    services.run_batch(job_id, served_at=served_at)


def init_app(app: Flask) -> None:
    """Register the kinds of job the documents package runs."""
    register_job_kind(app, "certificates", run_certificate_batch)
    register_job_kind(app, services.ISSUED_ONLY, run_certificate_batch)
