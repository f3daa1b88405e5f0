"""JSON API for sessions, attendance and the course calendar (under /api/v1)."""

from flask import Response, request
from flask import abort as flask_abort
from flask_login import current_user
from flask_smorest import Blueprint, abort
from flask_smorest.exceptions import PreconditionFailed
from marshmallow import Schema, fields, validate

from ..access import EDITORS, READERS, roles, signed_in
from ..courses.access import visible_course_or_404
from ..courses.models import Course
from ..courses.services import can_see_course
from ..extensions import db
from ..limits import SHORT_PROSE
from ..rest import Integer, Time
from ..versioning import check_if_match, current_version, set_etag
from . import calendars, services
from .models import AttendanceStatus, CourseSession, SessionKind

blp = Blueprint(
    "timetable_api",
    __name__,
    url_prefix="/api/v1",
    description="Sessions, attendance and calendars.",
)


class LecturerSchema(Schema):
    title = fields.String(load_default="")
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    affiliation = fields.String(load_default="")


class SessionSchema(Schema):
    id = Integer(dump_only=True)
    course_id = Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in SessionKind]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    day = fields.Date(required=True, metadata={"description": "In the course's time zone"})
    start = Time(required=True)
    end = Time(required=True)
    starts_at = fields.DateTime(dump_only=True)
    ends_at = fields.DateTime(dump_only=True)
    room = fields.String(load_default="")
    description = fields.String(load_default="", validate=validate.Length(max=SHORT_PROSE))
    evaluable = fields.Boolean(load_default=None, allow_none=True)
    lecturers = fields.List(fields.Nested(LecturerSchema), load_default=list)
    host_organisation = fields.String(load_default="")
    address = fields.String(load_default="")
    meeting_point = fields.String(load_default="")
    departure = Time(load_default=None, allow_none=True)
    transport = fields.String(load_default="")
    contact_person = fields.String(load_default="")
    notes = fields.String(load_default="", validate=validate.Length(max=SHORT_PROSE))
    #: Save even when there are clash warnings (otherwise 409 lists them).
    accept_warnings = fields.Boolean(load_default=False, load_only=True)


class SessionPatchSchema(SessionSchema):
    """The same fields, all optional; a lecturer sent still needs a name (``partial`` names
    the top-level fields only: ``partial=True`` would reach into the nested lecturers too)."""

    def __init__(self, **kwargs):
        super().__init__(partial=tuple(SessionSchema().fields), **kwargs)


class AttendanceRowSchema(Schema):
    enrolment_id = Integer(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in AttendanceStatus])
    )
    note = fields.String(load_default="")


class AttendanceSchema(Schema):
    attendance = fields.List(fields.Nested(AttendanceRowSchema), required=True)


class AttendanceReadRowSchema(AttendanceRowSchema):
    """A row as read: a participant not marked yet has status null."""

    status = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf([s.value for s in AttendanceStatus]),
    )


class AttendanceReadSchema(Schema):
    attendance = fields.List(fields.Nested(AttendanceReadRowSchema), required=True)


def _dump(course_session: CourseSession) -> dict:
    course = course_session.course
    start = services.to_local(course, course_session.starts_at)
    data = {
        name: getattr(course_session, name)
        for name in (
            "id",
            "course_id",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "room",
            "description",
            "evaluable",
            "host_organisation",
            "address",
            "meeting_point",
            "transport",
            "contact_person",
            "notes",
        )
    }
    data.update(
        day=start.date(),
        start=start.time(),
        end=services.to_local(course, course_session.ends_at).time(),
        departure=(
            services.to_local(course, course_session.departure_at).time()
            if course_session.departure_at
            else None
        ),
        lecturers=[
            {"title": lect.title, "name": lect.name, "affiliation": lect.affiliation}
            for lect in course_session.lecturers
        ],
    )
    return data


def _save(course, values, course_session=None):
    accept = values.pop("accept_warnings", False)
    values["lecturers"] = [
        (lect["title"], lect["name"], lect["affiliation"]) for lect in values.get("lecturers", [])
    ]
    try:
        saved = services.save_session(
            current_user,
            course,
            services.SessionData(**values),
            course_session,
            accept_warnings=accept,
        )
    except services.SessionWarnings as exc:
        db.session.rollback()
        abort(
            409,
            message="Clash warnings; send accept_warnings=true to save anyway.",
            errors={"warnings": exc.warnings},
        )
    db.session.commit()
    set_etag(blp, saved)
    return _dump(saved)


