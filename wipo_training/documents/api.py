"""JSON API for certificates and jobs (under /api/v1)."""

from flask import abort as flask_abort
from flask import request, send_file
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from ..access import EDITORS, READERS, public, roles, signed_in
from ..courses.models import Course
from ..downloads import stored_file
from ..extensions import db, limiter
from ..jobs import Job
from ..rest import Integer
from . import services
from .access import can_download, can_see_job
from .models import CertificateStatus

blp = Blueprint(
    "documents_api",
    __name__,
    url_prefix="/api/v1",
    description="Certificates, verification and background jobs.",
)


class CertificateSchema(Schema):
    id = Integer()
    serial = fields.String()
    verification_code = fields.String()
    status = fields.String()
    issued_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    enrolment_id = Integer()
    participant = fields.Function(lambda c: c.enrolment.person.full_name)
    country_code = fields.Function(lambda c: c.enrolment.country_code)


class BatchSchema(Schema):
    format = fields.String(load_default="pdf", validate=validate.OneOf(services.BATCH_FORMATS))


class JobSchema(Schema):
    id = Integer()
    kind = fields.String()
    status = fields.String()
    done = Integer()
    total = Integer()
    percent = Integer()
    error = fields.String()
    course_id = Integer(allow_none=True)


class VerificationSchema(Schema):
    valid = fields.Function(lambda c: c.status == CertificateStatus.ISSUED)
    status = fields.String()
    serial = fields.String()
    #: As printed on the certificate (a later correction of the record does not change it);
    #: initials only when asked for by serial number (serials run in sequence).
    name = fields.Function(
        lambda c: (
            services.initials(services.printed_name(c))
            if getattr(c, "asked_by_serial", False)
            else services.printed_name(c)
        )
    )
    course = fields.Function(lambda c: c.enrolment.course.title)
    start_date = fields.Function(lambda c: c.enrolment.course.start_date.isoformat())
    end_date = fields.Function(lambda c: c.enrolment.course.end_date.isoformat())
    issuer = fields.Function(
        lambda c: c.enrolment.course.organisers or c.enrolment.course.fund.name
    )
    issued_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    #: The serial of the certificate issued in place of a revoked one.
    replaced_by = fields.Function(lambda c: _replacement_serial(c), allow_none=True)


def _replacement_serial(certificate) -> str | None:
    if certificate.status != CertificateStatus.REVOKED:
        return None
    replacement = services.replacement_of(certificate)
    return replacement.serial if replacement else None


@blp.route("/courses/<int:course_id>/certificates")
@roles(*READERS)
@blp.response(200, CertificateSchema(many=True))
def list_certificates(course_id):
    """The course's certificates: serial, code, participant, status."""
    return services.course_certificates(db.session.get(Course, course_id) or flask_abort(404))


@blp.route("/courses/<int:course_id>/certificates/batch", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(BatchSchema)
@blp.response(202, JobSchema)
def start_batch(values, course_id):
    """Issue every eligible participant's certificate and build one PDF or a ZIP, in the
    background; poll GET /jobs/{id}."""
    course = db.session.get(Course, course_id) or flask_abort(404)
    job = services.start_batch(current_user, course, values["format"], served_at=request.url_root)
    job_id = job.id
    db.session.commit()
    services.queue_batch(job_id, request.url_root)
    return db.session.get(Job, job_id)


def _job(job_id) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or not can_see_job(current_user, job):
        flask_abort(404)
    return job


@blp.route("/jobs/<int:job_id>")
@signed_in
@blp.response(200, JobSchema)
def get_job(job_id):
    """A job's status and progress."""
    return _job(job_id)


@blp.route("/jobs/<int:job_id>/result")
@signed_in
@blp.response(200, content_type="application/octet-stream")
def job_result(job_id):
    """The job's file (404 until it is done)."""
    job = _job(job_id)
    if job.status != "done":
        abort(404, message=f"The job is {job.status}.")
    return send_file(
        services.job_path(job),
        as_attachment=True,
        download_name=services.job_download_name(job),
    )


@blp.route("/certificates/<code>")
@public
@limiter.limit("60 per minute")
@blp.response(200, VerificationSchema)
def verify(code):
    """Public: whether the certificate with this code (any case, hyphens optional) or this
    serial number is valid or revoked, and what replaced a revoked one."""
    certificate = services.by_code(code)
    if certificate is None:
        abort(404, message="No certificate has this code.")
    certificate.asked_by_serial = services.found_by_serial(certificate, code)
    return certificate


@blp.route("/certificates/<code>/pdf")
@signed_in
@blp.response(200, content_type="application/pdf")
def certificate_pdf(code):
    """The stored PDF, for its participant, coordinators and staff."""
    certificate = services.by_code(code)
    if certificate is None or not can_download(current_user, certificate):
        flask_abort(404)
    return stored_file(services.pdf_path(certificate), f"{certificate.serial}.pdf")
