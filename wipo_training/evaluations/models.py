"""Questionnaires built from the timetable, and submissions that can be anonymous.

Anonymity: a submitted questionnaire is stored as a Submission with a random id, no
timestamp and (when anonymous) no enrolment; its answers point only at it. That this
enrolment has submitted is kept apart, in SubmissionReceipt. Nothing in the tables links the
two, so answers cannot be traced back to a person.
"""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class QuestionKind(enum.StrEnum):
    RATING = "rating"  #: 1 to 5
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"

    @property
    def label(self) -> str:
        return {"yes_no": "Yes / no"}.get(self.value, self.value.replace("_", " ").capitalize())


RATING_MIN, RATING_MAX = 1, 5


class Questionnaire(db.Model):
    """A course's evaluation: its questions, when it is open, whether it is anonymous."""

    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), unique=True
    )
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymous: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    course = relationship("Course")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="questionnaire",
        order_by="Question.position",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Questionnaire of course {self.course_id}>"

    def is_open(self, now: datetime) -> bool:
        return bool(self.opens_at and self.closes_at and self.opens_at <= now < self.closes_at)

    def has_opened(self, now: datetime) -> bool:
        return bool(self.opens_at and self.opens_at <= now)


class Question(db.Model):
    """One question. ``key`` is stable across regeneration and editions, so answers of two
    editions can be compared question by question."""

    __tablename__ = "questions"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: e.g. "session:training scenario: ip awareness...:usefulness", "course:objectives"
    key: Mapped[str] = mapped_column(sa.String(400))
    #: The heading it appears under (a day of the course, or "The course as a whole").
    section: Mapped[str] = mapped_column(sa.String(200), default="")
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_sessions.id", ondelete="SET NULL"), index=True
    )
    #: The session title when generated, kept even if the session is later deleted.
    session_title: Mapped[str] = mapped_column(sa.String(300), default="")
    text: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(20))
    required: Mapped[bool] = mapped_column(default=True)
    choices: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    #: Counted by services.update_question: a question moved (or renumbered when another is
    #: added) keeps its version, so that an open edit page of it is not refused for that.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    def __repr__(self) -> str:
        return f"<Question {self.key}>"

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label


class Submission(db.Model):
    """A submitted questionnaire. Random id and no time, so it cannot be matched with the
    receipts; ``enrolment_id`` only when the questionnaire is not anonymous."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(
        sa.String(32), primary_key=True, default=lambda: uuid.uuid4().hex
    )
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="SET NULL"), index=True
    )

    answers: Mapped[list["Answer"]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Submission {self.id[:8]}>"


class Answer(db.Model):
    """One answer of a submission: a number (rating; yes = 1, no = 0), a text or choices."""

    __tablename__ = "answers"

    submission_id: Mapped[str] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    number: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
    #: NULL when the question has no choices (not the JSON text "null" in every answer).
    choices: Mapped[list[str] | None] = mapped_column(sa.JSON(none_as_null=True))
    #: A comment the coordinator chose to quote in the course report.
    in_report: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<Answer {self.question_id}>"


class SubmissionReceipt(db.Model):
    """That an enrolment has submitted (for the certificate rule and reminders): never what."""

    __tablename__ = "submission_receipts"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SubmissionReceipt {self.enrolment_id}>"


class Draft(db.Model):
    """A trainee's answers saved before submitting; deleted when they submit."""

    __tablename__ = "evaluation_drafts"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaires.id", ondelete="CASCADE")
    )
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)  #: {question_id: raw value}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Draft {self.enrolment_id}>"
