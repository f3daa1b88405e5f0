"""Importing a nomination spreadsheet: read, check every row, preview, then all or nothing."""

import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

import email_validator
import sqlalchemy as sa

from ..countries import CountryError, find_country, get_country, read_country
from ..extensions import db
from ..people.models import Gender, OrganisationKind, Person
from ..spreadsheets import SpreadsheetError, read_table, to_xlsx
from .models import SEAT_HOLDING, Enrolment
from .services import (
    PERSON_FIELDS,
    ParticipantError,
    PersonData,
    create_person,
    find_matching_person,
    nominate,
    update_person_fields,
)

#: (field, column heading, required, example) in template order.
COLUMNS = [
    ("family_name", "Family name", True, "Nguyen"),
    ("given_name", "Given name", False, "Thi Lan"),
    ("native_name", "Name in native script", False, "Nguyễn Thị Lan"),
    ("native_name_lang", "Native script language", False, "vi"),
    ("title", "Title", False, "Ms"),
    ("gender", "Gender", False, "female"),
    ("country", "Country", True, "Viet Nam"),
    ("organisation", "Organisation", False, "Intellectual Property Office of Viet Nam"),
    ("organisation_acronym", "Organisation acronym", False, "IP Viet Nam"),
    ("organisation_kind", "Organisation kind", False, "ip_office"),
    ("position", "Position", False, "Examiner"),
    ("email", "Email", False, "lan.nguyen@ipvietnam.example"),
    ("nominated_by", "Nominated by", False, "Permanent Mission of Viet Nam"),
]
HEADINGS = {field: heading for field, heading, _req, _ex in COLUMNS}
MAX_ROWS = 2000


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


#: Accepted spellings of each heading (the field name or the template heading).
_HEADING_INDEX = {_key(h): f for f, h, _r, _e in COLUMNS} | {_key(f): f for f, *_ in COLUMNS}


def template_xlsx() -> bytes:
    """The template to download: the headings and one example row."""
    return to_xlsx(
        "Nominations",
        [heading for _f, heading, _r, _e in COLUMNS],
        [[example for *_rest, example in COLUMNS]],
    )


@dataclass
class Problem:
    row: int | None  #: the spreadsheet row (headings are row 1), None for the whole file
    column: str | None  #: the heading as in the template
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column “{self.column}”")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class Difference:
    """One field of a matched row beside the person on record."""

    field: str  #: a key of PERSON_FIELDS
    label: str
    on_record: str
    in_row: str

    @property
    def offered(self) -> bool:
        """Whether the record may take the row's value: the row says something else (a blank
        in the row never empties the record)."""
        return bool(self.in_row) and self.in_row != self.on_record

    @property
    def fills_in(self) -> bool:
        """The row gives what the record lacks: proposed ticked, as it overwrites nothing."""
        return self.offered and not self.on_record


@dataclass(frozen=True)
class RowDecision:
    """The coordinator's answer for a row that matches a person on record."""

    same_person: bool
    update: frozenset[str] = frozenset()  #: fields of PERSON_FIELDS the record takes


@dataclass
class ImportRow:
    row: int
    data: PersonData
    nominated_by: str
    match: Person | None  #: a person on record this row may be
    country_note: str | None = None  #: "“Korea” was read as Republic of Korea."
    #: "email" (the same email: this is that person) or "name" (same name and country: the
    #: coordinator says whether it is the same person).
    match_kind: str | None = None
    comparison: list[Difference] = dataclass_field(default_factory=list)
    decision: RowDecision | None = None

    @property
    def person(self) -> Person | None:
        """The person on record this row will be nominated as (None: a new person)."""
        if self.match is None or (self.decision is not None and not self.decision.same_person):
            return None
        return self.match


def _shown(person_or_data, name: str) -> str:
    """A field of a person on record or of a row, as the preview shows it."""
    if name == "organisation":
        value = person_or_data.organisation
        value = value if isinstance(value, str) else (value.name if value else "")
    else:
        value = getattr(person_or_data, name) or ""
    if name == "country_code" and value:
        return get_country(value).name
    if name == "gender":
        return value.capitalize()
    return value


def _compare(person: Person, data: PersonData) -> list[Difference]:
    return [
        Difference(name, label, _shown(person, name), _shown(data, name))
        for name, label in PERSON_FIELDS.items()
        if _shown(person, name) or _shown(data, name)
    ]


