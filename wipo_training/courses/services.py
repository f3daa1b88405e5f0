"""Courses: create, edit, quotas, status changes, next edition, the state at a glance.

Services take plain values, add and flush, and record an audit entry; the caller commits.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import available_timezones

import sqlalchemy as sa

from ..audit import record_audit
from ..countries import CountryError, eligible, get_country
from ..extensions import db
from ..participants.models import SEAT_HOLDING, Enrolment, EnrolmentStatus
from .models import COURSE_TRANSITIONS, Course, CourseQuota, CourseStatus, Fund


class CourseError(ValueError):
    """Input the rules refuse; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ConflictError(CourseError):
    """Someone else saved the object since this edit started."""


#: Fields a coordinator sets on a course (the form and the API share them).
COURSE_FIELDS = (
    "fund_id",
    "title",
    "code",
    "edition_year",
    "organisers",
    "venue",
    "city",
    "country_code",
    "start_date",
    "end_date",
    "time_zone",
    "objectives",
    "target_audience",
    "capacity",
    "nomination_deadline",
    "country_report_deadline",
    "min_attendance_pct",
    "evaluation_required",
    "country_report_required",
)


def _validate(values: dict, course: Course | None = None) -> dict:
    """Check and normalise course fields; raise CourseError naming the field."""
    clean = dict(values)
    for name in ("title", "code"):
        if name in clean:
            clean[name] = (clean[name] or "").strip()
            if not clean[name]:
                raise CourseError(f"The {name} is required.", name)
    if "code" in clean:
        clean["code"] = clean["code"].upper()
        taken = db.session.execute(
            sa.select(Course.id).where(Course.code == clean["code"])
        ).scalar_one_or_none()
        if taken is not None and (course is None or taken != course.id):
            raise CourseError(f"The code {clean['code']} is used by another course.", "code")
    if "fund_id" in clean and db.session.get(Fund, clean["fund_id"]) is None:
        raise CourseError("Choose a fund.", "fund_id")
    if "country_code" in clean:
        try:
            clean["country_code"] = get_country(clean["country_code"]).code
        except CountryError as exc:
            raise CourseError(str(exc), "country_code") from exc
    if "time_zone" in clean and clean["time_zone"] not in available_timezones():
        raise CourseError(
            f"“{clean['time_zone']}” is not a time zone name such as Asia/Tokyo.", "time_zone"
        )
    start = clean.get("start_date", course.start_date if course else None)
    end = clean.get("end_date", course.end_date if course else None)
    if start is None or end is None:
        raise CourseError("The start and end dates are required.", "start_date")
    if end < start:
        raise CourseError("The course cannot end before it starts.", "end_date")
    deadline = clean.get("nomination_deadline", course.nomination_deadline if course else None)
    if deadline is not None and deadline > start:
        raise CourseError(
            "The nomination deadline must be before the course starts.", "nomination_deadline"
        )
    report_due = clean.get(
        "country_report_deadline", course.country_report_deadline if course else None
    )
    if report_due is not None and report_due > end:
        raise CourseError(
            "Country reports must be due before the course ends.", "country_report_deadline"
        )
    if "capacity" in clean and (clean["capacity"] is None or clean["capacity"] < 1):
        raise CourseError("The capacity must be at least 1.", "capacity")
    if "min_attendance_pct" in clean and not 0 <= (clean["min_attendance_pct"] or 0) <= 100:
        raise CourseError(
            "The minimum attendance is a percentage from 0 to 100.", "min_attendance_pct"
        )
    if "edition_year" in clean and not 1987 <= (clean["edition_year"] or 0) <= 2100:
        raise CourseError("The edition year must be between 1987 and 2100.", "edition_year")
    return clean


def create_course(actor, **values) -> Course:
    """Create a draft course."""
    unknown = set(values) - set(COURSE_FIELDS)
    if unknown:
        raise CourseError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    clean = _validate(values)
    clean.setdefault("edition_year", clean["start_date"].year)
    course = Course(status=CourseStatus.DRAFT, **clean)
    db.session.add(course)
    db.session.flush()
    record_audit(actor, "course.create", course, code=course.code)
    return course


def update_course(actor, course: Course, expected_version: int | None = None, **values) -> Course:
    """Change course fields; refused when the course changed since ``expected_version``."""
    if expected_version is not None and expected_version != course.version:
        raise ConflictError(
            "Someone else saved this course while you were editing it. "
            "Reload the page to see their changes, then make yours again."
        )
    unknown = set(values) - set(COURSE_FIELDS)
    if unknown:
        raise CourseError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    clean = _validate(values, course)
    changes = {}
    for name, value in clean.items():
        if getattr(course, name) != value:
            changes[name] = [str(getattr(course, name)), str(value)]
            setattr(course, name, value)
    if changes:
        db.session.flush()
        record_audit(actor, "course.update", course, **changes)
    return course


