"""Evaluations: the questionnaire from the timetable, drafts, one submission per trainee,
and the results. Services take plain values, add and flush, audit; the caller commits."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..audit import AuditEntry, record_audit
from ..extensions import db
from ..mail import MailError, evaluation_reminder_message, mail_configured, send_message
from ..participants.models import Enrolment
from ..rules import RuleError, StaleError
from ..timetable import services as timetable_services
from ..timeutil import utcnow
from ..versioning import conflict_message, count_change, is_stale
from .models import (
    RATING_MAX,
    RATING_MIN,
    Answer,
    Draft,
    Question,
    QuestionKind,
    Questionnaire,
    Submission,
    SubmissionReceipt,
)

COURSE_SECTION = "The course as a whole"
MIN_ANSWERS_SHOWN = 3  # fewer answers are hidden, so one trainee cannot be singled out
#: One reminder per questionnaire in this time: a double click, or a second person on the
#: same page, does not email everyone twice.
REMINDER_INTERVAL = timedelta(hours=12)
SESSION_ASPECTS = [
    ("usefulness", "How useful was “{title}” for your work?"),
    ("presentation", "How good was the presentation of “{title}”?"),
]
COURSE_QUESTIONS = [
    ("course:objectives", "Were the objectives of the course achieved?", QuestionKind.YES_NO, True),
    (
        "course:satisfaction",
        "Overall, how satisfied are you with the course?",
        QuestionKind.RATING,
        True,
    ),
    (
        "course:most_useful",
        "What was the most useful part of the course?",
        QuestionKind.LONG_TEXT,
        False,
    ),
    (
        "course:suggestions",
        "What would you suggest for the next edition?",
        QuestionKind.LONG_TEXT,
        False,
    ),
    ("course:comments", "Any other comments?", QuestionKind.LONG_TEXT, False),
]


class EvaluationError(RuleError):
    """A request the rules refuse; the message is for the user, ``field`` names the form
    field when there is one."""


class AlreadySubmitted(EvaluationError):
    """This trainee has submitted already."""

    status = 409


class ConflictError(EvaluationError, StaleError):
    """Someone else saved the questionnaire or the question since this edit started."""


class AnswerErrors(EvaluationError):
    """Answers that are not acceptable: ``by_question`` {question_id: message} (and, as every
    RuleError, ``problems`` with the question ids as field names)."""

    def __init__(self, by_question: dict[int, str]):
        problems = [(str(question_id), message) for question_id, message in by_question.items()]
        super().__init__("; ".join(by_question.values()), problems=problems)
        self.by_question = by_question


def _slug(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().casefold())[:300]


def session_key(title: str, aspect: str) -> str:
    return f"session:{_slug(title)}:{aspect}"


def questionnaire_for(course) -> Questionnaire | None:
    return db.session.execute(
        _questionnaire_statement(), {"course_id": course.id}
    ).scalar_one_or_none()


# The statements of the pages people open most are built once, their values bound when they
# run (as ``sa.bindparam``): building one costs more than running it on SQLite.


@cache
def _questionnaire_statement():
    return (
        sa.select(Questionnaire)
        .where(Questionnaire.course_id == sa.bindparam("course_id"))
        .options(selectinload(Questionnaire.questions))
    )


def _section_order(questions: list[Question]) -> dict[str, tuple]:
    """Day sections in date order, then the others in order of first appearance."""
    ranks, others = {}, []
    for question in questions:
        if question.section in ranks or question.section in others:
            continue
        try:
            ranks[question.section] = (0, datetime.strptime(question.section, "%A %d %B %Y"))
        except ValueError:
            others.append(question.section)
    ranks.update({name: (1, index) for index, name in enumerate(others)})
    return ranks


def _renumber(questionnaire: Questionnaire) -> None:
    questions = list(questionnaire.questions)
    order = _section_order(questions)
    questions.sort(key=lambda q: (order[q.section], q.position, q.id or 0))
    for position, question in enumerate(questions):
        question.position = position
    db.session.flush()
    db.session.expire(questionnaire, ["questions"])  # reload in the new order when next read


def generate_questionnaire(actor, course) -> tuple[Questionnaire, int]:
    """Create the questionnaire from the timetable, or add what is new in it. Existing
    questions (and their answers) are kept. Returns it and how many questions were added."""
    questionnaire = questionnaire_for(course)
    if questionnaire is None:
        questionnaire = Questionnaire(course_id=course.id)
        db.session.add(questionnaire)
        db.session.flush()
    have = {q.key for q in questionnaire.questions}
    added = 0
    next_position = len(questionnaire.questions) + 1000  # after the existing ones, then sorted
    for course_session in timetable_services.course_sessions(course):
        if not course_session.evaluable:
            continue
        day = timetable_services.to_local(course, course_session.starts_at)
        for aspect, text in SESSION_ASPECTS:
            key = session_key(course_session.title, aspect)
            if key in have:
                continue
            questionnaire.questions.append(
                Question(
                    key=key,
                    section=f"{day:%A %d %B %Y}",
                    session_id=course_session.id,
                    session_title=course_session.title,
                    text=text.format(title=course_session.title),
                    kind=QuestionKind.RATING,
                    required=True,
                    position=next_position,
                )
            )
            have.add(key)
            added += 1
            next_position += 1
    for key, text, kind, required in COURSE_QUESTIONS:
        if key not in have:
            questionnaire.questions.append(
                Question(
                    key=key,
                    section=COURSE_SECTION,
                    text=text,
                    kind=kind,
                    required=required,
                    position=next_position,
                )
            )
            added += 1
            next_position += 1
    db.session.flush()
    _renumber(questionnaire)
    db.session.flush()
    record_audit(actor, "questionnaire.generate", questionnaire, course=course.code, added=added)
    return questionnaire, added


def _clean_question(text: str, kind: str, choices: list[str]) -> tuple[str, list[str]]:
    if not text.strip():
        raise EvaluationError("The question needs a text.")
    if kind not in set(QuestionKind):
        raise EvaluationError(f"“{kind}” is not a question type.")
    choices = [c.strip() for c in choices if c.strip()]
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE) and len(choices) < 2:
        raise EvaluationError("A choice question needs at least two choices, one per line.")
    if len(set(choices)) != len(choices):
        raise EvaluationError("Two choices are the same.")
    return text.strip(), choices if kind in (
        QuestionKind.SINGLE_CHOICE,
        QuestionKind.MULTIPLE_CHOICE,
    ) else []


def add_question(
    actor,
    questionnaire: Questionnaire,
    text: str,
    kind: str,
    required: bool,
    choices: list[str],
    section: str,
) -> Question:
    """A question of the coordinator's own, at the end of its section."""
    text, choices = _clean_question(text, kind, choices)
    question = Question(
        key=f"custom:{_slug(text)}",
        text=text,
        kind=kind,
        required=required,
        choices=choices,
        section=section.strip() or COURSE_SECTION,
        position=len(questionnaire.questions) + 1000,
    )
    if question.key in {q.key for q in questionnaire.questions}:
        raise EvaluationError("The questionnaire already has this question.")
    questionnaire.questions.append(question)
    db.session.flush()
    _renumber(questionnaire)
    record_audit(actor, "question.add", question, text=text)
    return question


