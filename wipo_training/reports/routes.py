"""Report pages and the documents staff download: course report, evaluation report,
participant list, site-visit visitor list, attendance sheet and summary, annual statistics."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import roles
from ..courses.models import Course, Fund
from ..courses.services import filter_choices
from ..downloads import attachment
from ..evaluations import services as evaluation_services
from ..extensions import db
from ..participants import services as participant_services
from ..spreadsheets import to_xlsx, to_xlsx_sheets
from ..timetable import services as timetable_services
from ..timetable.models import CourseSession
from . import bp, services
from .forms import CommentsForm, ReportTextForm

EDITORS = ("admin", "coordinator")
READERS = ("admin", "coordinator", "staff")


# --- course report ----------------------------------------------------------------------------


def _report_page(course: Course, text_form: ReportTextForm | None = None):
    """The course report as a page, with the coordinator's forms (``text_form`` as typed
    when it comes back with errors)."""
    report = services.course_report(course)
    can_edit = current_user.role in EDITORS
    questionnaire = evaluation_services.questionnaire_for(course)
    choices = (
        services.comment_choices(questionnaire)
        if can_edit and report.results and not report.results.hidden
        else []
    )
    text = report.text
    return render_template(
        "reports/course_report.html",
        course=course,
        report=report,
        can_edit=can_edit,
        text_form=text_form
        or ReportTextForm(introduction=text.introduction, conclusion=text.conclusion),
        comments_form=CommentsForm(),
        choices=choices,
    )


@bp.route("/courses/<int:course_id>/report")
@roles(*READERS)
def course_report(course_id: int):
    """The course report as a page: what the PDF prints, with the coordinator's texts and
    the choice of comments to quote."""
    return _report_page(db.get_or_404(Course, course_id))


@bp.route("/courses/<int:course_id>/report/text", methods=["POST"])
@roles(*EDITORS)
def edit_report_text(course_id: int):
    """Save the introduction and conclusion; on a mistake, show them again as typed."""
    course = db.get_or_404(Course, course_id)
    form = ReportTextForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return _report_page(course, form), 422
    services.save_report_text(current_user, course, form.introduction.data, form.conclusion.data)
    db.session.commit()
    flash("The report's introduction and conclusion are saved.", "success")
    return redirect(url_for("reports.course_report", course_id=course.id) + "#texts")


@bp.route("/courses/<int:course_id>/report/comments", methods=["POST"])
@roles(*EDITORS)
def choose_comments(course_id: int):
    course = db.get_or_404(Course, course_id)
    questionnaire = evaluation_services.questionnaire_for(course)
    if questionnaire is None or not CommentsForm().validate_on_submit():
        abort(400)
    try:
        chosen = services.choose_comments(
            current_user, course, questionnaire, set(request.form.getlist("comment"))
        )
    except evaluation_services.EvaluationError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("reports.course_report", course_id=course.id))
    db.session.commit()
    flash(f"{chosen} comment(s) will be quoted in the report.", "success")
    return redirect(url_for("reports.course_report", course_id=course.id) + "#comments")


def course_report_pdf_data(course: Course) -> bytes:
    return services.pdf_from_template(
        "documents/course_report.html", course=course, report=services.course_report(course)
    )


@bp.route("/courses/<int:course_id>/report.pdf")
@roles(*READERS)
def course_report_pdf(course_id: int):
    course = db.get_or_404(Course, course_id)
    return attachment(course_report_pdf_data(course), f"{course.code}-report.pdf")


# --- evaluation report ------------------------------------------------------------------------


def evaluation_report_pdf_data(course: Course) -> bytes:
    questionnaire = evaluation_services.questionnaire_for(course)
    if questionnaire is None:
        abort(404, "This course has no evaluation questionnaire.")
    return services.pdf_from_template(
        "documents/evaluation_report.html",
        course=course,
        report=services.evaluation_report(course, questionnaire),
    )


@bp.route("/courses/<int:course_id>/evaluation/report.pdf")
@roles(*READERS)
def evaluation_report_pdf(course_id: int):
    course = db.get_or_404(Course, course_id)
    return attachment(evaluation_report_pdf_data(course), f"{course.code}-evaluation-report.pdf")


# --- lists ------------------------------------------------------------------------------------


def participant_list_pdf_data(course: Course) -> bytes:
    return services.pdf_from_template(
        "documents/participant_list.html",
        course=course,
        enrolments=services.course_participants(course),
        started=participant_services.course_started(course),
        counted=participant_services.PARTICIPANTS_COUNTED,
    )


@bp.route("/courses/<int:course_id>/participants/list.pdf")
@roles(*READERS)
def participant_list_pdf(course_id: int):
    """The list of participants in protocol order, for printing and sending."""
    course = db.get_or_404(Course, course_id)
    return attachment(participant_list_pdf_data(course), f"{course.code}-participants.pdf")


@bp.route("/sessions/<int:session_id>/visitors.pdf")
@roles(*READERS)
def visitor_list_pdf(session_id: int):
    """The visitor list a site visit's host asks for, as a PDF."""
    course_session = db.get_or_404(CourseSession, session_id)
    course = course_session.course
    day = timetable_services.to_local(course, course_session.starts_at).date()
    data = services.pdf_from_template(
        "documents/visitor_list.html",
        course=course,
        visit=course_session,
        day=day,
        starts=timetable_services.to_local(course, course_session.starts_at),
        enrolments=participant_services.protocol_order(
            timetable_services.expected_enrolments(course)
        ),
    )
    return attachment(data, f"{course.code}-visitors-{day.isoformat()}.pdf")


