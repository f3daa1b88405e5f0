"""The API's own blueprint: who is calling, and a person across courses and meetings (composed
here, above both, as main/ composes the person page). The domains' API blueprints live in each
domain's api.py; create_app() registers them all (rest.init_api)."""

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..access import signed_in
from ..extensions import db
from ..meetings import services as meeting_services
from ..participants import services as participant_services
from ..participants.api import PersonSchema
from ..people.models import Person
from ..rest import Integer
from ..versioning import set_etag

blp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Who is calling, and people across courses and meetings.",
)


class MeSchema(Schema):
    email = fields.Email(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)


@blp.route("/me")
@signed_in
@blp.response(200, MeSchema)
def me():
    """The account behind this request (bearer token or browser session)."""
    return current_user


class CourseRefSchema(Schema):
    course_id = Integer(attribute="course.id")
    code = fields.String(attribute="course.code")
    title = fields.String(attribute="course.title")
    edition_year = Integer(attribute="course.edition_year")
    status = fields.String()
    position = fields.String()


class PersonMeetingSchema(Schema):
    meeting_id = Integer()
    working_group = fields.String()
    number = Integer()
    title = fields.String()
    when = fields.String()
    organisation = fields.String()
    observer = fields.Boolean()
    position = fields.String()


class PersonDetailSchema(PersonSchema):
    courses = fields.List(fields.Nested(CourseRefSchema))
    #: Working-group meetings attended as a delegate (not shown to trainees).
    meetings = fields.List(fields.Nested(PersonMeetingSchema))


@blp.route("/people/<int:person_id>")
@signed_in
@blp.etag
@blp.response(200, PersonDetailSchema)
def get_person(person_id):
    """A person with every course and working-group meeting they took part in; the ETag is
    the record's version."""
    person = db.session.get(Person, person_id)
    if person is None or (current_user.role == "trainee" and current_user.person_id != person_id):
        abort(404)
    set_etag(blp, person)
    person.courses = participant_services.enrolments_of_person(person.id)
    person.meetings = [
        {
            "meeting_id": meeting.id,
            "working_group": meeting.working_group.name,
            "number": meeting.number,
            "title": meeting_services.meeting_title(meeting),
            "when": meeting_services.when(meeting),
            "organisation": delegation.organisation,
            "observer": delegation.observer,
            "position": delegate.title,
        }
        for meeting, delegation, delegate in (
            meeting_services.meetings_of_person(person.id) if current_user.role != "trainee" else []
        )
    ]
    return person