def answer_count(question: Question) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Answer).where(Answer.question_id == question.id)
    ).scalar_one()


def update_question(
    actor,
    question: Question,
    text: str,
    kind: str,
    required: bool,
    choices: list[str],
    section: str,
    expected_version: int | None = None,
) -> Question:
    """Change a question; its type is fixed once answers exist. ConflictError when it changed
    since ``expected_version`` was read."""
    if is_stale(question, expected_version):
        raise ConflictError(conflict_message("question"))
    text, choices = _clean_question(text, kind, choices)
    if kind != question.kind and answer_count(question):
        raise EvaluationError("This question has answers; its type can no longer change.")
    question.text, question.kind, question.required = text, kind, required
    question.choices, question.section = choices, section.strip() or question.section
    count_change(question)
    _renumber(question.questionnaire)
    db.session.flush()
    record_audit(actor, "question.update", question, text=text)
    return question


def delete_question(actor, question: Question, expected_version: int | None = None) -> None:
    """Remove a question that nobody has answered (answers are never thrown away); refused
    when it changed since ``expected_version`` was read."""
    if is_stale(question, expected_version):
        raise ConflictError(
            "Someone else changed this question since you opened the page, so it was not "
            "removed. Check it below, then remove it if it should still go."
        )
    count = answer_count(question)
    if count:
        raise EvaluationError(f"“{question.text}” has {count} answers and cannot be removed.")
    questionnaire = question.questionnaire
    questionnaire.questions.remove(question)
    db.session.flush()
    _renumber(questionnaire)
    record_audit(actor, "question.delete", questionnaire, text=question.text)


def move_question(actor, question: Question, offset: int) -> None:
    """Move a question up (-1) or down (+1) within its section."""
    siblings = [q for q in question.questionnaire.questions if q.section == question.section]
    index = siblings.index(question)
    target = index + offset
    if 0 <= target < len(siblings):
        other = siblings[target]
        question.position, other.position = other.position, question.position
        db.session.flush()
        record_audit(actor, "question.move", question, offset=offset)


