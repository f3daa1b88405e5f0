"""People, organisations, nominations and the participants-by-country figures.

Services take plain values, add and flush, and record an audit entry; the caller commits.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit import record_audit
from ..auth import services as auth_services
from ..auth.models import Role, User
from ..countries import CountryError, find_country, get_country
from ..courses.models import Course, CourseStatus
from ..courses.services import course_today
from ..extensions import db
from ..people.models import Gender, Organisation, OrganisationKind, Person
from ..rules import RuleError, StaleError
from ..versioning import conflict_message, is_stale
from . import seats  # noqa: F401  (answers the courses package's questions: its signals)
from .models import (
    ENROLMENT_TRANSITIONS,
    SEAT_HOLDING,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
)


class ParticipantError(RuleError):
    """Input the rules refuse; ``field`` names the field it belongs to."""


class ConflictError(ParticipantError, StaleError):
    """Someone else saved the record since this edit started."""


class QuotaError(ParticipantError):
    """A seat quota or the capacity would be exceeded; a coordinator may override with a reason."""

    status = 409


# --- organisations and people ---------------------------------------------------------


def find_organisation(name: str, country_code: str) -> Organisation | None:
    return db.session.execute(
        sa.select(Organisation).where(
            sa.func.lower(Organisation.name) == name.strip().lower(),
            Organisation.country_code == country_code,
        )
    ).scalar_one_or_none()


def get_or_create_organisation(
    actor, name: str, country_code: str, kind: str = OrganisationKind.OTHER, acronym: str = ""
) -> Organisation:
    """The organisation with this name in this country, created when new."""
    name = " ".join(name.split())
    if not name:
        raise ParticipantError("The organisation name is required.", "organisation")
    if kind not in set(OrganisationKind):
        raise ParticipantError(
            f"“{kind}” is not an organisation kind (use one of: "
            f"{', '.join(k.value for k in OrganisationKind)}).",
            "organisation_kind",
        )
    organisation = find_organisation(name, country_code)
    if organisation is None:
        organisation = Organisation(
            name=name, country_code=country_code, kind=kind, acronym=acronym.strip()
        )
        db.session.add(organisation)
        db.session.flush()
        record_audit(actor, "organisation.create", organisation, name=name)
    return organisation


def find_matching_person(
    email: str | None, family_name: str, given_name: str, country_code: str
) -> Person | None:
    """The person this probably is: same email, or else same name and country."""
    if email:
        person = db.session.execute(
            sa.select(Person).where(Person.email == email.strip().lower())
        ).scalar_one_or_none()
        if person is not None:
            return person
    return (
        db.session.execute(
            sa.select(Person)
            .where(
                sa.func.lower(Person.family_name) == family_name.strip().lower(),
                sa.func.lower(Person.given_name) == given_name.strip().lower(),
                Person.country_code == country_code,
            )
            .order_by(Person.id)
        )
        .scalars()
        .first()
    )


@dataclass
class PersonData:
    """What a form or a spreadsheet row says about a person."""

    family_name: str
    given_name: str = ""
    country_code: str = ""
    native_name: str = ""
    native_name_lang: str = ""
    title: str = ""
    gender: str | None = None
    email: str | None = None
    position: str = ""
    organisation: str = ""
    organisation_acronym: str = ""
    organisation_kind: str = OrganisationKind.OTHER
    extra: dict = field(default_factory=dict)

    def cleaned(self) -> "PersonData":
        """Trimmed values, the country read from its code or a name people write for it, the
        email lower-cased; ParticipantError else."""
        if not self.family_name.strip():
            raise ParticipantError("The family name is required.", "family_name")
        try:
            country = find_country(self.country_code)
        except CountryError as exc:
            raise ParticipantError(str(exc), "country_code") from exc
        gender = (self.gender or "").strip().lower() or None
        if gender and gender not in set(Gender):
            raise ParticipantError(
                f"“{self.gender}” is not a gender this app records (female, male, other, "
                "or leave it empty).",
                "gender",
            )
        email = (self.email or "").strip().lower() or None
        return PersonData(
            family_name=" ".join(self.family_name.split()),
            given_name=" ".join(self.given_name.split()),
            country_code=country.code,
            native_name=self.native_name.strip(),
            native_name_lang=self.native_name_lang.strip(),
            title=self.title.strip(),
            gender=gender,
            email=email,
            position=self.position.strip(),
            organisation=" ".join(self.organisation.split()),
            organisation_acronym=self.organisation_acronym.strip(),
            organisation_kind=(self.organisation_kind or OrganisationKind.OTHER).strip().lower(),
        )


def _organisation_for(actor, data: PersonData) -> Organisation | None:
    if not data.organisation:
        return None
    return get_or_create_organisation(
        actor,
        data.organisation,
        data.country_code,
        data.organisation_kind,
        data.organisation_acronym,
    )


def _ensure_email_free(email: str | None, person_id: int | None = None) -> None:
    """An email means one person: refuse it when someone else has it."""
    if not email:
        return
    stmt = sa.select(Person.id).where(Person.email == email)
    if person_id is not None:
        stmt = stmt.where(Person.id != person_id)
    if db.session.execute(stmt).first():
        raise ParticipantError(f"{email} already belongs to another person.", "email")


def _person_values(data: PersonData, organisation: Organisation | None) -> dict:
    return {
        "family_name": data.family_name,
        "given_name": data.given_name,
        "native_name": data.native_name,
        "native_name_lang": data.native_name_lang,
        "title": data.title,
        "gender": data.gender,
        "country_code": data.country_code,
        "position": data.position,
        "email": data.email,
        "organisation_id": organisation.id if organisation else None,
    }


def create_person(actor, data: PersonData) -> Person:
    """A new person record; the email must not belong to someone else."""
    data = data.cleaned()
    _ensure_email_free(data.email)
    person = Person(**_person_values(data, _organisation_for(actor, data)))
    db.session.add(person)
    db.session.flush()
    record_audit(actor, "person.create", person, name=person.full_name)
    return person


def _old_new(old, new) -> dict:
    """An audited change: the value before and after ("" for none)."""
    return {"old": "" if old is None else str(old), "new": "" if new is None else str(new)}


def update_person(
    actor, person: Person, data: PersonData, expected_version: int | None = None
) -> Person:
    """Replace a person's details with corrected ones (every field, empty ones included);
    ConflictError when the record changed since ``expected_version`` was read."""
    if is_stale(person, expected_version):
        raise ConflictError(conflict_message("record"))
    data = data.cleaned()
    _ensure_email_free(data.email, person.id)
    changes = {}
    for name, value in _person_values(data, _organisation_for(actor, data)).items():
        if getattr(person, name) != value:
            changes[name] = _old_new(getattr(person, name), value)
            setattr(person, name, value)
    if changes:
        db.session.flush()
        record_audit(actor, "person.update", person, **changes)
    return person


#: What a newer record (a nomination, an import row) may change on a person's record, with
#: the label the pages show. The native name carries its language with it.
PERSON_FIELDS = {
    "title": "Title",
    "family_name": "Family name",
    "given_name": "Given name",
    "native_name": "Name in native script",
    "gender": "Gender",
    "country_code": "Country",
    "organisation": "Organisation",
    "position": "Position",
    "email": "Email",
}


def update_person_fields(
    actor, person: Person, data: PersonData, fields, source: str = ""
) -> Person:
    """Copy exactly the chosen ``fields`` (keys of PERSON_FIELDS) of ``data`` onto the
    person's record; the audit entry keeps each old value beside the new one."""
    data = data.cleaned()
    fields = set(fields)
    unknown = fields - PERSON_FIELDS.keys()
    if unknown:
        raise ParticipantError(f"Unknown field(s) to update: {', '.join(sorted(unknown))}.")
    changes = {}
    if "organisation" in fields:
        organisation = _organisation_for(actor, data)
        if person.organisation_id != (organisation.id if organisation else None):
            changes["organisation"] = _old_new(
                person.organisation.name if person.organisation else "",
                organisation.name if organisation else "",
            )
            person.organisation = organisation
    if "email" in fields and data.email != person.email:
        _ensure_email_free(data.email, person.id)
    names = [n for n in PERSON_FIELDS if n in fields and n != "organisation"]
    if "native_name" in fields:
        names.append("native_name_lang")
    for name in names:
        value = getattr(data, name)
        if getattr(person, name) != value:
            changes[name] = _old_new(getattr(person, name), value)
            setattr(person, name, value)
    if changes:
        db.session.flush()
        record_audit(
            actor, "person.update", person, **changes, **({"source": source} if source else {})
        )
    return person


