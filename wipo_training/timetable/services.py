"""The timetable: sessions with clash warnings, copying an edition's timetable, attendance,
country reports. Services take plain values, add and flush, audit; the caller commits."""

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..audit import record_audit
from ..courses.services import course_changing
from ..extensions import db
from ..participants.models import SEAT_HOLDING, Enrolment, EnrolmentStatus
from ..rules import RuleError, StaleError
from ..timeutil import utcnow
from ..uploads import DamagedArchiveError, UnsafeArchiveError, check_zip
from ..versioning import conflict_message, count_change, is_stale
from .models import (
    ATTENDED,
    EVALUABLE_BY_DEFAULT,
    Attendance,
    AttendanceStatus,
    CountryReport,
    CourseSession,
    Lecturer,
    Presentation,
    SessionKind,
    SessionLecturer,
)

#: People expected in the room: accepted, confirmed or completed (not merely nominated).
EXPECTED = (EnrolmentStatus.ACCEPTED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)
TITLES = ("Mr", "Ms", "Mrs", "Dr", "Dr.", "Prof.", "Prof", "Judge", "H.E.")
COUNTRY_REPORT_MAX_BYTES = 15 * 1024 * 1024


class TimetableError(RuleError):
    """Input the rules refuse; ``field`` names the form field."""


class ConflictError(TimetableError, StaleError):
    """Someone else saved the session since this edit started."""


class SessionWarnings(Exception):  # noqa: N818 (not an error: the user may go on)
    """Things the coordinator should know before saving; they may save anyway."""

    def __init__(self, warnings: list[str]):
        super().__init__("; ".join(warnings))
        self.warnings = warnings


# --- time ---------------------------------------------------------------------------------


def local_zone(course) -> ZoneInfo:
    return ZoneInfo(course.time_zone)


def to_utc(course, day: date, at: time) -> datetime:
    """A wall-clock time in the course's time zone, as UTC."""
    return datetime.combine(day, at, tzinfo=local_zone(course)).astimezone(UTC)


def to_local(course, moment: datetime) -> datetime:
    return moment.astimezone(local_zone(course))


# --- lecturers ----------------------------------------------------------------------------


def parse_lecturer_lines(text: str) -> list[tuple[str, str, str]]:
    """'Mr Kenichiro Natsume; Head, WIPO Japan Office' per line → (title, name, affiliation)."""
    lecturers = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, affiliation = line.partition(";")
        words = name.split()
        title = words[0] if words and words[0] in TITLES else ""
        name = " ".join(words[1:] if title else words)
        if not name:
            raise TimetableError(f"“{line.strip()}”: the lecturer's name is missing.", "lecturers")
        lecturers.append((title, name, " ".join(affiliation.split())))
    return lecturers


def lecturer_lines(course_session: CourseSession) -> str:
    return "\n".join(
        f"{(lecturer.title + ' ') if lecturer.title else ''}{lecturer.name}"
        + (f"; {lecturer.affiliation}" if lecturer.affiliation else "")
        for lecturer in course_session.lecturers
    )


def get_or_create_lecturer(title: str, name: str, affiliation: str) -> Lecturer:
    lecturer = db.session.execute(
        sa.select(Lecturer).where(
            sa.func.lower(Lecturer.name) == name.lower(),
            sa.func.lower(Lecturer.affiliation) == affiliation.lower(),
        )
    ).scalar_one_or_none()
    if lecturer is None:
        lecturer = Lecturer(title=title, name=name, affiliation=affiliation)
        db.session.add(lecturer)
        db.session.flush()
    elif title and lecturer.title != title:
        lecturer.title = title
    return lecturer


# --- sessions -----------------------------------------------------------------------------


@dataclass
class SessionData:
    """What the form or the API says about a session (times are the course's local time)."""

    kind: str
    title: str
    day: date
    start: time
    end: time
    room: str = ""
    description: str = ""
    evaluable: bool | None = None  #: None: the default for the kind
    lecturers: list[tuple[str, str, str]] = field(default_factory=list)
    host_organisation: str = ""
    address: str = ""
    meeting_point: str = ""
    departure: time | None = None
    transport: str = ""
    contact_person: str = ""
    notes: str = ""


def _overlapping(starts_at, ends_at, exclude_id):
    stmt = sa.select(CourseSession).where(
        CourseSession.starts_at < ends_at, CourseSession.ends_at > starts_at
    )
    if exclude_id is not None:
        stmt = stmt.where(CourseSession.id != exclude_id)
    return stmt


