"""Report pages and the documents staff download: course report, evaluation report,
participant list, site-visit visitor list, attendance sheet and summary, annual statistics."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import EDITORS, READERS, roles
from ..courses.models import Course
from ..courses.services import filter_choices
from ..downloads import attachment
from ..evaluations import services as evaluation_services
from ..extensions import db
from ..rules import saving
from ..spreadsheets import to_xlsx, to_xlsx_sheets
from ..timetable.models import CourseSession
from ..word import DOCX
from . import services, word
from .forms import CommentsForm, ReportTextForm

bp = Blueprint("reports", __name__)


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
    with saving() as outcome:
        chosen = services.choose_comments(
            current_user, course, questionnaire, set(request.form.getlist("comment"))
        )
    if not outcome:
        return redirect(url_for("reports.course_report", course_id=course.id))
    flash(f"{chosen} comment(s) will be quoted in the report.", "success")
    return redirect(url_for("reports.course_report", course_id=course.id) + "#comments")


@bp.route("/courses/<int:course_id>/report.pdf")
@roles(*READERS)
def course_report_pdf(course_id: int):
    course = db.get_or_404(Course, course_id)
    return attachment(services.course_report_pdf(course), f"{course.code}-report.pdf")


@bp.route("/courses/<int:course_id>/report.docx")
@roles(*READERS)
def course_report_docx(course_id: int):
    """The course report as a Word document, for staff to edit before they publish."""
    course = db.get_or_404(Course, course_id)
    return attachment(word.course_report_docx(course), f"{course.code}-report.docx", DOCX)


# --- evaluation report ------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/evaluation/report.pdf")
@roles(*READERS)
def evaluation_report_pdf(course_id: int):
    course = db.get_or_404(Course, course_id)
    data = services.evaluation_report_pdf(course)
    if data is None:
        abort(404, services.NO_QUESTIONNAIRE)
    return attachment(data, f"{course.code}-evaluation-report.pdf")


@bp.route("/courses/<int:course_id>/evaluation/report.docx")
@roles(*READERS)
def evaluation_report_docx(course_id: int):
    """The evaluation report as a Word document."""
    course = db.get_or_404(Course, course_id)
    data = word.evaluation_report_docx(course)
    if data is None:
        abort(404, services.NO_QUESTIONNAIRE)
    return attachment(data, f"{course.code}-evaluation-report.docx", DOCX)


# --- lists ------------------------------------------------------------------------------------


@bp.route("/courses/<int:course_id>/participants/list.pdf")
@roles(*READERS)
def participant_list_pdf(course_id: int):
    """The list of participants in protocol order, for printing and sending."""
    course = db.get_or_404(Course, course_id)
    return attachment(services.participant_list_pdf(course), f"{course.code}-participants.pdf")


@bp.route("/sessions/<int:session_id>/visitors.pdf")
@roles(*READERS)
def visitor_list_pdf(session_id: int):
    """The visitor list a site visit's host asks for, as a PDF."""
    course_session = db.get_or_404(CourseSession, session_id)
    data, day = services.visitor_list_pdf(course_session)
    code = course_session.course.code
    return attachment(data, f"{code}-visitors-{day.isoformat()}.pdf")


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
    data = services.attendance_sheet_pdf(course, value)
    return attachment(data, f"{course.code}-attendance-{value.isoformat()}.pdf")


@bp.route("/courses/<int:course_id>/attendance.xlsx")
@roles(*READERS)
def attendance_summary_xlsx(course_id: int):
    """Attendance per participant and session, with each participant's rate."""
    course = db.get_or_404(Course, course_id)
    header, rows = services.attendance_table(course)
    return attachment(to_xlsx("Attendance", header, rows), f"{course.code}-attendance.xlsx")


# --- annual statistics ------------------------------------------------------------------------


@bp.route("/statistics")
@roles(*READERS)
def statistics():
    """Annual statistics for a fiscal or calendar year, one fund or all."""
    try:
        year, basis, fund_id = services.statistics_arguments(request.args)
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


@bp.route("/statistics/report.pdf")
@roles(*READERS)
def statistics_pdf():
    try:
        year, basis, fund_id = services.statistics_arguments(request.args)
    except ValueError as exc:
        abort(400, str(exc))
    data, name = services.statistics_pdf(year, basis, fund_id)
    return attachment(data, f"{name}.pdf")


@bp.route("/statistics.xlsx")
@roles(*READERS)
def statistics_xlsx():
    try:
        year, basis, fund_id = services.statistics_arguments(request.args)
    except ValueError as exc:
        abort(400, str(exc))
    result = services.annual_statistics(year, basis, fund_id, with_charts=False)
    return attachment(
        to_xlsx_sheets(services.statistics_sheets(result)), f"{result.file_stem}.xlsx"
    )
