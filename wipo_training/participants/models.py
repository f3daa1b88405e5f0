"""Enrolments (nominations) of people in courses, with their status history."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..people.models import Organisation, Person
from ..timeutil import UTCDateTime, utcnow


class EnrolmentStatus(enum.StrEnum):
    NOMINATED = "nominated"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: Statuses that hold a seat.
SEAT_HOLDING = (
    EnrolmentStatus.NOMINATED,
    EnrolmentStatus.ACCEPTED,
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.COMPLETED,
)

ENROLMENT_TRANSITIONS = {
    EnrolmentStatus.NOMINATED: [
        EnrolmentStatus.ACCEPTED,
        EnrolmentStatus.REJECTED,
        EnrolmentStatus.WITHDRAWN,
    ],
    EnrolmentStatus.ACCEPTED: [
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.REJECTED,
        EnrolmentStatus.WITHDRAWN,
    ],
    EnrolmentStatus.CONFIRMED: [EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN],
    EnrolmentStatus.COMPLETED: [],
    EnrolmentStatus.WITHDRAWN: [EnrolmentStatus.NOMINATED],
    EnrolmentStatus.REJECTED: [EnrolmentStatus.NOMINATED],
}


class Enrolment(db.Model):
    """A person nominated to (and perhaps attending) a course."""

    __tablename__ = "enrolments"
    __table_args__ = (sa.UniqueConstraint("course_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=EnrolmentStatus.NOMINATED)
    #: Country, organisation and position when nominated: the course's record keeps them
    #: even if the person later moves on.
    country_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The office that nominated the person (e.g. "Permanent Mission of Viet Nam").
    nominated_by: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Why a seat quota or the capacity was exceeded, when a coordinator allowed it.
    quota_override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    course = relationship("Course")
    person: Mapped[Person] = relationship(back_populates="enrolments")
    organisation: Mapped[Organisation | None] = relationship()
    history: Mapped[list["EnrolmentStatusChange"]] = relationship(
        back_populates="enrolment",
        cascade="all, delete-orphan",
        order_by="EnrolmentStatusChange.id",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Enrolment {self.person_id} in {self.course_id}: {self.status}>"

    @property
    def status_label(self) -> str:
        return EnrolmentStatus(self.status).label


class EnrolmentStatusChange(db.Model):
    """One change of an enrolment's status: from, to, who, when, why."""

    __tablename__ = "enrolment_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_by_label: Mapped[str] = mapped_column(sa.String(254), default="system")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    enrolment: Mapped[Enrolment] = relationship(back_populates="history")

    def __repr__(self) -> str:
        return f"<EnrolmentStatusChange {self.from_status}->{self.to_status}>"
