"""JSON API for working groups and their meetings (under /api/v1). Coordinators edit; staff
read and export; trainees see nothing of it."""

from flask import abort as flask_abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import selectinload

from ..access import EDITORS, READERS, roles
from ..downloads import attachment
from ..extensions import db
from ..limits import LONG_PROSE, SHORT_PROSE
from ..rest import CountryCode, Integer, page_items
from ..versioning import check_if_match, set_etag
from ..word import DOCX
from . import services
from .documents import meeting_file_stem, meeting_report_pdf
from .models import (
    ActionStatus,
    Meeting,
    MeetingStatus,
    OutcomeKind,
    Side,
    WorkingGroup,
)
from .word import meeting_report_docx, press_release_docx

blp = Blueprint(
    "meetings_api",
    __name__,
    url_prefix="/api/v1",
    description="Bilateral working groups and their meetings.",
)

SIDE = validate.OneOf([s.value for s in Side])
YEAR = validate.Range(1950, 2100)


def _text(max_length: int | None = None, **kwargs):
    return fields.String(validate=validate.Length(max=max_length) if max_length else None, **kwargs)


class MeetingRefSchema(Schema):
    id = Integer()
    number = Integer()
    title = fields.Function(services.meeting_title)
    when = fields.Function(services.when)
    status = fields.String()


class WorkingGroupSchema(Schema):
    id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    side_a_country = CountryCode(required=True)
    side_a_body = fields.String(required=True, validate=validate.Length(min=1, max=200))
    side_b_country = CountryCode(required=True)
    side_b_body = fields.String(required=True, validate=validate.Length(min=1, max=200))
    framework = _text(500, load_default="")
    framework_date = fields.Date(allow_none=True, load_default=None)
    description = _text(SHORT_PROSE, load_default="")
    meetings = fields.List(fields.Nested(MeetingRefSchema), dump_only=True)


class WorkingGroupPatchSchema(WorkingGroupSchema):
    """Any of the fields, to change."""


class DelegateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title = _text(300, load_default="")
    #: Links the delegate to their record under /people.
    person_id = Integer(allow_none=True, load_default=None, validate=validate.Range(1))


class DelegationSchema(Schema):
    id = Integer(dump_only=True)
    side = fields.String(required=True, validate=SIDE)
    organisation = fields.String(required=True, validate=validate.Length(min=1, max=300))
    units = _text(500, load_default="")
    observer = fields.Boolean(load_default=False)
    delegates = fields.List(fields.Nested(DelegateSchema), load_default=list)


class AgendaItemSchema(Schema):
    id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    summary = _text(LONG_PROSE, load_default="")


class OutcomeSchema(Schema):
    id = Integer(dump_only=True)
    meeting_id = Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in OutcomeKind]))
    text = fields.String(required=True, validate=validate.Length(min=1, max=SHORT_PROSE))
    owner_side = fields.String(allow_none=True, load_default=None, validate=SIDE)
    responsible = _text(300, load_default="")
    due_date = fields.Date(allow_none=True, load_default=None)
    status = fields.String(
        load_default=ActionStatus.OPEN.value,
        validate=validate.OneOf([s.value for s in ActionStatus]),
    )
    #: An action item still open after its due date.
    overdue = fields.Boolean(dump_only=True)


class SideEventSchema(Schema):
    id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    day = fields.Date(required=True)
    part_of_day = fields.String(
        load_default="", validate=validate.OneOf(["", "morning", "afternoon", "evening"])
    )
    venue = _text(300, load_default="")
    co_organisers = _text(500, load_default="")
    audience = _text(SHORT_PROSE, load_default="")
    programme = _text(SHORT_PROSE, load_default="")