def session_warnings(course, starts_at, ends_at, room, lecturer_ids, exclude_id=None) -> list[str]:
    """Clashes and oddities: lecturer or room booked twice (any course), outside the course's
    dates, overlapping another session of the same course."""
    warnings = []
    local_start = to_local(course, starts_at).date()
    if not course.start_date <= local_start <= course.end_date:
        warnings.append(
            f"The session is on {local_start:%A %d %B %Y}, outside the course dates "
            f"({course.start_date:%d %B} – {course.end_date:%d %B %Y})."
        )
    others = (
        db.session.execute(
            _overlapping(starts_at, ends_at, exclude_id).options(
                selectinload(CourseSession.lecturer_links), selectinload(CourseSession.course)
            )
        )
        .scalars()
        .all()
    )
    for other in others:
        start, end = to_local(course, other.starts_at), to_local(course, other.ends_at)
        when = f"{start:%d %b %H:%M}–{end:%H:%M}"
        shared = [lect.display for lect in other.lecturers if lect.id in lecturer_ids]
        for name in shared:
            warnings.append(f"{name} also speaks in “{other.title}” ({other.course.code}, {when}).")
        if room.strip() and other.room.strip().lower() == room.strip().lower():
            warnings.append(
                f"{other.room} is also booked for “{other.title}” ({other.course.code}, {when})."
            )
        if other.course_id == course.id and not shared:
            warnings.append(f"It overlaps “{other.title}” ({when}) in this course.")
    return warnings


def save_session(
    actor,
    course,
    data: SessionData,
    course_session: CourseSession | None = None,
    accept_warnings: bool = False,
    expected_version: int | None = None,
) -> CourseSession:
    """Create or update a session. SessionWarnings lists clashes unless ``accept_warnings``;
    ConflictError when the session changed since ``expected_version`` was read."""
    if course_session is not None and is_stale(course_session, expected_version):
        raise ConflictError(conflict_message("session"))
    try:
        kind = SessionKind(data.kind)
    except ValueError as exc:
        raise TimetableError(f"Unknown kind of session “{data.kind}”.", "kind") from exc
    if not data.title.strip():
        raise TimetableError("The title is required.", "title")
    starts_at, ends_at = to_utc(course, data.day, data.start), to_utc(course, data.day, data.end)
    if ends_at <= starts_at:
        raise TimetableError("The session must end after it starts.", "end")
    lecturers = []
    for entry in data.lecturers:
        lecturer = get_or_create_lecturer(*entry)
        if lecturer not in lecturers:  # the same person entered twice speaks once
            lecturers.append(lecturer)
    warnings = session_warnings(
        course,
        starts_at,
        ends_at,
        data.room,
        {lect.id for lect in lecturers},
        course_session.id if course_session else None,
    )
    if warnings and not accept_warnings:
        raise SessionWarnings(warnings)
    new = course_session is None
    if new:
        course_session = CourseSession(course_id=course.id)
        db.session.add(course_session)
    course_session.kind = kind
    course_session.title = data.title.strip()
    course_session.starts_at, course_session.ends_at = starts_at, ends_at
    course_session.room = data.room.strip()
    course_session.description = data.description.strip()
    course_session.evaluable = (
        kind in EVALUABLE_BY_DEFAULT if data.evaluable is None else data.evaluable
    )
    if not new and course_session.lecturers != lecturers:
        count_change(course_session)  # perhaps only its lecturers changed: the row would not say
    set_lecturers(course_session, lecturers)
    for name in (
        "host_organisation",
        "address",
        "meeting_point",
        "transport",
        "contact_person",
        "notes",
    ):
        setattr(course_session, name, getattr(data, name).strip())
    course_session.departure_at = (
        to_utc(course, data.day, data.departure) if data.departure else None
    )
    db.session.flush()
    record_audit(
        actor,
        "session.create" if new else "session.update",
        course_session,
        course=course.code,
        title=course_session.title,
        **({"warnings_accepted": warnings} if warnings else {}),
    )
    return course_session


def set_lecturers(course_session: CourseSession, lecturers: list[Lecturer]) -> None:
    """Make ``lecturers`` the session's, in this order; links that stay are kept (their
    rows updated, not deleted and inserted again)."""
    existing = {link.lecturer_id: link for link in course_session.lecturer_links}
    links = []
    for position, lecturer in enumerate(lecturers):
        link = existing.get(lecturer.id) or SessionLecturer(lecturer=lecturer)
        link.position = position
        links.append(link)
    course_session.lecturer_links = links


