"""Seats taken and the course's next step, counted from enrolments. The courses package asks
through its signals (it sits below participants and may not import them); the answers are here.
"""

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from ..countries import eligible, get_country
from ..courses.models import Course, CourseStatus
from ..courses.services import course_changing, course_page, course_today, places_held
from ..extensions import db
from .models import SEAT_HOLDING, Enrolment, EnrolmentStatus


def confirmed_count(course: Course) -> int:
    """Participants who confirmed (or completed) the course."""
    return db.session.execute(
        sa.select(sa.func.count()).where(
            Enrolment.course_id == course.id,
            Enrolment.status.in_([EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED]),
        )
    ).scalar_one()


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
    rows = db.session.execute(_seats_statement(), {"course_id": course.id}).all()
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


@cache
def _seats_statement():
    """Seats taken and confirmed per country of a course (``course_id``); built once."""
    confirmed = Enrolment.status.in_([EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED])
    return (
        sa.select(
            Enrolment.country_code,
            sa.func.count().label("filled"),
            sa.func.sum(sa.case((confirmed, 1), else_=0)).label("confirmed"),
        )
        .where(Enrolment.course_id == sa.bindparam("course_id"), Enrolment.status.in_(SEAT_HOLDING))
        .group_by(Enrolment.country_code)
    )


def enrolment_counts(course: Course) -> dict[str, int]:
    """How many enrolments the course has in each status."""
    return dict(db.session.execute(_counts_statement(), {"course_id": course.id}).all())


@cache
def _counts_statement():
    return (
        sa.select(Enrolment.status, sa.func.count())
        .where(Enrolment.course_id == sa.bindparam("course_id"))
        .group_by(Enrolment.status)
    )


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
                f"The course starts ({course.start_date})",
                course_today(course) >= course.start_date,
            ),
        ]
    if status == CourseStatus.RUNNING:
        return CourseStatus.COMPLETED, [
            CheckItem(
                f"The last day has come ({course.end_date})",
                course_today(course) >= course.end_date,
            ),
        ]
    return None, []


@course_changing.connect
def capacity_below_confirmed(course: Course, capacity: int | None = None, **_change):
    """The capacity may not drop below the participants already confirmed."""
    if capacity is None or capacity >= (confirmed := confirmed_count(course)):
        return []
    return [("capacity", f"{confirmed} participants are confirmed: the capacity cannot be less.")]


@course_page.connect
def seats_and_next_step(course: Course) -> dict:
    """The course page's seats by country, enrolments per status and next-step checklist."""
    counts = enrolment_counts(course)
    next_status, checklist = next_step_checklist(course, counts)
    return {
        "seats": seats_by_country(course),
        "counts": counts,
        "next_status": next_status,
        "checklist": checklist,
    }


@places_held.connect
def courses_with_a_seat(person_id: int):
    """The courses the person holds a place in (nominated to completed): withdrawn or
    rejected, the course is no longer theirs."""
    return sa.select(Enrolment.course_id).where(
        Enrolment.person_id == person_id, Enrolment.status.in_(SEAT_HOLDING)
    )
