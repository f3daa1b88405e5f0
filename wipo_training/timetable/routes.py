"""Timetable pages: the grid and the list, session forms with clash warnings, site visits,
attendance marking, country reports, "my timetable" and calendar feeds."""

from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import EDITORS, READERS, public, roles, signed_in
from ..auth.models import User
from ..countries import get_country
from ..courses.access import visible_course_or_404
from ..courses.models import Course
from ..courses.services import can_see_course
from ..downloads import PDF, PPTX, attachment, stored_file
from ..extensions import db
from ..participants import services as participant_services
from ..participants.models import SEAT_HOLDING, Enrolment
from ..rules import saving
from ..spreadsheets import to_xlsx
from ..timeutil import utcnow
from ..versioning import posted_version
from . import calendars, services
from .forms import CopyTimetableForm, CountryReportForm, PresentersForm, ResetForm, SessionForm
from .models import AttendanceStatus, CountryReport, CourseSession, SessionKind

bp = Blueprint("timetable", __name__)


def report_storage() -> Path:
    return Path(current_app.instance_path) / "country_reports"


def visible_session(session_id: int) -> CourseSession:
    course_session = db.get_or_404(CourseSession, session_id)
    if not can_see_course(current_user, course_session.course):
        abort(404)
    return course_session


def _ics(data: bytes, filename: str) -> Response:
    return attachment(data, filename, inline=True)


@bp.route("/courses/<int:course_id>/timetable")
@signed_in
def timetable(course_id: int):
    """The course's timetable, day by day (grid) or as a list."""
    course = visible_course_or_404(course_id)
    sessions = services.course_sessions(course)
    view = "list" if request.args.get("view") == "list" else "grid"
    return render_template(
        "timetable/timetable.html",
        course=course,
        sessions=sessions,
        view=view,
        days=services.timetable_days(course, sessions),
        local=services.to_local,
        can_edit=current_user.role in EDITORS,
        now=utcnow(),
    )


def _session_form(course: Course, course_session: CourseSession | None = None) -> SessionForm:
    form = SessionForm()
    if request.method == "GET":
        if course_session is None:
            form.kind.data = request.args.get("kind", SessionKind.LECTURE)
            form.day.data = course.start_date
            form.evaluable.data = form.kind.data == SessionKind.LECTURE
        else:
            local_start = services.to_local(course, course_session.starts_at)
            form.process(obj=course_session)
            form.day.data = local_start.date()
            form.start.data = local_start.time()
            form.end.data = services.to_local(course, course_session.ends_at).time()
            form.lecturers.data = services.lecturer_lines(course_session)
            if course_session.departure_at:
                form.departure.data = services.to_local(course, course_session.departure_at).time()
    return form


def _session_data(form: SessionForm) -> services.SessionData:
    return services.SessionData(
        kind=form.kind.data,
        title=form.title.data,
        day=form.day.data,
        start=form.start.data,
        end=form.end.data,
        room=form.room.data or "",
        description=form.description.data or "",
        evaluable=form.evaluable.data,
        lecturers=services.parse_lecturer_lines(form.lecturers.data or ""),
        host_organisation=form.host_organisation.data or "",
        address=form.address.data or "",
        meeting_point=form.meeting_point.data or "",
        departure=form.departure.data,
        transport=form.transport.data or "",
        contact_person=form.contact_person.data or "",
        notes=form.notes.data or "",
    )


def _edit_session(course: Course, course_session: CourseSession | None):
    form = _session_form(course, course_session)
    warnings = []
    if form.validate_on_submit():
        try:
            with saving(form, field="title") as outcome:
                saved = services.save_session(
                    current_user,
                    course,
                    _session_data(form),
                    course_session,
                    # the "Save anyway" button, shown with the warnings
                    accept_warnings=request.form.get("accept_warnings") == "yes",
                    expected_version=posted_version(form.version.data) if course_session else None,
                )
        except services.SessionWarnings as exc:
            db.session.rollback()
            warnings = exc.warnings
        if outcome:
            flash(f"“{saved.title}” saved.", "success")
            return redirect(
                url_for(
                    "timetable.timetable",
                    course_id=course.id,
                    _anchor=f"day-{form.day.data.isoformat()}",
                )
            )
    return render_template(
        "timetable/session_form.html",
        form=form,
        course=course,
        course_session=course_session,
        warnings=warnings,
    )


