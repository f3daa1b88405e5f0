"""The other documents: evaluation report, participant lists, visitor list, attendance sheet
and summary, and the API that serves them."""

import csv
import io
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import make_course, make_person, make_session
from tests.evaluations.conftest import (
    build_course,
    close_questionnaire,
    full_answers,
    open_questionnaire,
)
from tests.reports.conftest import pdf_text
from wipo_training.courses import services as course_services
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable.models import CourseSession
from wipo_training.timeutil import utcnow


def test_evaluation_report_has_every_question_and_the_previous_edition(app, login_as):
    with app.app_context():
        old, old_enrolments = build_course(trainees=3)
        old_questionnaire = open_questionnaire(old)
        for enrolment in old_enrolments:
            evaluation_services.submit(
                old_questionnaire, enrolment, full_answers(old_questionnaire, 3), utcnow()
            )
        new, enrolments = build_course(trainees=3, code="ENF-2014", start=date(2014, 12, 1))
        new.previous_edition_id = old.id
        questionnaire = open_questionnaire(new)
        for enrolment in enrolments:
            evaluation_services.submit(
                questionnaire, enrolment, full_answers(questionnaire, 5), utcnow()
            )
        close_questionnaire(old_questionnaire)
        close_questionnaire(questionnaire)
        questions = [q.text for q in questionnaire.questions]
        db.session.commit()
        course_id = new.id
    response = login_as("staff").get(f"/courses/{course_id}/evaluation/report.pdf")
    assert response.status_code == 200
    assert 'filename="ENF-2014-evaluation-report.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "3 of 3 participants answered (response rate 100.0%)" in text
    for question in questions:
        assert question in text
    assert "Compared with ENF-2013" in text
    assert "How useful was “Border Measures” for your work? 5.0 3.0" in text
    assert "1 Border Measures 5.0 6" in text  # the ranking: both lectures at 5, by title


def test_evaluation_report_of_a_course_without_questionnaire_is_404(app, login_as):
    with app.app_context():
        course_id = make_course().id
        db.session.commit()
    assert login_as("staff").get(f"/courses/{course_id}/evaluation/report.pdf").status_code == 404


def _course_with_people(app):
    """ENF-2013 with three participants, one with a name a spreadsheet would run."""
    with app.app_context():
        course = make_course()
        for family, given, country in (
            ("Tanaka", "Yuki", "JP"),
            ('=HYPERLINK("http://evil.test")', "Mallory", "TH"),
            ("Benali", "Karim", "DZ"),
        ):
            person = make_person(
                family_name=family,
                given_name=given,
                country_code=country,
                organisation="National IP Office",
            )
            enrolment = participant_services.nominate(None, course, person)
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            participant_services.change_enrolment_status(None, enrolment, "confirmed")
        undecided = make_person(family_name="Undecided", country_code="JP")
        participant_services.nominate(None, course, undecided)  # on no list of participants
        visit = make_session(
            course,
            kind="site_visit",
            title="Visit to Tokyo Customs",
            host_organisation="Tokyo Customs",
        )
        db.session.commit()
        return course.id, visit.id