def delete_session(
    actor, course_session: CourseSession, expected_version: int | None = None
) -> None:
    """Remove a session with its attendance and presentations; ConflictError when it changed
    since ``expected_version`` was read."""
    if is_stale(course_session, expected_version):
        raise ConflictError(
            "Someone else changed this session since you opened it, so it was not deleted. "
            "Check it below, then delete it if it should still go."
        )
    record_audit(
        actor,
        "session.delete",
        course_session,
        title=course_session.title,
        course=course_session.course.code,
    )
    db.session.delete(course_session)
    db.session.flush()


def course_sessions(course) -> list[CourseSession]:
    """The course's sessions in time order, lecturers loaded."""
    return list(db.session.execute(_sessions_statement(), {"course_id": course.id}).scalars())


@cache
def _sessions_statement():
    """``course_sessions``'s query, built once."""
    return (
        sa.select(CourseSession)
        .where(CourseSession.course_id == sa.bindparam("course_id"))
        .options(selectinload(CourseSession.lecturer_links))
        .order_by(CourseSession.starts_at)
    )


def timetable_days(course, sessions: list[CourseSession]) -> list[tuple[date, list]]:
    """Every day of the course (weekends only when they have sessions) with its sessions."""
    by_day: dict[date, list] = {}
    for course_session in sessions:
        by_day.setdefault(to_local(course, course_session.starts_at).date(), []).append(
            course_session
        )
    days, day = [], course.start_date
    while day <= course.end_date:
        if day.weekday() < 5 or day in by_day:
            days.append((day, by_day.get(day, [])))
        day += timedelta(days=1)
    outside = sorted(d for d in by_day if not course.start_date <= d <= course.end_date)
    return sorted(days + [(d, by_day[d]) for d in outside])


def copy_timetable(actor, source, target) -> int:
    """Copy every session of ``source`` into ``target``, on the same weekday of the same week
    of the course, at the same local times. Returns how many were copied."""
    source_monday = source.start_date - timedelta(days=source.start_date.weekday())
    target_monday = target.start_date - timedelta(days=target.start_date.weekday())
    copied = 0
    for old in course_sessions(source):
        local_start, local_end = to_local(source, old.starts_at), to_local(source, old.ends_at)
        day = target_monday + (local_start.date() - source_monday)
        departure = to_local(source, old.departure_at).time() if old.departure_at else None
        save_session(
            actor,
            target,
            SessionData(
                kind=old.kind,
                title=old.title,
                day=day,
                start=local_start.time(),
                end=local_end.time(),
                room=old.room,
                description=old.description,
                evaluable=old.evaluable,
                lecturers=[(lect.title, lect.name, lect.affiliation) for lect in old.lecturers],
                host_organisation=old.host_organisation,
                address=old.address,
                meeting_point=old.meeting_point,
                departure=departure,
                transport=old.transport,
                contact_person=old.contact_person,
                notes=old.notes,
            ),
            accept_warnings=True,
        )
        copied += 1
    record_audit(actor, "timetable.copy", target, source=source.code, sessions=copied)
    return copied


# --- attendance ---------------------------------------------------------------------------


def expected_enrolments(course) -> list[Enrolment]:
    """The participants expected in the sessions, in protocol order."""
    from ..participants.services import load_enrolments, protocol_order

    return protocol_order(load_enrolments([course.id], statuses=EXPECTED))


def count_expected(course) -> int:
    """How many participants are expected in the sessions (a count, nothing loaded)."""
    return db.session.execute(_expected_statement(), {"course_id": course.id}).scalar_one()


@cache
def _expected_statement():
    """How many participants of a course (``course_id``) are expected; built once."""
    return (
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == sa.bindparam("course_id"), Enrolment.status.in_(EXPECTED))
    )


def attendance_for(course_session: CourseSession) -> dict[int, Attendance]:
    return {a.enrolment_id: a for a in course_session.attendance}


def not_started_message(course_session: CourseSession) -> str:
    """Why attendance cannot be marked yet, with the session's local start."""
    course = course_session.course
    start = to_local(course, course_session.starts_at)
    return (
        f"“{course_session.title}” starts on {start:%A %d %B %Y at %H:%M} ({course.time_zone}): "
        "attendance can be marked once it has started."
    )


