"""Country report uploads and the iCalendar feeds (parsed back with icalendar)."""

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.conftest import (
    create_token,
    find_form,
    forms_of,
    make_course,
    make_person,
    make_session,
    press,
    submit,
)
from wipo_training.auth.services import user_by_email
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable import services
from wipo_training.timetable.models import CountryReport

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pptx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/'
            'vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"'
            ' PartName="/ppt/presentation.xml"/></Types>',
        )
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
    return out.getvalue()


@pytest.fixture
def setup(app, users):
    """A course with two accepted trainees; the test trainee account is the first."""
    with app.app_context():
        course = make_course(country_report_deadline=date(2013, 11, 22))
        mine = participant_services.nominate(None, course, make_person(email=users["trainee"]))
        other = participant_services.nominate(None, course, make_person(family_name="Tran"))
        for enrolment in (mine, other):
            participant_services.change_enrolment_status(None, enrolment, "accepted")
        user_by_email(users["trainee"]).person_id = mine.person_id
        make_session(
            course,
            kind="site_visit",
            title="Visit to Tokyo Customs",
            room="",
            day=date(2013, 12, 4),
            start="13:30",
            end="16:30",
            host_organisation="Tokyo Customs",
            address="2-7-11 Aomi, Koto-ku, Tokyo",
        )
        make_session(course, title="Welcome greeting", kind="opening")
        db.session.commit()
        return {"course": course.id, "mine": mine.id, "other": other.id}


BEFORE = datetime(2013, 11, 20, tzinfo=UTC)


def store(app, enrolment_id, name, data, now=BEFORE):
    with app.app_context():
        enrolment = db.session.get(participant_services.Enrolment, enrolment_id)
        report = services.store_country_report(
            None, enrolment, name, data, Path(app.instance_path) / "country_reports", now
        )
        db.session.commit()
        return report.id


def test_pdf_and_pptx_are_accepted_by_content(app, setup):
    report_id = store(app, setup["mine"], "Viet Nam report.pdf", PDF)
    with app.app_context():
        report = db.session.get(CountryReport, report_id)
        assert (report.kind, report.size) == ("pdf", len(PDF))
        path = services.report_path(Path(app.instance_path) / "country_reports", report)
        assert path.read_bytes() == PDF and report.sha256 in path.name
    store(app, setup["mine"], "slides.pptx", pptx())  # replaces the PDF
    with app.app_context():
        reports = db.session.execute(sa.select(CountryReport)).scalars().all()
        assert [(r.kind, r.filename) for r in reports] == [("pptx", "slides.pptx")]


