"""Annual statistics: fiscal and calendar years, one fund or all, as a page, JSON, PDF, XLSX."""

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from tests.conftest import make_course, make_person
from tests.reports.conftest import pdf_text
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.reports import services


def test_fiscal_and_calendar_years():
    assert services.year_range(2013, "fiscal") == (date(2013, 4, 1), date(2014, 3, 31))
    assert services.year_range(2013, "calendar") == (date(2013, 1, 1), date(2013, 12, 31))
    assert services.fiscal_year(date(2014, 2, 10)) == 2013
    assert services.fiscal_year(date(2014, 4, 1)) == 2014


def test_a_february_course_counts_in_the_fiscal_year_before(app):
    with app.app_context():
        for code, start, people in (
            ("ENF-2013", date(2013, 12, 2), 2),
            ("LDC-2014", date(2014, 2, 10), 1),
        ):
            course = make_course(
                code=code, start_date=start, end_date=start, nomination_deadline=None
            )
            for index in range(people):
                person = make_person(family_name=f"{code}-{index}", country_code="KH")
                enrolment = participant_services.nominate(None, course, person)
                participant_services.change_enrolment_status(None, enrolment, "accepted")
                participant_services.change_enrolment_status(None, enrolment, "confirmed")
            course.status = "completed"
        db.session.commit()
        fiscal = services.annual_statistics(2013, "fiscal", with_charts=False)
        calendar = services.annual_statistics(2013, "calendar", with_charts=False)
        assert [c.code for c in fiscal.courses] == ["ENF-2013", "LDC-2014"]
        assert fiscal.totals.participants == 3 and calendar.totals.participants == 2
        assert [c.code for c in calendar.courses] == ["ENF-2013"]
        assert [y.label for y in fiscal.trend][-2:] == ["FY2012", "FY2013"]
        assert len(fiscal.trend) == services.TREND_YEARS


def test_statistics_api_page_pdf_and_xlsx(demo, login_as):
    client = login_as("staff")
    data = client.get("/api/v1/statistics?year=2013").get_json()
    assert data["label"] == "FY2013" and data["courses"] == ["ENF-2013"]
    assert data["totals"]["participants"] == 30 and data["totals"]["courses"] == 1
    assert data["totals"]["completion_rate"] == 100.0
    assert data["totals"]["objectives_share"] == 100.0
    assert data["sentence"].startswith("Algeria (1 person), Bhutan (1), Cambodia (2)")
    assert {"name": "Africa", "count": 2} in data["regions"]
    assert data["trend"][-1]["participants"] == 30
    no_fund = client.get("/api/v1/statistics?year=2013&fund=999")
    assert no_fund.status_code == 404 and "There is no such fund." in no_fund.get_data(as_text=True)
    assert client.get("/api/v1/statistics?year=abc").status_code == 422
    assert client.get("/api/v1/statistics?year=2013&basis=lunar").status_code == 422

    page = client.get("/statistics?year=2013").get_data(as_text=True)
    assert "Training statistics, FY2013" in page and "Algeria (1 person)" in page
    wrong = client.get("/statistics?year=abc").get_data(as_text=True)
    assert "The year is a number such as 2013." in wrong

    pdf = client.get("/statistics/report.pdf?year=2013")
    assert 'filename="statistics-FY2013.pdf"' in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Training statistics, FY2013" in text and "Courses held 1 Participants 30" in text
    assert "Algeria (1 person), Bhutan (1)" in text
    assert client.get("/statistics/report.pdf?year=abc").status_code == 400
    api_pdf = client.get("/api/v1/statistics/report.pdf?year=2013&basis=calendar")
    assert "Training statistics, 2013" in pdf_text(api_pdf.data)

    xlsx = client.get("/statistics.xlsx?year=2013")
    assert 'filename="statistics-FY2013.xlsx"' in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == [
        "Summary",
        "Courses",
        "By country",
        "By region",
        "By organisation kind",
        "By gender",
        "Trend",
    ]
    summary = dict(book["Summary"].values)
    assert summary["Participants"] == 30 and summary["Courses held"] == 1
    assert book["By country"]["A2"].value == "Algeria"


def test_statistics_count_only_people_who_attended_and_say_so(app, login_as):
    """A year's participants are the confirmed of courses that have started and those who
    completed; nominations, and courses not yet held, are not counted (13 of "66
    participants" were once in courses not yet held)."""
    today = date.today()
    with app.app_context():
        held = make_course(code="ENF-A", start_date=today, end_date=today + timedelta(days=4))
        coming = make_course(
            code="ENF-B", start_date=today + timedelta(days=1), end_date=today + timedelta(days=9)
        )
        for course, steps in (
            (held, ["accepted", "confirmed"]),
            (held, []),
            (held, ["accepted"]),
            (coming, ["accepted", "confirmed"]),
            (coming, []),
        ):
            person = make_person(family_name=f"{course.code}-{len(steps)}", country_code="KH")
            enrolment = participant_services.nominate(None, course, person)
            for step in steps:
                participant_services.change_enrolment_status(None, enrolment, step)
        for course in (held, coming):
            course.status = "confirmed"
        db.session.commit()
    client = login_as("staff")
    year = services.fiscal_year(today)
    data = client.get(f"/api/v1/statistics?year={year}").get_json()
    assert data["courses"] == ["ENF-A"] and data["totals"]["participants"] == 1
    assert data["participants_counted"].startswith("Participants are the people who attended")
    assert data["counted_statuses"] == ["confirmed", "completed"]
    assert data["not_counted"] == [
        {"status": "nominated", "count": 1},
        {"status": "accepted", "count": 1},
    ]
    text = pdf_text(client.get(f"/statistics/report.pdf?year={year}").data)
    assert "Courses held 1 Participants 1" in text
    assert "Participants are the people who attended: confirmed for a course that has" in text
    book = load_workbook(io.BytesIO(client.get(f"/statistics.xlsx?year={year}").data))
    summary = dict(book["Summary"].values)
    assert summary["Participants"] == 1 and summary["Courses held"] == 1
    assert summary["Who is counted"].startswith("Participants are the people who attended")
    assert summary["Not counted"] == "1 nominated, 1 accepted"
