"""Certificate pages: eligibility, issue, revoke, reissue, settings, downloads, jobs and the
public verification page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..access import EDITORS, READERS, public, roles, signed_in
from ..courses.models import Course
from ..downloads import stored_file
from ..extensions import db, limiter
from ..jobs import Job
from ..participants.models import Enrolment
from ..people.models import Person
from ..rules import saving
from ..timeutil import utcnow
from ..versioning import posted_version
from . import services
from .access import can_download, can_retry, can_see_job
from .forms import (
    BatchForm,
    ConfirmNameForm,
    CorrectNameForm,
    NameAsPrintedForm,
    NameDecisionForm,
    OverrideForm,
    ReasonForm,
    SettingsForm,
    VerifyForm,
)
from .models import Certificate, CertificateStatus

bp = Blueprint("documents", __name__)


@bp.route("/courses/<int:course_id>/certificates")
@roles(*READERS)
def course_certificates(course_id: int):
    """Who is eligible and why not; the certificates issued and revoked."""
    course = db.get_or_404(Course, course_id)
    rows = services.eligibility(course)
    certificates = services.course_certificates(course)
    by_enrolment = {}
    for certificate in certificates:
        if certificate.status != CertificateStatus.REVOKED:
            by_enrolment[certificate.enrolment_id] = certificate
    return render_template(
        "documents/certificates.html",
        course=course,
        rows=rows,
        certificates=certificates,
        current=by_enrolment,
        batch_form=BatchForm(),
        can_edit=current_user.role in EDITORS,
        eligible_count=sum(r.eligible for r in rows),
        issued_count=sum(c.status == CertificateStatus.ISSUED for c in certificates),
        not_yet=services.not_yet_issuable(course, utcnow()),
        confirmed_count=sum(r.enrolment.person.name_status == "confirmed" for r in rows),
    )


@bp.route("/courses/<int:course_id>/certificates/names/<int:person_id>/approve", methods=["POST"])
@roles(*EDITORS)
def approve_name(course_id: int, person_id: int):
    """Print the name a participant corrected (and count it as confirmed)."""
    return _decide_name(course_id, person_id, approve=True)


@bp.route("/courses/<int:course_id>/certificates/names/<int:person_id>/reject", methods=["POST"])
@roles(*EDITORS)
def reject_name(course_id: int, person_id: int):
    """Keep the name as it is: the participant is asked to confirm it again."""
    return _decide_name(course_id, person_id, approve=False)


def _decide_name(course_id: int, person_id: int, approve: bool):
    course = db.get_or_404(Course, course_id)
    person = db.get_or_404(Person, person_id)
    form = NameDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as outcome:
        services.decide_name(current_user, person, approve, posted_version(form.version.data))
    if outcome:
        done = "approved: it is printed from now on" if approve else "rejected"
        flash(f"The correction of {person.printed_name}'s name {done}.", "success")
    return redirect(url_for("documents.course_certificates", course_id=course.id))


@bp.route("/people/<int:person_id>/name-as-printed", methods=["GET", "POST"])
@roles(*EDITORS)
def name_as_printed(person_id: int):
    """The order of a person's names and the Latin name as their certificates print it."""
    person = db.get_or_404(Person, person_id)
    form = NameAsPrintedForm()
    if request.method == "GET":
        form.name_order.data = person.name_order or ""
        form.name_as_printed.data = person.name_as_printed
        form.version.data = person.version
    if form.validate_on_submit():
        with saving(form) as outcome:
            services.save_name_as_printed(
                current_user,
                person,
                form.name_order.data,
                form.name_as_printed.data or "",
                posted_version(form.version.data),
            )
        if outcome:
            flash(f"Saved: certificates print “{person.printed_name}”.", "success")
            return redirect(url_for("main.person_detail", person_id=person.id))
    return render_template("documents/name_as_printed.html", form=form, person=person)