def copy_questionnaire(actor, source_course, target_course) -> int:
    """Copy the questions of an earlier edition that this course does not have yet; session
    questions are linked to this course's session of the same title."""
    source = questionnaire_for(source_course)
    if source is None:
        raise EvaluationError(f"{source_course.code} has no questionnaire to copy.")
    target, _added = generate_questionnaire(actor, target_course)
    have = {q.key for q in target.questions}
    sessions = {_slug(s.title): s for s in timetable_services.course_sessions(target_course)}
    copied = 0
    for old in source.questions:
        if old.key in have:
            continue
        match = sessions.get(_slug(old.session_title)) if old.session_title else None
        section = old.section
        if match is not None:
            section = f"{timetable_services.to_local(target_course, match.starts_at):%A %d %B %Y}"
        target.questions.append(
            Question(
                key=old.key,
                section=section,
                session_id=match.id if match else None,
                session_title=old.session_title,
                text=old.text,
                kind=old.kind,
                required=old.required,
                choices=list(old.choices or []),
                position=old.position + 1000,
            )
        )
        copied += 1
    db.session.flush()
    _renumber(target)
    record_audit(actor, "questionnaire.copy", target, source=source_course.code, copied=copied)
    return copied


def update_settings(
    actor,
    questionnaire: Questionnaire,
    opens_at: datetime,
    closes_at: datetime,
    anonymous: bool,
    now: datetime,
    expected_version: int | None = None,
) -> None:
    """The window (opening no earlier than the course's first day), and anonymity (which
    cannot change once the questionnaire has opened). ConflictError when the settings
    changed since ``expected_version`` was read."""
    if is_stale(questionnaire, expected_version):
        raise ConflictError(conflict_message("questionnaire"))
    course = questionnaire.course
    if opens_at < course_first_moment(course):
        raise EvaluationError(
            f"The evaluation can open on the course's first day "
            f"({course.start_date:%d %B %Y}) at the earliest.",
            "opens_day",
        )
    if closes_at <= opens_at:
        raise EvaluationError("The questionnaire must close after it opens.", "closes_day")
    if anonymous != questionnaire.anonymous and questionnaire.has_opened(now):
        raise EvaluationError(
            "The questionnaire has opened already: whether it is anonymous cannot change now."
        )
    if closes_at > now and release_problem(questionnaire, now) is None:
        raise EvaluationError(
            "This evaluation has closed and its results can be read: it cannot open again, "
            "or a late answer could be told apart from the results already seen.",
            "closes_day",
        )
    questionnaire.opens_at, questionnaire.closes_at = opens_at, closes_at
    questionnaire.anonymous = anonymous
    db.session.flush()
    record_audit(
        actor,
        "questionnaire.settings",
        questionnaire,
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
        anonymous=anonymous,
    )


# --- answering ----------------------------------------------------------------------------


def clean_answers(questionnaire: Questionnaire, raw: dict, *, partial: bool = False) -> dict:
    """Check raw answers {question id: value} and return {question id: (number, text,
    choices)}. AnswerErrors names every problem; ``partial`` (drafts) skips required ones."""
    questions = {q.id: q for q in questionnaire.questions}
    problems: dict[int, str] = {}
    clean = {}
    for key, value in raw.items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            question_id = None
        if question_id not in questions:
            problems[-1] = f"There is no question {key!r} in this questionnaire."
            continue
        question = questions[question_id]
        if value in (None, "", []):
            continue
        try:
            clean[question_id] = _clean_value(question, value)
        except ValueError as exc:
            problems[question_id] = f"“{question.text}”: {exc}"
    if not partial:
        for question in questions.values():
            if question.required and question.id not in clean and question.id not in problems:
                problems[question.id] = f"“{question.text}” needs an answer."
    if problems:
        raise AnswerErrors(problems)
    return clean


def _clean_value(question: Question, value):
    kind = question.kind
    if kind == QuestionKind.RATING:
        if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
            raise ValueError(f"give a number from {RATING_MIN} to {RATING_MAX}.")
        number = int(value)
        if not RATING_MIN <= number <= RATING_MAX:
            raise ValueError(f"{number} is outside the scale {RATING_MIN} to {RATING_MAX}.")
        return (number, None, None)
    if kind == QuestionKind.YES_NO:
        mapping = {"yes": 1, "no": 0, "true": 1, "false": 0, "1": 1, "0": 0}
        answer = mapping.get(str(value).strip().lower())
        if answer is None:
            raise ValueError("answer yes or no.")
        return (answer, None, None)
    if kind == QuestionKind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.choices:
            raise ValueError(f"choose one of: {', '.join(question.choices)}.")
        return (None, None, [value])
    if kind == QuestionKind.MULTIPLE_CHOICE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(v in question.choices for v in values):
            raise ValueError(f"choose among: {', '.join(question.choices)}.")
        return (None, None, sorted(set(values), key=question.choices.index))
    if not isinstance(value, str):
        raise ValueError("write a text.")
    limit = 300 if kind == QuestionKind.SHORT_TEXT else 5000
    if len(value) > limit:
        raise ValueError(f"at most {limit} characters.")
    return (None, value.strip(), None)