def test_participant_list_pdf_xlsx_csv_in_protocol_order(app, login_as):
    course_id, _visit = _course_with_people(app)
    client = login_as("staff")
    pdf = client.get(f"/courses/{course_id}/participants/list.pdf")
    assert 'filename="ENF-2013-participants.pdf"' in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    algeria, japan, thailand = (text.index(c) for c in ("Algeria", "Japan", "Thailand"))
    assert algeria < japan < thailand
    assert "BENALI Karim" in text and "TANAKA Yuki" in text and "UNDECIDED" not in text
    assert "List of participants" in text and "3 participants, in protocol order" in text
    api_csv = client.get(f"/api/v1/courses/{course_id}/participants.csv")
    assert api_csv.status_code == 200
    assert 'filename="ENF-2013-participants.csv"' in api_csv.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(api_csv.data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["Algeria", "Japan", "Thailand"]
    assert rows[3][2] == '\'=HYPERLINK("http://evil.test")'  # neutralised, not a formula
    xlsx = client.get(f"/api/v1/courses/{course_id}/participants.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    cell = sheet.cell(row=4, column=3)
    assert cell.value == '=HYPERLINK("http://evil.test")' and cell.data_type == "s"
    api_pdf = client.get(f"/api/v1/courses/{course_id}/participants.pdf")
    assert api_pdf.mimetype == "application/pdf" and "BENALI Karim" in pdf_text(api_pdf.data)


def test_visitor_list_and_attendance_sheet(app, login_as):
    course_id, visit_id = _course_with_people(app)
    client = login_as("staff")
    visitors = client.get(f"/sessions/{visit_id}/visitors.pdf")
    assert 'filename="ENF-2013-visitors-2013-12-02.pdf"' in visitors.headers["Content-Disposition"]
    text = pdf_text(visitors.data)
    assert "Visit to Tokyo Customs, Monday 02 December 2013" in text
    assert "Karim Benali" in text or "Benali Karim" in text or "Karim BENALI" in text
    assert "3 visitors." in text
    sheet = client.get(f"/courses/{course_id}/attendance/2013-12-02/sheet.pdf")
    assert 'filename="ENF-2013-attendance-2013-12-02.pdf"' in sheet.headers["Content-Disposition"]
    text = pdf_text(sheet.data)
    assert "Monday 02 December 2013" in text and "Visit to Tokyo Customs" in text
    assert "Morning: signature" in text and "TANAKA Yuki" in text
    assert client.get(f"/courses/{course_id}/attendance/2014-01-01/sheet.pdf").status_code == 404
    assert client.get(f"/courses/{course_id}/attendance/not-a-day/sheet.pdf").status_code == 404


def test_attendance_summary_xlsx(app, login_as):
    from wipo_training.timetable import services as timetable_services

    course_id, visit_id = _course_with_people(app)
    with app.app_context():
        visit = db.session.get(CourseSession, visit_id)
        enrolments = timetable_services.expected_enrolments(visit.course)
        marks = {e.id: ("present", "") for e in enrolments}
        marks[enrolments[0].id] = ("absent", "ill")
        timetable_services.record_attendance(None, visit, marks)
        db.session.commit()
    response = login_as("staff").get(f"/courses/{course_id}/attendance.xlsx")
    assert 'filename="ENF-2013-attendance.xlsx"' in response.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert rows[0][3].endswith("Visit to Tokyo Customs") and rows[0][-1] == "Attendance (%)"
    by_country = {row[0]: row for row in rows[1:]}
    assert set(by_country) == {"Algeria", "Japan", "Thailand"}
    assert sorted(row[-1] for row in rows[1:]) == [0.0, 100.0, 100.0]


def test_trainees_get_none_of_the_reports(app, login_as, demo):
    client = login_as("trainee")
    for url in (
        f"/courses/{demo}/report",
        f"/courses/{demo}/report.pdf",
        f"/courses/{demo}/evaluation/report.pdf",
        f"/courses/{demo}/participants/list.pdf",
        f"/api/v1/courses/{demo}/report.pdf",
        f"/api/v1/courses/{demo}/participants.csv",
        "/statistics",
        "/api/v1/statistics",
    ):
        assert client.get(url).status_code == 403, url


def test_api_course_report_pdf(app, login_as, demo):
    client = login_as("coordinator")
    response = client.get(f"/api/v1/courses/{demo}/report.pdf")
    assert response.status_code == 200
    assert "Participating countries: Algeria (1 person)" in pdf_text(response.data)
    assert client.get("/api/v1/courses/999999/report.pdf").status_code == 404


def test_copy_of_a_course_keeps_its_own_report_text(app):
    with app.app_context():
        course = make_course()
        from wipo_training.reports import services

        services.save_report_text(None, course, "Intro", "End")
        copy = course_services.copy_as_next_edition(None, course, date(2014, 12, 1), "ENF-2014")
        db.session.commit()
        assert services.report_text(copy).introduction == ""
        assert services.report_text(course).introduction == "Intro"
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(CourseSession)).scalar() == 0
        )
