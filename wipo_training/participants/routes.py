"""Participant pages: nominations, import, status changes, by country, lists, people."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from .. import charts
from ..access import EDITORS, READERS, roles
from ..countries import all_countries, find_country, get_country, understood_as
from ..courses import services as course_services
from ..courses.models import Course
from ..downloads import attachment
from ..extensions import db
from ..mail import send_invitation
from ..people.models import Person
from ..rules import saving
from ..spreadsheets import to_csv, to_xlsx
from ..versioning import posted_version
from . import imports, services
from .forms import (
    ConfirmImportForm,
    EnrolmentStatusForm,
    ImportForm,
    NominationForm,
    PersonEditForm,
)
from .models import Enrolment, EnrolmentStatus
from .queries import LIST_HEADER, list_rows

bp = Blueprint("participants", __name__)


@bp.route("/courses/<int:course_id>/participants")
@roles(*READERS)
def enrolment_list(course_id: int):
    """Everyone nominated to the course, with their status and the actions on it."""
    course = db.get_or_404(Course, course_id)
    status = request.args.get("status")
    stmt = (
        sa.select(Enrolment)
        .where(Enrolment.course_id == course.id)
        .options(joinedload(Enrolment.person), joinedload(Enrolment.organisation))
    )
    if status in set(EnrolmentStatus):
        stmt = stmt.where(Enrolment.status == status)
    enrolments = services.protocol_order(list(db.session.execute(stmt).scalars().unique()))
    return render_template(
        "participants/enrolments.html",
        course=course,
        enrolments=enrolments,
        statuses=list(EnrolmentStatus),
        status=status,
        transitions={s: services.available_transitions(course, s) for s in EnrolmentStatus},
        status_form=EnrolmentStatusForm(),
        can_edit=current_user.role in EDITORS,
    )


def _read_country(form) -> str | None:
    """Show the country the form's text was read as (its one name in the field) and return
    the sentence saying so when the text was something else ("Korea")."""
    country = find_country(form.country_code.data)
    note = understood_as(form.country_code.data, country)
    form.country_code.data = country.name
    return note


def _nomination_page(form, course, match=None, country_note=None):
    return render_template(
        "participants/nominate.html",
        form=form,
        course=course,
        match=match,
        countries=all_countries(),
        country_note=country_note,
    )


@bp.route("/courses/<int:course_id>/participants/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_nomination(course_id: int):
    """Nominate one person; an existing record with the same email or name is offered first."""
    course = db.get_or_404(Course, course_id)
    form = NominationForm()
    country_note = None
    if form.validate_on_submit():
        with saving(form, field="family_name") as outcome:
            clean = form.person_data().cleaned()
            country_note = _read_country(form)
            match = services.find_matching_person(
                clean.email, clean.family_name, clean.given_name, clean.country_code
            )
            choice = form.person_choice.data or ""
            if match is not None and choice not in ("new", f"person:{match.id}"):
                # Ask first: reuse the record, or is it someone else with the same name?
                return _nomination_page(form, course, match, country_note)
            if match is not None and choice == f"person:{match.id}":
                person = services.update_person_from(current_user, match, clean)
            else:
                person = services.create_person(current_user, clean)
            services.nominate(
                current_user,
                course,
                person,
                form.nominated_by.data or "",
                form.override_reason.data or "",
            )
        if outcome:
            message = " ".join(filter(None, [f"{person.full_name} nominated.", country_note]))
            flash(message, "success")
            return redirect(url_for("participants.enrolment_list", course_id=course.id))
    return _nomination_page(form, course, country_note=country_note)


@bp.route("/courses/<int:course_id>/participants/import", methods=["GET", "POST"])
@roles(*EDITORS)
def import_nominations(course_id: int):
    """Upload a spreadsheet and see every row checked before anything is saved."""
    course = db.get_or_404(Course, course_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        check = imports.check_file(course, upload.filename, data)
        token = None
        if check.ok:
            token = imports.store_upload(
                current_app.instance_path, course.id, upload.filename, data
            )
        return render_template(
            "participants/import_preview.html",
            course=course,
            check=check,
            problems=check.problems,
            confirm=ConfirmImportForm(upload=token) if check.ok else None,
            filename=upload.filename,
        )
    return render_template(
        "participants/import.html", form=form, course=course, columns=imports.COLUMNS
    )


@bp.route("/courses/<int:course_id>/participants/import/confirm", methods=["POST"])
@roles(*EDITORS)
def confirm_import(course_id: int):
    """Import the checked file with the coordinator's answer for each row that may be a
    person on record: every row, or none."""
    course = db.get_or_404(Course, course_id)
    form = ConfirmImportForm()
    stored = imports.load_upload(current_app.instance_path, course.id, form.upload.data or "")
    if not form.validate_on_submit() or stored is None:
        flash("That upload is no longer available. Upload the file again.", "danger")
        return redirect(url_for("participants.import_nominations", course_id=course.id))
    filename, data = stored
    decisions = imports.decisions_from_form(request.form)
    try:
        counts = imports.import_nominations(current_user, course, filename, data, decisions)
    except imports.ImportFailed as exc:
        db.session.rollback()
        check = imports.check_file(course, filename, data, decisions)
        return render_template(
            "participants/import_preview.html",
            course=course,
            check=check,
            problems=exc.problems,
            confirm=form if check.ok else None,
            filename="the file",
        ), 422
    db.session.commit()
    imports.discard_upload(current_app.instance_path, course.id, form.upload.data)
    flash(
        f"{counts['nominations']} nominations imported ({counts['created_people']} new people, "
        f"{counts['reused_people']} already known).",
        "success",
    )
    return redirect(url_for("participants.by_country", course_id=course.id))


@bp.route("/participants/import-template.xlsx")
@roles(*EDITORS)
def import_template():
    """The nomination spreadsheet template."""
    return attachment(imports.template_xlsx(), "nominations-template.xlsx")


@bp.route("/enrolments/<int:enrolment_id>")
@roles(*READERS)
def enrolment_detail(enrolment_id: int):
    """One nomination and every change of its status."""
    return _enrolment_page(db.get_or_404(Enrolment, enrolment_id))


def _enrolment_page(enrolment: Enrolment, typed: EnrolmentStatusForm | None = None):
    """The enrolment's page; ``typed`` is a refused change whose note the forms keep."""
    return render_template(
        "participants/enrolment.html",
        enrolment=enrolment,
        transitions=services.available_transitions(enrolment.course, enrolment.status),
        status_form=EnrolmentStatusForm(),
        typed=typed,
        can_edit=current_user.role in EDITORS,
    )


