"""What the coordinator writes for a course report (the rest is generated from the data)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class CourseReportText(db.Model):
    """The introduction and conclusion of a course's report, kept with the course."""

    __tablename__ = "course_report_texts"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