class MeetingSchema(Schema):
    id = Integer(dump_only=True)
    working_group_id = Integer(dump_only=True)
    title = fields.Function(services.meeting_title, dump_only=True)
    when = fields.Function(services.when, dump_only=True)
    number = Integer(required=True, validate=validate.Range(1, 1000))
    status = fields.String(
        load_default=MeetingStatus.PLANNED.value,
        validate=validate.OneOf([s.value for s in MeetingStatus]),
    )
    start_date = fields.Date(allow_none=True, load_default=None)
    end_date = fields.Date(allow_none=True, load_default=None)
    fiscal_year = Integer(allow_none=True, load_default=None, validate=YEAR)
    dates_text = _text(100, load_default="")
    city = _text(100, load_default="")
    host_side = fields.String(load_default=Side.A.value, validate=SIDE)
    chair_a_name = _text(200, load_default="")
    chair_a_title = _text(300, load_default="")
    chair_a_organisation = _text(300, load_default="")
    chair_b_name = _text(200, load_default="")
    chair_b_title = _text(300, load_default="")
    chair_b_organisation = _text(300, load_default="")
    summary = _text(LONG_PROSE, load_default="")
    next_host_side = fields.String(allow_none=True, load_default=None, validate=SIDE)
    next_fiscal_year = Integer(allow_none=True, load_default=None, validate=YEAR)
    next_date = fields.Date(allow_none=True, load_default=None)
    release_date = fields.Date(allow_none=True, load_default=None)
    release_division = _text(300, load_default="")
    press_release = fields.Function(services.press_release_text, dump_only=True)
    release_published = fields.Boolean(dump_only=True)
    version = Integer(dump_only=True)
    delegations = fields.List(fields.Nested(DelegationSchema))
    agenda = fields.List(fields.Nested(AgendaItemSchema))
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    side_events = fields.List(fields.Nested(SideEventSchema))
    #: Open action items of earlier meetings of the series, for follow-up.
    follow_up = fields.Function(
        lambda m: OutcomeSchema(many=True).dump(services.open_actions_before(m)), dump_only=True
    )


class MeetingInListSchema(MeetingSchema):
    """A meeting in a list: the follow-up is on each meeting's own address."""

    class Meta:
        exclude = ("follow_up",)


class MeetingPatchSchema(MeetingSchema):
    #: The version the client last read, if it sends it (the ETag in If-Match is required).
    version = Integer(load_only=True)
    #: The edited press release (refused while it is published).
    press_release = fields.String(load_only=True, validate=validate.Length(max=LONG_PROSE))


PART_LISTS = {
    "delegations": "delegations",
    "agenda": "agenda",
    "outcomes": "outcomes",
    "side_events": "side-events",
}


def _parts(meeting: Meeting) -> list:
    """The rows a meeting is sent with: their versions are part of its ETag."""
    return [*meeting.delegations, *meeting.agenda, *meeting.outcomes, *meeting.side_events]


def _save(meeting: Meeting, values: dict) -> None:
    """The nested lists sent replace the meeting's; the press release text is saved last."""
    for key, kind in PART_LISTS.items():
        if key in values:
            services.replace_parts(current_user, meeting, kind, values.pop(key))
    if "press_release" in values:
        services.save_press_release(
            current_user,
            meeting,
            values.pop("press_release"),
            values.get("release_date", meeting.release_date),
        )


@blp.route("/working-groups")
@roles(*READERS)
@blp.response(200, WorkingGroupSchema(many=True))
@blp.paginate()
def list_groups(pagination_parameters):
    """The working groups, by name, each with its meetings."""
    stmt = (
        db.select(WorkingGroup)
        .order_by(WorkingGroup.name)
        .options(selectinload(WorkingGroup.meetings))
    )
    return page_items(stmt, pagination_parameters)


