"""Certificates, their per-course settings, eligibility overrides."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class CertificateStatus(enum.StrEnum):
    PENDING = "pending"  #: serial and code allocated, PDF not yet stored
    ISSUED = "issued"
    REVOKED = "revoked"


class Certificate(db.Model):
    """A certificate of completion. The serial is never reused; a reissue is a new row."""

    __tablename__ = "certificates"
    __table_args__ = (
        # One certificate in force (pending or issued) per participant; revoked ones stay.
        sa.Index(
            "uq_certificates_one_in_force",
            "enrolment_id",
            unique=True,
            sqlite_where=sa.text("status != 'revoked'"),
            postgresql_where=sa.text("status != 'revoked'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    serial: Mapped[str] = mapped_column(sa.String(60), unique=True)  #: "ENF-2013-007"
    #: Random, unguessable; printed with the QR code and looked up by /verify/<code>.
    verification_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=CertificateStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The stored PDF (instance/certificates/<name>) and its SHA-256.
    pdf_name: Mapped[str | None] = mapped_column(sa.String(200))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    replaces_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL")
    )
    #: The names as printed on the PDF, kept for its verification page: a reissue after a
    #: correction changes the person's record, never what an earlier certificate said.
    #: Empty for certificates issued before they were kept.
    printed_name: Mapped[str | None] = mapped_column(sa.String(400))
    printed_native_name: Mapped[str | None] = mapped_column(sa.String(300))

    enrolment = relationship("Enrolment")
    replaces: Mapped["Certificate | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} ({self.status})>"


class CertificateSettings(db.Model):
    """What a course's certificates carry besides the participant: signatories and logos.
    Images are kept in the database (small PNG/JPEG) and embedded as data: URLs."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), unique=True
    )
    heading: Mapped[str] = mapped_column(sa.String(200), default="Certificate of Completion")
    signatory1_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory1_title: Mapped[str] = mapped_column(sa.String(300), default="")
    signatory1_image: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    signatory2_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory2_title: Mapped[str] = mapped_column(sa.String(300), default="")
    signatory2_image: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo1: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo2: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo3: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    course = relationship("Course")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<CertificateSettings of course {self.course_id}>"


class EligibilityOverride(db.Model):
    """A coordinator's decision that a participant gets (or not) a certificate regardless of
    the rules, with the reason."""

    __tablename__ = "eligibility_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True
    )
    eligible: Mapped[bool]
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<EligibilityOverride {self.enrolment_id}: {self.eligible}>"