def receipt_for(questionnaire: Questionnaire, enrolment: Enrolment) -> SubmissionReceipt | None:
    return db.session.execute(
        sa.select(SubmissionReceipt).where(
            SubmissionReceipt.questionnaire_id == questionnaire.id,
            SubmissionReceipt.enrolment_id == enrolment.id,
        )
    ).scalar_one_or_none()


def draft_for(questionnaire: Questionnaire, enrolment: Enrolment) -> Draft | None:
    return db.session.execute(
        sa.select(Draft).where(
            Draft.questionnaire_id == questionnaire.id, Draft.enrolment_id == enrolment.id
        )
    ).scalar_one_or_none()


def course_first_moment(course) -> datetime:
    """The start of the course's first day in its time zone: nothing is evaluated before."""
    return timetable_services.to_utc(course, course.start_date, time(0))


def window_problem(questionnaire: Questionnaire, now: datetime) -> str | None:
    """Why answers are not taken at ``now`` (None when they are)."""
    course = questionnaire.course
    if now < course_first_moment(course):
        return (
            f"The course has not started yet: the evaluation opens on its first day "
            f"({course.start_date:%d %B %Y}) at the earliest."
        )
    if not questionnaire.opens_at or now < questionnaire.opens_at:
        return "The evaluation is not open yet."
    if now >= questionnaire.closes_at:
        return "The evaluation is closed."
    return None


def _check_window(questionnaire: Questionnaire, now: datetime) -> None:
    problem = window_problem(questionnaire, now)
    if problem:
        raise EvaluationError(problem)


def save_draft(
    questionnaire: Questionnaire, enrolment: Enrolment, raw: dict, now: datetime
) -> Draft:
    """Keep unfinished answers (checked, but nothing is required yet)."""
    _check_window(questionnaire, now)
    if receipt_for(questionnaire, enrolment):
        raise AlreadySubmitted("You have submitted this evaluation already.")
    clean_answers(questionnaire, raw, partial=True)
    draft = draft_for(questionnaire, enrolment)
    if draft is None:
        draft = Draft(questionnaire_id=questionnaire.id, enrolment_id=enrolment.id)
        db.session.add(draft)
    draft.answers = {str(k): v for k, v in raw.items() if v not in (None, "", [])}
    db.session.flush()
    return draft


def submit(questionnaire: Questionnaire, enrolment: Enrolment, raw: dict, now: datetime) -> None:
    """Store the answers once. The receipt's unique key makes a second submission (double
    click, two tabs, two servers) fail as AlreadySubmitted with nothing stored."""
    _check_window(questionnaire, now)
    if receipt_for(questionnaire, enrolment):
        raise AlreadySubmitted("You have submitted this evaluation already.")
    clean = clean_answers(questionnaire, raw)
    try:
        with db.session.begin_nested():
            db.session.add(
                SubmissionReceipt(
                    questionnaire_id=questionnaire.id, enrolment_id=enrolment.id, submitted_at=now
                )
            )
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise AlreadySubmitted("You have submitted this evaluation already.") from exc
    submission = Submission(
        questionnaire_id=questionnaire.id,
        enrolment_id=None if questionnaire.anonymous else enrolment.id,
    )
    submission.answers = [
        Answer(question_id=qid, number=number, text=text, choices=choices)
        for qid, (number, text, choices) in clean.items()
    ]
    db.session.add(submission)
    db.session.execute(
        sa.delete(Draft).where(
            Draft.questionnaire_id == questionnaire.id, Draft.enrolment_id == enrolment.id
        )
    )
    db.session.flush()
    # The audit says who submitted (as the receipt does), never the submission's id.
    record_audit(None, "evaluation.submit", questionnaire, course=questionnaire.course.code)


def open_evaluations_for(user, now: datetime) -> list[tuple]:
    """(course, questionnaire, submitted?) for a trainee's open questionnaires."""
    if user.person_id is None:
        return []
    rows = db.session.execute(
        sa.select(Questionnaire, Enrolment)
        .join(Enrolment, Enrolment.course_id == Questionnaire.course_id)
        .where(
            Enrolment.person_id == user.person_id,
            Enrolment.status.in_(timetable_services.EXPECTED),
            Questionnaire.opens_at <= now,
            Questionnaire.closes_at > now,
        )
    ).all()
    return [
        (q.course, q, receipt_for(q, e) is not None)
        for q, e in rows
        if window_problem(q, now) is None
    ]