@pytest.mark.parametrize(
    "name, data, now, message",
    [
        ("report.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, BEFORE, "neither, whatever its name"),
        ("report.pptx", b"PK\x03\x04not really a zip", BEFORE, "neither"),
        ("report.pdf", b"%PDF-" + b"0" * (15 * 1024 * 1024), BEFORE, "the limit is 15 MB"),
        ("report.pdf", PDF, datetime(2013, 11, 22, 15, 0, tzinfo=UTC), "deadline"),
        ("report.pdf", b"", BEFORE, "empty"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(app, setup, name, data, now, message):
    with pytest.raises(services.TimetableError, match=message):
        store(app, setup["mine"], name, data, now)
    with app.app_context():
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(CountryReport)).scalar() == 0
        )
    assert not list((Path(app.instance_path) / "country_reports").rglob("*.pdf"))


def test_deadline_is_the_end_of_the_day_in_the_course_time_zone(app, setup):
    # 22 November 23:00 in Tokyo is 14:00 UTC: still allowed.
    store(app, setup["mine"], "r.pdf", PDF, datetime(2013, 11, 22, 14, 0, tzinfo=UTC))


def test_files_are_served_to_coordinators_staff_and_the_author_only(app, setup, web_as):
    mine = store(app, setup["mine"], "mine.pdf", PDF)
    other = store(app, setup["other"], "other.pdf", PDF)
    web = web_as("trainee")
    response = web.get(f"/country-reports/{mine}")
    assert response.status_int == 200 and response.body == PDF
    assert response.headers["Content-Disposition"].startswith('attachment; filename="mine.pdf"')
    assert web.get(f"/country-reports/{other}", expect_errors=True).status_int == 404
    submit(web.get("/account"), "Sign out")
    web = web_as("staff")
    assert web.get(f"/country-reports/{other}").status_int == 200
    overview = web.get(f"/courses/{setup['course']}/country-reports").text
    assert "2 of 2 uploaded" in overview


def test_trainee_uploads_through_the_page(app, setup, web_as):
    web = web_as("trainee")
    url = f"/courses/{setup['course']}/my-report"
    closed = web.get(url)
    assert "uploads are closed" in closed.text  # 2013 deadline
    assert not find_upload_forms(closed)
    with app.app_context():
        db.session.get(
            participant_services.Enrolment, setup["mine"]
        ).course.country_report_deadline = None
        db.session.commit()
    page = submit(web.get(url), "Upload", file=("upload", "report.pdf", b"hello"))
    assert "this file is neither" in page.text
    hostile = "<img src=x onerror=alert(1)>=1+1.pdf"
    response = submit(page, "Upload", file=("upload", hostile, PDF))
    assert response.status_int == 302
    text = web.get(url).text
    assert "&lt;img src=x onerror=alert(1)&gt;=1+1.pdf" in text and "<img src=x" not in text
    overview = web.get(f"/courses/{setup['course']}/country-reports", expect_errors=True)
    assert overview.status_int == 403


def find_upload_forms(page):
    return [form for form in forms_of(page) if "file" in form.fields]


def test_presenters_are_assigned_to_country_report_sessions(app, setup, web_as):
    with app.app_context():
        course = db.session.get(participant_services.Enrolment, setup["mine"]).course
        report_session = make_session(
            course,
            kind="country_report",
            title="Meeting I",
            day=date(2013, 12, 3),
            start="15:00",
            end="17:00",
        )
        db.session.commit()
        session_id = report_session.id
    web = web_as("coordinator")
    url = f"/courses/{setup['course']}/country-reports"
    form = find_form(web.get(url), "Save presenters", action=f"/sessions/{session_id}/presenters")
    boxes = form.html.find_all("input", {"name": "enrolment_id"})
    index = [box["value"] for box in boxes].index(str(setup["other"]))
    form.get("enrolment_id", index=index).checked = True
    response = press(form, "Save presenters")
    assert response.status_int == 302
    assert "1 presenters in “Meeting I”." in response.follow().text
    assert "Meeting I" in web.get(url).text
    assert "Presenters" in web.get(f"/sessions/{session_id}").text


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def test_course_calendar_is_valid_icalendar(app, setup, web_as):
    web = web_as("staff")
    first = web.get(f"/courses/{setup['course']}/calendar.ics")
    assert first.content_type == "text/calendar"
    calendar = parse(first.body)
    events = calendar.walk("VEVENT")
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert [str(e["SUMMARY"]) for e in events] == [
        "Welcome greeting (ENF-2013)",
        "Visit to Tokyo Customs (ENF-2013)",
    ]
    visit = events[1]
    assert "2-7-11 Aomi, Koto-ku, Tokyo" in str(visit["LOCATION"])
    start = visit.decoded("DTSTART")
    assert start.tzinfo is not None and start.astimezone(UTC) == datetime(
        2013, 12, 4, 4, 30, tzinfo=UTC
    )
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert all("DTSTAMP" in e and "UID" in e for e in events)
    again = parse(web.get(f"/courses/{setup['course']}/calendar.ics").body)
    assert [e["UID"] for e in again.walk("VEVENT")] == [e["UID"] for e in events]


def test_personal_feed_at_a_secret_address_that_can_be_reset(app, setup, web_as):
    web = web_as("trainee")
    page = web.get("/my/timetable")
    assert "Visit to Tokyo Customs" in page.text and "Wednesday 04 December 2013" in page.text
    feed = page.html.find("input", {"aria-label": "Your calendar address"})["value"]
    path = feed.replace("http://localhost", "")
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert len(parse(response.data).walk("VEVENT")) == 2
    assert anonymous.get(path.replace(".ics", "0.ics")).status_code == 404
    assert submit(page, "Make a new address").status_int == 302
    assert anonymous.get(path).status_code == 404
    assert feed not in web.get("/my/timetable").text


def test_timetable_api(app, setup, users):
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    client = app.test_client()
    course_id = setup["course"]
    body = {
        "kind": "lecture",
        "title": "Criminal Enforcement",
        "day": "2013-12-05",
        "start": "09:30",
        "end": "12:00",
        "room": "Room 1",
        "lecturers": [{"title": "Mr", "name": "Kenji Ito", "affiliation": "NPA"}],
    }
    created = client.post(f"/api/v1/courses/{course_id}/sessions", headers=headers, json=body)
    assert created.status_code == 201, created.json
    assert created.json["starts_at"].startswith("2013-12-05T00:30:00")
    clash = client.post(
        f"/api/v1/courses/{course_id}/sessions", headers=headers, json={**body, "title": "Another"}
    )
    assert clash.status_code == 409 and any(
        "Kenji Ito" in w for w in clash.json["errors"]["warnings"]
    )
    session_id = created.json["id"]
    patched = client.patch(
        f"/api/v1/sessions/{session_id}",
        headers={**headers, "If-Match": created.headers["ETag"]},
        json={"end": "12:30"},
    )
    assert patched.status_code == 200 and patched.json["end"] == "12:30:00"
    read = client.get(f"/api/v1/sessions/{session_id}/attendance", headers=headers)
    attendance = read.json
    assert [row["status"] for row in attendance["attendance"]] == [None, None]
    rows = [
        {"enrolment_id": row["enrolment_id"], "status": "present"}
        for row in attendance["attendance"]
    ]
    put = client.put(
        f"/api/v1/sessions/{session_id}/attendance",
        headers={**headers, "If-Match": read.headers["ETag"]},
        json={"attendance": rows},
    )
    assert (
        put.status_code == 200 and [r["status"] for r in put.json["attendance"]] == ["present"] * 2
    )
    bad = client.put(
        f"/api/v1/sessions/{session_id}/attendance",
        headers={**headers, "If-Match": put.headers["ETag"]},
        json={"attendance": [{"enrolment_id": 999, "status": "present"}]},
    )
    assert bad.status_code == 422
    ics = client.get(f"/api/v1/courses/{course_id}/calendar.ics", headers=headers)
    assert len(parse(ics.data).walk("VEVENT")) == 3
    etag = client.get(f"/api/v1/sessions/{session_id}", headers=headers).headers["ETag"]
    deleted = client.delete(f"/api/v1/sessions/{session_id}", headers={**headers, "If-Match": etag})
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/sessions/{session_id}", headers=headers).status_code == 404
    listed = client.get(f"/api/v1/courses/{course_id}/sessions", headers=headers).json
    assert [s["title"] for s in listed] == ["Welcome greeting", "Visit to Tokyo Customs"]
    assert listed[0]["start"] == "09:30:00"