def record_attendance(
    actor,
    course_session: CourseSession,
    marks: dict[int, tuple[str, str]],
    now: datetime | None = None,
):
    """Set attendance for the given enrolments: {enrolment_id: (status, note)}. Only for a
    session that has started at ``now`` (default: the present moment)."""
    if not course_session.has_started(now or utcnow()):
        raise TimetableError(not_started_message(course_session), "attendance")
    expected = {e.id for e in expected_enrolments(course_session.course)}
    unknown = set(marks) - expected
    if unknown:
        raise TimetableError(
            f"Not participants of this course: {', '.join(map(str, sorted(unknown)))}.",
            "attendance",
        )
    existing = attendance_for(course_session)
    counts = {}
    for enrolment_id, (status, note) in marks.items():
        if status not in set(AttendanceStatus):
            raise TimetableError(f"“{status}” is not an attendance status.", "attendance")
        row = existing.get(enrolment_id)
        if row is None:
            row = Attendance(session_id=course_session.id, enrolment_id=enrolment_id)
            db.session.add(row)
        row.status, row.note = status, (note or "").strip()[:300]
        row.recorded_by_id = getattr(actor, "id", None)
        counts[status] = counts.get(status, 0) + 1
    db.session.flush()
    record_audit(actor, "attendance.record", course_session, **counts)


@dataclass
class Rate:
    attended: int
    counted: int  #: sessions marked for the person, excused absences left out

    @property
    def percent(self) -> float | None:
        return round(100 * self.attended / self.counted, 1) if self.counted else None


def attendance_rates(course) -> tuple[dict[int, Rate], dict[int, Rate]]:
    """Per enrolment and per session: attended / marked (excused absences do not count
    against anyone). Counted by the database, one query each."""
    return _rates(course, Attendance.enrolment_id), _rates(course, Attendance.session_id)


def _rates(course, key) -> dict[int, Rate]:
    attended = sa.func.sum(sa.case((Attendance.status.in_(ATTENDED), 1), else_=0))
    rows = db.session.execute(
        sa.select(key, attended, sa.func.count())
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .where(CourseSession.course_id == course.id, Attendance.status != AttendanceStatus.EXCUSED)
        .group_by(key)
    )
    return {row[0]: Rate(int(row[1]), row[2]) for row in rows}


# --- country reports ----------------------------------------------------------------------


def detect_report_kind(data: bytes) -> str | None:
    """'pdf' or 'pptx' from the content itself, or None; UnsafeArchiveError for a ZIP
    refused by its checks (they inflate every part as a counted stream first, so the read
    below inflates exactly what the part declares)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            check_zip(data)
        except DamagedArchiveError:
            return None
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                types = (
                    archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                )
        except (zipfile.BadZipFile, KeyError):
            return None
        if "ppt/presentation.xml" in names and b"presentationml" in types:
            return "pptx"
    return None


def report_deadline_passed(course, now: datetime) -> bool:
    """After the end of the deadline day in the course's time zone."""
    if course.country_report_deadline is None:
        return False
    return now >= to_utc(course, course.country_report_deadline + timedelta(days=1), time(0))


def store_country_report(
    actor, enrolment: Enrolment, filename: str, data: bytes, storage: Path, now: datetime
) -> CountryReport:
    """Check and keep a trainee's country report; a new upload replaces the old one."""
    course = enrolment.course
    if enrolment.status not in SEAT_HOLDING:
        raise TimetableError(
            f"This enrolment in {course.code} is {enrolment.status}: it takes no country report.",
            "file",
        )
    if report_deadline_passed(course, now):
        raise TimetableError(
            f"The deadline for country reports was {course.country_report_deadline:%d %B %Y}.",
            "file",
        )
    if len(data) > COUNTRY_REPORT_MAX_BYTES:
        raise TimetableError(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is "
            f"{COUNTRY_REPORT_MAX_BYTES // 1048576} MB.",
            "file",
        )
    if not data:
        raise TimetableError("The file is empty.", "file")
    try:
        kind = detect_report_kind(data)
    except UnsafeArchiveError as exc:
        raise TimetableError(str(exc), "file") from exc
    if kind is None:
        raise TimetableError(
            "Upload a PDF or a PowerPoint (.pptx) file; this file is neither, whatever its name.",
            "file",
        )
    digest = hashlib.sha256(data).hexdigest()
    folder = storage / str(course.id)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{enrolment.id}-{digest}.{kind}"
    temporary = folder / f".{stored_name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, folder / stored_name)
    report = db.session.execute(
        sa.select(CountryReport).where(CountryReport.enrolment_id == enrolment.id)
    ).scalar_one_or_none()
    if report is None:
        report = CountryReport(enrolment_id=enrolment.id)
        db.session.add(report)
    report.filename = Path(filename).name[:255] or f"country-report.{kind}"
    report.kind, report.size, report.sha256 = kind, len(data), digest
    report.stored_name, report.uploaded_at = stored_name, now
    db.session.flush()
    record_audit(actor, "country_report.upload", report, course=course.code, sha256=digest)
    return report