# --- results ------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    count: int
    mean: float | None = None
    median: float | None = None
    distribution: list[tuple[str, int]] = field(default_factory=list)
    yes_share: float | None = None  #: yes/no questions: percentage answering yes
    texts: list[str] = field(default_factory=list)
    hidden: bool = False  #: fewer than MIN_ANSWERS_SHOWN answers


@dataclass
class SessionRank:
    title: str
    session_id: int | None
    mean: float
    count: int


@dataclass
class Results:
    """A questionnaire's figures; while they are withheld (see ``release_problem``), only
    the counts: ``questions`` and ``ranking`` are empty, no answer was even read."""

    questionnaire: Questionnaire
    submissions: int
    expected: int
    questions: list[QuestionResult]
    ranking: list[SessionRank]
    withheld: str | None = None  #: why the answers are not shown (None when they are)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.submissions / self.expected, 1) if self.expected else None

    @property
    def hidden(self) -> bool:
        return self.withheld is not None

    @property
    def objectives(self) -> QuestionResult | None:
        return next((r for r in self.questions if r.question.key == "course:objectives"), None)


def submission_count(questionnaire: Questionnaire) -> int:
    return db.session.execute(
        _submission_count_statement(), {"questionnaire_id": questionnaire.id}
    ).scalar_one()


@cache
def _submission_count_statement():
    return (
        sa.select(sa.func.count())
        .select_from(Submission)
        .where(Submission.questionnaire_id == sa.bindparam("questionnaire_id"))
    )


def release_problem(
    questionnaire: Questionnaire, now: datetime, submissions: int | None = None
) -> str | None:
    """Why the answers cannot be shown at ``now`` (None when they can): the one rule of
    every page, chart, PDF, spreadsheet and API that shows them.

    Only once the questionnaire has closed: while answers still come in, two views a
    submission apart tell that submission's answers, and who submitted in between is known
    (certificate rules count receipts). And only with MIN_ANSWERS_SHOWN submissions or
    more, so that no one or two people can be singled out. A questionnaire whose answers
    were shown cannot open again (``update_settings``)."""
    course = questionnaire.course
    if questionnaire.closes_at is None or now < questionnaire.closes_at:
        closes = (
            f" on {timetable_services.to_local(course, questionnaire.closes_at):%d %B %Y %H:%M}"
            f" ({course.time_zone})"
            if questionnaire.closes_at
            else ""
        )
        return (
            f"Results, charts and the answers appear once the evaluation has closed{closes}: "
            "while answers still come in, a new answer could be told apart by comparing two "
            "views."
        )
    if submissions is None:
        submissions = submission_count(questionnaire)
    if submissions < MIN_ANSWERS_SHOWN:
        return (
            f"{submissions} participant{'' if submissions == 1 else 's'} answered: results "
            f"are shown only with at least {MIN_ANSWERS_SHOWN} answers, so that nobody can "
            "be singled out."
        )
    return None


def results(questionnaire: Questionnaire, now: datetime | None = None) -> Results:
    """Every question's figures, the ranking of sessions, the response rate; only the counts
    while ``release_problem`` withholds the answers. Counted by the database: how many
    answers of each number per question, the texts of text questions, the choices of choice
    questions (no answer is loaded for a figure)."""
    submissions = submission_count(questionnaire)
    expected = timetable_services.count_expected(questionnaire.course)
    withheld = release_problem(questionnaire, now or utcnow(), submissions)
    if withheld:
        return Results(questionnaire, submissions, expected, [], [], withheld)
    counts, numbers, texts, choices = _answer_figures(questionnaire)
    per_question = []
    for question in questionnaire.questions:
        count = counts.get(question.id, 0)
        result = QuestionResult(question, count, hidden=count < MIN_ANSWERS_SHOWN)
        by_number = numbers.get(question.id, {})
        if question.kind == QuestionKind.RATING:
            result.distribution = [
                (str(n), by_number.get(n, 0)) for n in range(RATING_MIN, RATING_MAX + 1)
            ]
            rated = sum(by_number.values())
            if rated:
                result.mean = round(sum(n * c for n, c in by_number.items()) / rated, 2)
                result.median = _median(by_number, rated)
        elif question.kind == QuestionKind.YES_NO:
            yes = by_number.get(1, 0)
            result.distribution = [("Yes", yes), ("No", count - yes)]
            result.yes_share = round(100 * yes / count, 1) if count else None
        elif question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            chosen = choices.get(question.id, Counter())
            result.distribution = [(c, chosen.get(c, 0)) for c in question.choices]
        else:
            # Sorted, so the order says nothing about who answered when.
            result.texts = sorted(texts.get(question.id, []))
        per_question.append(result)
    return Results(
        questionnaire, submissions, expected, per_question, _ranking(questionnaire, numbers)
    )