@bp.route("/enrolments/<int:enrolment_id>/status", methods=["POST"])
@roles(*EDITORS)
def change_enrolment_status(enrolment_id: int):
    """Accept, confirm, reject, withdraw or reinstate a nomination."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    form = EnrolmentStatusForm()
    if not form.validate_on_submit():
        if form.reason.errors or form.override_reason.errors:  # shown under the field
            return _enrolment_page(enrolment, form), 422
        flash("Nothing was changed: reload the page and try again.", "danger")
        return redirect(url_for("participants.enrolment_detail", enrolment_id=enrolment.id))
    with saving(form) as outcome:
        invitation = services.change_enrolment_status(
            current_user,
            enrolment,
            form.status.data,
            form.reason.data or "",
            form.override_reason.data or "",
            posted_version(form.version.data),
        )
    if outcome.error:  # why, above or under the field, and what they typed stay on the page
        return _enrolment_page(enrolment, form), outcome.error.status
    flash(f"{enrolment.person.full_name}: {enrolment.status_label.lower()}.", "success")
    if invitation:
        link = url_for("auth.accept_invitation", token=invitation, _external=True)
        sent = send_invitation(enrolment.person.email, enrolment.person.full_name, link)
        return render_template(
            "participants/invitation.html", enrolment=enrolment, link=link, sent=sent
        )
    return redirect(
        request.form.get("next")
        or url_for("participants.enrolment_list", course_id=enrolment.course_id)
    )


def _course_figures(course: Course) -> services.ByCountry:
    return services.count_participants([course.id])


@bp.route("/courses/<int:course_id>/participants/by-country")
@roles(*READERS)
def by_country(course_id: int):
    """Participants by country, region, organisation kind and gender, with the sentence."""
    course = db.get_or_404(Course, course_id)
    return render_template(
        "participants/by_country.html",
        course=course,
        figures=_course_figures(course),
        scope=course.code,
    )


@bp.route("/courses/<int:course_id>/participants/by-country.svg")
@roles(*READERS)
def by_country_chart(course_id: int):
    """The bar chart of participants by country."""
    course = db.get_or_404(Course, course_id)
    figures = _course_figures(course)
    return charts.svg_response(
        charts.bar_chart(
            f"Participants by country, {course.code}",
            [(row.name, row.count) for row in figures.countries],
        )
    )


@bp.route("/courses/<int:course_id>/participants/map.svg")
@roles(*READERS)
def by_country_map(course_id: int):
    """The world map of participants."""
    course = db.get_or_404(Course, course_id)
    figures = _course_figures(course)
    return charts.svg_response(
        charts.world_map(
            f"Where the participants of {course.code} came from",
            {row.code: row.count for row in figures.countries},
        )
    )


@bp.route("/courses/<int:course_id>/participants/list")
@roles(*READERS)
def protocol_list(course_id: int):
    """The list of participants in protocol order: by country, then family name."""
    course = db.get_or_404(Course, course_id)
    return render_template(
        "participants/protocol_list.html",
        course=course,
        enrolments=services.listed_enrolments(course),
        started=services.course_started(course),
        counted=services.PARTICIPANTS_COUNTED,
    )


@bp.route("/courses/<int:course_id>/participants/list.<any(csv, xlsx):fmt>")
@roles(*READERS)
def protocol_list_export(course_id: int, fmt: str):
    """The protocol-order list as CSV or XLSX, named <course-code>-participants.<ext>."""
    course = db.get_or_404(Course, course_id)
    rows = list(list_rows(services.listed_enrolments(course)))
    filename = f"{course.code}-participants.{fmt}"
    if fmt == "csv":
        return attachment(to_csv(LIST_HEADER, rows), filename)
    return attachment(to_xlsx("Participants", LIST_HEADER, rows), filename)


def _statistics_figures():
    """Figures for the year and fund in the query string: (year, fund_id, courses, figures)."""
    year = request.args.get("year", type=int)
    fund_id = request.args.get("fund", type=int)
    stmt = sa.select(Course.id)
    if year:
        stmt = stmt.where(Course.edition_year == year)
    if fund_id:
        stmt = stmt.where(Course.fund_id == fund_id)
    course_count = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.subquery())
    ).scalar()
    return year, fund_id, course_count, services.count_participants(stmt)


@bp.route("/statistics/participants")
@roles(*READERS)
def statistics():
    """Participants by country across courses, for a year and/or a fund."""
    year, fund_id, course_count, figures = _statistics_figures()
    years, funds = course_services.filter_choices()
    return render_template(
        "participants/statistics.html",
        figures=figures,
        years=years,
        funds=funds,
        year=year,
        fund_id=fund_id,
        course_count=course_count,
    )


@bp.route("/statistics/participants/by-country.svg")
@roles(*READERS)
def statistics_chart():
    """The bar chart for the statistics page's filters."""
    _year, _fund_id, _count, figures = _statistics_figures()
    return charts.svg_response(
        charts.bar_chart(
            "Participants by country", [(row.name, row.count) for row in figures.countries]
        )
    )


