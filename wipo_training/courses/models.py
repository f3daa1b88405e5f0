"""Funds, courses and per-country seat quotas."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Fund(db.Model):
    """A Japanese trust fund at WIPO that pays for courses."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  #: e.g. "FIT-JP"
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(60))
    since_year: Mapped[int]
    #: Country grouping whose countries the fund serves: "escap", "africa_ldc" (see countries.py).
    eligibility: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    courses: Mapped[list["Course"]] = relationship(back_populates="fund")

    def __repr__(self) -> str:
        return f"<Fund {self.code}>"


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    NOMINATIONS_OPEN = "nominations_open"
    CONFIRMED = "confirmed"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: The allowed next statuses. Cancelled is possible from anything before completed.
COURSE_TRANSITIONS = {
    CourseStatus.DRAFT: [CourseStatus.NOMINATIONS_OPEN, CourseStatus.CANCELLED],
    CourseStatus.NOMINATIONS_OPEN: [CourseStatus.CONFIRMED, CourseStatus.CANCELLED],
    CourseStatus.CONFIRMED: [CourseStatus.RUNNING, CourseStatus.CANCELLED],
    CourseStatus.RUNNING: [CourseStatus.COMPLETED, CourseStatus.CANCELLED],
    CourseStatus.COMPLETED: [],
    CourseStatus.CANCELLED: [],
}


class Course(db.Model):
    """One edition of a training course."""

    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint(
            "min_attendance_pct >= 0 AND min_attendance_pct <= 100", name="attendance_pct_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    #: How the course's prose names it, e.g. "WIPO/JF Training Course on Enforcement of
    #: Intellectual Property" (empty: the title).
    short_title: Mapped[str] = mapped_column(sa.String(200), server_default="")
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  #: e.g. "ENF-2013"
    edition_year: Mapped[int] = mapped_column(index=True)
    organisers: Mapped[str] = mapped_column(sa.String(300), default="")  #: "JPO, WIPO, APIC"
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    country_code: Mapped[str] = mapped_column(sa.String(2))
    start_date: Mapped[date] = mapped_column(index=True)  #: lists sort by it
    end_date: Mapped[date]
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Tokyo")
    objectives: Mapped[str] = mapped_column(sa.Text, default="")
    target_audience: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int]
    nomination_deadline: Mapped[date | None]
    #: Trainees upload their country report until the end of this day (course time zone).
    country_report_deadline: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=CourseStatus.DRAFT, index=True)
    #: Certificate rules: minimum attendance, and what must have been done.
    min_attendance_pct: Mapped[int] = mapped_column(default=80)
    evaluation_required: Mapped[bool] = mapped_column(default=True)
    country_report_required: Mapped[bool] = mapped_column(default=True)
    #: The edition this one was copied from, for comparisons across years.
    previous_edition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    fund: Mapped[Fund] = relationship(back_populates="courses")
    quotas: Mapped[list["CourseQuota"]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseQuota.country_code"
    )
    previous_edition: Mapped["Course | None"] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Course {self.code}>"

    @property
    def status_label(self) -> str:
        return CourseStatus(self.status).label

    @property
    def organiser_list(self) -> list[str]:
        return [o.strip() for o in self.organisers.split(",") if o.strip()]


class CourseQuota(db.Model):
    """Seats offered to one country in one course."""

    __tablename__ = "course_quotas"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "country_code"),
        sa.CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    country_code: Mapped[str] = mapped_column(sa.String(2))
    seats: Mapped[int]

    course: Mapped[Course] = relationship(back_populates="quotas")

    def __repr__(self) -> str:
        return f"<CourseQuota {self.country_code}={self.seats}>"
