"""JSON API for reports and their files (under /api/v1)."""

from flask import abort as flask_abort
from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from ..access import READERS, roles
from ..courses.models import Course
from ..downloads import attachment
from ..extensions import db
from ..participants import services as participant_services
from ..participants.queries import LIST_HEADER, list_rows
from ..rest import Integer
from ..spreadsheets import to_csv, to_xlsx
from ..word import DOCX
from . import services, word

blp = Blueprint(
    "reports_api",
    __name__,
    url_prefix="/api/v1",
    description="Course reports, participant lists and annual statistics.",
)


@blp.route("/courses/<int:course_id>/report.pdf")
@roles(*READERS)
@blp.response(200, content_type="application/pdf")
def course_report_pdf(course_id):
    """The course report (PDF)."""
    course = db.get_or_404(Course, course_id)
    return attachment(services.course_report_pdf(course), f"{course.code}-report.pdf")


@blp.route("/courses/<int:course_id>/report.docx")
@roles(*READERS)
@blp.response(200, content_type=DOCX)
def course_report_docx(course_id):
    """The course report (Word), to edit before publishing."""
    course = db.get_or_404(Course, course_id)
    return attachment(word.course_report_docx(course), f"{course.code}-report.docx", DOCX)


@blp.route("/courses/<int:course_id>/evaluation/report.pdf")
@roles(*READERS)
@blp.response(200, content_type="application/pdf")
def evaluation_report_pdf(course_id):
    """The evaluation report (PDF); 404 when the course has no questionnaire."""
    course = db.get_or_404(Course, course_id)
    data = services.evaluation_report_pdf(course)
    if data is None:
        flask_abort(404, services.NO_QUESTIONNAIRE)
    return attachment(data, f"{course.code}-evaluation-report.pdf")


@blp.route("/courses/<int:course_id>/evaluation/report.docx")
@roles(*READERS)
@blp.response(200, content_type=DOCX)
def evaluation_report_docx(course_id):
    """The evaluation report (Word); 404 when the course has no questionnaire."""
    course = db.get_or_404(Course, course_id)
    data = word.evaluation_report_docx(course)
    if data is None:
        flask_abort(404, services.NO_QUESTIONNAIRE)
    return attachment(data, f"{course.code}-evaluation-report.docx", DOCX)


@blp.route("/courses/<int:course_id>/participants.<any(pdf, xlsx, csv):fmt>")
@roles(*READERS)
@blp.response(200, content_type="application/octet-stream")
def participant_list(course_id, fmt):
    """The list of participants in protocol order, as PDF, XLSX or CSV."""
    course = db.get_or_404(Course, course_id)
    filename = f"{course.code}-participants.{fmt}"
    if fmt == "pdf":
        return attachment(services.participant_list_pdf(course), filename)
    rows = list(list_rows(services.course_participants(course)))
    if fmt == "csv":
        return attachment(to_csv(LIST_HEADER, rows), filename)
    return attachment(to_xlsx("Participants", LIST_HEADER, rows), filename)


class YearSchema(Schema):
    year = Integer()
    label = fields.String()
    courses = Integer()
    participants = Integer()
    completed = Integer()
    certificates = Integer()
    completion_rate = fields.Float(allow_none=True)
    certificate_rate = fields.Float(allow_none=True)
    response_rate = fields.Float(allow_none=True)
    rating_mean = fields.Float(allow_none=True)
    objectives_share = fields.Float(allow_none=True)


class StatisticsSchema(Schema):
    year = Integer()
    basis = fields.String()
    label = fields.String()
    start = fields.Date()
    end = fields.Date()
    fund = fields.Function(lambda s: s.fund.code if s.fund else None)
    courses = fields.Function(lambda s: [c.code for c in s.courses])
    totals = fields.Nested(YearSchema)
    countries = fields.Function(
        lambda s: [
            {"code": r.code, "name": r.name, "region": r.region, "count": r.count}
            for r in s.figures.countries
        ]
    )
    sentence = fields.Function(lambda s: s.figures.sentence)
    #: Who the participant figures count, in words, and the statuses that may count.
    participants_counted = fields.Function(lambda s: s.figures.counted)
    counted_statuses = fields.Function(
        lambda s: [str(status) for status in participant_services.COUNTED_STATUSES]
    )
    not_counted = fields.Function(
        lambda s: [{"status": label, "count": n} for label, n in s.figures.not_counted]
    )
    regions = fields.Function(lambda s: [{"name": n, "count": c} for n, c in s.figures.regions])
    organisation_kinds = fields.Function(
        lambda s: [{"name": n, "count": c} for n, c in s.figures.kinds]
    )
    genders = fields.Function(lambda s: [{"name": n, "count": c} for n, c in s.figures.genders])
    trend = fields.Nested(YearSchema, many=True)


class StatisticsQuery(Schema):
    year = Integer(
        validate=validate.Range(1950, 2100),
        metadata={"description": "e.g. 2013 (default: the latest year)"},
    )
    basis = fields.String(
        validate=validate.OneOf(["fiscal", "calendar"]),
        metadata={"description": "fiscal (April–March, default) or calendar"},
    )
    fund = Integer(
        validate=validate.Range(min=1), metadata={"description": "a fund's id (default: all funds)"}
    )


def _arguments():
    """(year, basis, fund id); a fund that does not exist is 404, like any missing resource."""
    try:
        return services.statistics_arguments(request.args)
    except services.NoSuchFund as exc:
        flask_abort(404, description=str(exc))
    except ValueError as exc:
        abort(422, message=str(exc))


@blp.route("/statistics")
@roles(*READERS)
@blp.arguments(StatisticsQuery, location="query")
@blp.response(200, StatisticsSchema)
def statistics(_query):
    """Annual statistics for a fiscal (April–March) or calendar year, one fund or all."""
    year, basis, fund_id = _arguments()
    return services.annual_statistics(year, basis, fund_id, with_charts=False)


@blp.route("/statistics/report.pdf")
@roles(*READERS)
@blp.arguments(StatisticsQuery, location="query")
@blp.response(200, content_type="application/pdf")
def statistics_pdf(_query):
    """The annual statistics as a PDF."""
    data, name = services.statistics_pdf(*_arguments())
    return attachment(data, f"{name}.pdf")