@blp.route("/working-groups", methods=["POST"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(WorkingGroupSchema)
@blp.response(201, WorkingGroupSchema)
def create_group(values):
    """A new working group: its two sides and the framework it rests on."""
    group = services.create_group(current_user, **values)
    db.session.commit()
    set_etag(blp, group)
    return group


@blp.route("/working-groups/<int:working_group_id>")
@roles(*READERS)
@blp.etag
@blp.response(200, WorkingGroupSchema)
def get_group(working_group_id):
    """A working group with its meetings; its ETag goes back in If-Match to change it."""
    group = db.session.get(WorkingGroup, working_group_id) or flask_abort(404)
    set_etag(blp, group)
    return group


@blp.route("/working-groups/<int:working_group_id>", methods=["PATCH"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(WorkingGroupPatchSchema(partial=True))
@blp.response(200, WorkingGroupSchema)
def patch_group(values, working_group_id):
    """Change some fields of a working group (If-Match: the ETag you read)."""
    group = db.session.get(WorkingGroup, working_group_id) or flask_abort(404)
    check_if_match(blp, group, "working group")
    services.update_group(current_user, group, **values)
    db.session.commit()
    set_etag(blp, group)
    return group


@blp.route("/working-groups/<int:working_group_id>/meetings")
@roles(*READERS)
@blp.response(200, MeetingInListSchema(many=True))
@blp.paginate()
def list_meetings(working_group_id, pagination_parameters):
    """The meetings of the series, in order, with their parts (the follow-up of open action
    items is on each meeting's own address)."""
    db.session.get(WorkingGroup, working_group_id) or flask_abort(404)
    stmt = (
        db.select(Meeting)
        .where(Meeting.working_group_id == working_group_id)
        .order_by(Meeting.number)
        .options(*services.whole_meeting())
    )
    return page_items(stmt, pagination_parameters)


@blp.route("/working-groups/<int:working_group_id>/meetings", methods=["POST"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(MeetingSchema)
@blp.response(201, MeetingSchema)
def create_meeting(values, working_group_id):
    """Add a meeting to the series, with its delegations, agenda, outcomes and side events
    when given."""
    group = db.session.get(WorkingGroup, working_group_id) or flask_abort(404)
    parts = {key: values.pop(key) for key in PART_LISTS if key in values}
    meeting = services.create_meeting(current_user, group, **values)
    _save(meeting, parts)
    db.session.commit()
    set_etag(blp, meeting, _parts(meeting))
    return meeting


@blp.route("/meetings/<int:meeting_id>")
@roles(*READERS)
@blp.etag
@blp.response(200, MeetingSchema)
def get_meeting(meeting_id):
    """A meeting with its delegations, agenda, outcomes, side events, press release and the
    open action items of earlier meetings; its ETag goes back in If-Match to change it."""
    meeting = services.get_meeting(meeting_id) or flask_abort(404)
    set_etag(blp, meeting, _parts(meeting))
    return meeting


@blp.route("/meetings/<int:meeting_id>", methods=["PATCH"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(MeetingPatchSchema(partial=True))
@blp.response(200, MeetingSchema)
def patch_meeting(values, meeting_id):
    """Change some fields; a list sent (delegations, agenda, outcomes, side_events) replaces
    the meeting's. If-Match: the ETag you read, so that nobody's change is overwritten unseen
    (412 when someone else changed the meeting or one of its parts since)."""
    meeting = services.get_meeting(meeting_id) or flask_abort(404)
    check_if_match(blp, meeting, "meeting", _parts(meeting))
    version = values.pop("version", None)
    parts = {key: values.pop(key) for key in (*PART_LISTS, "press_release") if key in values}
    services.update_meeting(current_user, meeting, version, **values)
    _save(meeting, parts)
    db.session.commit()
    set_etag(blp, meeting, _parts(meeting))
    return meeting


@blp.route("/meetings/<int:meeting_id>/report.pdf")
@roles(*READERS)
@blp.response(200, content_type="application/pdf")
def meeting_report(meeting_id):
    """The meeting report as a PDF."""
    meeting = services.get_meeting(meeting_id) or flask_abort(404)
    return attachment(meeting_report_pdf(meeting), f"{meeting_file_stem(meeting)}-report.pdf")


@blp.route("/meetings/<int:meeting_id>/report.docx")
@roles(*READERS)
@blp.response(200, content_type=DOCX)
def meeting_report_word(meeting_id):
    """The meeting report as a Word document, to edit before publishing."""
    meeting = services.get_meeting(meeting_id) or flask_abort(404)
    name = f"{meeting_file_stem(meeting)}-report.docx"
    return attachment(meeting_report_docx(meeting), name, DOCX)


@blp.route("/meetings/<int:meeting_id>/press-release.docx")
@roles(*READERS)
@blp.response(200, content_type=DOCX)
def press_release_word(meeting_id):
    """The press release as a Word document, to edit before publishing."""
    meeting = services.get_meeting(meeting_id) or flask_abort(404)
    name = f"{meeting_file_stem(meeting)}-press-release.docx"
    return attachment(press_release_docx(meeting), name, DOCX)
