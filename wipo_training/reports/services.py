"""Reports generated from the data: the course report, the evaluation report, lists for
others (participants, site-visit visitors, attendance sheets) and annual statistics. Each is
a dataclass of figures that one template shows as a page and, through ``render_pdf``, as a
PDF."""

import base64
import statistics as stats
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from .. import charts
from ..audit import record_audit
from ..courses.models import Course, CourseStatus, Fund
from ..documents.models import Certificate, CertificateStatus
from ..evaluations import services as evaluation_services
from ..evaluations.models import (
    RATING_MAX,
    Answer,
    Question,
    QuestionKind,
    Questionnaire,
    Submission,
)
from ..extensions import db
from ..participants import services as participant_services
from ..participants.models import Enrolment, EnrolmentStatus
from ..pdf import render_pdf
from ..templating import country_name
from ..timetable import services as timetable_services
from ..timetable.models import Attendance, CourseSession, SessionKind
from ..timeutil import utcnow
from . import prose
from .models import CourseReportText

TREND_YEARS = 10  #: how many years the statistics' trend shows


def chart_src(svg: bytes) -> str:
    """A chart as a data: URL: the same image in the page and in the PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


# --- the course report --------------------------------------------------------------------


@dataclass
class AttendanceSummary:
    expected: int  #: participants expected at the sessions
    marked_sessions: int  #: sessions with attendance recorded
    mean_percent: float | None  #: mean of the participants' attendance rates
    meeting_minimum: int  #: participants at or above the course's minimum
    sessions: list[tuple[CourseSession, float | None]]  #: each marked session's rate


@dataclass
class CourseReport:
    course: Course
    text: CourseReportText
    figures: participant_services.ByCountry
    days: list[tuple[date, list[CourseSession]]]
    site_visits: list[CourseSession]
    attendance: AttendanceSummary
    results: evaluation_services.Results | None
    comments: list[tuple[str, str]]  #: chosen comments: (question, text)
    certificates_issued: int
    certificates_revoked: int
    #: The paragraphs written from the data (prose.py): they follow the data, never edited.
    story: list[str] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)


def report_text(course: Course) -> CourseReportText:
    """The coordinator's introduction and conclusion (a blank one until written)."""
    return db.session.get(CourseReportText, course.id) or CourseReportText(
        course_id=course.id, introduction="", conclusion=""
    )


def save_report_text(actor, course: Course, introduction: str, conclusion: str) -> None:
    text = db.session.get(CourseReportText, course.id)
    if text is None:
        text = CourseReportText(course_id=course.id)
        db.session.add(text)
    text.introduction = (introduction or "").replace("\r\n", "\n").strip()
    text.conclusion = (conclusion or "").replace("\r\n", "\n").strip()
    db.session.flush()
    record_audit(actor, "course_report.edit", course)


def attendance_summary(course: Course, sessions: list[CourseSession]) -> AttendanceSummary:
    by_enrolment, by_session = timetable_services.attendance_rates(course)
    expected = timetable_services.expected_enrolments(course)
    rates = [by_enrolment[e.id].percent for e in expected if e.id in by_enrolment]
    rates = [r for r in rates if r is not None]
    return AttendanceSummary(
        expected=len(expected),
        marked_sessions=len(by_session),
        mean_percent=round(stats.fmean(rates), 1) if rates else None,
        meeting_minimum=sum(1 for r in rates if r >= course.min_attendance_pct),
        sessions=[(s, by_session[s.id].percent) for s in sessions if s.id in by_session],
    )


def chosen_comments(questionnaire: Questionnaire | None) -> list[tuple[str, str]]:
    """The comments the coordinator chose to quote: (question, text), in question order."""
    if questionnaire is None:
        return []
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Question.text, Answer.text)
            .join(Answer, Answer.question_id == Question.id)
            .where(Question.questionnaire_id == questionnaire.id, Answer.in_report.is_(True))
            .order_by(Question.position, Answer.text)
        )
    ]


def comment_choices(questionnaire: Questionnaire) -> list[tuple[Answer, Question]]:
    """Every comment of the questionnaire, for the coordinator to choose from; none while
    its answers are withheld (``evaluation_services.release_problem``)."""
    if evaluation_services.release_problem(questionnaire, utcnow()):
        return []
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Answer, Question)
            .join(Question, Answer.question_id == Question.id)
            .where(
                Question.questionnaire_id == questionnaire.id,
                Question.kind.in_((QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)),
                Answer.text.is_not(None),
                Answer.text != "",
            )
            .order_by(Question.position, Answer.text)
        )
    ]


