"""Courses: create, edit, quotas, status changes, next edition, the state at a glance.

Services take plain values, add and flush, and record an audit entry; the caller commits.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from blinker import Namespace

from ..audit import record_audit
from ..countries import CountryError, get_country
from ..extensions import db
from ..rules import RuleError, StaleError
from .models import COURSE_TRANSITIONS, Course, CourseQuota, CourseStatus, Fund


class CourseError(RuleError):
    """Input the rules refuse; ``field`` names the form field it belongs to. ``problems``
    holds every (field, message) found, so a form shows them all at once."""


class ConflictError(CourseError, StaleError):
    """Someone else saved the object since this edit started."""


#: Fields a coordinator sets on a course (the form and the API share them).
COURSE_FIELDS = (
    "fund_id",
    "title",
    "short_title",
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


#: What a course code may be: letters A-Z, digits and hyphens, starting and ending with a
#: letter or digit. Codes start certificate serial numbers, which people type from paper.
CODE_PATTERN = re.compile(r"[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?")


def code_problem(code: str) -> str | None:
    """Why ``code`` (upper case) cannot be a course code, or None when it can."""
    if CODE_PATTERN.fullmatch(code):
        return None
    others = {
        "spaces" if ch.isspace() else f"“{ch}”" if ch.isprintable() else "control characters"
        for ch in code
        if not ("A" <= ch <= "Z" or "0" <= ch <= "9" or ch == "-")
    }
    if others:
        shown = ", ".join(sorted(others)[:5]) + (", ..." if len(others) > 5 else "")
        return (
            f"The code may hold only letters A–Z, digits and hyphens (e.g. ENF-2013), not {shown}."
        )
    return "The code starts and ends with a letter or a digit (e.g. ENF-2013)."


def course_problems(values: dict, course: Course | None = None) -> tuple[dict, list]:
    """Check and normalise course fields: the clean values and every problem found, as
    (field, message). A field missing from ``values`` keeps the course's value."""
    clean = dict(values)
    problems: list[tuple[str | None, str]] = []

    def current(name):
        return clean.get(name, getattr(course, name) if course else None)

    for name in ("title", "code"):
        if name in clean:
            clean[name] = (clean[name] or "").strip()
            if not clean[name]:
                problems.append((name, f"The {name} is required."))
    if clean.get("code"):
        clean["code"] = clean["code"].upper()
        if problem := code_problem(clean["code"]):
            problems.append(("code", problem))
        taken = db.session.execute(
            sa.select(Course.id).where(Course.code == clean["code"])
        ).scalar_one_or_none()
        if taken is not None and (course is None or taken != course.id):
            problems.append(("code", f"The code {clean['code']} is used by another course."))
    if "fund_id" in clean and db.session.get(Fund, clean["fund_id"]) is None:
        problems.append(("fund_id", "Choose a fund."))
    if "country_code" in clean:
        try:
            clean["country_code"] = get_country(clean["country_code"]).code
        except CountryError as exc:
            problems.append(("country_code", str(exc)))
    if "time_zone" in clean and clean["time_zone"] not in available_timezones():
        problems.append(
            ("time_zone", f"“{clean['time_zone']}” is not a time zone name such as Asia/Tokyo.")
        )
    start, end = current("start_date"), current("end_date")
    if start is None or end is None:
        if "start_date" in clean or "end_date" in clean:
            problems.append(("start_date", "The start and end dates are required."))
    elif end < start:
        problems.append(("end_date", "The course cannot end before it starts."))
    deadline = current("nomination_deadline")
    if deadline is not None and start is not None and deadline > start:
        problems.append(
            ("nomination_deadline", "The nomination deadline must be before the course starts.")
        )
    report_due = current("country_report_deadline")
    if report_due is not None and end is not None and report_due > end:
        problems.append(
            ("country_report_deadline", "Country reports must be due before the course ends.")
        )
    if "capacity" in clean:
        if clean["capacity"] is None or clean["capacity"] < 1:
            problems.append(("capacity", "The capacity must be at least 1."))
        elif course is not None and clean["capacity"] != course.capacity:
            problems.extend(change_refused(course, capacity=clean["capacity"]))
    if "min_attendance_pct" in clean and not 0 <= (clean["min_attendance_pct"] or 0) <= 100:
        problems.append(
            ("min_attendance_pct", "The minimum attendance is a percentage from 0 to 100.")
        )
    if "edition_year" in clean and not 1987 <= (clean["edition_year"] or 0) <= 2100:
        problems.append(("edition_year", "The edition year must be between 1987 and 2100."))
    moved = course is not None and (start, end) != (course.start_date, course.end_date)
    if moved and start is not None and end is not None and start <= end:
        problems.extend(change_refused(course, start=start, end=end))
    return clean, problems


