"""Bilateral working groups and their meetings: two sides, co-chairs, delegations, agenda,
outcomes (agreements and action items), side events and the press release."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Side(enum.StrEnum):
    """The two sides of a working group: A (e.g. Japan) and B (e.g. China)."""

    A = "a"
    B = "b"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class OutcomeKind(enum.StrEnum):
    AGREEMENT = "agreement"
    ACTION = "action"

    @property
    def label(self) -> str:
        return {"agreement": "Agreement", "action": "Action item"}[self.value]


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class WorkingGroup(db.Model):
    """A standing bilateral group, e.g. the Japan-China Joint IP Working Group."""

    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    side_a_country: Mapped[str] = mapped_column(sa.String(2))  #: ISO code, e.g. "JP"
    side_a_body: Mapped[str] = mapped_column(sa.String(200))  #: lead body, e.g. "METI"
    side_b_country: Mapped[str] = mapped_column(sa.String(2))
    side_b_body: Mapped[str] = mapped_column(sa.String(200))
    framework: Mapped[str] = mapped_column(sa.String(500), default="")  #: the MoU it rests on
    framework_date: Mapped[date | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="working_group", order_by="Meeting.number"
    )

    __mapper_args__ = {"version_id_col": version}

    def country(self, side: str) -> str:
        return self.side_a_country if side == Side.A else self.side_b_country

    def body(self, side: str) -> str:
        return self.side_a_body if side == Side.A else self.side_b_body

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.name}>"


class Meeting(db.Model):
    """One meeting of a working group: held, planned (perhaps only by fiscal year) or
    cancelled; a co-chair for each side; what was agreed; the next meeting as agreed."""

    __tablename__ = "meetings"
    __table_args__ = (sa.UniqueConstraint("working_group_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    working_group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  #: in the series: 6 is the "Sixth Meeting"
    status: Mapped[str] = mapped_column(sa.String(20), default=MeetingStatus.PLANNED)
    start_date: Mapped[date | None] = mapped_column(index=True)
    end_date: Mapped[date | None]
    fiscal_year: Mapped[int | None]  #: when only the Japanese fiscal year is agreed
    #: How to say the dates when the exact days are not known, e.g. "June 2016".
    dates_text: Mapped[str] = mapped_column(sa.String(100), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    host_side: Mapped[str] = mapped_column(sa.String(1), default=Side.A)
    chair_a_name: Mapped[str] = mapped_column(sa.String(200), default="")
    chair_a_title: Mapped[str] = mapped_column(sa.String(300), default="")
    chair_a_organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    chair_b_name: Mapped[str] = mapped_column(sa.String(200), default="")
    chair_b_title: Mapped[str] = mapped_column(sa.String(300), default="")
    chair_b_organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")  #: the outline, as released
    next_host_side: Mapped[str | None] = mapped_column(sa.String(1))
    next_fiscal_year: Mapped[int | None]
    next_date: Mapped[date | None]
    release_date: Mapped[date | None]
    #: The office that answers for the release, e.g. "Office for Intellectual Property Right
    #: Protection, Manufacturing Industries Bureau" (the release's "Division in Charge").
    release_division: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    press_release: Mapped[str] = mapped_column(sa.Text, default="")  #: edited draft
    #: Published: the text is kept as released until a coordinator reopens it.
    release_published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    working_group: Mapped[WorkingGroup] = relationship(back_populates="meetings")
    delegations: Mapped[list["Delegation"]] = relationship(
        back_populates="meeting", order_by="Delegation.position", cascade="all, delete-orphan"
    )
    agenda: Mapped[list["AgendaItem"]] = relationship(
        order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    outcomes: Mapped[list["Outcome"]] = relationship(
        back_populates="meeting", order_by="Outcome.position", cascade="all, delete-orphan"
    )
    side_events: Mapped[list["SideEvent"]] = relationship(
        order_by="SideEvent.day", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Meeting {self.number} of {self.working_group_id}>"


class Delegation(db.Model):
    """An organisation on one side of a meeting, a member or an observer."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(sa.String(1))
    organisation: Mapped[str] = mapped_column(sa.String(300))
    #: Parts of the organisation that took part, e.g. "Department of Treaty and Law".
    units: Mapped[str] = mapped_column(sa.String(500), default="")
    observer: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)  #: protocol order within the side
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="delegations")
    delegates: Mapped[list["Delegate"]] = relationship(
        order_by="Delegate.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class Delegate(db.Model):
    """A person in a delegation, with their position."""

    __tablename__ = "delegates"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300), default="")  #: position held
    position: Mapped[int] = mapped_column(default=0)


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")  #: what was discussed
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Outcome(db.Model):
    """An agreement or an action item (owning side, responsible organisation, due date,
    status) of a meeting."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), default=OutcomeKind.AGREEMENT)
    text: Mapped[str] = mapped_column(sa.Text)
    owner_side: Mapped[str | None] = mapped_column(sa.String(1))  #: None: both sides
    responsible: Mapped[str] = mapped_column(sa.String(300), default="")
    due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=ActionStatus.OPEN, index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="outcomes")

    __mapper_args__ = {"version_id_col": version}

    def overdue_on(self, day: date) -> bool:
        """An action item still open after its due date (on the due date it is not late)."""
        return (
            self.kind == OutcomeKind.ACTION
            and self.status == ActionStatus.OPEN
            and self.due_date is not None
            and self.due_date < day
        )

    @property
    def overdue(self) -> bool:
        """Overdue today: what the pages, the meeting report and the API mark."""
        return self.overdue_on(date.today())


class SideEvent(db.Model):
    """An event held alongside a meeting, e.g. a joint seminar."""

    __tablename__ = "side_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    day: Mapped[date]
    #: "morning", "afternoon" or "evening" when the source says only that ("" when unknown).
    part_of_day: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    co_organisers: Mapped[str] = mapped_column(sa.String(500), default="")
    audience: Mapped[str] = mapped_column(sa.Text, default="")
    programme: Mapped[str] = mapped_column(sa.Text, default="")
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