def choose_comments(actor, course: Course, questionnaire: Questionnaire, keys: set[str]) -> int:
    """Quote exactly the comments whose "<submission>:<question>" key is in ``keys``;
    EvaluationError while the answers are withheld."""
    problem = evaluation_services.release_problem(questionnaire, utcnow())
    if problem:
        raise evaluation_services.EvaluationError(problem)
    chosen = 0
    for answer, _question in comment_choices(questionnaire):
        answer.in_report = f"{answer.submission_id}:{answer.question_id}" in keys
        chosen += answer.in_report
    db.session.flush()
    record_audit(actor, "course_report.comments", course, chosen=chosen)
    return chosen


def certificate_counts(course_ids: list[int]) -> Counter:
    """Certificates by status for the given courses (one query)."""
    if not course_ids:
        return Counter()
    return Counter(
        dict(
            db.session.execute(
                sa.select(Certificate.status, sa.func.count())
                .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
                .where(Enrolment.course_id.in_(course_ids))
                .group_by(Certificate.status)
            ).all()
        )
    )


def course_report(course: Course, with_charts: bool = True) -> CourseReport:
    """Everything the course report shows, from the data."""
    figures = participant_services.count_participants([course.id])
    sessions = timetable_services.course_sessions(course)
    questionnaire = evaluation_services.questionnaire_for(course)
    results = evaluation_services.results(questionnaire) if questionnaire else None
    certificates = certificate_counts([course.id])
    report = CourseReport(
        course=course,
        text=report_text(course),
        figures=figures,
        days=timetable_services.timetable_days(course, sessions),
        site_visits=[s for s in sessions if s.kind == SessionKind.SITE_VISIT],
        attendance=attendance_summary(course, sessions),
        results=results,
        comments=chosen_comments(questionnaire) if results and not results.hidden else [],
        certificates_issued=certificates[CertificateStatus.ISSUED],
        certificates_revoked=certificates[CertificateStatus.REVOKED],
        story=prose.story(course, figures, sessions, results),
    )
    if with_charts and figures.total:
        report.charts["countries"] = chart_src(
            charts.bar_chart(
                "Participants by country", [(r.name, r.count) for r in figures.countries]
            )
        )
    if with_charts and results and not results.hidden and results.ranking:
        report.charts["ranking"] = chart_src(
            charts.bar_chart(
                "Sessions by mean rating (1–5)",
                [(r.title, r.mean) for r in results.ranking],
                series="Mean rating",
                scale=(0, RATING_MAX),
            )
        )
    return report


# --- the evaluation report ----------------------------------------------------------------


@dataclass
class EvaluationReport:
    course: Course
    results: evaluation_services.Results
    comparison: evaluation_services.Comparison | None
    charts: dict[int, str]  #: question id -> chart


def evaluation_report(course: Course, questionnaire: Questionnaire) -> EvaluationReport:
    results = evaluation_services.results(questionnaire)
    question_charts = {}
    if not results.hidden:
        for result in results.questions:
            if not result.hidden and result.distribution:
                question_charts[result.question.id] = chart_src(
                    charts.bar_chart(result.question.text, result.distribution, series="Answers")
                )
    return EvaluationReport(
        course=course,
        results=results,
        comparison=evaluation_services.comparison(course, results),
        charts=question_charts,
    )


# --- lists ----------------------------------------------------------------------------------


def course_participants(course: Course) -> list[Enrolment]:
    """The course's list of participants in protocol order (by country, then family name):
    the confirmed and those who completed (before the start, the list says "confirmed")."""
    return participant_services.listed_enrolments(course)


def sessions_on(course: Course, day: date) -> list[CourseSession]:
    return [
        s
        for s in timetable_services.course_sessions(course)
        if timetable_services.to_local(course, s.starts_at).date() == day
    ]


def attendance_table(course: Course) -> tuple[list[str], list[list]]:
    """One row per expected participant (protocol order), one column per session with
    attendance recorded, and the participant's rate."""
    marks = {
        (session_id, enrolment_id): status
        for session_id, enrolment_id, status in db.session.execute(
            sa.select(Attendance.session_id, Attendance.enrolment_id, Attendance.status)
            .join(CourseSession, CourseSession.id == Attendance.session_id)
            .where(CourseSession.course_id == course.id)
        )
    }
    marked = {session_id for session_id, _enrolment_id in marks}
    sessions = [s for s in timetable_services.course_sessions(course) if s.id in marked]
    by_enrolment, _by_session = timetable_services.attendance_rates(course)
    header = ["Country", "Name", "Organisation"]
    header += [
        f"{timetable_services.to_local(course, s.starts_at):%d %b %H:%M} {s.title}"
        for s in sessions
    ]
    header.append("Attendance (%)")
    rows = []
    for e in participant_services.protocol_order(timetable_services.expected_enrolments(course)):
        rate = by_enrolment.get(e.id)
        rows.append(
            [
                country_name(e.country_code),
                f"{e.person.title} {e.person.full_name}".strip(),
                e.organisation.name if e.organisation else "",
                *[marks.get((s.id, e.id), "") for s in sessions],
                rate.percent if rate else None,
            ]
        )
    return header, rows


