"""Working-group pages: the groups, a group's series, a meeting and its parts, the press
release, and the documents staff download (meeting report, press release, participants)."""

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..access import EDITORS, READERS, roles
from ..countries import all_countries
from ..downloads import attachment
from ..extensions import db
from ..rules import saving
from ..spreadsheets import to_xlsx
from ..versioning import posted_version
from ..word import DOCX
from . import services
from .documents import meeting_file_stem, meeting_report_pdf, participants_pdf, press_release_pdf
from .forms import (
    PART_FORMS,
    ActionForm,
    MeetingForm,
    PlanNextForm,
    PressReleaseForm,
    WorkingGroupForm,
)
from .models import Meeting, Outcome, OutcomeKind, Side, WorkingGroup
from .word import meeting_report_docx, press_release_docx

bp = Blueprint("meetings", __name__)

PART_KINDS = 'any(delegations, agenda, outcomes, "side-events")'


@bp.app_template_filter("meeting_ordinal")
def meeting_ordinal(number: int) -> str:
    return services.ordinal(number)


@bp.app_template_filter("meeting_when")
def meeting_when(meeting: Meeting) -> str:
    return services.when(meeting)


def side_choices(group: WorkingGroup, empty: str | None = None) -> list[SelectChoice]:
    choices = [
        SelectChoice(side.value, f"{services.side_name(group, side)} ({group.body(side)})")
        for side in Side
    ]
    return ([SelectChoice("", empty)] if empty else []) + choices


# --- working groups -------------------------------------------------------------------------


@bp.route("/working-groups/")
@roles(*READERS)
def group_list():
    """The working groups, with their latest and next meetings."""
    stmt = sa.select(WorkingGroup).order_by(WorkingGroup.name)
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "meetings/groups.html",
        page=page,
        meetings=services.latest_and_next([group.id for group in page.items]),
        can_edit=current_user.role in EDITORS,
    )


def _group_form(group: WorkingGroup | None = None) -> WorkingGroupForm:
    form = WorkingGroupForm(obj=group)
    countries = [SelectChoice(c.code, c.name) for c in all_countries()]
    form.side_a_country.choices = form.side_b_country.choices = countries
    if group is None and request.method == "GET":
        form.side_a_country.data = "JP"
    return form


def _group_values(form: WorkingGroupForm) -> dict:
    return {name: getattr(form, name).data for name in services.GROUP_FIELDS}


@bp.route("/working-groups/new", methods=["GET", "POST"])
@roles(*EDITORS)
def create_group():
    """A new working group: its two sides and the framework it rests on."""
    form = _group_form()
    if form.validate_on_submit():
        with saving(form) as outcome:
            group = services.create_group(current_user, **_group_values(form))
        if outcome:
            flash(f"{group.name} created. Add its meetings next.", "success")
            return redirect(url_for("meetings.group_detail", working_group_id=group.id))
    return render_template("meetings/group_form.html", form=form, group=None)


@bp.route("/working-groups/<int:working_group_id>")
@roles(*READERS)
def group_detail(working_group_id: int):
    """The series: every meeting, and every agreement and action item over time."""
    group = db.get_or_404(WorkingGroup, working_group_id)
    return render_template(
        "meetings/group.html",
        group=group,
        series=services.series_outcomes(group),
        can_edit=current_user.role in EDITORS,
    )