def _answer_figures(questionnaire: Questionnaire):
    """(answers per question, {question: {number: answers}}, texts of text questions,
    Counter of choices of choice questions): three grouped queries, rows not objects."""
    of_questionnaire = (
        sa.select(Answer.question_id)
        .join(Submission)
        .where(Submission.questionnaire_id == questionnaire.id)
    )
    counts: dict[int, int] = {}
    numbers: dict[int, dict[int, int]] = {}
    for question_id, number, count in db.session.execute(
        _numbers_statement(), {"questionnaire_id": questionnaire.id}
    ):
        counts[question_id] = counts.get(question_id, 0) + count
        if number is not None:
            numbers.setdefault(question_id, {})[number] = count
    kinds = {question.id: question.kind for question in questionnaire.questions}
    choice_kinds = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
    texts: dict[int, list[str]] = {}
    choices: dict[int, Counter] = {}
    figures = (QuestionKind.RATING, QuestionKind.YES_NO, *choice_kinds)
    text_ids = [i for i, kind in kinds.items() if kind not in figures]
    choice_ids = [i for i, kind in kinds.items() if kind in choice_kinds]
    if text_ids:
        for question_id, text in db.session.execute(
            of_questionnaire.add_columns(Answer.text).where(
                Answer.question_id.in_(text_ids), Answer.text.is_not(None), Answer.text != ""
            )
        ):
            texts.setdefault(question_id, []).append(text)
    if choice_ids:
        for question_id, chosen in db.session.execute(
            of_questionnaire.add_columns(Answer.choices).where(
                Answer.question_id.in_(choice_ids), Answer.choices.is_not(None)
            )
        ):
            choices.setdefault(question_id, Counter()).update(chosen or [])
    return counts, numbers, texts, choices


@cache
def _numbers_statement():
    """How many answers of each number per question (None: text and choice answers)."""
    return (
        sa.select(Answer.question_id, Answer.number, sa.func.count())
        .join(Submission)
        .where(Submission.questionnaire_id == sa.bindparam("questionnaire_id"))
        .group_by(Answer.question_id, Answer.number)
    )