# --- the documents as PDF ------------------------------------------------------------------


def course_report_pdf(course: Course) -> bytes:
    return render_pdf(
        "pdf/reports/course_report.html", {"course": course, "report": course_report(course)}
    )


NO_QUESTIONNAIRE = "This course has no evaluation questionnaire."


def evaluation_report_pdf(course: Course) -> bytes | None:
    """The evaluation report; None when the course has no questionnaire."""
    questionnaire = evaluation_services.questionnaire_for(course)
    if questionnaire is None:
        return None
    return render_pdf(
        "pdf/reports/evaluation_report.html",
        {"course": course, "report": evaluation_report(course, questionnaire)},
    )


def participant_list_pdf(course: Course) -> bytes:
    return render_pdf(
        "pdf/reports/participant_list.html",
        {
            "course": course,
            "enrolments": course_participants(course),
            "started": participant_services.course_started(course),
            "counted": participant_services.PARTICIPANTS_COUNTED,
        },
    )


def visitor_list_pdf(course_session: CourseSession) -> tuple[bytes, date]:
    """The visitor list of a site visit, and its day (for the file name)."""
    course = course_session.course
    starts = timetable_services.to_local(course, course_session.starts_at)
    data = render_pdf(
        "pdf/reports/visitor_list.html",
        {
            "course": course,
            "visit": course_session,
            "day": starts.date(),
            "starts": starts,
            "enrolments": participant_services.protocol_order(
                timetable_services.expected_enrolments(course)
            ),
        },
    )
    return data, starts.date()


def attendance_sheet_pdf(course: Course, day: date) -> bytes:
    return render_pdf(
        "pdf/reports/attendance_sheet.html",
        {
            "course": course,
            "day": day,
            "sessions": sessions_on(course, day),
            "local": timetable_services.to_local,
            "enrolments": participant_services.protocol_order(
                timetable_services.expected_enrolments(course)
            ),
        },
    )


# --- annual statistics ----------------------------------------------------------------------

BASES = {"fiscal": "Japanese fiscal year (April–March)", "calendar": "Calendar year"}


def year_range(year: int, basis: str) -> tuple[date, date]:
    """FY2013 runs from 1 April 2013 to 31 March 2014; calendar years as usual."""
    if basis == "fiscal":
        return date(year, 4, 1), date(year + 1, 3, 31)
    return date(year, 1, 1), date(year, 12, 31)


def latest_year(basis: str) -> int:
    """The most recent year in which a course started (this year when none has)."""
    today = date.today()
    latest = db.session.execute(_held(sa.select(sa.func.max(Course.start_date)), None)).scalar()
    day = latest or today
    return fiscal_year(day) if basis == "fiscal" else day.year


def year_label(year: int, basis: str) -> str:
    return f"FY{year}" if basis == "fiscal" else str(year)


def fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


@dataclass
class YearFigures:
    year: int
    label: str
    courses: int
    participants: int
    completed: int
    certificates: int
    rating_mean: float | None
    objectives_share: float | None  #: % answering yes to "objectives achieved"
    submissions: int

    @property
    def completion_rate(self) -> float | None:
        return round(100 * self.completed / self.participants, 1) if self.participants else None

    @property
    def certificate_rate(self) -> float | None:
        return round(100 * self.certificates / self.participants, 1) if self.participants else None

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.submissions / self.participants, 1) if self.participants else None


@dataclass
class Statistics:
    year: int
    basis: str
    fund: Fund | None
    start: date
    end: date
    courses: list[Course]
    figures: participant_services.ByCountry
    totals: YearFigures
    trend: list[YearFigures]
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return year_label(self.year, self.basis)

    @property
    def scope(self) -> str:
        return self.fund.short_name if self.fund else "All funds"

    @property
    def file_stem(self) -> str:
        """statistics-FY2013, or statistics-FY2013-FIT-JP for one fund."""
        return f"statistics-{self.label}" + (f"-{self.fund.code}" if self.fund else "")