@bp.route("/working-groups/<int:working_group_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_group(working_group_id: int):
    """Edit a working group; a save based on an outdated page is refused, not lost silently."""
    group = db.get_or_404(WorkingGroup, working_group_id)
    form = _group_form(group)
    if form.validate_on_submit():
        with saving(form) as outcome:
            services.update_group(
                current_user, group, posted_version(form.version.data), **_group_values(form)
            )
        if outcome:
            flash("Working group saved.", "success")
            return redirect(url_for("meetings.group_detail", working_group_id=group.id))
    return render_template("meetings/group_form.html", form=form, group=group)


# --- meetings ---------------------------------------------------------------------------------


def _meeting_form(group: WorkingGroup, meeting: Meeting | None = None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    form.host_side.choices = side_choices(group)
    form.next_host_side.choices = side_choices(group, "Not agreed yet")
    if request.method == "GET":
        if meeting is None:
            numbers = [m.number for m in group.meetings]
            form.number.data = max(numbers, default=0) + 1
        else:
            form.version.data = meeting.version
            form.next_host_side.data = meeting.next_host_side or ""
    return form


def _meeting_values(form: MeetingForm) -> dict:
    return {name: getattr(form, name).data for name in services.MEETING_FIELDS}


@bp.route("/working-groups/<int:working_group_id>/meetings/new", methods=["GET", "POST"])
@roles(*EDITORS)
def create_meeting(working_group_id: int):
    group = db.get_or_404(WorkingGroup, working_group_id)
    form = _meeting_form(group)
    if form.validate_on_submit():
        with saving(form) as outcome:
            meeting = services.create_meeting(current_user, group, **_meeting_values(form))
        if outcome:
            flash(f"The {services.ordinal(meeting.number)} Meeting is in the series.", "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))
    return render_template("meetings/meeting_form.html", form=form, group=group, meeting=None)


@bp.route("/meetings/<int:meeting_id>")
@roles(*READERS)
def meeting_detail(meeting_id: int):
    """A meeting: follow-up of earlier action items, co-chairs, delegations by side, agenda,
    outcomes, next meeting, side events and the press release."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    group = meeting.working_group
    return render_template(
        "meetings/meeting.html",
        meeting=meeting,
        group=group,
        title=services.meeting_title(meeting),
        chairs=dict(services.meeting_chairs(meeting)),
        follow_up=services.open_actions_before(meeting),
        by_side=services.delegations_by_side(meeting),
        agreements=[o for o in meeting.outcomes if o.kind == OutcomeKind.AGREEMENT],
        actions=[o for o in meeting.outcomes if o.kind == OutcomeKind.ACTION],
        following=services.following(meeting),
        action_form=ActionForm(),
        plan_form=_plan_form(meeting),
        can_edit=current_user.role in EDITORS,
    )


def _plan_form(meeting: Meeting) -> PlanNextForm:
    """The plan-next form, its choices saying what would be copied."""
    form = PlanNextForm()
    chairs = [chair for _side, chair in services.meeting_chairs(meeting)]
    if chairs:
        form.copy_chairs.label.text = "Start from the co-chairs: " + " and ".join(chairs)
    delegates = sum(len(d.delegates) for d in meeting.delegations)
    if meeting.delegations:
        form.copy_delegations.label.text = f"Start from the {len(meeting.delegations)} delegations"
        if delegates:
            plural = "s" if delegates != 1 else ""
            form.copy_delegations.label.text += f" and their {delegates} delegate{plural}"
    return form


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_meeting(meeting_id: int):
    """Edit a meeting; a save based on an outdated page is refused, not lost silently."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    group = meeting.working_group
    form = _meeting_form(group, meeting)
    if form.validate_on_submit():
        with saving(form) as outcome:
            services.update_meeting(
                current_user, meeting, posted_version(form.version.data), **_meeting_values(form)
            )
        if outcome:
            flash("Meeting saved.", "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))
    return render_template("meetings/meeting_form.html", form=form, group=group, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/plan-next", methods=["POST"])
@roles(*EDITORS)
def plan_next(meeting_id: int):
    """The next meeting as agreed becomes a planned meeting of the series."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    form = PlanNextForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as outcome:
        planned = services.plan_next(
            current_user, meeting, form.copy_chairs.data, form.copy_delegations.data
        )
        copied = [
            what
            for what, done in (
                ("co-chairs", form.copy_chairs.data and services.meeting_chairs(planned)),
                (f"{len(planned.delegations)} delegations", planned.delegations),
            )
            if done
        ]
    if not outcome:
        return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))
    message = f"The {services.ordinal(planned.number)} Meeting is planned."
    if copied:
        message += (
            f" Started from the {services.ordinal(meeting.number)} Meeting's "
            f"{' and '.join(copied)}: check them below and edit what changes."
        )
    flash(message, "success")
    return redirect(url_for("meetings.meeting_detail", meeting_id=planned.id))


# --- the parts of a meeting -------------------------------------------------------------------


def _part_or_404(meeting: Meeting, kind: str, item_id: int):
    return services.find_part(meeting, kind, item_id) or abort(404)


def _part_form(meeting: Meeting, kind: str, item=None):
    form = PART_FORMS[kind](obj=item)
    group = meeting.working_group
    if hasattr(form, "side"):
        form.side.choices = side_choices(group)
    if hasattr(form, "owner_side"):
        form.owner_side.choices = side_choices(group, "Both sides")
        if request.method == "GET" and item is not None:
            form.owner_side.data = item.owner_side or ""
    if hasattr(form, "delegates") and request.method == "GET" and item is not None:
        form.delegates.data = services.delegates_text(item)
    if kind == "outcomes" and item is None and request.method == "GET":
        form.kind.data = request.args.get("type", OutcomeKind.AGREEMENT)
    if kind == "side-events" and item is None and request.method == "GET":
        form.day.data = meeting.end_date
    return form


@bp.route(f"/meetings/<int:meeting_id>/<{PART_KINDS}:kind>/new", methods=["GET", "POST"])
@bp.route(
    f"/meetings/<int:meeting_id>/<{PART_KINDS}:kind>/<int:item_id>/edit", methods=["GET", "POST"]
)
@roles(*EDITORS)
def edit_part(meeting_id: int, kind: str, item_id: int | None = None):
    """Add or change a delegation, agenda item, outcome or side event."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    item = _part_or_404(meeting, kind, item_id) if item_id is not None else None
    form = _part_form(meeting, kind, item)
    new_people = []
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items()}
        delegates = values.pop("delegates", None)
        add_people = bool(values.pop("add_people", False))
        version = posted_version(values.pop("version")) if item is not None else None
        with saving(form) as outcome:
            services.save_part(
                current_user, meeting, kind, item, values, delegates, add_people, version
            )
        if isinstance(outcome.error, services.UnknownPeopleError):
            new_people = outcome.error.people  # the form offers to add them under People
        if outcome:
            label = services.PARTS[kind][2]
            flash(f"{label} saved.", "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + f"#{kind}")
    return render_template(
        "meetings/part_form.html",
        form=form,
        meeting=meeting,
        kind=kind,
        item=item,
        label=services.PARTS[kind][2],
        title=services.meeting_title(meeting),
        delete_form=ActionForm(),
        new_people=new_people,
    )


@bp.route(f"/meetings/<int:meeting_id>/<{PART_KINDS}:kind>/<int:item_id>/delete", methods=["POST"])
@roles(*EDITORS)
def delete_part(meeting_id: int, kind: str, item_id: int):
    meeting = services.get_meeting(meeting_id) or abort(404)
    item = _part_or_404(meeting, kind, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with saving() as outcome:
        services.delete_part(
            current_user, meeting, kind, item, posted_version(request.form.get("version"))
        )
    if not outcome:
        return redirect(
            url_for("meetings.edit_part", meeting_id=meeting_id, kind=kind, item_id=item_id)
        )
    flash(f"{services.PARTS[kind][2]} deleted.", "success")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + f"#{kind}")


@bp.route(
    "/meetings/<int:meeting_id>/<any(delegations, agenda, outcomes):kind>/<int:item_id>"
    "/move/<any(up, down):direction>",
    methods=["POST"],
)
@roles(*EDITORS)
def move_part(meeting_id: int, kind: str, item_id: int, direction: str):
    """One place up or down: the order of the agenda, and the protocol order of delegations."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    item = _part_or_404(meeting, kind, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if services.move_part(current_user, meeting, kind, item, -1 if direction == "up" else 1):
        db.session.commit()
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + f"#{kind}")


@bp.route("/outcomes/<int:outcome_id>/status", methods=["POST"])
@roles(*EDITORS)
def set_action_status(outcome_id: int):
    """Mark an action item done (or dropped, or open again), e.g. from the next meeting's
    follow-up list."""
    outcome = db.get_or_404(Outcome, outcome_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    with saving() as saved:
        services.set_action_status(
            current_user, outcome, form.status.data, posted_version(request.form.get("version"))
        )
    if saved:
        flash(f"Action item marked {outcome.status}.", "success")
    back = request.form.get("back", type=int) or outcome.meeting_id
    return redirect(url_for("meetings.meeting_detail", meeting_id=back) + "#outcomes")


# --- the press release ------------------------------------------------------------------------


def _press_release_page(meeting: Meeting, form: PressReleaseForm):
    return render_template(
        "meetings/press_release.html",
        meeting=meeting,
        title=services.meeting_title(meeting),
        form=form,
        action_form=ActionForm(),
        can_edit=current_user.role in EDITORS,
    )


@bp.route("/meetings/<int:meeting_id>/press-release")
@roles(*READERS)
def press_release(meeting_id: int):
    """The press release: drafted from the meeting, edited, then published."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    form = PressReleaseForm(release_date=meeting.release_date, version=meeting.version)
    redraft = request.args.get("draft") and not meeting.release_published
    if redraft and current_user.role in EDITORS:
        form.text.data = services.press_release_draft(meeting)
        flash("Drafted again from the meeting: save to keep it.", "info")
    else:
        form.text.data = services.press_release_text(meeting)
    return _press_release_page(meeting, form)


@bp.route("/meetings/<int:meeting_id>/press-release", methods=["POST"])
@roles(*EDITORS)
def save_press_release(meeting_id: int):
    """Save the edited press release; on a mistake, show it again as typed."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    form = PressReleaseForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            services.save_press_release(
                current_user,
                meeting,
                form.text.data,
                form.release_date.data,
                posted_version(form.version.data),
            )
        if outcome:
            flash("Press release saved.", "success")
            return redirect(url_for("meetings.press_release", meeting_id=meeting.id))
    return _press_release_page(meeting, form), 422


@bp.route("/meetings/<int:meeting_id>/press-release/publish", methods=["POST"])
@roles(*EDITORS)
def publish_press_release(meeting_id: int):
    """Publish the press release (its text is then kept as released) or reopen it."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    publish = form.status.data == "published"
    services.publish_press_release(current_user, meeting, publish, date.today())
    db.session.commit()
    flash("Press release published." if publish else "Press release open for editing.", "success")
    return redirect(url_for("meetings.press_release", meeting_id=meeting.id))


# --- downloads ----------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/report.pdf")
@roles(*READERS)
def meeting_report(meeting_id: int):
    meeting = services.get_meeting(meeting_id) or abort(404)
    return attachment(meeting_report_pdf(meeting), f"{meeting_file_stem(meeting)}-report.pdf")


@bp.route("/meetings/<int:meeting_id>/report.docx")
@roles(*READERS)
def meeting_report_word(meeting_id: int):
    """The meeting report as a Word document, for staff to edit before they publish."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    name = f"{meeting_file_stem(meeting)}-report.docx"
    return attachment(meeting_report_docx(meeting), name, DOCX)


@bp.route("/meetings/<int:meeting_id>/press-release.pdf", defaults={"fmt": "pdf"})
@bp.route("/meetings/<int:meeting_id>/press-release.docx", defaults={"fmt": "docx"})
@bp.route("/meetings/<int:meeting_id>/press-release.txt", defaults={"fmt": "txt"})
@roles(*READERS)
def press_release_file(meeting_id: int, fmt: str):
    meeting = services.get_meeting(meeting_id) or abort(404)
    name = f"{meeting_file_stem(meeting)}-press-release.{fmt}"
    if fmt == "pdf":
        return attachment(press_release_pdf(meeting), name)
    if fmt == "docx":
        return attachment(press_release_docx(meeting), name, DOCX)
    return attachment(services.press_release_text(meeting).encode() + b"\n", name)


@bp.route("/meetings/<int:meeting_id>/participants.pdf", defaults={"fmt": "pdf"})
@bp.route("/meetings/<int:meeting_id>/participants.xlsx", defaults={"fmt": "xlsx"})
@roles(*READERS)
def participants_file(meeting_id: int, fmt: str):
    """The list of participants by side in protocol order."""
    meeting = services.get_meeting(meeting_id) or abort(404)
    name = f"{meeting_file_stem(meeting)}-participants.{fmt}"
    if fmt == "pdf":
        return attachment(participants_pdf(meeting), name)
    header = ("Side", "Role", "Organisation", "Departments", "Name", "Position")
    return attachment(to_xlsx("Participants", header, services.participant_rows(meeting)), name)