@dataclass
class ImportCheck:
    rows: list[ImportRow]
    problems: list[Problem]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


class ImportFailed(ValueError):
    """The file was refused; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def check_file(
    course, filename: str, data: bytes, decisions: Mapping[int, RowDecision] | None = None
) -> ImportCheck:
    """Read and check every row against the rules and the course's seats, and find the people
    on record rows may be (with the coordinator's ``decisions`` where given); saves nothing."""
    try:
        table = read_table(filename, data)
    except SpreadsheetError as exc:
        return ImportCheck([], [Problem(None, None, str(exc))], [])
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        return ImportCheck([], [Problem(None, None, "The file is empty.")], [])
    header, body = table[0], table[1:]
    fields, warnings = [], []
    for heading in header:
        field = _HEADING_INDEX.get(_key(heading))
        if field is None and heading.strip():
            warnings.append(f"The column “{heading}” is not in the template and was ignored.")
        fields.append(field)
    missing = [HEADINGS[f] for f, _h, required, _e in COLUMNS if required and f not in fields]
    if missing:
        return ImportCheck(
            [],
            [
                Problem(
                    1,
                    None,
                    "Missing column(s): "
                    + ", ".join(missing)
                    + ". Download the template to see the headings.",
                )
            ],
            warnings,
        )
    if not body:
        return ImportCheck(
            [], [Problem(None, None, "The file has headings but no rows.")], warnings
        )
    if len(body) > MAX_ROWS:
        return ImportCheck(
            [], [Problem(None, None, f"At most {MAX_ROWS} rows per file.")], warnings
        )

    rows, problems = [], []
    for index, cells in enumerate(body, start=2):
        values = {f: "" for f, *_ in COLUMNS}
        for field, cell in zip(fields, cells, strict=False):
            if field:
                values[field] = cell
        row_problems = _check_values(index, values)
        problems += row_problems
        if row_problems:
            continue
        country, country_note = read_country(values["country"])
        data = PersonData(
            family_name=values["family_name"],
            given_name=values["given_name"],
            country_code=country.code,
            native_name=values["native_name"],
            native_name_lang=values["native_name_lang"],
            title=values["title"],
            gender=values["gender"] or None,
            email=values["email"] or None,
            position=values["position"],
            organisation=values["organisation"],
            organisation_acronym=values["organisation_acronym"],
            organisation_kind=values["organisation_kind"] or OrganisationKind.OTHER,
        ).cleaned()
        row = ImportRow(index, data, values["nominated_by"].strip(), None, country_note)
        row.match = find_matching_person(
            data.email, data.family_name, data.given_name, data.country_code
        )
        if row.match is not None:
            row.match_kind = "email" if data.email and row.match.email == data.email else "name"
            row.comparison = _compare(row.match, data)
            row.decision = (decisions or {}).get(index)
        rows.append(row)
    warnings += [f"Row {row.row}: {row.country_note}" for row in rows if row.country_note]
    problems += _duplicates(rows) + _already_enrolled(course, rows) + _seats(course, rows)
    problems.sort(key=lambda p: p.row or 0)
    return ImportCheck(rows, problems, warnings)


def _check_values(index: int, values: dict) -> list[Problem]:
    problems = []
    if not values["family_name"].strip():
        problems.append(Problem(index, HEADINGS["family_name"], "is required."))
    try:
        find_country(values["country"])
    except CountryError as exc:
        problems.append(Problem(index, HEADINGS["country"], str(exc)))
    if values["email"].strip():
        try:
            email_validator.validate_email(
                values["email"].strip(), check_deliverability=False, test_environment=True
            )  # .test addresses (the demo's, RFC 2606) are accepted
        except email_validator.EmailNotValidError as exc:
            problems.append(
                Problem(
                    index, HEADINGS["email"], f"“{values['email']}” is not an email address: {exc}"
                )
            )
    gender = values["gender"].strip().lower()
    if gender and gender not in set(Gender):
        problems.append(
            Problem(
                index,
                HEADINGS["gender"],
                f"“{values['gender']}” should be female, male, other or empty.",
            )
        )
    kind = values["organisation_kind"].strip().lower()
    if kind and kind not in set(OrganisationKind):
        problems.append(
            Problem(
                index,
                HEADINGS["organisation_kind"],
                f"“{values['organisation_kind']}” should be one of "
                + ", ".join(k.value for k in OrganisationKind)
                + ".",
            )
        )
    for field, limit in (
        ("family_name", 150),
        ("given_name", 150),
        ("position", 200),
        ("organisation", 300),
        ("native_name", 300),
        ("title", 40),
    ):
        if len(values[field]) > limit:
            problems.append(Problem(index, HEADINGS[field], f"is longer than {limit} characters."))
    return problems


def _duplicates(rows: list[ImportRow]) -> list[Problem]:
    problems, seen_email, seen_name = [], {}, {}
    for row in rows:
        name_key = (
            row.data.family_name.casefold(),
            row.data.given_name.casefold(),
            row.data.country_code,
        )
        if row.data.email and row.data.email in seen_email:
            problems.append(
                Problem(
                    row.row,
                    HEADINGS["email"],
                    f"{row.data.email} is also on row {seen_email[row.data.email]}.",
                )
            )
        elif name_key in seen_name:
            problems.append(
                Problem(
                    row.row,
                    HEADINGS["family_name"],
                    f"the same person as on row {seen_name[name_key]}.",
                )
            )
        if row.data.email:
            seen_email.setdefault(row.data.email, row.row)
        seen_name.setdefault(name_key, row.row)
    return problems


def _already_enrolled(course, rows: list[ImportRow]) -> list[Problem]:
    person_ids = [row.person.id for row in rows if row.person]
    if not person_ids:
        return []
    enrolled = set(
        db.session.execute(
            sa.select(Enrolment.person_id).where(
                Enrolment.course_id == course.id, Enrolment.person_id.in_(person_ids)
            )
        ).scalars()
    )
    return [
        Problem(
            row.row, HEADINGS["family_name"], f"{row.person.full_name} is already in this course."
        )
        for row in rows
        if row.person and row.person.id in enrolled
    ]


def decision_problems(rows: list[ImportRow]) -> list[Problem]:
    """Rows that match a person on record and have no (possible) answer yet."""
    problems = []
    for row in rows:
        if row.match is None:
            continue
        known = (
            f"{row.match.full_name} (person #{row.match.id}, {_shown(row.match, 'country_code')})"
        )
        if row.decision is None:
            problems.append(
                Problem(
                    row.row,
                    None,
                    f"may be {known}, already on record: choose “Same person” or “New person”.",
                )
            )
        elif not row.decision.same_person and row.match_kind == "email":
            problems.append(
                Problem(
                    row.row,
                    HEADINGS["email"],
                    f"{row.data.email} is the email of {known}; an email is one person's, so "
                    "choose “Same person”, or correct the email in the file.",
                )
            )
        elif unknown := row.decision.update - PERSON_FIELDS.keys():
            problems.append(
                Problem(row.row, None, f"unknown field(s) to update: {', '.join(sorted(unknown))}.")
            )
    return problems


def decisions_from_form(form: Mapping[str, str]) -> dict[int, RowDecision]:
    """The answers of the preview's form: ``person-<row>`` = "same" or "new", and
    ``update-<row>-<field>`` for each field the record takes from the row."""
    decisions = {}
    for key, value in form.items():
        found = re.fullmatch(r"person-(\d{1,6})", key)
        if not found or value not in ("same", "new"):
            continue
        row = int(found.group(1))
        prefix = f"update-{row}-"
        update = frozenset(
            k.removeprefix(prefix) for k in form if k.startswith(prefix) and form.get(k)
        )
        decisions[row] = RowDecision(value == "same", update if value == "same" else frozenset())
    return decisions


def decisions_from_json(text: str) -> dict[int, RowDecision]:
    """The API's answers: ``{"3": {"person": "same", "update": ["position"]}, "5": {"person":
    "new"}}``; ImportFailed naming what is wrong."""
    if not (text or "").strip():
        return {}
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("an object keyed by row number is expected")
        decisions = {}
        for row, answer in raw.items():
            person, update = answer.get("person"), answer.get("update", [])
            if person not in ("same", "new") or not isinstance(update, list):
                raise ValueError(f"row {row}: person is “same” or “new”, update a list")
            decisions[int(row)] = RowDecision(
                person == "same", frozenset(map(str, update)) if person == "same" else frozenset()
            )
    except (ValueError, AttributeError, TypeError) as exc:
        raise ImportFailed(
            [Problem(None, None, f"The decisions are not readable: {exc}.")]
        ) from exc
    return decisions


def _seats(course, rows: list[ImportRow]) -> list[Problem]:
    """The first row that would go past a country's quota, or past the capacity."""
    held = dict(
        db.session.execute(
            sa.select(Enrolment.country_code, sa.func.count())
            .where(Enrolment.course_id == course.id, Enrolment.status.in_(SEAT_HOLDING))
            .group_by(Enrolment.country_code)
        ).all()
    )
    quotas = {q.country_code: q.seats for q in course.quotas}
    total = sum(held.values())
    problems, added = [], Counter()
    for row in rows:
        code = row.data.country_code
        added[code] += 1
        total += 1
        if quotas and code not in quotas:
            problems.append(
                Problem(row.row, HEADINGS["country"], f"{_name(code)} has no seats in this course.")
            )
        elif quotas and held.get(code, 0) + added[code] > quotas[code]:
            problems.append(
                Problem(
                    row.row,
                    HEADINGS["country"],
                    f"seat quota exceeded: {_name(code)} has {quotas[code]} seats, "
                    f"{held.get(code, 0)} already taken and this is nomination "
                    f"{added[code]} in the file.",
                )
            )
        elif total > course.capacity:
            problems.append(
                Problem(row.row, None, f"the course capacity of {course.capacity} is exceeded.")
            )
    return problems


def _name(code: str) -> str:
    return find_country(code).name


def import_nominations(
    actor,
    course,
    filename: str,
    data: bytes,
    decisions: Mapping[int, RowDecision] | None = None,
) -> dict:
    """Check the file and, when every row is right and every row that matches a person on
    record has the coordinator's answer, nominate everyone; else ImportFailed and nothing is
    written. A row said to be the same person updates only the chosen fields of the record
    (the audit keeps the old values); the course's record keeps what the row says."""
    check = check_file(course, filename, data, decisions)
    problems = check.problems + decision_problems(check.rows)
    if problems or not check.rows:
        problems.sort(key=lambda p: p.row or 0)
        raise ImportFailed(problems or [Problem(None, None, "No rows to import.")])
    created = reused = 0
    try:
        with db.session.begin_nested():
            for row in check.rows:
                person = row.person
                if person is None:
                    person = create_person(actor, row.data)
                    created += 1
                else:
                    update_person_fields(
                        actor,
                        person,
                        row.data,
                        row.decision.update,
                        source=f"import into {course.code}, row {row.row}",
                    )
                    reused += 1
                nominate(
                    actor, course, person, nominated_by=row.nominated_by, as_nominated=row.data
                )
    except ParticipantError as exc:  # a rule the check could not see (e.g. a race)
        raise ImportFailed([Problem(None, None, str(exc))]) from exc
    return {
        "nominations": len(check.rows),
        "created_people": created,
        "reused_people": reused,
        "countries_read": [f"Row {r.row}: {r.country_note}" for r in check.rows if r.country_note],
    }


# --- the uploaded file between preview and import ---------------------------------------

_UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.(xlsx|csv)$")


def _upload_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(instance_path: str, course_id: int, filename: str, data: bytes) -> str:
    """Keep the checked file until the user confirms; returns its token."""
    extension = filename.rsplit(".", 1)[-1].lower()
    token = f"{secrets.token_hex(16)}.{extension}"
    target = _upload_dir(instance_path) / f"{course_id}-{token}"
    temporary = target.with_suffix(".part")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return token


def load_upload(instance_path: str, course_id: int, token: str) -> tuple[str, bytes] | None:
    """The stored file for this course and token, or None."""
    if not _UPLOAD_NAME.match(token or ""):
        return None
    path = _upload_dir(instance_path) / f"{course_id}-{token}"
    if not path.exists():
        return None
    return token, path.read_bytes()


def discard_upload(instance_path: str, course_id: int, token: str) -> None:
    if _UPLOAD_NAME.match(token or ""):
        (_upload_dir(instance_path) / f"{course_id}-{token}").unlink(missing_ok=True)