def set_quotas(actor, course: Course, seats_by_country: dict[str, int]) -> None:
    """Replace the per-country seat quotas. A country without a row has no seats."""
    clean = {}
    for code, seats in seats_by_country.items():
        try:
            country = get_country(code)
        except CountryError as exc:
            raise CourseError(str(exc), "quotas") from exc
        if seats is None or seats < 0:
            raise CourseError(f"Seats for {country.name} must be 0 or more.", "quotas")
        clean[country.code] = seats
    if sum(clean.values()) > course.capacity:
        raise CourseError(
            f"The quotas add up to {sum(clean.values())} seats, more than the capacity "
            f"of {course.capacity}.",
            "quotas",
        )
    existing = {quota.country_code: quota for quota in course.quotas}
    for code, quota in existing.items():
        if code not in clean:
            course.quotas.remove(quota)
    for code, seats in clean.items():
        if code in existing:
            existing[code].seats = seats
        else:
            course.quotas.append(CourseQuota(country_code=code, seats=seats))
    db.session.flush()
    record_audit(actor, "course.set_quotas", course, quotas=clean)


@dataclass
class SeatRow:
    country_code: str
    country_name: str
    seats: int | None  #: None: the course has no quota for this country
    filled: int  #: enrolments holding a seat (nominated, accepted, confirmed, completed)
    confirmed: int
    #: Inside the fund's region (ESCAP; Africa and LDCs)? Shown, not enforced: the 2013
    #: course under the ESCAP fund invited Algeria and Morocco.
    in_fund_region: bool = True

    @property
    def over(self) -> bool:
        return self.seats is not None and self.filled > self.seats


def seats_by_country(course: Course) -> list[SeatRow]:
    """Quota and seats taken per country, in display-name order (one query)."""
    rows = db.session.execute(
        sa.select(
            Enrolment.country_code,
            sa.func.count().label("filled"),
            sa.func.sum(
                sa.case(
                    (
                        Enrolment.status.in_(
                            [EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED]
                        ),
                        1,
                    ),
                    else_=0,
                )
            ).label("confirmed"),
        )
        .where(Enrolment.course_id == course.id, Enrolment.status.in_(SEAT_HOLDING))
        .group_by(Enrolment.country_code)
    ).all()
    taken = {row.country_code: (row.filled, row.confirmed or 0) for row in rows}
    quotas = {quota.country_code: quota.seats for quota in course.quotas}
    result = [
        SeatRow(
            code,
            get_country(code).name,
            quotas.get(code),
            *taken.get(code, (0, 0)),
            in_fund_region=eligible(course.fund.eligibility, code, course.start_date),
        )
        for code in set(quotas) | set(taken)
    ]
    return sorted(result, key=lambda row: row.country_name)


def enrolment_counts(course: Course) -> dict[str, int]:
    """How many enrolments the course has in each status."""
    rows = db.session.execute(
        sa.select(Enrolment.status, sa.func.count())
        .where(Enrolment.course_id == course.id)
        .group_by(Enrolment.status)
    ).all()
    return dict(rows)


@dataclass
class CheckItem:
    label: str
    done: bool


def next_step_checklist(
    course: Course, counts: dict[str, int] | None = None
) -> tuple[CourseStatus | None, list[CheckItem]]:
    """The next status in the normal flow and what it still needs (``counts``: the
    enrolments per status, when the caller has them already)."""
    status = CourseStatus(course.status)
    counts = enrolment_counts(course) if counts is None else counts
    live = sum(counts.get(s, 0) for s in SEAT_HOLDING)
    if status == CourseStatus.DRAFT:
        return CourseStatus.NOMINATIONS_OPEN, [
            CheckItem("Dates, venue and capacity set", bool(course.venue and course.capacity)),
            CheckItem("Objectives written", bool(course.objectives.strip())),
            CheckItem("Seat quotas per country set", bool(course.quotas)),
            CheckItem("Nomination deadline set", course.nomination_deadline is not None),
        ]
    if status == CourseStatus.NOMINATIONS_OPEN:
        return CourseStatus.CONFIRMED, [
            CheckItem("At least one nomination", live > 0),
            CheckItem(
                f"Every nomination decided ({counts.get(EnrolmentStatus.NOMINATED, 0)} open)",
                counts.get(EnrolmentStatus.NOMINATED, 0) == 0,
            ),
            CheckItem(
                f"Every accepted participant confirmed "
                f"({counts.get(EnrolmentStatus.ACCEPTED, 0)} waiting)",
                counts.get(EnrolmentStatus.ACCEPTED, 0) == 0,
            ),
        ]
    if status == CourseStatus.CONFIRMED:
        return CourseStatus.RUNNING, [
            CheckItem("Confirmed participants", counts.get(EnrolmentStatus.CONFIRMED, 0) > 0),
            CheckItem(
                f"The course starts ({course.start_date})", date.today() >= course.start_date
            ),
        ]
    if status == CourseStatus.RUNNING:
        return CourseStatus.COMPLETED, [
            CheckItem(f"The course has ended ({course.end_date})", date.today() > course.end_date),
        ]
    return None, []