def report_path(storage: Path, report: CountryReport) -> Path:
    return storage / str(report.enrolment.course_id) / report.stored_name


def assign_presenters(actor, course_session: CourseSession, enrolment_ids: list[int]) -> None:
    """Set who presents their country report in this session (in this order)."""
    if course_session.kind != SessionKind.COUNTRY_REPORT:
        raise TimetableError("Presenters go into country report presentation sessions only.")
    expected = {e.id for e in expected_enrolments(course_session.course)}
    unknown = set(enrolment_ids) - expected
    if unknown:
        raise TimetableError("Only participants of this course can present.", "presenters")
    db.session.execute(
        sa.delete(Presentation).where(
            sa.or_(
                Presentation.session_id == course_session.id,
                Presentation.enrolment_id.in_(enrolment_ids),
            )
        )
    )
    for position, enrolment_id in enumerate(enrolment_ids):
        db.session.add(
            Presentation(session_id=course_session.id, enrolment_id=enrolment_id, position=position)
        )
    db.session.flush()
    record_audit(actor, "presenters.assign", course_session, count=len(enrolment_ids))


def report_overview(course) -> list[dict]:
    """For each expected participant: their report (or None) and their presentation session."""
    enrolments = expected_enrolments(course)
    ids = [e.id for e in enrolments]
    reports = {
        r.enrolment_id: r
        for r in db.session.execute(
            sa.select(CountryReport).where(CountryReport.enrolment_id.in_(ids))
        ).scalars()
    }
    presentations = {
        p.enrolment_id: p
        for p in db.session.execute(
            sa.select(Presentation)
            .where(Presentation.enrolment_id.in_(ids))
            .options(selectinload(Presentation.course_session))
        ).scalars()
    }
    return [
        {"enrolment": e, "report": reports.get(e.id), "presentation": presentations.get(e.id)}
        for e in enrolments
    ]


@course_changing.connect
def sessions_outside_new_dates(
    course, start: date | None = None, end: date | None = None, **_change
) -> list[tuple[str, str]]:
    """A course's dates may not move away from its sessions: name those that would fall
    outside (courses ask through the signal; they cannot import the timetable)."""
    if start is None or end is None:
        return []
    zone = ZoneInfo(course.time_zone)
    outside = [
        course_session
        for course_session in db.session.execute(
            sa.select(CourseSession)
            .where(CourseSession.course_id == course.id)
            .order_by(CourseSession.starts_at)
        ).scalars()
        if not start <= course_session.starts_at.astimezone(zone).date() <= end
    ]
    if not outside:
        return []
    named = "; ".join(f"{s.title} ({s.starts_at.astimezone(zone):%-d %b %Y})" for s in outside[:10])
    more = f" and {len(outside) - 10} more" if len(outside) > 10 else ""
    return [
        (
            "start_date",
            f"{len(outside)} session{'s' if len(outside) != 1 else ''} would fall outside the "
            f"new dates: {named}{more}. Move or delete them in the timetable first.",
        )
    ]


def next_session_of_person(person_id: int, now: datetime) -> CourseSession | None:
    """The session a participant is expected at next (or is in now), with its course; None
    when nothing is ahead. One query."""
    from sqlalchemy.orm import contains_eager

    from ..courses.models import Course, CourseStatus

    return db.session.execute(
        sa.select(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(
            Enrolment.person_id == person_id,
            Enrolment.status.in_(EXPECTED),
            Course.status != CourseStatus.CANCELLED,
            CourseSession.ends_at > now,
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(1)
        .options(contains_eager(CourseSession.course))
    ).scalar_one_or_none()


def country_reports_due(person_id: int, now: datetime) -> list:
    """The courses (not completed or cancelled) where a participant still has to upload the
    required country report: until its deadline, or without one until the course's last day.
    The soonest deadline first. One query."""
    from ..courses.models import Course, CourseStatus

    courses = db.session.execute(
        sa.select(Course)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .outerjoin(CountryReport, CountryReport.enrolment_id == Enrolment.id)
        .where(
            Enrolment.person_id == person_id,
            Enrolment.status.in_(EXPECTED),
            Course.country_report_required.is_(True),
            Course.status.not_in([CourseStatus.COMPLETED, CourseStatus.CANCELLED]),
            CountryReport.id.is_(None),
        )
        .order_by(
            Course.country_report_deadline.is_(None),
            Course.country_report_deadline,
            Course.start_date,
            Course.id,
        )
    ).scalars()
    return [
        course
        for course in courses
        if not report_deadline_passed(course, now)
        and (course.country_report_deadline or to_local(course, now).date() <= course.end_date)
    ]