def update_person_from(actor, person: Person, data: PersonData) -> Person:
    """Take what a newer nomination of the same person says (organisation, position, title,
    native name, gender; the email only where none is on record); old values are audited."""
    data = data.cleaned()
    names = ("organisation", "position", "title", "native_name", "gender")
    fields = {name for name in names if getattr(data, name)}
    if data.email and not person.email:
        fields.add("email")
    return update_person_fields(actor, person, data, fields)


# --- nominations ------------------------------------------------------------------------


def seat_problem(course, country_code: str, extra: int = 1, exclude_id: int | None = None):
    """Why ``extra`` more seats for ``country_code`` would break a quota or the capacity."""
    holding = (
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == course.id, Enrolment.status.in_(SEAT_HOLDING))
    )
    if exclude_id is not None:
        holding = holding.where(Enrolment.id != exclude_id)
    total = db.session.execute(holding).scalar_one()
    if total + extra > course.capacity:
        return f"the course is full ({total} of {course.capacity} places taken)"
    if course.quotas:
        quotas = {q.country_code: q.seats for q in course.quotas}
        name = get_country(country_code).name
        if country_code not in quotas:
            return f"{name} has no seats in this course"
        taken = db.session.execute(
            holding.where(Enrolment.country_code == country_code)
        ).scalar_one()
        if taken + extra > quotas[country_code]:
            return f"{name} has {quotas[country_code]} seats and {taken} are taken"
    return None