def _visible_session(session_id: int) -> CourseSession:
    course_session = db.session.get(CourseSession, session_id)
    if course_session is None or not can_see_course(current_user, course_session.course):
        flask_abort(404)
    return course_session


@blp.route("/courses/<int:course_id>/sessions")
@signed_in
@blp.response(200, SessionSchema(many=True))
def list_sessions(course_id):
    """The course's timetable in time order (day and times in the course's time zone)."""
    return [_dump(s) for s in services.course_sessions(visible_course_or_404(course_id))]


@blp.route("/courses/<int:course_id>/sessions", methods=["POST"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(SessionSchema)
@blp.response(201, SessionSchema)
def create_session(values, course_id):
    """Add a session; 409 with the warnings when it clashes, unless accept_warnings."""
    return _save(db.session.get(Course, course_id) or flask_abort(404), values)


@blp.route("/sessions/<int:session_id>")
@signed_in
@blp.etag
@blp.response(200, SessionSchema)
def get_session(session_id):
    """One session; its ETag goes back in If-Match to change or delete it."""
    course_session = _visible_session(session_id)
    set_etag(blp, course_session)
    return _dump(course_session)


@blp.route("/sessions/<int:session_id>", methods=["PATCH"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(SessionPatchSchema)
@blp.response(200, SessionSchema)
def patch_session(values, session_id):
    """Change some fields of a session (If-Match: the ETag you read)."""
    course_session = db.session.get(CourseSession, session_id) or flask_abort(404)
    check_if_match(blp, course_session, "session")
    current = _dump(course_session)
    merged = {
        name: current[name]
        for name in (
            "kind",
            "title",
            "day",
            "start",
            "end",
            "room",
            "description",
            "evaluable",
            "lecturers",
            "host_organisation",
            "address",
            "meeting_point",
            "departure",
            "transport",
            "contact_person",
            "notes",
        )
    }
    merged.update(values)
    return _save(course_session.course, merged, course_session)


@blp.route("/sessions/<int:session_id>", methods=["DELETE"])
@roles(*EDITORS)
@blp.etag
@blp.response(204)
def delete_session(session_id):
    """Delete a session with its attendance (If-Match: the ETag you read)."""
    course_session = db.session.get(CourseSession, session_id) or flask_abort(404)
    check_if_match(blp, course_session, "session")
    services.delete_session(current_user, course_session)
    db.session.commit()


@blp.route("/sessions/<int:session_id>/attendance")
@roles(*READERS)
@blp.etag
@blp.response(200, AttendanceReadSchema)
def get_attendance(session_id):
    """Attendance of every expected participant (unmarked ones are listed as null); its
    ETag, computed from the marks, goes back in If-Match to change them."""
    return _attendance_payload(db.session.get(CourseSession, session_id) or flask_abort(404))


def _attendance_payload(course_session: CourseSession) -> dict:
    marks = services.attendance_for(course_session)
    return {
        "attendance": [
            {
                "enrolment_id": e.id,
                "status": marks[e.id].status if e.id in marks else None,
                "note": marks[e.id].note if e.id in marks else "",
            }
            for e in services.expected_enrolments(course_session.course)
        ]
    }


@blp.route("/sessions/<int:session_id>/attendance", methods=["PUT"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(AttendanceSchema)
@blp.response(200, AttendanceReadSchema)
def put_attendance(values, session_id):
    """Set attendance for the listed participants (If-Match: the ETag of the marks you read;
    412 when someone else changed them since)."""
    course_session = db.session.get(CourseSession, session_id) or flask_abort(404)
    current_version(course_session)  # the session's row lock: one change of its marks at a time
    try:
        blp.check_etag(_attendance_payload(course_session), AttendanceReadSchema)
    except PreconditionFailed:
        abort(
            412,
            message="Someone else changed this session's attendance since you read it. GET it "
            "again and send your marks with its new ETag in If-Match.",
        )
    services.record_attendance(
        current_user,
        course_session,
        {row["enrolment_id"]: (row["status"], row["note"]) for row in values["attendance"]},
    )
    db.session.commit()
    db.session.refresh(course_session)
    return _attendance_payload(course_session)


@blp.route("/courses/<int:course_id>/calendar.ics")
@signed_in
@blp.response(200, content_type="text/calendar")
def course_calendar(course_id):
    """The course's timetable as iCalendar (RFC 5545)."""
    course = visible_course_or_404(course_id)
    return Response(
        calendars.build_calendar(
            f"{course.code} — {course.title}", services.course_sessions(course), request.host
        ),
        mimetype="text/calendar",
    )
