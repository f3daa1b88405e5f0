"""JSON API for funds and courses (under /api/v1)."""

from flask import abort as flask_abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import selectinload

from ..access import EDITORS, roles, signed_in
from ..extensions import db
from ..limits import SHORT_PROSE
from ..rest import CountryCode, Integer, page_items
from ..versioning import check_if_match, set_etag
from . import services
from .access import visible_course_or_404
from .models import Course, CourseStatus, Fund

blp = Blueprint("courses_api", __name__, url_prefix="/api/v1", description="Funds and courses.")


class FundSchema(Schema):
    id = Integer(dump_only=True)
    code = fields.String()
    name = fields.String()
    short_name = fields.String()
    since_year = Integer()
    eligibility = fields.String()


class QuotaSchema(Schema):
    country_code = fields.String()
    seats = Integer()


class CourseSchema(Schema):
    id = Integer(dump_only=True)
    fund_id = Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    short_title = fields.String(load_default="", validate=validate.Length(max=200))
    code = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=40),
            validate.Regexp(
                r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$",
                error="The code may hold only letters A–Z, digits and hyphens, starting and "
                "ending with a letter or a digit (e.g. ENF-2013).",
            ),
        ],
    )
    edition_year = Integer(validate=validate.Range(1987, 2100))
    organisers = fields.String(load_default="")
    venue = fields.String(load_default="")
    city = fields.String(load_default="")
    country_code = CountryCode(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    time_zone = fields.String(load_default="Asia/Tokyo")
    objectives = fields.String(load_default="", validate=validate.Length(max=SHORT_PROSE))
    target_audience = fields.String(load_default="", validate=validate.Length(max=SHORT_PROSE))
    capacity = Integer(required=True, validate=validate.Range(min=1))
    nomination_deadline = fields.Date(allow_none=True, load_default=None)
    country_report_deadline = fields.Date(allow_none=True, load_default=None)
    min_attendance_pct = Integer(load_default=80, validate=validate.Range(0, 100))
    evaluation_required = fields.Boolean(load_default=True)
    country_report_required = fields.Boolean(load_default=True)
    status = fields.String(dump_only=True)
    version = Integer(dump_only=True)
    quotas = fields.List(fields.Nested(QuotaSchema), dump_only=True)


class CoursePatchSchema(CourseSchema):
    #: The version the client last read, if it sends it (the ETag in If-Match is required).
    version = Integer(load_only=True)
    status = fields.String(validate=validate.OneOf([s.value for s in CourseStatus]))


class CourseQuerySchema(Schema):
    year = Integer()
    fund = Integer()
    status = fields.String(validate=validate.OneOf([s.value for s in CourseStatus]))
    q = fields.String()


@blp.route("/funds")
@signed_in
@blp.response(200, FundSchema(many=True))
def list_funds():
    """The funds that pay for courses."""
    return db.session.execute(db.select(Fund).order_by(Fund.since_year)).scalars().all()


@blp.route("/courses")
@signed_in
@blp.arguments(CourseQuerySchema, location="query")
@blp.response(200, CourseSchema(many=True))
@blp.paginate()
def list_courses(filters, pagination_parameters):
    """Courses the caller may see, newest first; filter by year, fund, status, text."""
    stmt = services.filter_courses(
        services.visible_courses(current_user),
        filters.get("year"),
        filters.get("fund"),
        filters.get("status"),
        filters.get("q"),
    ).options(selectinload(Course.quotas))
    return page_items(stmt, pagination_parameters)


@blp.route("/courses", methods=["POST"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(CourseSchema)
@blp.response(201, CourseSchema)
def create_course(values):
    """Create a draft course."""
    course = services.create_course(current_user, **values)
    db.session.commit()
    set_etag(blp, course)
    return course


@blp.route("/courses/<int:course_id>")
@signed_in
@blp.etag
@blp.response(200, CourseSchema)
def get_course(course_id):
    """One course, with its seat quotas; its ETag goes back in If-Match to change it."""
    course = visible_course_or_404(course_id)
    set_etag(blp, course)
    return course


@blp.route("/courses/<int:course_id>", methods=["PATCH"])
@roles(*EDITORS)
@blp.etag
@blp.arguments(CoursePatchSchema(partial=True))
@blp.response(200, CourseSchema)
def patch_course(values, course_id):
    """Change some fields (and/or the status). If-Match: the ETag you read, so that nobody's
    change is overwritten unseen (412 when someone else changed the course since)."""
    course = db.session.get(Course, course_id) or flask_abort(404)
    check_if_match(blp, course, "course")
    status = values.pop("status", None)
    services.update_course(current_user, course, values.pop("version", None), **values)
    if status and status != course.status:
        services.change_course_status(current_user, course, status)
    db.session.commit()
    set_etag(blp, course)
    return course