def _record_status(actor, enrolment: Enrolment, from_status, to_status, reason: str = "") -> None:
    enrolment.history.append(
        EnrolmentStatusChange(
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            changed_by_id=getattr(actor, "id", None),
            changed_by_label=getattr(actor, "email", None) or "system",
        )
    )


def nominate(
    actor,
    course,
    person: Person,
    nominated_by: str = "",
    override_reason: str = "",
    as_nominated: PersonData | None = None,
) -> Enrolment:
    """Nominate ``person`` to ``course``; QuotaError when no seat is left, unless overridden.
    The course's record keeps the country, organisation and position of ``as_nominated``
    (what the nomination says) where given, else the person's."""

    country_code, organisation_id, position = (
        person.country_code,
        person.organisation_id,
        person.position,
    )
    if as_nominated is not None:
        as_nominated = as_nominated.cleaned()
        country_code = as_nominated.country_code
        organisation = _organisation_for(actor, as_nominated)
        organisation_id = organisation.id if organisation else organisation_id
        position = as_nominated.position or position

    if course.status in (CourseStatus.COMPLETED, CourseStatus.CANCELLED):
        raise ParticipantError(f"The course is {course.status_label.lower()}: no new nominations.")
    existing = db.session.execute(
        sa.select(Enrolment).where(
            Enrolment.course_id == course.id, Enrolment.person_id == person.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise ParticipantError(
            f"{person.full_name} is already in this course ({existing.status_label.lower()})."
        )
    problem = seat_problem(course, country_code)
    if problem and not override_reason.strip():
        raise QuotaError(f"Cannot nominate {person.full_name}: {problem}.", "override_reason")
    enrolment = Enrolment(
        course_id=course.id,
        person=person,
        status=EnrolmentStatus.NOMINATED,
        country_code=country_code,
        organisation_id=organisation_id,
        position=position,
        nominated_by=nominated_by.strip(),
        quota_override_reason=override_reason.strip() if problem else "",
    )
    db.session.add(enrolment)
    _record_status(
        actor,
        enrolment,
        None,
        EnrolmentStatus.NOMINATED,
        f"Seat rule overridden: {override_reason.strip()}" if problem else "",
    )
    db.session.flush()
    record_audit(
        actor,
        "enrolment.nominate",
        enrolment,
        course=course.code,
        person=person.full_name,
        **({"override": override_reason.strip()} if problem else {}),
    )
    return enrolment


def change_enrolment_status(
    actor,
    enrolment: Enrolment,
    new_status: str,
    reason: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
) -> str | None:
    """Move an enrolment along its flow. Returns an invitation secret when confirming creates
    a trainee account that still needs a password; None otherwise. ConflictError when the
    enrolment changed since ``expected_version`` was read."""
    if is_stale(enrolment, expected_version):
        raise ConflictError(
            "Someone else changed this nomination while you were looking at it, so your change "
            "was not made. Its status is shown below as it is now: choose again."
        )
    current = EnrolmentStatus(enrolment.status)
    try:
        target = EnrolmentStatus(new_status)
    except ValueError as exc:
        raise ParticipantError(f"Unknown status {new_status!r}.", "status") from exc
    if target == EnrolmentStatus.COMPLETED and (problem := not_completed_yet(enrolment.course)):
        raise ParticipantError(problem, "status")
    if target not in ENROLMENT_TRANSITIONS[current]:
        article = "An" if current.value[0] in "aeiou" else "A"
        raise ParticipantError(
            f"{article} {current.label.lower()} participant cannot become {target.label.lower()}.",
            "status",
        )
    if target in SEAT_HOLDING and current not in SEAT_HOLDING:
        problem = seat_problem(enrolment.course, enrolment.country_code, exclude_id=enrolment.id)
        if problem and not override_reason.strip():
            raise QuotaError(
                f"Cannot reinstate {enrolment.person.full_name}: {problem}.", "override_reason"
            )
        if problem:
            enrolment.quota_override_reason = override_reason.strip()
            reason = f"{reason} Seat rule overridden: {override_reason.strip()}".strip()
    enrolment.status = target
    _record_status(actor, enrolment, current, target, reason.strip())
    db.session.flush()
    record_audit(
        actor, "enrolment.status", enrolment, **{"from": current.value, "to": target.value}
    )
    if target == EnrolmentStatus.CONFIRMED:
        return ensure_trainee_account(actor, enrolment.person)
    return None


def not_completed_yet(course) -> str | None:
    """Why nobody can have completed ``course`` yet (None from its last day on)."""

    if course_today(course) >= course.end_date:
        return None
    return (
        f"{course.code} ends on {course.end_date:%-d %B %Y}: participants can be marked "
        "completed from that day."
    )


def available_transitions(course, status: str) -> list[EnrolmentStatus]:
    """The statuses an enrolment in ``status`` can move to now (completed only once the
    course's last day has come)."""
    targets = ENROLMENT_TRANSITIONS[EnrolmentStatus(status)]
    if not_completed_yet(course):
        targets = [t for t in targets if t != EnrolmentStatus.COMPLETED]
    return targets


def ensure_trainee_account(actor, person: Person) -> str | None:
    """Give a confirmed participant a trainee account; an invitation secret when it is new
    (or has never been used), None when the person has no email or already signed in."""
    if not person.email:
        return None
    user = (
        db.session.execute(
            sa.select(User).where(sa.or_(User.person_id == person.id, User.email == person.email))
        )
        .scalars()
        .first()
    )
    if user is None:
        user = auth_services.create_user(actor, person.email, person.full_name, Role.TRAINEE, None)
        user.person_id = person.id
        db.session.flush()
    elif user.person_id is None and user.role == Role.TRAINEE:
        user.person_id = person.id
    if user.password_hash is None and user.person_id == person.id:
        return auth_services.create_invitation(actor, user)
    return None


def trainee_enrolment(user, course, statuses=None) -> Enrolment | None:
    """The signed-in trainee's own enrolment in ``course`` (optionally in given statuses)."""
    if user.person_id is None:
        return None
    stmt = sa.select(Enrolment).where(
        Enrolment.course_id == course.id, Enrolment.person_id == user.person_id
    )
    if statuses is not None:
        stmt = stmt.where(Enrolment.status.in_(statuses))
    return db.session.execute(stmt).scalar_one_or_none()


# --- participants by country ----------------------------------------------------------


#: Who counts as a participant: the sentence every figure of participants carries (pages,
#: reports, PDFs, spreadsheets and the API), so nobody reads nominations as attendance.
PARTICIPANTS_COUNTED = (
    "Participants are the people who attended: confirmed for a course that has started, or "
    "completed. Nominated, accepted, withdrawn and rejected people are not counted."
)
#: The statuses that may count, as the API lists them.
COUNTED_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


def started_courses(today: date | None = None):
    """The ids of the courses that have started by ``today`` (cancelled ones never do)."""

    return sa.select(Course.id).where(
        Course.start_date <= (today or date.today()), Course.status != CourseStatus.CANCELLED
    )


def attended(today: date | None = None):
    """The condition on an enrolment that makes it a participant: completed, or confirmed for
    a course that has started by ``today``."""
    return sa.or_(
        Enrolment.status == EnrolmentStatus.COMPLETED,
        sa.and_(
            Enrolment.status == EnrolmentStatus.CONFIRMED,
            Enrolment.course_id.in_(started_courses(today)),
        ),
    )


def participating(stmt, today: date | None = None):
    """``stmt`` (on enrolments) narrowed to the participants: see PARTICIPANTS_COUNTED."""
    return stmt.where(attended(today))


def load_enrolments(course_ids: list[int], statuses=None) -> list[Enrolment]:
    """Enrolments of these courses with person and organisation, in one query: the
    participants (PARTICIPANTS_COUNTED), or those in the given statuses."""
    stmt = (
        sa.select(Enrolment)
        .where(Enrolment.course_id.in_(course_ids))
        .options(joinedload(Enrolment.person), joinedload(Enrolment.organisation))
    )
    stmt = participating(stmt) if statuses is None else stmt.where(Enrolment.status.in_(statuses))
    return list(db.session.execute(stmt).scalars().unique())


def listed_enrolments(course) -> list[Enrolment]:
    """Who the course's list of participants names, in protocol order: the confirmed and
    those who completed. Once the course has started they are its participants; before, the
    list says they are confirmed (``course_started``)."""
    return protocol_order(load_enrolments([course.id], statuses=COUNTED_STATUSES))


def course_started(course, today: date | None = None) -> bool:
    """Whether the course has started by ``today`` (a cancelled course never does)."""

    return course.status != CourseStatus.CANCELLED and course.start_date <= (today or date.today())


@dataclass
class CountryRow:
    code: str
    name: str  #: the country's one name (UN/WIPO), in tables and prose alike
    region: str | None
    count: int
    organisations: list[str]


@dataclass
class ByCountry:
    """Participants (PARTICIPANTS_COUNTED) by country, region, organisation kind and gender,
    and the enrolments that were not counted though they hold a seat."""

    countries: list[CountryRow]
    regions: list[tuple[str, int]]
    kinds: list[tuple[str, int]]
    genders: list[tuple[str, int]]
    total: int
    #: ("nominated", 3), ("confirmed for a course not yet started", 2): left out, and why.
    not_counted: list[tuple[str, int]] = field(default_factory=list)
    counted: str = PARTICIPANTS_COUNTED

    @property
    def not_counted_text(self) -> str:
        """ "3 nominated, 2 accepted" (empty when every seat-holder was counted)."""
        return ", ".join(f"{count} {label}" for label, count in self.not_counted)

    @property
    def sentence(self) -> str:
        """'Algeria (1 person), Bhutan (1), Cambodia (2), ...' as coordinators write it, with
        the names the tables use ("Viet Nam (6)", never "Vietnam" beside a "Viet Nam" row)."""
        parts = []
        for index, row in enumerate(self.countries):
            unit = (" person" if row.count == 1 else " people") if index == 0 else ""
            parts.append(f"{row.name} ({row.count}{unit})")
        return ", ".join(parts)


def count_participants(course_ids, today: date | None = None) -> ByCountry:
    """The participants (PARTICIPANTS_COUNTED) of many courses (ids, or a select of ids) by
    country, region, kind and gender, and the seat-holders left out: two grouped queries,
    whatever the number of people."""
    stmt = participating(
        sa.select(
            Enrolment.country_code,
            Organisation.name,
            Organisation.kind,
            Person.gender,
            sa.func.count(),
        )
        .join(Person, Enrolment.person_id == Person.id)
        .outerjoin(Organisation, Enrolment.organisation_id == Organisation.id)
        .where(Enrolment.course_id.in_(course_ids))
        .group_by(Enrolment.country_code, Organisation.name, Organisation.kind, Person.gender),
        today,
    )
    figures = _by_country(db.session.execute(stmt).all())
    left_out = dict(
        db.session.execute(
            sa.select(Enrolment.status, sa.func.count())
            .where(
                Enrolment.course_id.in_(course_ids),
                Enrolment.status.in_(
                    (EnrolmentStatus.NOMINATED, EnrolmentStatus.ACCEPTED, EnrolmentStatus.CONFIRMED)
                ),
                sa.not_(attended(today)),
            )
            .group_by(Enrolment.status)
        ).all()
    )
    labels = {
        EnrolmentStatus.NOMINATED: "nominated",
        EnrolmentStatus.ACCEPTED: "accepted",
        EnrolmentStatus.CONFIRMED: "confirmed for a course not yet started",
    }
    figures.not_counted = [
        (label, left_out[status]) for status, label in labels.items() if left_out.get(status)
    ]
    return figures


def _by_country(groups) -> ByCountry:
    """Figures from (country code, organisation name, organisation kind, gender, count)."""
    counts: Counter = Counter()
    organisations: dict[str, set[str]] = defaultdict(set)
    kinds: Counter = Counter()
    genders: Counter = Counter()
    for code, organisation, kind, gender, number in groups:
        counts[code] += number
        if organisation:
            organisations[code].add(organisation)
        kinds[OrganisationKind(kind).label if kind else "Not recorded"] += number
        genders[(gender or "not recorded").capitalize()] += number
    rows = []
    for code, number in counts.items():
        country = get_country(code)
        rows.append(
            CountryRow(
                code,
                country.name,
                country.region,
                number,
                sorted(organisations[code]),
            )
        )
    rows.sort(key=lambda row: row.name)
    regions = Counter()
    for row in rows:
        regions[row.region or "Other"] += row.count
    return ByCountry(
        countries=rows,
        regions=sorted(regions.items()),
        kinds=sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])),
        genders=sorted(genders.items()),
        total=sum(counts.values()),
    )


