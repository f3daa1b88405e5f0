"""Course pages: list, detail, create, edit, quotas, status, next edition; funds."""

from zoneinfo import available_timezones

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import EDITORS, READERS, roles, signed_in
from ..countries import all_countries
from ..extensions import db
from ..rules import saving, show
from ..versioning import posted_version
from . import services
from .access import visible_course_or_404
from .forms import CopyForm, CourseForm, FundForm, QuotaForm, StatusForm
from .models import COURSE_TRANSITIONS, Course, CourseStatus, Fund

bp = Blueprint("courses", __name__)


def _course_form(course: Course | None = None) -> CourseForm:
    form = CourseForm(obj=course)
    funds = db.session.execute(sa.select(Fund).order_by(Fund.since_year)).scalars()
    form.fund_id.choices = [SelectChoice(fund.id, fund.name) for fund in funds]
    form.country_code.choices = [SelectChoice(c.code, c.name) for c in all_countries()]
    if course is None and request.method == "GET":
        form.country_code.data = "JP"
    return form


def _validate_course_form(form: CourseForm, course: Course | None = None) -> bool:
    """The form's own checks and the course rules together, so every problem shows at once."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    _clean, problems = services.course_problems(form.course_values(), course)
    if problems:
        show(services.CourseError.of(problems), form)
    return valid and not problems


@bp.route("/courses/")
@signed_in
def course_list():
    """Courses, filterable by year, fund, status and text; trainees see only their own."""
    args = request.args
    year = args.get("year", type=int)
    fund_id = args.get("fund", type=int)
    status = args.get("status") if args.get("status") in set(CourseStatus) else None
    text = args.get("q", "").strip()
    # The funds first: each course's fund is then found in the session, not loaded again.
    years, funds = services.filter_choices()
    stmt = services.filter_courses(
        services.visible_courses(current_user), year, fund_id, status, text
    )
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "courses/list.html",
        page=page,
        years=years,
        funds=funds,
        statuses=list(CourseStatus),
        filters={"year": year, "fund": fund_id, "status": status, "q": text},
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@roles(*EDITORS)
def create_course():
    """Create a draft course."""
    form = _course_form()
    if _validate_course_form(form):
        with saving(form) as outcome:
            course = services.create_course(current_user, **form.course_values())
        if outcome:
            flash(f"Course {course.code} created as a draft. Set the seat quotas next.", "success")
            return redirect(url_for("courses.course_detail", course_id=course.id))
    return render_template(
        "courses/form.html", form=form, course=None, time_zones=sorted(available_timezones())
    )


@bp.route("/courses/<int:course_id>")
@signed_in
def course_detail(course_id: int):
    """The course at a glance: facts, seats by country, what the next step needs."""
    course = visible_course_or_404(course_id)
    if current_user.role == "trainee":
        return render_template("courses/detail_trainee.html", course=course)
    return render_template(
        "courses/detail.html",
        course=course,
        **services.page_values(course),  # seats and the next step, from participants
        transitions=COURSE_TRANSITIONS[CourseStatus(course.status)],
        not_yet=services.not_yet(course),
        status_form=StatusForm(),
        can_edit=current_user.role in EDITORS,
        course_days=services.weekdays(course),
    )


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_course(course_id: int):
    """Edit a course; a save based on an outdated page is refused, not lost silently."""
    course = db.get_or_404(Course, course_id)
    form = _course_form(course)
    if request.method == "GET":
        form.version.data = course.version
    if _validate_course_form(form, course):
        with saving(form) as outcome:
            services.update_course(
                current_user, course, posted_version(form.version.data), **form.course_values()
            )
        if outcome:
            flash("Course saved.", "success")
            return redirect(url_for("courses.course_detail", course_id=course.id))
    return render_template(
        "courses/form.html", form=form, course=course, time_zones=sorted(available_timezones())
    )


@bp.route("/courses/<int:course_id>/quotas", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_quotas(course_id: int):
    """Seats per country."""
    course = db.get_or_404(Course, course_id)
    form = QuotaForm()
    if request.method == "GET":
        form.quotas.data = services.quota_lines(course)
    if form.validate_on_submit():
        notes: list[str] = []
        with saving(form, field="quotas") as outcome:
            services.set_quotas(
                current_user, course, services.parse_quota_lines(form.quotas.data or "", notes)
            )
        if outcome:
            flash(" ".join(["Seat quotas saved.", *notes]), "success")
            return redirect(url_for("courses.course_detail", course_id=course.id))
    return render_template("courses/quotas.html", form=form, course=course)


@bp.route("/courses/<int:course_id>/status", methods=["POST"])
@roles(*EDITORS)
def change_status(course_id: int):
    """Move the course to its next status (or cancel it)."""
    course = db.get_or_404(Course, course_id)
    form = StatusForm()
    if form.validate_on_submit():
        with saving() as outcome:
            services.change_course_status(current_user, course, form.status.data)
        if outcome:
            flash(f"The course is now {course.status_label.lower()}.", "success")
    else:
        flash("The status was not changed: reload the page and try again.", "danger")
    return redirect(url_for("courses.course_detail", course_id=course.id))


@bp.route("/courses/<int:course_id>/copy", methods=["GET", "POST"])
@roles(*EDITORS)
def copy_course(course_id: int):
    """Copy as next edition: same settings and quotas, dates moved."""
    course = db.get_or_404(Course, course_id)
    form = CopyForm()
    if request.method == "GET":
        start = services.suggested_next_start(course)
        form.start_date.data = start
        form.code.data = services.suggested_code(course, start)
    if form.validate_on_submit():
        with saving(form, field="code") as outcome:
            new_course = services.copy_as_next_edition(
                current_user, course, form.start_date.data, form.code.data
            )
        if outcome:
            flash(f"{new_course.code} created from {course.code}.", "success")
            return redirect(url_for("courses.course_detail", course_id=new_course.id))
    return render_template("courses/copy.html", form=form, course=course)


@bp.route("/funds/")
@roles(*READERS)
def fund_list():
    """The funds that pay for courses."""
    funds = db.session.execute(sa.select(Fund).order_by(Fund.since_year)).scalars().all()
    course_counts = dict(
        db.session.execute(
            sa.select(Course.fund_id, sa.func.count()).group_by(Course.fund_id)
        ).all()
    )
    return render_template("courses/funds.html", funds=funds, course_counts=course_counts)


@bp.route("/funds/<int:fund_id>/edit", methods=["GET", "POST"])
@roles("admin")
def edit_fund(fund_id: int):
    """Edit a fund (admins)."""
    fund = db.get_or_404(Fund, fund_id)
    form = FundForm(obj=fund)
    if form.validate_on_submit():
        services.update_fund(
            current_user,
            fund,
            name=form.name.data.strip(),
            short_name=form.short_name.data.strip(),
            since_year=form.since_year.data,
            description=(form.description.data or "").strip(),
        )
        db.session.commit()
        flash("Fund saved.", "success")
        return redirect(url_for("courses.fund_list"))
    return render_template("courses/fund_form.html", form=form, fund=fund)