@bp.route("/my/name", methods=["GET", "POST"])
@roles("trainee")
def my_name():
    """A participant confirms their name as their certificates will print it, or corrects it
    (a coordinator approves the correction)."""
    person = db.session.get(Person, current_user.person_id or 0)
    if person is None:
        abort(404)
    confirm, correct = ConfirmNameForm(prefix="confirm"), CorrectNameForm(prefix="correct")
    if confirm.submit.data and confirm.validate_on_submit():
        with saving() as outcome:
            services.confirm_name(
                current_user, person, confirm.shown_name.data or "", confirm.shown_native.data or ""
            )
        if outcome:
            flash("Thank you: your name is confirmed for your certificates.", "success")
            return redirect(url_for("main.dashboard"))
    elif correct.submit.data and correct.validate_on_submit():
        with saving(correct) as outcome:
            services.propose_name(
                current_user, person, correct.name.data or "", correct.native_name.data or ""
            )
        if outcome:
            flash("Thank you: the coordinator will check your correction.", "success")
            return redirect(url_for("main.dashboard"))
    if not correct.submit.data:
        correct.name.data = person.proposed_name or person.printed_name
        correct.native_name.data = (
            person.proposed_native_name if person.proposed_name is not None else person.native_name
        )
    confirm.shown_name.data, confirm.shown_native.data = person.printed_name, person.native_name
    return render_template(
        "documents/my_name.html", person=person, confirm=confirm, correct=correct
    )


@bp.route("/courses/<int:course_id>/certificates/batch", methods=["POST"])
@roles(*READERS)
def batch(course_id: int):
    """Start the background job; the page shows its progress. Coordinators issue what is
    missing first; staff download the certificates issued so far."""
    course = db.get_or_404(Course, course_id)
    form = BatchForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as outcome:
        job = services.start_batch(
            current_user,
            course,
            form.format.data,
            served_at=request.url_root,
            issue=current_user.role in EDITORS,
        )
        job_id = job.id  # read before the commit (after it, reading would start a transaction)
    if not outcome:
        return redirect(url_for("documents.course_certificates", course_id=course.id))
    services.queue_batch(job_id, request.url_root)
    return redirect(url_for("documents.job", job_id=job_id))


@bp.route("/enrolments/<int:enrolment_id>/certificate", methods=["POST"])
@roles(*EDITORS)
def issue(enrolment_id: int):
    """Issue one participant's certificate now."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    with saving() as outcome:
        certificate = services.issue_one(current_user, enrolment, served_at=request.url_root)
    if outcome:
        flash(
            f"Certificate {certificate.serial} issued to {enrolment.person.full_name}.", "success"
        )
    return redirect(url_for("documents.course_certificates", course_id=enrolment.course_id))


@bp.route("/enrolments/<int:enrolment_id>/eligibility", methods=["POST"])
@roles(*EDITORS)
def override(enrolment_id: int):
    """Give or withhold a certificate against the rules, with a written reason."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = OverrideForm()
    if form.validate_on_submit():
        with saving() as outcome:
            if form.decision.data == "rules":
                services.clear_override(current_user, enrolment)
            else:
                services.set_override(
                    current_user,
                    enrolment,
                    form.decision.data == "eligible",
                    form.reason.data or "",
                )
        if outcome:
            flash(f"Eligibility of {enrolment.person.full_name} saved.", "success")
    return redirect(url_for("documents.course_certificates", course_id=enrolment.course_id))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles(*EDITORS)
def revoke(certificate_id: int):
    """Revoke a certificate, with the reason."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Write the reason for revoking the certificate.", "danger")
    else:
        with saving() as outcome:
            services.revoke(current_user, certificate, form.reason.data)
        if outcome:
            flash(f"{certificate.serial} revoked.", "info")
    return redirect(
        url_for("documents.course_certificates", course_id=certificate.enrolment.course_id)
    )


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@roles(*EDITORS)
def reissue(certificate_id: int):
    """Revoke and issue again with a new serial (after correcting a name, say)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("Write the reason for reissuing the certificate.", "danger")
    else:
        with saving() as outcome:
            new = services.reissue(
                current_user, certificate, form.reason.data, served_at=request.url_root
            )
        if outcome:
            flash(f"{new.serial} issued; {certificate.serial} is revoked.", "success")
    return redirect(
        url_for("documents.course_certificates", course_id=certificate.enrolment.course_id)
    )