def _validate(values: dict, course: Course | None = None) -> dict:
    """The clean values, or CourseError with every problem."""
    clean, problems = course_problems(values, course)
    if problems:
        raise CourseError.of(problems)
    return clean


#: Sent before a course's dates change, with ``start`` and ``end``: a receiver in a package
#: that builds on courses (the timetable) returns messages naming what the change would leave
#: outside the dates. Courses cannot import the timetable, so it tells them.
#: Asked before a course's dates or capacity change: the packages built on courses (which
#: courses may not import) answer with what they hold against it, as (field, message) pairs.
#: Sent with ``start`` and ``end`` when the dates move, ``capacity`` when it changes.
course_changing = Namespace().signal("course-changing")

#: Asked for what the packages built on courses show on a course's page: each answers a dict
#: of values for the page's template (participants: the seats by country and the next step).
course_page = Namespace().signal("course-page")

#: Asked for the courses a person holds a place in (what a trainee may see): the
#: participants package answers with a select of their ids.
places_held = Namespace().signal("places-held")


def change_refused(course: Course, **change) -> list[tuple[str, str]]:
    """What the packages built on courses hold against ``change`` to ``course``."""
    return [
        problem
        for _receiver, problems in course_changing.send(course, **change)
        for problem in problems or []
    ]


def page_values(course: Course) -> dict:
    """What the packages built on courses add to the course's page."""
    return {key: value for _r, values in course_page.send(course) for key, value in values.items()}


def courses_held_by(person_id: int | None):
    """A select of the ids of the courses ``person_id`` holds a place in (none without a
    person, or when no package answers)."""
    selects = [select for _r, select in places_held.send(person_id)] if person_id else []
    return sa.union(*selects) if selects else sa.select(Course.id).where(sa.false())


def course_today(course: Course) -> date:
    """Today's date where the course is held."""
    return datetime.now(ZoneInfo(course.time_zone)).date()


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


def not_yet(course: Course) -> dict[CourseStatus, str]:
    """Statuses the calendar does not allow yet, with the reason: a course runs from its first
    day and is completed from its last, where it is held."""
    today = course_today(course)
    reasons = {}
    if today < course.start_date:
        reasons[CourseStatus.RUNNING] = (
            f"The course starts on {course.start_date:%-d %B %Y}: it can be marked running "
            "from that day."
        )
    if today < course.end_date:
        reasons[CourseStatus.COMPLETED] = (
            f"The course ends on {course.end_date:%-d %B %Y}: it can be marked completed from "
            "that day."
        )
    return reasons


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
    if reason := not_yet(course).get(target):
        raise CourseError(reason, "status")
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