def change_course_status(actor, course: Course, new_status: str) -> Course:
    """Move the course along its flow; only the allowed transitions."""
    current = CourseStatus(course.status)
    try:
        target = CourseStatus(new_status)
    except ValueError as exc:
        raise CourseError(f"Unknown status {new_status!r}.", "status") from exc
    if target not in COURSE_TRANSITIONS[current]:
        allowed = ", ".join(s.label.lower() for s in COURSE_TRANSITIONS[current]) or "none"
        raise CourseError(
            f"A course that is {current.label.lower()} cannot become {target.label.lower()} "
            f"(allowed: {allowed}).",
            "status",
        )
    course.status = target
    db.session.flush()
    record_audit(actor, "course.status", course, **{"from": current.value, "to": target.value})
    return course


def copy_as_next_edition(actor, course: Course, start_date: date, code: str) -> Course:
    """A new draft course with the same settings and quotas, its dates moved to ``start_date``."""
    shift = start_date - course.start_date
    values = {name: getattr(course, name) for name in COURSE_FIELDS}
    values.update(
        code=code,
        start_date=start_date,
        end_date=course.end_date + shift,
        edition_year=start_date.year,
        country_report_deadline=(
            course.country_report_deadline + shift if course.country_report_deadline else None
        ),
        nomination_deadline=(
            course.nomination_deadline + shift if course.nomination_deadline else None
        ),
    )
    new_course = create_course(actor, **values)
    new_course.previous_edition_id = course.id
    for quota in course.quotas:
        new_course.quotas.append(CourseQuota(country_code=quota.country_code, seats=quota.seats))
    db.session.flush()
    record_audit(actor, "course.copy", new_course, source=course.code)
    return new_course


def suggested_next_start(course: Course) -> date:
    """The same weekday about a year later."""
    later = course.start_date + timedelta(days=364)
    return later


def visible_courses(user):
    """A select of the courses ``user`` may see: trainees only their own."""
    stmt = sa.select(Course)
    if user.role == "trainee":
        stmt = stmt.join(Enrolment, Enrolment.course_id == Course.id).where(
            Enrolment.person_id == (user.person_id or -1)
        )
    return stmt


def filter_courses(stmt, year=None, fund_id=None, status=None, text=None):
    """Apply the course list filters."""
    if year:
        stmt = stmt.where(Course.edition_year == year)
    if fund_id:
        stmt = stmt.where(Course.fund_id == fund_id)
    if status:
        stmt = stmt.where(Course.status == status)
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Course.title).like(like),
                sa.func.lower(Course.code).like(like),
                sa.func.lower(Course.city).like(like),
            )
        )
    return stmt.order_by(Course.start_date.desc(), Course.id.desc())


def filter_choices() -> tuple[list[int], list[Fund]]:
    """The years that have courses (newest first) and the funds, for filter menus."""
    years = (
        db.session.execute(
            sa.select(Course.edition_year).distinct().order_by(Course.edition_year.desc())
        )
        .scalars()
        .all()
    )
    funds = db.session.execute(sa.select(Fund).order_by(Fund.since_year)).scalars().all()
    return list(years), list(funds)


def can_see_course(user, course: Course) -> bool:
    """Object-level access: staff and up see all; a trainee only a course they are in."""
    if user.role != "trainee":
        return True
    return (
        user.person_id is not None
        and db.session.execute(
            sa.select(Enrolment.id).where(
                Enrolment.course_id == course.id, Enrolment.person_id == user.person_id
            )
        ).first()
        is not None
    )


def parse_quota_lines(text: str) -> dict[str, int]:
    """'Viet Nam: 6' per line into {'VN': 6}; CourseError naming the line otherwise."""
    from ..countries import find_country

    quotas: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, seats = line.rpartition(":")
        if not sep:
            raise CourseError(
                f"Line {number}: write “country: seats”, e.g. “Viet Nam: 6”.", "quotas"
            )
        try:
            country = find_country(name)
        except CountryError as exc:
            raise CourseError(f"Line {number}: {exc}", "quotas") from exc
        if not seats.strip().isdigit():
            raise CourseError(
                f"Line {number}: “{seats.strip()}” is not a number of seats.", "quotas"
            )
        if country.code in quotas:
            raise CourseError(f"Line {number}: {country.name} is listed twice.", "quotas")
        quotas[country.code] = int(seats)
    return quotas


def quota_lines(course: Course) -> str:
    """The quotas as the form shows them."""
    from ..countries import get_country

    return "\n".join(
        f"{get_country(q.country_code).name}: {q.seats}"
        for q in sorted(course.quotas, key=lambda q: get_country(q.country_code).name)
    )


def update_fund(actor, fund: Fund, **values) -> Fund:
    """Edit a fund's name, short name, start year or description (admins)."""
    changes = {}
    for name in ("name", "short_name", "since_year", "description"):
        if name in values and getattr(fund, name) != values[name]:
            changes[name] = [str(getattr(fund, name)), str(values[name])]
            setattr(fund, name, values[name])
    if changes:
        db.session.flush()
        record_audit(actor, "fund.update", fund, **changes)
    return fund