@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_session(course_id: int):
    """Add a session (or a site visit) to the timetable."""
    return _edit_session(db.get_or_404(Course, course_id), None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_session(session_id: int):
    """Change a session; clashes are shown before saving."""
    course_session = db.get_or_404(CourseSession, session_id)
    return _edit_session(course_session.course, course_session)


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
@roles(*EDITORS)
def delete_session(session_id: int):
    """Remove a session (after the browser asked for confirmation)."""
    course_session = db.get_or_404(CourseSession, session_id)
    course_id = course_session.course_id
    if ResetForm().validate_on_submit():
        with saving() as outcome:
            services.delete_session(
                current_user, course_session, posted_version(request.form.get("version"))
            )
        if not outcome:
            return redirect(url_for("timetable.session_detail", session_id=session_id))
        flash("Session deleted.", "info")
    return redirect(url_for("timetable.timetable", course_id=course_id))


@bp.route("/sessions/<int:session_id>")
@signed_in
def session_detail(session_id: int):
    """One session: time, place, lecturers; for a site visit the host's details."""
    course_session = visible_session(session_id)
    course = course_session.course
    presenters = []
    if course_session.kind == SessionKind.COUNTRY_REPORT:
        presenters = [
            row
            for row in services.report_overview(course)
            if row["presentation"] and row["presentation"].session_id == session_id
        ]
        presenters.sort(key=lambda row: row["presentation"].position)
    return render_template(
        "timetable/session.html",
        course_session=course_session,
        course=course,
        local=services.to_local,
        delete_form=ResetForm(),
        presenters=presenters,
        can_edit=current_user.role in EDITORS,
        can_read=current_user.role in READERS,
        started=course_session.has_started(utcnow()),
    )


@bp.route("/sessions/<int:session_id>/visitors.xlsx")
@roles(*READERS)
def visitor_list(session_id: int):
    """The list the host of a site visit asks for: name, nationality, organisation, position."""
    course_session = db.get_or_404(CourseSession, session_id)
    course = course_session.course
    rows = [
        [
            f"{e.person.title} {e.person.full_name}".strip(),
            get_country(e.country_code).name,
            e.organisation.name if e.organisation else "",
            e.position,
        ]
        for e in services.expected_enrolments(course)
    ]
    data = to_xlsx("Visitors", ["Name", "Nationality", "Organisation", "Position"], rows)
    day = services.to_local(course, course_session.starts_at).date()
    return attachment(data, f"{course.code}-visitors-{day.isoformat()}.xlsx")


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@roles(*EDITORS)
def mark_attendance(session_id: int):
    """Mark attendance: everyone present by default; change the exceptions and save."""
    course_session = db.get_or_404(CourseSession, session_id)
    course = course_session.course
    enrolments = services.expected_enrolments(course)
    form = ResetForm()
    started = course_session.has_started(utcnow())
    if form.validate_on_submit():
        marks = {
            e.id: (
                request.form.get(f"status-{e.id}", AttendanceStatus.PRESENT),
                request.form.get(f"note-{e.id}", ""),
            )
            for e in enrolments
        }
        with saving() as outcome:
            services.record_attendance(current_user, course_session, marks, utcnow())
        if outcome:
            absent = sum(1 for status, _n in marks.values() if status != AttendanceStatus.PRESENT)
            flash(
                f"Attendance saved: {len(marks) - absent} present, {absent} exceptions.", "success"
            )
            return redirect(url_for("timetable.timetable", course_id=course.id))
    return render_template(
        "timetable/attendance.html",
        course_session=course_session,
        course=course,
        enrolments=enrolments,
        marks=services.attendance_for(course_session),
        form=form,
        statuses=list(AttendanceStatus),
        local=services.to_local,
        not_started=None if started else services.not_started_message(course_session),
    )


@bp.route("/courses/<int:course_id>/attendance")
@roles(*READERS)
def attendance_summary(course_id: int):
    """Attendance rates per participant (the certificate rule uses them) and per session."""
    course = db.get_or_404(Course, course_id)
    by_enrolment, by_session = services.attendance_rates(course)
    return render_template(
        "timetable/attendance_summary.html",
        course=course,
        enrolments=services.expected_enrolments(course),
        sessions=services.course_sessions(course),
        by_enrolment=by_enrolment,
        by_session=by_session,
        local=services.to_local,
        can_edit=current_user.role in EDITORS,
        now=utcnow(),
    )


@bp.route("/courses/<int:course_id>/timetable/copy", methods=["GET", "POST"])
@roles(*EDITORS)
def copy_timetable(course_id: int):
    """Copy an earlier edition's sessions into this course, weekday for weekday."""
    course = db.get_or_404(Course, course_id)
    form = CopyTimetableForm()
    sources = (
        db.session.execute(
            sa.select(Course).where(Course.id != course.id).order_by(Course.start_date.desc())
        )
        .scalars()
        .all()
    )
    form.source.choices = [SelectChoice(c.id, f"{c.code} — {c.title}") for c in sources]
    if request.method == "GET" and course.previous_edition_id:
        form.source.data = course.previous_edition_id
    if form.validate_on_submit():
        source = db.get_or_404(Course, form.source.data)
        copied = services.copy_timetable(current_user, source, course)
        db.session.commit()
        flash(
            f"{copied} sessions copied from {source.code}. Check the lecturers and rooms.",
            "success",
        )
        return redirect(url_for("timetable.timetable", course_id=course.id))
    return render_template("timetable/copy.html", form=form, course=course)


@bp.route("/courses/<int:course_id>/country-reports")
@roles(*READERS)
def country_reports(course_id: int):
    """Who uploaded a country report, and who presents in which session."""
    course = db.get_or_404(Course, course_id)
    report_sessions = [
        s for s in services.course_sessions(course) if s.kind == SessionKind.COUNTRY_REPORT
    ]
    overview = services.report_overview(course)
    return render_template(
        "timetable/country_reports.html",
        course=course,
        overview=overview,
        report_sessions=report_sessions,
        form=PresentersForm(),
        local=services.to_local,
        missing=[row for row in overview if row["report"] is None],
        can_edit=current_user.role in EDITORS,
    )


@bp.route("/sessions/<int:session_id>/presenters", methods=["POST"])
@roles(*EDITORS)
def assign_presenters(session_id: int):
    """Set who presents their country report in this session."""
    course_session = db.get_or_404(CourseSession, session_id)
    if PresentersForm().validate_on_submit():
        chosen = [int(v) for v in request.form.getlist("enrolment_id") if v.isdigit()]
        with saving() as outcome:
            services.assign_presenters(current_user, course_session, chosen)
        if outcome:
            flash(f"{len(chosen)} presenters in “{course_session.title}”.", "success")
    return redirect(url_for("timetable.country_reports", course_id=course_session.course_id))


@bp.route("/courses/<int:course_id>/my-report", methods=["GET", "POST"])
@roles("trainee")
def my_report(course_id: int):
    """A trainee uploads (or replaces) their country report before the deadline."""
    course = visible_course_or_404(course_id)
    enrolment = participant_services.trainee_enrolment(current_user, course, SEAT_HOLDING)
    if enrolment is None:
        abort(404)
    form = CountryReportForm()
    if form.validate_on_submit():
        upload = form.file.data
        with saving(form, field="file") as outcome:
            services.store_country_report(
                current_user,
                enrolment,
                upload.filename or "",
                upload.read(),
                report_storage(),
                utcnow(),
            )
        if outcome:
            flash("Your country report is uploaded.", "success")
            return redirect(url_for("timetable.my_report", course_id=course.id))
    report = db.session.execute(
        sa.select(CountryReport).where(CountryReport.enrolment_id == enrolment.id)
    ).scalar_one_or_none()
    return render_template(
        "timetable/my_report.html",
        course=course,
        form=form,
        report=report,
        closed=services.report_deadline_passed(course, utcnow()),
        limit_mb=services.COUNTRY_REPORT_MAX_BYTES // 1048576,
    )


@bp.route("/country-reports/<int:report_id>")
@signed_in
def download_report(report_id: int):
    """The file, for the course's coordinators and staff and for its author only."""
    report = db.get_or_404(CountryReport, report_id)
    is_author = (
        current_user.person_id is not None and report.enrolment.person_id == current_user.person_id
    )
    if current_user.role not in READERS and not is_author:
        abort(404)
    mimetype = {"pdf": PDF, "pptx": PPTX}
    return stored_file(
        services.report_path(report_storage(), report), report.filename, mimetype[report.kind]
    )


@bp.route("/my/timetable")
@roles("trainee")
def my_timetable():
    """The trainee's own timetable across their courses, with a calendar address."""
    enrolments = (
        db.session.execute(
            sa.select(Enrolment)
            .where(
                Enrolment.person_id == (current_user.person_id or -1),
                Enrolment.status.in_(SEAT_HOLDING),  # withdrawn or rejected: not theirs
            )
            .join(Course)
            .order_by(Course.start_date.desc())
        )
        .scalars()
        .all()
    )
    courses = [
        (e.course, services.timetable_days(e.course, services.course_sessions(e.course)))
        for e in enrolments
    ]
    feed = url_for(
        "timetable.personal_calendar",
        user_id=current_user.id,
        token=calendars.feed_token(current_user),
        _external=True,
    )
    return render_template(
        "timetable/my_timetable.html",
        courses=courses,
        feed=feed,
        local=services.to_local,
        reset_form=ResetForm(),
    )


@bp.route("/my/calendar/reset", methods=["POST"])
@roles("trainee")
def reset_calendar():
    """Give the personal calendar a new secret address; the old one stops working."""
    if ResetForm().validate_on_submit():
        user = db.session.get(User, current_user.id)
        user.calendar_version += 1
        from ..audit import record_audit

        record_audit(user, "calendar.reset", user)
        db.session.commit()
        flash("Your calendar has a new address. Subscribe again with the new one.", "info")
    return redirect(url_for("timetable.my_timetable"))


@bp.route("/calendar/<int:user_id>/<token>.ics")
@public
def personal_calendar(user_id: int, token: str):
    """A trainee's calendar at a secret address, for calendar apps (no sign-in)."""
    user = db.session.get(User, user_id)
    if not calendars.check_feed_token(user, token) or user.person_id is None:
        abort(404)
    sessions = (
        db.session.execute(
            sa.select(CourseSession)
            .join(Enrolment, Enrolment.course_id == CourseSession.course_id)
            .where(Enrolment.person_id == user.person_id, Enrolment.status.in_(SEAT_HOLDING))
            .order_by(CourseSession.starts_at)
        )
        .scalars()
        .all()
    )
    return _ics(
        calendars.build_calendar(f"My timetable — {user.display_name}", sessions, request.host),
        "timetable.ics",
    )


@bp.route("/courses/<int:course_id>/calendar.ics")
@signed_in
def course_calendar(course_id: int):
    """The course's timetable as an iCalendar file."""
    course = visible_course_or_404(course_id)
    return _ics(
        calendars.build_calendar(
            f"{course.code} — {course.title}", services.course_sessions(course), request.host
        ),
        f"{course.code}-timetable.ics",
    )