@bp.route("/people/")
@roles(*READERS)
def people():
    """Everyone who has taken part, searchable; the alumni list."""
    query = request.args.get("q", "").strip()
    stmt = (
        sa.select(Person)
        .options(selectinload(Person.organisation))
        .order_by(Person.family_name, Person.given_name)
    )
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Person.family_name).like(like),
                sa.func.lower(Person.given_name).like(like),
                sa.func.lower(Person.email).like(like),
                Person.native_name.like(f"%{query}%"),
            )
        )
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("participants/people.html", page=page, query=query)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_person(person_id: int):
    """Correct a person's record (names, country, organisation, contact)."""
    person = db.get_or_404(Person, person_id)
    form = PersonEditForm(obj=person)
    country_note = None
    if request.method == "GET":
        form.country_code.data = get_country(person.country_code).name
        form.organisation.data = person.organisation.name if person.organisation else ""
        form.organisation_acronym.data = person.organisation.acronym if person.organisation else ""
        form.organisation_kind.data = person.organisation.kind if person.organisation else "other"
        form.gender.data = person.gender or ""
    if form.validate_on_submit():
        with saving(form, field="family_name") as outcome:
            data = form.person_data().cleaned()
            country_note = _read_country(form)
            services.update_person(current_user, person, data, posted_version(form.version.data))
        if outcome:
            flash(" ".join(filter(None, [f"{person.full_name} saved.", country_note])), "success")
            return redirect(url_for("main.person_detail", person_id=person.id))
    return render_template(
        "participants/person_form.html",
        form=form,
        person=person,
        countries=all_countries(),
        country_note=country_note,
    )