def protocol_order(enrolments: list[Enrolment]) -> list[Enrolment]:
    """By country (display name), then family name, then given name."""
    return sorted(enrolments, key=protocol_key)


def protocol_key(enrolment: Enrolment) -> tuple[str, str, str]:
    """An enrolment's place in protocol order (see ``protocol_order``)."""
    person = enrolment.person
    return (
        get_country(enrolment.country_code).name,
        person.family_name.casefold(),
        person.given_name.casefold(),
    )


def courses_awaiting_decisions(limit: int = 5) -> tuple[list, int]:
    """Courses (not completed or cancelled) with nominations nobody has decided yet, or
    people accepted and not yet confirmed, the soonest first: rows of (Course, nominated,
    accepted), and how many such courses in all. One query."""

    def count_of(status):
        return sa.func.sum(sa.case((Enrolment.status == status, 1), else_=0))

    rows = db.session.execute(
        sa.select(
            Course,
            count_of(EnrolmentStatus.NOMINATED).label("nominated"),
            count_of(EnrolmentStatus.ACCEPTED).label("accepted"),
            sa.func.count().over().label("courses"),
        )
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(
            Course.status.not_in([CourseStatus.COMPLETED, CourseStatus.CANCELLED]),
            Enrolment.status.in_([EnrolmentStatus.NOMINATED, EnrolmentStatus.ACCEPTED]),
        )
        .group_by(Course.id)
        .order_by(Course.start_date, Course.id)
        .limit(limit)
    ).all()
    return rows, rows[0].courses if rows else 0


def enrolments_of_person(person_id: int) -> list[Enrolment]:
    """A person's enrolments with their courses and organisations, oldest course first."""
    return list(
        db.session.execute(
            sa.select(Enrolment)
            .where(Enrolment.person_id == person_id)
            .options(joinedload(Enrolment.course), joinedload(Enrolment.organisation))
            .join(Course)
            .order_by(Course.start_date)
        ).scalars()
    )
