"""People (one record across every course and meeting they take part in) and the
organisations they come from."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow
from . import names


class OrganisationKind(enum.StrEnum):
    IP_OFFICE = "ip_office"
    COURT = "court"
    CUSTOMS = "customs"
    POLICE = "police"
    MINISTRY = "ministry"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"ip_office": "IP office"}.get(self.value, self.value.capitalize())


class Organisation(db.Model):
    """An office, court or agency that people come from."""

    __tablename__ = "organisations"
    __table_args__ = (sa.UniqueConstraint("name", "country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str] = mapped_column(sa.String(40), default="")
    country_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default=OrganisationKind.OTHER)

    def __repr__(self) -> str:
        return f"<Organisation {self.name} ({self.country_code})>"

    @property
    def kind_label(self) -> str:
        return OrganisationKind(self.kind).label


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Person(db.Model):
    """One real person, across all the courses and meetings they take part in."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_name: Mapped[str] = mapped_column(sa.String(150), index=True)
    given_name: Mapped[str] = mapped_column(sa.String(150), default="")
    #: The name in the person's own script (e.g. 阮文安, ສົມພອນ), optional.
    native_name: Mapped[str] = mapped_column(sa.String(300), default="")
    #: BCP 47 language of native_name (zh, km, ur, ...): picks the font and direction.
    native_name_lang: Mapped[str] = mapped_column(sa.String(12), default="")
    title: Mapped[str] = mapped_column(sa.String(40), default="")  #: Mr, Ms, Dr, Judge, ...
    gender: Mapped[str | None] = mapped_column(sa.String(10))
    country_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    #: A names.NameOrder; None: the usual one of the person's country.
    name_order: Mapped[str | None] = mapped_column(sa.String(20))
    #: The Latin name as printed on certificates, when it is not the one derived from the parts.
    name_as_printed: Mapped[str] = mapped_column(sa.String(400), default="", server_default="")
    #: The name (and native name) the person confirmed as right for their certificates: the
    #: confirmation holds while the printed names are still these.
    confirmed_name: Mapped[str | None] = mapped_column(sa.String(400))
    confirmed_native_name: Mapped[str | None] = mapped_column(sa.String(300))
    name_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A correction the person sent, waiting for a coordinator's approval.
    proposed_name: Mapped[str | None] = mapped_column(sa.String(400))
    proposed_native_name: Mapped[str | None] = mapped_column(sa.String(300))
    name_proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Lower-case; unique when given, so an email always means one person.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Optimistic lock: an edit based on an older version is refused, never silently lost.
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation | None] = relationship()
    #: The person's enrolments (participants.models.Enrolment, a layer above, named here only
    #: by its mapper name).
    enrolments = relationship("Enrolment", back_populates="person")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Person {self.full_name} ({self.country_code})>"

    @property
    def full_name(self) -> str:
        """Given name then family name, as printed on lists and certificates."""
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def sort_name(self) -> str:
        """FAMILY, Given: the protocol form."""
        return f"{self.family_name.upper()}, {self.given_name}".rstrip(", ")

    @property
    def order(self) -> names.NameOrder:
        """The convention the name is printed in (chosen, or the country's)."""
        return names.name_order(self.name_order, self.country_code)

    @property
    def derived_name(self) -> str:
        """The Latin name built from the parts in the person's convention."""
        return names.printed_name(self.family_name, self.given_name or "", self.order)

    @property
    def printed_name(self) -> str:
        """The Latin name as certificates print it (without the title)."""
        return self.name_as_printed or self.derived_name

    @property
    def name_status(self) -> str:
        """ "correction" (one waits for approval), "confirmed" (the names printed now are the
        ones the person confirmed) or "not_yet"."""
        if self.proposed_name is not None:
            return "correction"
        if (self.confirmed_name, self.confirmed_native_name) == (
            self.printed_name,
            self.native_name or "",
        ):
            return "confirmed"
        return "not_yet"
