"""Evaluation pages: build and edit the questionnaire, answer it, see the results."""

from datetime import time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import charts
from ..access import EDITORS, READERS, roles
from ..courses.access import visible_course_or_404
from ..courses.models import Course
from ..downloads import attachment
from ..extensions import db
from ..mail import mail_configured
from ..participants import services as participant_services
from ..rules import saving
from ..spreadsheets import to_xlsx
from ..timetable import services as timetable_services
from ..timeutil import utcnow
from ..versioning import posted_version
from . import services
from .forms import ActionForm, CopyQuestionsForm, QuestionForm, SettingsForm
from .models import RATING_MAX, Question, QuestionKind

bp = Blueprint("evaluations", __name__)


def _questionnaire_or_404(course):
    questionnaire = services.questionnaire_for(course)
    if questionnaire is None:
        abort(404)
    return questionnaire


@bp.route("/courses/<int:course_id>/evaluation")
@roles(*EDITORS)
def manage(course_id: int):
    """The questionnaire: its window, its questions by section, and the actions on them."""
    course = db.get_or_404(Course, course_id)
    questionnaire = services.questionnaire_for(course)
    copy_form = CopyQuestionsForm()
    copy_form.source.choices = [
        SelectChoice(c.id, f"{c.code} — {c.title}")
        for c in db.session.execute(
            sa.select(Course).where(Course.id != course.id).order_by(Course.start_date.desc())
        ).scalars()
    ]
    if course.previous_edition_id:
        copy_form.source.data = course.previous_edition_id
    return render_template(
        "evaluations/manage.html",
        course=course,
        questionnaire=questionnaire,
        action_form=ActionForm(),
        copy_form=copy_form,
        now=utcnow(),
        window_problem=services.window_problem(questionnaire, utcnow()) if questionnaire else None,
        local=timetable_services.to_local,
    )


@bp.route("/courses/<int:course_id>/evaluation/generate", methods=["POST"])
@roles(*EDITORS)
def generate(course_id: int):
    """Build the questionnaire from the timetable, or add the sessions that are new."""
    course = db.get_or_404(Course, course_id)
    if ActionForm().validate_on_submit():
        _questionnaire, added = services.generate_questionnaire(current_user, course)
        db.session.commit()
        flash(f"{added} questions added from the timetable; existing ones were kept.", "success")
    return redirect(url_for("evaluations.manage", course_id=course.id))


@bp.route("/courses/<int:course_id>/evaluation/copy", methods=["POST"])
@roles(*EDITORS)
def copy_questions(course_id: int):
    """Copy the questions of an earlier edition."""
    course = db.get_or_404(Course, course_id)
    form = CopyQuestionsForm()
    form.source.choices = [
        SelectChoice(c.id, c.code) for c in db.session.execute(sa.select(Course)).scalars()
    ]
    if form.validate_on_submit():
        with saving() as outcome:
            copied = services.copy_questionnaire(
                current_user, db.get_or_404(Course, form.source.data), course
            )
        if outcome:
            flash(f"{copied} questions copied.", "success")
    return redirect(url_for("evaluations.manage", course_id=course.id))


@bp.route("/courses/<int:course_id>/evaluation/settings", methods=["GET", "POST"])
@roles(*EDITORS)
def settings(course_id: int):
    """When the questionnaire is open, and whether it is anonymous."""
    course = db.get_or_404(Course, course_id)
    questionnaire = _questionnaire_or_404(course)
    form = SettingsForm()
    if request.method == "GET":
        opens = (
            timetable_services.to_local(course, questionnaire.opens_at)
            if questionnaire.opens_at
            else None
        )
        closes = (
            timetable_services.to_local(course, questionnaire.closes_at)
            if questionnaire.closes_at
            else None
        )
        form.opens_day.data = opens.date() if opens else course.end_date - timedelta(days=1)
        form.opens_time.data = opens.time() if opens else time(9, 0)
        form.closes_day.data = closes.date() if closes else course.end_date + timedelta(days=7)
        form.closes_time.data = closes.time() if closes else time(17, 0)
        form.anonymous.data = questionnaire.anonymous
        form.version.data = questionnaire.version
    if form.validate_on_submit():
        with saving(form, field="closes_day") as outcome:
            services.update_settings(
                current_user,
                questionnaire,
                timetable_services.to_utc(course, form.opens_day.data, form.opens_time.data),
                timetable_services.to_utc(course, form.closes_day.data, form.closes_time.data),
                form.anonymous.data,
                utcnow(),
                posted_version(form.version.data),
            )
        if outcome:
            flash("Evaluation settings saved.", "success")
            return redirect(url_for("evaluations.manage", course_id=course.id))
    return render_template(
        "evaluations/settings.html", form=form, course=course, questionnaire=questionnaire
    ), (422 if form.errors else 200)