def suggested_code(course: Course, start: date) -> str:
    """The code of the next edition: the year replaced, and a suffix when that code is taken
    (ENF-2014 exists: ENF-2014-2)."""
    base = course.code.replace(str(course.edition_year), str(start.year))
    if base == course.code:
        base = f"{course.code}-{start.year}"
    taken = set(
        db.session.execute(
            sa.select(Course.code).where(Course.code.startswith(base, autoescape=True))
        ).scalars()
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def suggested_next_start(course: Course) -> date:
    """The same weekday about a year later."""
    later = course.start_date + timedelta(days=364)
    return later


def visible_courses(user):
    """A select of the courses ``user`` may see: trainees only those they hold a place in
    (a withdrawn or rejected enrolment gives no access)."""
    stmt = sa.select(Course)
    if user.role == "trainee":
        stmt = stmt.where(Course.id.in_(courses_held_by(user.person_id)))
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
    """Object-level access: staff and up see all; a trainee only a course they hold a place
    in (nominated to completed): withdrawn or rejected, the course is no longer theirs."""
    if user.role != "trainee":
        return True
    held = courses_held_by(user.person_id)
    return course.id in db.session.execute(held).scalars().all()


def parse_quota_lines(text: str, notes: list[str] | None = None) -> dict[str, int]:
    """'Viet Nam: 6' per line into {'VN': 6}; CourseError naming every bad line otherwise.
    ``notes`` receives how names people write were read ("Line 2: “Korea” was read as ...")."""
    from ..countries import read_country

    quotas: dict[str, int] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, seats = line.rpartition(":")
        if not sep:
            problems.append(f"Line {number}: write “country: seats”, e.g. “Viet Nam: 6”.")
            continue
        try:
            country, note = read_country(name)
        except CountryError as exc:
            problems.append(f"Line {number}: {exc}")
            continue
        if note and notes is not None:
            notes.append(f"Line {number}: {note}")
        if not seats.strip().isdigit():
            problems.append(f"Line {number}: “{seats.strip()}” is not a number of seats.")
        elif country.code in quotas:
            problems.append(f"Line {number}: {country.name} is listed twice.")
        else:
            quotas[country.code] = int(seats)
    if problems:
        raise CourseError.of([("quotas", message) for message in problems])
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


# --- for the dashboard --------------------------------------------------------------------


@dataclass
class StatusDue:
    """A course whose calendar has moved past its status: what it should become, and why."""

    course: Course
    next_status: CourseStatus | None  #: None: a draft whose first day has come (open or cancel)
    reason: str


def courses_due_to_move(limit: int = 50) -> list[StatusDue]:
    """Courses whose status lags behind the calendar where they are held, the longest overdue
    first: nominations still open after the deadline or the first day, confirmed but started,
    running but over, a draft whose first day has come. One query; the dates are compared
    with each course's own today."""
    # A course's today is at most a day ahead of UTC's (UTC+14): the query keeps a day of
    # margin, the exact comparison is made below.
    horizon = datetime.now(ZoneInfo("UTC")).date() + timedelta(days=1)
    started = Course.start_date <= horizon
    candidates = db.session.execute(
        sa.select(Course)
        .where(
            sa.or_(
                sa.and_(Course.status == CourseStatus.RUNNING, Course.end_date <= horizon),
                sa.and_(Course.status.in_([CourseStatus.DRAFT, CourseStatus.CONFIRMED]), started),
                sa.and_(
                    Course.status == CourseStatus.NOMINATIONS_OPEN,
                    sa.or_(started, Course.nomination_deadline < horizon),
                ),
            )
        )
        .order_by(Course.start_date, Course.id)
        .limit(limit)
    ).scalars()
    due = []
    for course in candidates:
        today, status = course_today(course), course.status
        start, end = f"{course.start_date:%-d %B %Y}", f"{course.end_date:%-d %B %Y}"
        if status == CourseStatus.RUNNING and today >= course.end_date:
            due.append(StatusDue(course, CourseStatus.COMPLETED, f"Running; it ended on {end}."))
        elif status == CourseStatus.CONFIRMED and today >= course.start_date:
            due.append(
                StatusDue(course, CourseStatus.RUNNING, f"Confirmed; it started on {start}.")
            )
        elif status == CourseStatus.NOMINATIONS_OPEN and today >= course.start_date:
            due.append(
                StatusDue(
                    course,
                    CourseStatus.CONFIRMED,
                    f"Nominations are still open; the course started on {start}.",
                )
            )
        elif (
            status == CourseStatus.NOMINATIONS_OPEN
            and course.nomination_deadline
            and today > course.nomination_deadline
        ):
            due.append(
                StatusDue(
                    course,
                    CourseStatus.CONFIRMED,
                    f"Nominations closed on {course.nomination_deadline:%-d %B %Y}.",
                )
            )
        elif status == CourseStatus.DRAFT and today >= course.start_date:
            due.append(StatusDue(course, None, f"Still a draft; its first day was {start}."))
    return due


def recently_completed_courses(limit: int = 5) -> list[Course]:
    """Completed courses, the latest to end first: their reports can be read and exported."""
    return list(
        db.session.execute(
            sa.select(Course)
            .where(Course.status == CourseStatus.COMPLETED)
            .order_by(Course.end_date.desc(), Course.id.desc())
            .limit(limit)
        ).scalars()
    )


def weekdays(course: Course) -> list[date]:
    """The course's days from Monday to Friday (the attendance sheets' columns)."""
    days = (course.end_date - course.start_date).days + 1
    every = (course.start_date + timedelta(days=n) for n in range(max(days, 0)))
    return [day for day in every if day.weekday() < 5]