def _median(by_number: dict[int, int], total: int) -> float:
    """The median of ``total`` answers given as {number: how many} (statistics.median's)."""

    def at(index: int) -> int:
        seen = 0
        for number in sorted(by_number):
            seen += by_number[number]
            if index < seen:
                return number
        raise IndexError(index)

    if total % 2:
        return at(total // 2)
    return (at(total // 2 - 1) + at(total // 2)) / 2


def _ranking(questionnaire, numbers: dict[int, dict[int, int]]) -> list[SessionRank]:
    """Sessions by the mean of all their rating answers (their "overall evaluation")."""
    by_session: dict[str, list[int]] = {}  # title: [sum, count]
    ids: dict[str, int | None] = {}
    for question in questionnaire.questions:
        if question.kind != QuestionKind.RATING or not question.session_title:
            continue
        by_number = numbers.get(question.id, {})
        total = by_session.setdefault(question.session_title, [0, 0])
        total[0] += sum(n * c for n, c in by_number.items())
        total[1] += sum(by_number.values())
        ids[question.session_title] = question.session_id
    ranking = [
        SessionRank(title, ids[title], round(total / count, 2), count)
        for title, (total, count) in by_session.items()
        if count
    ]
    return sorted(ranking, key=lambda r: (-r.mean, r.title))


def non_submitters(questionnaire: Questionnaire) -> list[Enrolment]:
    """Expected participants without a receipt, for the reminders the system sends: never
    shown as such (see ``unanswered_shown``). One query (NOT IN the receipts)."""
    from ..participants.services import protocol_order

    return protocol_order(
        db.session.execute(
            _non_submitters_statement(),
            {"questionnaire_id": questionnaire.id, "course_id": questionnaire.course_id},
        )
        .scalars()
        .all()
    )


@cache
def _non_submitters_statement():
    receipts = sa.select(SubmissionReceipt.enrolment_id).where(
        SubmissionReceipt.questionnaire_id == sa.bindparam("questionnaire_id")
    )
    return (
        sa.select(Enrolment)
        .where(
            Enrolment.course_id == sa.bindparam("course_id"),
            Enrolment.status.in_(timetable_services.EXPECTED),
            Enrolment.id.not_in(receipts),
        )
        .options(joinedload(Enrolment.person))
    )


def unanswered_shown(
    questionnaire: Questionnaire, now: datetime, submissions: int | None = None
) -> list[Enrolment] | None:
    """Who has not answered, for the results page; None when naming them could attribute
    answers. A list that changes with each answer, beside anything else that does (the
    count, later the results), says who each new answer is from; so for an anonymous
    questionnaire names appear only once it has closed, and not when one or two answered
    (the names missing from the list would be theirs). A questionnaire that is not
    anonymous stores answers with names anyway: who has answered is shown throughout.
    ``submissions``: the count, when the caller has it already."""
    if questionnaire.anonymous:
        if questionnaire.closes_at is None or now < questionnaire.closes_at:
            return None
        if submissions is None:
            submissions = submission_count(questionnaire)
        if 0 < submissions < MIN_ANSWERS_SHOWN:
            return None
    return non_submitters(questionnaire)


@dataclass
class Reminder:
    """What a reminder did: counts only, never who."""

    sent: int
    without_address: int
    error: str | None = None  #: the mail server's refusal, when it stopped the sending


def last_reminder(questionnaire: Questionnaire) -> AuditEntry | None:
    return db.session.execute(
        _last_reminder_statement(), {"object_id": str(questionnaire.id)}
    ).scalar_one_or_none()


@cache
def _last_reminder_statement():
    return (
        sa.select(AuditEntry)
        .where(
            AuditEntry.action == "evaluation.remind",
            AuditEntry.object_type == "Questionnaire",
            AuditEntry.object_id == sa.bindparam("object_id"),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    )


def send_reminders(actor, questionnaire: Questionnaire, link: str, now: datetime) -> Reminder:
    """Email a reminder to every expected participant who has not answered, while the
    questionnaire is open. The system sends it: the names are not returned, shown or
    audited (counts only). At most one reminder in REMINDER_INTERVAL."""
    _check_window(questionnaire, now)
    if not mail_configured():
        raise EvaluationError(
            "Email is not set up (MAIL_SERVER), so no reminder can be sent. Participants see "
            "the open evaluation on their dashboard."
        )
    previous = last_reminder(questionnaire)
    if previous is not None and now - previous.at < REMINDER_INTERVAL:
        course = questionnaire.course
        raise EvaluationError(
            f"A reminder was sent on "
            f"{timetable_services.to_local(course, previous.at):%d %B %Y at %H:%M} "
            f"({course.time_zone}): the next can be sent "
            f"{REMINDER_INTERVAL.total_seconds() / 3600:.0f} hours after it."
        )
    course = questionnaire.course
    label = " ".join(f"{course.title} ({course.code})".split())
    closes = (
        f"{timetable_services.to_local(course, questionnaire.closes_at):%d %B %Y %H:%M} "
        f"({course.time_zone})"
    )
    reminder = Reminder(sent=0, without_address=0)
    for enrolment in non_submitters(questionnaire):
        person = enrolment.person
        if not person.email:
            reminder.without_address += 1
            continue
        message = evaluation_reminder_message(
            person.email, person.full_name, label, closes, link, questionnaire.anonymous
        )
        try:
            send_message(message)
        except MailError as exc:
            reminder.error = str(exc)  # the server is down: the others would fail alike
            break
        reminder.sent += 1
    record_audit(
        actor,
        "evaluation.remind",
        questionnaire,
        course=course.code,
        sent=reminder.sent,
        without_address=reminder.without_address,
        failed=bool(reminder.error),
    )
    return reminder


@dataclass
class Comparison:
    """This edition's figures beside those of the edition it was copied from."""

    code: str  #: the earlier edition's course code
    rows: list[tuple]  #: (question text, this edition's figure, the earlier one's)


def comparison(course, current: Results, now: datetime | None = None) -> Comparison | None:
    """The questions both editions asked (same key): ratings by their mean, yes/no questions by
    the share answering yes; only where both have enough answers and the earlier edition's may
    be shown (``release_problem``). None when the course has no earlier edition with an
    evaluation. Two queries: the earlier answers are counted by the database, none is loaded."""
    if course.previous_edition_id is None:
        return None
    earlier = db.session.execute(
        _earlier_statement(), {"course_id": course.previous_edition_id}
    ).one_or_none()
    if earlier is None:
        return None
    questionnaire, code, submitted = earlier
    if release_problem(questionnaire, now or utcnow(), submitted):
        return Comparison(code, [])
    figures = {}
    for key, kind, count, total, rated, yes in db.session.execute(
        _figures_by_key_statement(), {"questionnaire_id": questionnaire.id}
    ):
        if count < MIN_ANSWERS_SHOWN:
            continue
        if kind == QuestionKind.RATING:
            figures[key] = round(total / rated, 2) if rated else None
        else:
            figures[key] = round(100 * yes / count, 1)
    rows = []
    for result in current.questions:
        if result.hidden or result.question.key not in figures:
            continue
        if result.question.kind == QuestionKind.RATING:
            rows.append((result.question.text, result.mean, figures[result.question.key]))
        elif result.question.kind == QuestionKind.YES_NO:
            rows.append((result.question.text, result.yes_share, figures[result.question.key]))
    return Comparison(code, rows)


@cache
def _earlier_statement():
    """The questionnaire of a course (``course_id``), its course's code, its submissions."""
    from ..courses.models import Course

    submissions = (
        sa.select(sa.func.count())
        .where(Submission.questionnaire_id == Questionnaire.id)
        .scalar_subquery()
    )
    return (
        sa.select(Questionnaire, Course.code, submissions)
        .join(Course, Course.id == Questionnaire.course_id)
        .where(Questionnaire.course_id == sa.bindparam("course_id"))
    )


@cache
def _figures_by_key_statement():
    """Per rating and yes/no question key: answers, sum and count of numbers, answers of 1."""
    return (
        sa.select(
            Question.key,
            Question.kind,
            sa.func.count(),
            sa.func.sum(Answer.number),
            sa.func.count(Answer.number),
            sa.func.sum(sa.case((Answer.number == 1, 1), else_=0)),
        )
        .select_from(Answer)
        .join(Submission)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Submission.questionnaire_id == sa.bindparam("questionnaire_id"),
            Question.kind.in_((QuestionKind.RATING, QuestionKind.YES_NO)),
        )
        .group_by(Question.key, Question.kind)
    )


def answers_table(
    questionnaire: Questionnaire, now: datetime | None = None
) -> tuple[list[str], list[list]]:
    """One row per submission (in the random order of their ids), one column per question;
    EvaluationError while ``release_problem`` withholds the answers."""
    problem = release_problem(questionnaire, now or utcnow())
    if problem:
        raise EvaluationError(problem)
    questions = list(questionnaire.questions)
    kinds = {q.id: q.kind for q in questions}
    rows: dict[str, dict[int, object]] = {}
    for submission_id, question_id, number, text, choices in db.session.execute(
        sa.select(
            Answer.submission_id, Answer.question_id, Answer.number, Answer.text, Answer.choices
        )
        .join(Submission)
        .where(Submission.questionnaire_id == questionnaire.id)
        .order_by(Answer.submission_id)
    ):
        if kinds[question_id] == QuestionKind.YES_NO:
            value = "yes" if number else "no"
        elif number is not None:
            value = number
        elif choices is not None:
            value = "; ".join(choices)
        else:
            value = text
        rows.setdefault(submission_id, {})[question_id] = value
    header = [f"{q.section}: {q.text}" for q in questions]
    return header, [[answers.get(q.id) for q in questions] for answers in rows.values()]


def open_questionnaires(now: datetime, limit: int = 5) -> tuple[list, int]:
    """Evaluations taking answers at ``now`` (window open, course started: window_problem's
    rules), closing soonest first: up to ``limit`` rows of (Course, closes_at, submitted,
    expected), counts only (never who), and how many there are in all. One query: only the
    evaluations open now are read, a handful whatever the history."""
    from ..courses.models import Course

    submitted = (
        sa.select(sa.func.count())
        .select_from(SubmissionReceipt)
        .where(SubmissionReceipt.questionnaire_id == Questionnaire.id)
        .scalar_subquery()
    )
    expected = (
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.course_id == Questionnaire.course_id,
            Enrolment.status.in_(timetable_services.EXPECTED),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            Course,
            Questionnaire.closes_at,
            submitted.label("submitted"),
            expected.label("expected"),
        )
        .join(Course, Course.id == Questionnaire.course_id)
        .where(Questionnaire.opens_at <= now, Questionnaire.closes_at > now)
        .order_by(Questionnaire.closes_at, Course.id)
    ).all()
    started = [row for row in rows if now >= course_first_moment(row.Course)]
    return started[:limit], len(started)


def evaluations_of_person(person_id: int, now: datetime) -> list:
    """A participant's evaluations taking answers at ``now`` (window_problem's rules): rows
    of (Course, closes_at, submitted), those still to answer first. One query."""
    from ..courses.models import Course

    rows = db.session.execute(
        sa.select(
            Course,
            Questionnaire.closes_at,
            SubmissionReceipt.id.is_not(None).label("submitted"),
        )
        .join(Questionnaire, Questionnaire.course_id == Course.id)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .outerjoin(
            SubmissionReceipt,
            sa.and_(
                SubmissionReceipt.questionnaire_id == Questionnaire.id,
                SubmissionReceipt.enrolment_id == Enrolment.id,
            ),
        )
        .where(
            Enrolment.person_id == person_id,
            Enrolment.status.in_(timetable_services.EXPECTED),
            Questionnaire.opens_at <= now,
            Questionnaire.closes_at > now,
        )
        .order_by(SubmissionReceipt.id.is_not(None), Questionnaire.closes_at, Course.id)
    ).all()
    return [row for row in rows if now >= course_first_moment(row.Course)]