def _held(stmt, fund_id: int | None, today: date | None = None):
    """Courses held: started by ``today``, neither drafts nor cancelled."""
    stmt = stmt.where(
        Course.status != CourseStatus.CANCELLED,
        Course.status != CourseStatus.DRAFT,
        Course.start_date <= (today or date.today()),
    )
    return stmt.where(Course.fund_id == fund_id) if fund_id else stmt


def course_sums(course_ids: list[int], now: datetime | None = None) -> dict[int, Counter]:
    """Per course: participants (those who attended: PARTICIPANTS_COUNTED), completed,
    certificates issued, rating sum and count, objectives answered and yes, submissions.
    Ratings and objectives only from questionnaires whose answers can be shown (closed, with
    MIN_ANSWERS_SHOWN submissions: ``evaluation_services.release_problem``), or a year with
    one course would tell its answers while they come in. Five grouped queries however many
    courses, so a year and its trend cost the same."""
    sums: dict[int, Counter] = {course_id: Counter() for course_id in course_ids}
    if not course_ids:
        return sums
    released = (
        sa.select(Submission.questionnaire_id)
        .join(Questionnaire, Questionnaire.id == Submission.questionnaire_id)
        .where(
            Questionnaire.course_id.in_(course_ids), Questionnaire.closes_at <= (now or utcnow())
        )
        .group_by(Submission.questionnaire_id)
        .having(sa.func.count() >= evaluation_services.MIN_ANSWERS_SHOWN)
    )
    for course_id, status, count in db.session.execute(
        participant_services.participating(
            sa.select(Enrolment.course_id, Enrolment.status, sa.func.count())
        )
        .where(Enrolment.course_id.in_(course_ids))
        .group_by(Enrolment.course_id, Enrolment.status)
    ):
        sums[course_id]["participants"] += count
        sums[course_id]["completed"] += count if status == EnrolmentStatus.COMPLETED else 0
    for course_id, count in db.session.execute(
        sa.select(Enrolment.course_id, sa.func.count())
        .join(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(Enrolment.course_id.in_(course_ids), Certificate.status == CertificateStatus.ISSUED)
        .group_by(Enrolment.course_id)
    ):
        sums[course_id]["certificates"] = count
    answers = (
        sa.select(Questionnaire.course_id, sa.func.sum(Answer.number), sa.func.count(Answer.number))
        .select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .join(Questionnaire, Questionnaire.id == Question.questionnaire_id)
        .where(Questionnaire.course_id.in_(course_ids), Questionnaire.id.in_(released))
        .group_by(Questionnaire.course_id)
    )
    for condition, total_key, count_key in (
        (Question.kind == QuestionKind.RATING, "rating_sum", "ratings"),
        (Question.key == "course:objectives", "yes", "answered"),
    ):
        for course_id, total, count in db.session.execute(answers.where(condition)):
            sums[course_id][total_key], sums[course_id][count_key] = int(total or 0), count
    for course_id, count in db.session.execute(
        sa.select(Questionnaire.course_id, sa.func.count(Submission.id))
        .join(Submission, Submission.questionnaire_id == Questionnaire.id)
        .where(Questionnaire.course_id.in_(course_ids))
        .group_by(Questionnaire.course_id)
    ):
        sums[course_id]["submissions"] = count
    return sums


def year_figures(year: int, basis: str, course_ids: list[int], sums: dict) -> YearFigures:
    """The year's figures from its courses' sums."""
    total = Counter()
    for course_id in course_ids:
        total.update(sums[course_id])
    return YearFigures(
        year=year,
        label=year_label(year, basis),
        courses=len(course_ids),
        participants=total["participants"],
        completed=total["completed"],
        certificates=total["certificates"],
        rating_mean=round(total["rating_sum"] / total["ratings"], 2) if total["ratings"] else None,
        objectives_share=round(100 * total["yes"] / total["answered"], 1)
        if total["answered"]
        else None,
        submissions=total["submissions"],
    )


def annual_statistics(
    year: int, basis: str = "fiscal", fund_id: int | None = None, with_charts: bool = True
) -> Statistics:
    """The year's courses and participants, with the trend over the TREND_YEARS up to it."""
    start, end = year_range(year, basis)
    first, _ = year_range(year - TREND_YEARS + 1, basis)
    held = list(
        db.session.execute(
            _held(sa.select(Course), fund_id)
            .where(Course.start_date >= first, Course.start_date <= end)
            .order_by(Course.start_date)
        ).scalars()
    )

    def year_of(course: Course) -> int:
        return fiscal_year(course.start_date) if basis == "fiscal" else course.start_date.year

    sums = course_sums([c.id for c in held])
    trend = [
        year_figures(y, basis, [c.id for c in held if year_of(c) == y], sums)
        for y in range(year - TREND_YEARS + 1, year + 1)
    ]
    courses = [c for c in held if year_of(c) == year]
    result = Statistics(
        year=year,
        basis=basis,
        fund=db.session.get(Fund, fund_id) if fund_id else None,
        start=start,
        end=end,
        courses=courses,
        figures=participant_services.count_participants([c.id for c in courses]),
        totals=trend[-1],
        trend=trend,
    )
    if with_charts:
        if result.figures.total:
            result.charts["countries"] = chart_src(
                charts.bar_chart(
                    f"Participants by country, {result.label}",
                    [(r.name, r.count) for r in result.figures.countries],
                )
            )
            result.charts["regions"] = chart_src(
                charts.bar_chart(f"Participants by region, {result.label}", result.figures.regions)
            )
        result.charts["trend"] = chart_src(
            charts.bar_chart(
                "Participants per year",
                [(y.label, y.participants) for y in result.trend],
            )
        )
    return result


def statistics_sheets(result: Statistics) -> list[tuple[str, list[str], list[list]]]:
    """The statistics as spreadsheet sheets: (title, header, rows)."""
    figures = result.figures
    return [
        (
            "Summary",
            ["Figure", "Value"],
            [
                ["Period", f"{result.label} ({result.start:%d %b %Y} – {result.end:%d %b %Y})"],
                ["Funds", result.scope],
                ["Courses held", result.totals.courses],
                ["Participants", result.totals.participants],
                ["Completed (%)", result.totals.completion_rate],
                ["Certificates issued (%)", result.totals.certificate_rate],
                ["Evaluation: mean rating (1–5)", result.totals.rating_mean],
                ["Evaluation: objectives achieved (%)", result.totals.objectives_share],
                ["Evaluation: response rate (%)", result.totals.response_rate],
                ["Who is counted", figures.counted],
                ["Not counted", figures.not_counted_text or "—"],
            ],
        ),
        (
            "Courses",
            ["Code", "Title", "Fund", "Start", "End", "Status"],
            [
                [c.code, c.title, c.fund.short_name, c.start_date, c.end_date, c.status]
                for c in result.courses
            ],
        ),
        (
            "By country",
            ["Country", "Region", "Participants", "Organisations"],
            [
                [r.name, r.region or "", r.count, "; ".join(r.organisations)]
                for r in figures.countries
            ],
        ),
        ("By region", ["Region", "Participants"], [list(r) for r in figures.regions]),
        ("By organisation kind", ["Kind", "Participants"], [list(k) for k in figures.kinds]),
        ("By gender", ["Gender", "Participants"], [list(g) for g in figures.genders]),
        (
            "Trend",
            [
                "Year",
                "Courses",
                "Participants",
                "Completion (%)",
                "Certificates (%)",
                "Mean rating",
                "Objectives achieved (%)",
            ],
            [
                [
                    y.label,
                    y.courses,
                    y.participants,
                    y.completion_rate,
                    y.certificate_rate,
                    y.rating_mean,
                    y.objectives_share,
                ]
                for y in result.trend
            ],
        ),
    ]


class NoSuchFund(ValueError):
    """The statistics were asked for a fund that does not exist."""


def statistics_arguments(args) -> tuple[int, str, int | None]:
    """(year, basis, fund id) from a query string's values; ValueError with a message when
    wrong (NoSuchFund for a fund that does not exist)."""
    basis = args.get("basis", "fiscal")
    if basis not in BASES:
        raise ValueError("The basis is either fiscal (April–March) or calendar.")
    fund_id = args.get("fund") or None
    if fund_id is not None:
        if not fund_id.isdigit() or db.session.get(Fund, int(fund_id)) is None:
            raise NoSuchFund("There is no such fund.")
        fund_id = int(fund_id)
    year = args.get("year")
    if year in (None, ""):
        year = latest_year(basis)
    elif not year.isdigit() or not 1950 <= int(year) <= 2100:
        raise ValueError("The year is a number such as 2013.")
    return int(year), basis, fund_id


def statistics_pdf(year: int, basis: str, fund_id: int | None) -> tuple[bytes, str]:
    """The statistics PDF and its file name without extension."""
    result = annual_statistics(year, basis, fund_id)
    pdf = render_pdf("pdf/reports/statistics.html", {"stats": result, "bases": BASES})
    return pdf, result.file_stem
