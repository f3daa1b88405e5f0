"""Course sessions (lectures, site visits, ...), lecturers, attendance and country reports."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class SessionKind(enum.StrEnum):
    OPENING = "opening"
    LECTURE = "lecture"
    COUNTRY_REPORT = "country_report"
    PANEL = "panel"
    WORKSHOP = "workshop"
    SITE_VISIT = "site_visit"
    CEREMONY = "ceremony"
    SOCIAL = "social"

    @property
    def label(self) -> str:
        return {
            "country_report": "Country report presentation",
            "site_visit": "Site visit",
        }.get(self.value, self.value.capitalize())


#: Kinds that trainees evaluate unless the coordinator says otherwise.
EVALUABLE_BY_DEFAULT = frozenset({SessionKind.LECTURE})


class Lecturer(db.Model):
    """Someone who speaks in sessions; one record across courses, for clash checks."""

    __tablename__ = "lecturers"
    __table_args__ = (sa.UniqueConstraint("name", "affiliation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(40), default="")  #: Mr, Prof., Judge ...
    name: Mapped[str] = mapped_column(sa.String(200))
    affiliation: Mapped[str] = mapped_column(sa.String(300), default="")

    def __repr__(self) -> str:
        return f"<Lecturer {self.name}>"

    @property
    def display(self) -> str:
        """'Mr Kenichiro Natsume (Head, WIPO Japan Office)'."""
        text = f"{self.title} {self.name}".strip()
        return f"{text} ({self.affiliation})" if self.affiliation else text


class SessionLecturer(db.Model):
    """A lecturer of a session, at the place the coordinator entered them."""

    __tablename__ = "session_lecturers"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    lecturer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lecturers.id", ondelete="CASCADE"), primary_key=True
    )
    #: 0 for the first lecturer entered; pages, PDFs and the API list them in this order.
    position: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    lecturer: Mapped[Lecturer] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<SessionLecturer {self.lecturer_id}@{self.session_id} #{self.position}>"


class CourseSession(db.Model):
    """One item of a course's timetable. Times are stored in UTC and shown in the course's
    time zone. A site visit also has the host's details."""

    __tablename__ = "course_sessions"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), default=SessionKind.LECTURE)
    title: Mapped[str] = mapped_column(sa.String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(sa.String(200), default="")  #: or the place
    description: Mapped[str] = mapped_column(sa.Text, default="")
    evaluable: Mapped[bool] = mapped_column(default=False)
    # Site visits
    host_organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    meeting_point: Mapped[str] = mapped_column(sa.String(300), default="")
    departure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[str] = mapped_column(sa.String(300), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(300), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    course = relationship("Course")
    lecturer_links: Mapped[list[SessionLecturer]] = relationship(
        order_by=(SessionLecturer.position, SessionLecturer.lecturer_id),
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="course_session", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<CourseSession {self.kind} {self.title!r}>"

    @property
    def lecturers(self) -> list[Lecturer]:
        """The lecturers in the order entered (set them with services.save_session)."""
        return [link.lecturer for link in self.lecturer_links]

    def has_started(self, now: datetime) -> bool:
        """Whether the session has begun at ``now`` (attendance can be marked from then)."""
        return self.starts_at <= now

    @property
    def kind_label(self) -> str:
        return SessionKind(self.kind).label

    @property
    def location(self) -> str:
        """Where it happens: the site-visit address, else the room."""
        if self.kind == SessionKind.SITE_VISIT and self.address:
            return ", ".join(p for p in (self.host_organisation, self.address) if p)
        return self.room


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  #: absent with a reason accepted by the coordinator
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"excused": "Excused absence"}.get(self.value, self.value.capitalize())


#: Statuses that count as having attended.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class Attendance(db.Model):
    """Whether one participant attended one session."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_sessions.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(10), default=AttendanceStatus.PRESENT)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course_session: Mapped[CourseSession] = relationship(back_populates="attendance")
    enrolment = relationship("Enrolment")

    def __repr__(self) -> str:
        return f"<Attendance {self.enrolment_id}@{self.session_id}: {self.status}>"


class CountryReport(db.Model):
    """The file a trainee uploads about their country; one per enrolment (a new upload
    replaces it). Stored under the instance folder, named by its checksum."""

    __tablename__ = "country_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))  #: as uploaded, for the download
    kind: Mapped[str] = mapped_column(sa.String(4))  #: "pdf" or "pptx", from the content
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_name: Mapped[str] = mapped_column(sa.String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment = relationship("Enrolment")

    def __repr__(self) -> str:
        return f"<CountryReport {self.filename} of {self.enrolment_id}>"


class Presentation(db.Model):
    """A participant assigned to present their country report in a session."""

    __tablename__ = "presentations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_sessions.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True
    )
    position: Mapped[int] = mapped_column(default=0)  #: order within the session

    course_session: Mapped[CourseSession] = relationship()
    enrolment = relationship("Enrolment")

    def __repr__(self) -> str:
        return f"<Presentation {self.enrolment_id} in {self.session_id}>"