def _question_form_values(form: QuestionForm):
    return (
        form.text.data,
        form.kind.data,
        form.required.data,
        (form.choices.data or "").splitlines(),
        form.section.data or "",
    )


@bp.route("/courses/<int:course_id>/evaluation/questions/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_question(course_id: int):
    """Add a question of your own."""
    course = db.get_or_404(Course, course_id)
    questionnaire = _questionnaire_or_404(course)
    form = QuestionForm()
    if request.method == "GET":
        form.section.data = services.COURSE_SECTION
    if form.validate_on_submit():
        with saving(form, field="text") as outcome:
            services.add_question(current_user, questionnaire, *_question_form_values(form))
        if outcome:
            flash("Question added.", "success")
            return redirect(url_for("evaluations.manage", course_id=course.id))
    return render_template(
        "evaluations/question_form.html", form=form, course=course, question=None
    )


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_question(question_id: int):
    """Change a question's text, type, choices, section or whether it is required."""
    question = db.get_or_404(Question, question_id)
    course = question.questionnaire.course
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.choices.data = "\n".join(question.choices or [])
    if form.validate_on_submit():
        with saving(form, field="kind") as outcome:
            services.update_question(
                current_user,
                question,
                *_question_form_values(form),
                posted_version(form.version.data),
            )
        if outcome:
            flash("Question saved.", "success")
            return redirect(url_for("evaluations.manage", course_id=course.id))
    return render_template(
        "evaluations/question_form.html", form=form, course=course, question=question
    )


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@roles(*EDITORS)
def delete_question(question_id: int):
    """Remove an unanswered question."""
    question = db.get_or_404(Question, question_id)
    course_id = question.questionnaire.course_id
    if ActionForm().validate_on_submit():
        with saving() as outcome:
            services.delete_question(
                current_user, question, posted_version(request.form.get("version"))
            )
        if outcome:
            flash("Question removed.", "info")
    return redirect(url_for("evaluations.manage", course_id=course_id))


@bp.route("/questions/<int:question_id>/move/<any(up, down):direction>", methods=["POST"])
@roles(*EDITORS)
def move_question(question_id: int, direction: str):
    """Move a question up or down in its section."""
    question = db.get_or_404(Question, question_id)
    if ActionForm().validate_on_submit():
        services.move_question(current_user, question, -1 if direction == "up" else 1)
        db.session.commit()
    return redirect(
        url_for(
            "evaluations.manage",
            course_id=question.questionnaire.course_id,
            _anchor=f"q-{question.id}",
        )
    )


def raw_answers_from_form(questionnaire, form) -> dict:
    """{question id: value} from the submitted HTML form."""
    raw = {}
    for question in questionnaire.questions:
        name = f"q{question.id}"
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            raw[question.id] = form.getlist(name)
        else:
            raw[question.id] = form.get(name, "")
    return raw


@bp.route("/courses/<int:course_id>/evaluation/answer", methods=["GET", "POST"])
@roles("trainee")
def answer(course_id: int):
    """The trainee's questionnaire, section by section; save a draft or submit once."""
    course = visible_course_or_404(course_id)
    enrolment = participant_services.trainee_enrolment(
        current_user, course, timetable_services.EXPECTED
    ) or abort(404)
    questionnaire = _questionnaire_or_404(course)
    now = utcnow()
    form = ActionForm()
    problems: dict[int, str] = {}
    values = {}
    submitted = services.receipt_for(questionnaire, enrolment) is not None
    if request.method == "POST" and form.validate_on_submit() and not submitted:
        raw = raw_answers_from_form(questionnaire, request.form)
        values = {str(k): v for k, v in raw.items()}
        try:
            if request.form.get("action") == "submit":
                services.submit(questionnaire, enrolment, raw, now)
                db.session.commit()
                flash("Thank you: your evaluation is submitted.", "success")
                return redirect(url_for("evaluations.answer", course_id=course.id))
            services.save_draft(questionnaire, enrolment, raw, now)
            db.session.commit()
            flash("Draft saved. You can come back and finish it before it closes.", "info")
            return redirect(url_for("evaluations.answer", course_id=course.id))
        except services.AnswerErrors as exc:
            db.session.rollback()
            problems = exc.by_question
        except services.EvaluationError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            submitted = isinstance(exc, services.AlreadySubmitted)
    elif request.method == "POST" and submitted:
        flash("You have submitted this evaluation already; nothing was changed.", "warning")
    if not values:
        draft = services.draft_for(questionnaire, enrolment)
        values = dict(draft.answers) if draft else {}
    sections: dict[str, list] = {}
    for question in questionnaire.questions:
        sections.setdefault(question.section, []).append(question)
    return render_template(
        "evaluations/answer.html",
        course=course,
        questionnaire=questionnaire,
        form=form,
        sections=sections,
        values=values,
        problems=problems,
        submitted=submitted,
        window_problem=services.window_problem(questionnaire, now),
        local=timetable_services.to_local,
    ), (422 if problems else 200)


@bp.route("/courses/<int:course_id>/evaluation/results")
@roles(*READERS)
def results(course_id: int):
    """The results once the questionnaire has closed with enough answers (ranking, every
    question, the objectives, comments); while it is open, how many have answered and the
    reminder the system sends to those who have not."""
    course = db.get_or_404(Course, course_id)
    questionnaire = services.questionnaire_for(course)
    if questionnaire is None:
        return render_template("evaluations/none_yet.html", course=course)
    now = utcnow()
    current = services.results(questionnaire, now)
    return render_template(
        "evaluations/results.html",
        course=course,
        results=current,
        comparison=services.comparison(course, current, now),
        missing=services.unanswered_shown(questionnaire, now, current.submissions),
        taking_answers=services.window_problem(questionnaire, now) is None,
        last_reminder=services.last_reminder(questionnaire),
        mail_configured=mail_configured(),
        remind_form=ActionForm(),
        local=timetable_services.to_local,
    )


@bp.route("/courses/<int:course_id>/evaluation/remind", methods=["POST"])
@roles(*READERS)
def remind(course_id: int):
    """Email a reminder to those who have not answered (the system sends it; the page
    shows how many, never who)."""
    course = db.get_or_404(Course, course_id)
    questionnaire = _questionnaire_or_404(course)
    if ActionForm().validate_on_submit():
        base = current_app.config.get("PUBLIC_BASE_URL")
        path = url_for("evaluations.answer", course_id=course.id)
        link = (
            base.rstrip("/") + path
            if base
            else url_for("evaluations.answer", course_id=course.id, _external=True)
        )
        with saving() as outcome:
            sent = services.send_reminders(current_user, questionnaire, link, utcnow())
        if outcome:
            message = f"Reminder emailed to {sent.sent} participant(s) who have not answered"
            if sent.without_address:
                message += f"; {sent.without_address} have no email address on record"
            if sent.error:
                flash(f"{message}; then {sent.error}.", "warning")
            else:
                flash(f"{message}.", "success")
    return redirect(url_for("evaluations.results", course_id=course.id))


def _released_results_or_404(questionnaire) -> services.Results:
    """The results for a chart; 404 while they are withheld (no chart of answers then)."""
    result = services.results(questionnaire)
    if result.withheld:
        abort(404, result.withheld)
    return result


@bp.route("/courses/<int:course_id>/evaluation/ranking.svg")
@roles(*READERS)
def ranking_chart(course_id: int):
    """Sessions by their mean rating."""
    course = db.get_or_404(Course, course_id)
    result = _released_results_or_404(_questionnaire_or_404(course))
    items = [(r.title, r.mean) for r in result.ranking]
    return charts.svg_response(
        charts.bar_chart(
            f"Sessions by mean rating (1–5), {course.code}", items, scale=(0, RATING_MAX)
        )
    )


@bp.route("/questions/<int:question_id>/chart.svg")
@roles(*READERS)
def question_chart(question_id: int):
    """The distribution of one question's answers."""
    question = db.get_or_404(Question, question_id)
    result = next(
        r
        for r in _released_results_or_404(question.questionnaire).questions
        if r.question.id == question.id
    )
    items = [] if result.hidden else result.distribution
    return charts.svg_response(charts.bar_chart(question.text[:80], items))


@bp.route("/courses/<int:course_id>/evaluation/answers.xlsx")
@roles(*READERS)
def answers_export(course_id: int):
    """The anonymous answers, one row per submission, as XLSX (text stays text), once
    ``release_problem`` allows them; otherwise back to the results page, which says why."""
    course = db.get_or_404(Course, course_id)
    try:
        header, rows = services.answers_table(_questionnaire_or_404(course), utcnow())
    except services.EvaluationError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("evaluations.results", course_id=course.id))
    return attachment(to_xlsx("Answers", header, rows), f"{course.code}-evaluation-answers.xlsx")