def _course_day(course: Course, day: str) -> date:
    try:
        value = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not course.start_date <= value <= course.end_date:
        abort(404)
    return value


@bp.route("/courses/<int:course_id>/attendance/<day>/sheet.pdf")
@roles(*READERS)
def attendance_sheet_pdf(course_id: int, day: str):
    """A day's attendance sheet, for participants to sign on paper."""
    course = db.get_or_404(Course, course_id)
    value = _course_day(course, day)
    sessions = services.sessions_on(course, value)
    data = services.pdf_from_template(
        "documents/attendance_sheet.html",
        course=course,
        day=value,
        sessions=sessions,
        local=timetable_services.to_local,
        enrolments=participant_services.protocol_order(
            timetable_services.expected_enrolments(course)
        ),
    )
    return attachment(data, f"{course.code}-attendance-{value.isoformat()}.pdf")


@bp.route("/courses/<int:course_id>/attendance.xlsx")
@roles(*READERS)
def attendance_summary_xlsx(course_id: int):
    """Attendance per participant and session, with each participant's rate."""
    course = db.get_or_404(Course, course_id)
    header, rows = services.attendance_table(course)
    return attachment(to_xlsx("Attendance", header, rows), f"{course.code}-attendance.xlsx")


# --- annual statistics ------------------------------------------------------------------------


class NoSuchFund(ValueError):
    pass


def statistics_arguments(args) -> tuple[int, str, int | None]:
    """(year, basis, fund id) from a query string; ValueError with a message when wrong."""
    basis = args.get("basis", "fiscal")
    if basis not in services.BASES:
        raise ValueError("The basis is either fiscal (April–March) or calendar.")
    fund_id = args.get("fund") or None
    if fund_id is not None:
        if not fund_id.isdigit() or db.session.get(Fund, int(fund_id)) is None:
            raise NoSuchFund("There is no such fund.")
        fund_id = int(fund_id)
    year = args.get("year")
    if year in (None, ""):
        year = services.latest_year(basis)
    elif not year.isdigit() or not 1950 <= int(year) <= 2100:
        raise ValueError("The year is a number such as 2013.")
    return int(year), basis, fund_id


@bp.route("/statistics")
@roles(*READERS)
def statistics():
    """Annual statistics for a fiscal or calendar year, one fund or all."""
    try:
        year, basis, fund_id = statistics_arguments(request.args)
    except ValueError as exc:
        flash(str(exc), "danger")
        year, basis, fund_id = services.latest_year("fiscal"), "fiscal", None
    years, funds = filter_choices()
    return render_template(
        "reports/statistics.html",
        stats=services.annual_statistics(year, basis, fund_id),
        years=sorted(set(years) | {year}, reverse=True),
        funds=funds,
        bases=services.BASES,
        query={"year": year, "basis": basis, "fund": fund_id or ""},
    )


def statistics_pdf_data(year: int, basis: str, fund_id: int | None) -> tuple[bytes, str]:
    """The statistics PDF and its file name without extension."""
    result = services.annual_statistics(year, basis, fund_id)
    pdf = services.pdf_from_template(
        "documents/statistics.html", stats=result, bases=services.BASES
    )
    return pdf, result.file_stem


@bp.route("/statistics/report.pdf")
@roles(*READERS)
def statistics_pdf():
    try:
        year, basis, fund_id = statistics_arguments(request.args)
    except ValueError as exc:
        abort(400, str(exc))
    data, name = statistics_pdf_data(year, basis, fund_id)
    return attachment(data, f"{name}.pdf")


@bp.route("/statistics.xlsx")
@roles(*READERS)
def statistics_xlsx():
    try:
        year, basis, fund_id = statistics_arguments(request.args)
    except ValueError as exc:
        abort(400, str(exc))
    result = services.annual_statistics(year, basis, fund_id, with_charts=False)
    return attachment(
        to_xlsx_sheets(services.statistics_sheets(result)), f"{result.file_stem}.xlsx"
    )