@bp.route("/certificates/<int:certificate_id>/pdf")
@signed_in
def download(certificate_id: int):
    """The stored PDF, byte for byte as issued."""
    certificate = db.get_or_404(Certificate, certificate_id)
    if (
        not can_download(current_user, certificate)
        or certificate.status == CertificateStatus.PENDING
    ):
        abort(404)
    return stored_file(services.pdf_path(certificate), f"{certificate.serial}.pdf")


@bp.route("/courses/<int:course_id>/certificates/settings", methods=["GET", "POST"])
@roles(*EDITORS)
def settings(course_id: int):
    """Signatories, their signatures and the organisers' logos."""
    course = db.get_or_404(Course, course_id)
    current = services.settings_for(course)
    form = SettingsForm(obj=current)
    if request.method == "GET":
        form.version.data = current.version or 0  # 0: none saved yet
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.SETTINGS_TEXTS}
        for name in services.SETTINGS_IMAGES:  # an image not chosen again stays as it is
            upload = getattr(form, name).data
            values[name] = upload.read() if getattr(upload, "filename", "") else None
        with saving(form) as outcome:
            services.save_settings(current_user, course, values, posted_version(form.version.data))
        if outcome:
            flash(
                "Certificate settings saved; they apply to certificates issued from now on.",
                "success",
            )
            return redirect(url_for("documents.course_certificates", course_id=course.id))
    return render_template(
        "documents/settings.html",
        form=form,
        course=course,
        settings=current,
        image=services.image_data_url,
    )


def _visible_job(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if not can_see_job(current_user, job):
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
@signed_in
def job(job_id: int):
    """The progress of a background job; the page refreshes itself until it is done."""
    job = _visible_job(job_id)
    return render_template(
        "documents/job.html",
        job=job,
        can_retry=can_retry(current_user, job),
        retry_form=FlaskForm(),
    )


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@roles(*READERS)
def job_retry(job_id: int):
    """Start a failed job again; it keeps what it did before it failed."""
    job = _visible_job(job_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not can_retry(current_user, job):
        flash("Only a coordinator starts again a job that issues certificates.", "danger")
        return redirect(url_for("documents.job", job_id=job_id))
    with saving() as outcome:
        services.retry_batch(current_user, job)
        base_url = job.base_url  # read before the commit, as job_id
    if outcome:
        services.queue_batch(job_id, base_url)
        flash("The job was started again.", "info")
    return redirect(url_for("documents.job", job_id=job_id))


@bp.route("/jobs/<int:job_id>/download")
@signed_in
def job_download(job_id: int):
    """The job's result file."""
    job = _visible_job(job_id)
    if job.status != "done" or not job.result_name:
        abort(404)
    return send_file(
        services.job_path(job),
        as_attachment=True,
        download_name=services.job_download_name(job),
    )


@bp.route("/verify")
@public
@limiter.limit("60 per minute")
def verify_form():
    """Type a certificate's code to check it."""
    form = VerifyForm(request.args)
    if request.args.get("code") and form.validate():
        typed = form.code.data.strip()
        return redirect(url_for("documents.verify", code=services.normalise_code(typed) or typed))
    return render_template("documents/verify_form.html", form=form)


@bp.route("/verify/<code>")
@public
@limiter.limit("60 per minute")
def verify(code: str):
    """Public: is this certificate genuine, and is it still valid? The code as printed or
    typed (any case, hyphens optional), or the serial number."""
    certificate = services.by_code(code)
    status = 200 if certificate else 404
    # Serials run in sequence: found by one, the page names the holder by initials only, so
    # counting through serials does not list who took part. The code shows the full name.
    by_serial = certificate is not None and services.found_by_serial(certificate, code)
    name = services.printed_name(certificate) if certificate else ""
    return render_template(
        "documents/verify.html",
        certificate=certificate,
        code=code,
        form=VerifyForm(code=code),
        by_serial=by_serial,
        name=services.initials(name) if by_serial else name,
        native_name=(
            services.printed_native_name(certificate) if certificate and not by_serial else ""
        ),
        replacement=(
            services.replacement_of(certificate)
            if certificate and certificate.status == CertificateStatus.REVOKED
            else None
        ),
    ), status
