"""JSON API for participants, imports, figures by country and people (under /api/v1)."""

import sqlalchemy as sa
from flask import abort as flask_abort
from flask import request
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import joinedload

from ..access import EDITORS, READERS, roles
from ..courses.access import visible_course_or_404
from ..courses.models import Course
from ..extensions import db
from ..rest import CountryCode, Integer
from . import imports, services
from .models import Enrolment

blp = Blueprint(
    "participants_api",
    __name__,
    url_prefix="/api/v1",
    description="Participants, nominations, imports and people.",
)


class OrganisationSchema(Schema):
    id = Integer()
    name = fields.String()
    acronym = fields.String()
    country_code = fields.String()
    kind = fields.String()


class PersonSchema(Schema):
    id = Integer(dump_only=True)
    title = fields.String(load_default="")
    family_name = fields.String(required=True, validate=validate.Length(min=1, max=150))
    given_name = fields.String(load_default="")
    native_name = fields.String(load_default="")
    native_name_lang = fields.String(load_default="")
    gender = fields.String(allow_none=True, load_default=None)
    country_code = CountryCode(required=True)
    position = fields.String(load_default="")
    email = fields.Email(allow_none=True, load_default=None)
    organisation = fields.Nested(OrganisationSchema, dump_only=True, allow_none=True)


class EnrolmentSchema(Schema):
    id = Integer()
    status = fields.String()
    country_code = fields.String()
    position = fields.String()
    nominated_by = fields.String()
    quota_override_reason = fields.String()
    person = fields.Nested(PersonSchema)
    organisation = fields.Nested(OrganisationSchema, allow_none=True)


class NominationSchema(PersonSchema):
    organisation_name = fields.String(load_default="")
    organisation_kind = fields.String(load_default="other")
    nominated_by = fields.String(load_default="")
    override_reason = fields.String(load_default="")


class NominationResultSchema(EnrolmentSchema):
    person_reused = fields.Boolean()


class ImportFileSchema(Schema):
    """The multipart request: the spreadsheet and, as a text part, the answers for rows that
    may be people on record."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    decisions = fields.String(
        load_default="",
        metadata={
            "description": "For rows that may be a person on record (same email, or same name "
            'and country), a JSON object: {"3": {"person": "same", "update": ["position"]}, '
            '"5": {"person": "new"}}. "update" names the fields the record takes from the row '
            "(title, family_name, given_name, native_name, gender, country_code, organisation, "
            "position, email); nothing else of the record changes. A matching row without an "
            "answer makes the import fail (422) naming the person it may be."
        },
    )


class ImportResultSchema(Schema):
    nominations = Integer()
    created_people = Integer()
    reused_people = Integer()
    #: Rows whose country was written another way, and the country each was read as.
    countries_read = fields.List(fields.String())


class CountryCountSchema(Schema):
    code = fields.String()
    name = fields.String()  #: the country's one name, as in the sentence
    count = Integer()


class NotCountedSchema(Schema):
    status = fields.String()
    count = Integer()


class ByCountrySchema(Schema):
    countries = fields.List(fields.Nested(CountryCountSchema))
    total = Integer()
    sentence = fields.String()
    #: Who the figures count, in words ("Participants are the people who attended: ...").
    counted = fields.String()
    counted_statuses = fields.List(fields.String())
    #: Seat-holders left out of the figures: nominated, accepted, confirmed before the start.
    not_counted = fields.List(fields.Nested(NotCountedSchema))


@blp.route("/courses/<int:course_id>/participants")
@roles(*READERS)
@blp.response(200, EnrolmentSchema(many=True))
def list_participants(course_id):
    """Everyone nominated to the course, in protocol order, with their status."""
    course = visible_course_or_404(course_id)
    enrolments = (
        db.session.execute(
            sa.select(Enrolment)
            .where(Enrolment.course_id == course.id)
            .options(joinedload(Enrolment.person), joinedload(Enrolment.organisation))
        )
        .scalars()
        .unique()
    )
    return services.protocol_order(list(enrolments))


@blp.route("/courses/<int:course_id>/participants", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(NominationSchema)
@blp.response(201, NominationResultSchema)
def nominate(values, course_id):
    """Nominate a person: an existing person with the same email (or name and country) is
    reused. 409 when the seats are full, unless ``override_reason`` is given."""
    course = db.session.get(Course, course_id) or flask_abort(404)
    data = services.PersonData(
        family_name=values["family_name"],
        given_name=values["given_name"],
        country_code=values["country_code"],
        native_name=values["native_name"],
        native_name_lang=values["native_name_lang"],
        title=values["title"],
        gender=values["gender"],
        email=values["email"],
        position=values["position"],
        organisation=values["organisation_name"],
        organisation_kind=values["organisation_kind"],
    )
    clean = data.cleaned()
    match = services.find_matching_person(
        clean.email, clean.family_name, clean.given_name, clean.country_code
    )
    person = (
        services.update_person_from(current_user, match, clean)
        if match
        else services.create_person(current_user, clean)
    )
    enrolment = services.nominate(
        current_user, course, person, values["nominated_by"], values["override_reason"]
    )
    db.session.commit()
    enrolment.person_reused = match is not None
    return enrolment


@blp.route("/courses/<int:course_id>/participants/import", methods=["POST"])
@roles(*EDITORS)
@blp.arguments(ImportFileSchema, location="files")
@blp.response(200, ImportResultSchema)
@blp.alt_response(422, description="The row errors; nothing was saved.")
def import_participants(files, course_id):
    """Import a nomination spreadsheet (XLSX or CSV, multipart field ``file``): every row or
    none. A row that may be a person on record needs an answer in ``decisions``. 422 lists
    each problem with its row and column."""
    course = db.session.get(Course, course_id) or flask_abort(404)
    upload = files["file"]
    try:
        counts = imports.import_nominations(
            current_user,
            course,
            upload.filename or "",
            upload.read(),
            # A text part of the same multipart body: webargs reads "files" from request.files
            # only, and OpenAPI allows one request body, so the schema documents it.
            imports.decisions_from_json(request.form.get("decisions", "")),
        )
    except imports.ImportFailed as exc:
        db.session.rollback()
        abort(
            422,
            message=f"Nothing was imported: {len(exc.problems)} problem(s).",
            errors=[
                {"row": p.row, "column": p.column, "message": p.message, "text": str(p)}
                for p in exc.problems
            ],
        )
    db.session.commit()
    return counts


@blp.route("/courses/<int:course_id>/participants/by-country")
@roles(*READERS)
@blp.response(200, ByCountrySchema)
def participants_by_country(course_id):
    """Participants per country (code, name, count), the total and the sentence. Participants
    are the people who attended (``counted`` says it in words); nominations and acceptances
    are listed under ``not_counted``."""
    course = visible_course_or_404(course_id)
    figures = services.count_participants([course.id])
    return {
        "countries": figures.countries,
        "total": figures.total,
        "sentence": figures.sentence,
        "counted": figures.counted,
        "counted_statuses": [str(s) for s in services.COUNTED_STATUSES],
        "not_counted": [{"status": label, "count": n} for label, n in figures.not_counted],
    }
