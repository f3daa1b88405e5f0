"""Courses: rules, status flow, quotas, next edition, pages and who sees what."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.conftest import (
    create_token,
    find_form,
    login,
    make_course,
    make_person,
    make_session,
    press,
    submit,
)
from tests.courses.conftest import COURSE_VALUES
from wipo_training.courses import services
from wipo_training.courses.models import Course, Fund
from wipo_training.extensions import db
from wipo_training.participants import seats
from wipo_training.participants import services as participant_services


def test_the_migration_seeds_both_funds(app_ctx):
    funds = db.session.execute(sa.select(Fund).order_by(Fund.since_year)).scalars().all()
    assert [(f.name, f.since_year) for f in funds] == [
        ("WIPO Japan Funds-in-Trust", 1987),
        ("Japan Funds-in-Trust for Africa and LDCs", 2008),
    ]


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"end_date": date(2013, 12, 1)}, "end_date", "cannot end before it starts"),
        ({"capacity": 0}, "capacity", "at least 1"),
        ({"country_code": "UK"}, "country_code", "use GB"),
        ({"time_zone": "Tokyo"}, "time_zone", "not a time zone"),
        ({"title": "  "}, "title", "required"),
        ({"nomination_deadline": date(2014, 1, 1)}, "nomination_deadline", "before the course"),
        ({"min_attendance_pct": 120}, "min_attendance_pct", "percentage"),
    ],
)
def test_bad_course_values_are_refused_and_named(app_ctx, values, field, message):
    with pytest.raises(services.CourseError) as error:
        make_course(**values)
    assert error.value.field == field and message in str(error.value)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Course)).scalar() == 0


def test_codes_are_unique(app_ctx):
    make_course()
    with pytest.raises(services.CourseError, match="used by another course"):
        make_course(code="enf-2013")


def test_status_flow(app_ctx):
    course = make_course()
    with pytest.raises(services.CourseError, match="cannot become completed"):
        services.change_course_status(None, course, "completed")
    for status in ("nominations_open", "confirmed", "running", "completed"):
        services.change_course_status(None, course, status)
    with pytest.raises(services.CourseError, match="cannot become cancelled"):
        services.change_course_status(None, course, "cancelled")
    other = make_course(
        code="ENF-2014",
        start_date=date(2014, 12, 1),
        end_date=date(2014, 12, 12),
        nomination_deadline=None,
    )
    services.change_course_status(None, other, "nominations_open")
    services.change_course_status(None, other, "cancelled")
    assert other.status == "cancelled"


def test_quotas_parse_names_and_codes_and_reject_bad_lines(app_ctx):
    assert services.parse_quota_lines("Viet Nam: 6\nLaos: 1\n\nthe Philippines : 2\nDZ:1") == {
        "VN": 6,
        "LA": 1,
        "PH": 2,
        "DZ": 1,
    }
    for text, message in [
        ("Viet Nam 6", "Line 1: write"),
        ("Narnia: 2", "Line 1: “Narnia”"),
        ("VN: 2\nViet Nam: 3", "Line 2: Viet Nam is listed twice"),
        ("VN: two", "not a number"),
    ]:
        with pytest.raises(services.CourseError, match=message):
            services.parse_quota_lines(text)
    course = make_course(capacity=5)
    with pytest.raises(services.CourseError, match="more than the capacity of 5"):
        services.set_quotas(None, course, {"VN": 4, "TH": 3})


def test_copy_as_next_edition_moves_dates_and_keeps_quotas(app_ctx):
    course = make_course()
    services.set_quotas(None, course, {"VN": 6, "KH": 2})
    copy = services.copy_as_next_edition(None, course, date(2014, 12, 1), "ENF-2014")
    assert (copy.start_date, copy.end_date) == (date(2014, 12, 1), date(2014, 12, 12))
    assert copy.nomination_deadline == date(2014, 10, 30)
    assert copy.edition_year == 2014 and copy.status == "draft"
    assert {q.country_code: q.seats for q in copy.quotas} == {"VN": 6, "KH": 2}
    assert copy.previous_edition_id == course.id and copy.title == course.title
    assert services.suggested_next_start(course).weekday() == course.start_date.weekday()


def test_an_edit_from_an_outdated_page_is_refused(app_ctx):
    course = make_course()
    db.session.commit()
    read_version = course.version
    services.update_course(None, course, read_version, venue="APIC, Tokyo")
    db.session.commit()
    with pytest.raises(services.ConflictError, match="Someone else saved this course"):
        services.update_course(None, course, read_version, venue="Somewhere else")
    assert course.venue == "APIC, Tokyo"


def test_checklist_names_what_is_missing(app_ctx):
    course = make_course()
    next_status, items = seats.next_step_checklist(course)
    assert next_status == "nominations_open"
    assert [i.label for i in items if not i.done] == ["Seat quotas per country set"]
    services.change_course_status(None, course, "nominations_open")
    participant_services.nominate(None, course, make_person())
    _next, items = seats.next_step_checklist(course)
    assert "Every nomination decided (1 open)" in [i.label for i in items if not i.done]


def test_coordinator_creates_and_edits_a_course(app, web_as):
    web = web_as("coordinator")
    response = submit(web.get("/courses/new"), "Save", **COURSE_VALUES)
    assert response.status_int == 302
    page = response.follow().text
    assert "PAT-2027" in page and "7–18 June 2027" in page and "Seat quotas per country set" in page
    response = submit(web.get("/courses/new"), "Save", **{**COURSE_VALUES, "code": "PAT-2027"})
    assert "The code PAT-2027 is used by another course." in response.text
    response = submit(web.get("/courses/1/edit"), "Save", venue="APIC, Tokyo")
    assert response.status_int == 302
    assert "APIC, Tokyo" in response.follow().text
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Course)).scalar() == 1


def test_status_buttons_move_the_course_through_its_life(app, web_as):
    """Each status button, pressed as rendered, changes the status (it once sent an empty
    ``status`` before the button's own, and nothing changed)."""
    with app.app_context():
        course = make_course(start_date=date(2013, 12, 2), end_date=date(2013, 12, 13))
        services.set_quotas(None, course, {"VN": 2})
        db.session.commit()
    web = web_as("coordinator")
    for button, label in [
        ("nominations open", "Nominations open"),
        ("confirmed", "Confirmed"),
        ("running", "Running"),
        ("completed", "Completed"),
    ]:
        response = submit(web.get("/courses/1"), f"Mark as {button}")
        assert response.status_int == 302
        assert f"Status: {label}" in response.follow().text
    with app.app_context():
        other = make_course(
            code="ENF-2014",
            start_date=date(2014, 12, 1),
            end_date=date(2014, 12, 12),
            nomination_deadline=None,
        )
        db.session.commit()
        other_id = other.id
    submit(web.get(f"/courses/{other_id}"), "Cancel the course")
    assert "Status: Cancelled" in web.get(f"/courses/{other_id}").text


def test_course_list_filters_and_trainee_scope(app, login_as, users):
    with app.app_context():
        first = make_course()
        make_course(
            code="LDC-2016",
            title="IP Administration",
            fund_id=2,
            edition_year=2016,
            start_date=date(2016, 10, 17),
            end_date=date(2016, 10, 28),
            nomination_deadline=None,
        )
        person = make_person(email=users["trainee"])
        participant_services.nominate(None, first, person)
        from wipo_training.auth.services import user_by_email

        user_by_email(users["trainee"]).person_id = person.id
        db.session.commit()
    client = login_as("staff")
    assert "LDC-2016" in client.get("/courses/?year=2016").get_data(as_text=True)
    page = client.get("/courses/?year=2016").get_data(as_text=True)
    assert "ENF-2013" not in page
    assert "ENF-2013" in client.get("/courses/?q=enforcement").get_data(as_text=True)
    assert "No course matches" in client.get("/courses/?status=running").get_data(as_text=True)
    trainee = app.test_client()
    login(trainee, users["trainee"])
    page = trainee.get("/courses/").get_data(as_text=True)
    assert "ENF-2013" in page and "LDC-2016" not in page
    assert trainee.get("/courses/2").status_code == 404
    assert trainee.get("/courses/1").status_code == 200
    assert trainee.get("/api/v1/courses/2").status_code == 404


def test_admin_edits_a_fund(web_as):
    web = web_as("admin")
    response = submit(web.get("/funds/1/edit"), "Save", description="Edited.")
    assert response.status_int == 302
    assert "Edited." in web.get("/funds/").text


def test_api_create_patch_and_conflict(app, users):

    token = create_token(app, users["coordinator"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(
        "/api/v1/courses",
        headers=headers,
        json={
            "fund_id": 1,
            "title": "Patent examination",
            "code": "PAT-2027",
            "country_code": "JP",
            "start_date": "2027-06-07",
            "end_date": "2027-06-18",
            "capacity": 20,
        },
    )
    assert response.status_code == 201, response.json
    course = response.json
    assert course["status"] == "draft" and course["edition_year"] == 2027
    read_etag = response.headers["ETag"]
    response = client.patch(
        f"/api/v1/courses/{course['id']}",
        headers={**headers, "If-Match": read_etag},
        json={"venue": "APIC", "version": course["version"]},
    )
    assert response.status_code == 200 and response.json["venue"] == "APIC"
    stale = client.patch(
        f"/api/v1/courses/{course['id']}",
        headers={**headers, "If-Match": response.headers["ETag"]},
        json={"venue": "Elsewhere", "version": course["version"]},
    )
    assert stale.status_code == 409 and "Someone else" in stale.json["message"]
    stale = client.patch(
        f"/api/v1/courses/{course['id']}",
        headers={**headers, "If-Match": read_etag},
        json={"venue": "Elsewhere"},
    )
    assert stale.status_code == 412 and "Someone else" in stale.json["message"]
    bad = client.post(
        "/api/v1/courses",
        headers=headers,
        json={
            "fund_id": 1,
            "title": "X",
            "code": "X-1",
            "country_code": "UK",
            "start_date": "2027-06-07",
            "end_date": "2027-06-01",
            "capacity": 20,
        },
    )
    assert bad.status_code == 422
    staff_token = create_token(app, users["staff"])
    forbidden = client.post(
        "/api/v1/courses", headers={"Authorization": f"Bearer {staff_token}"}, json={}
    )
    assert forbidden.status_code == 403
    assert client.get("/api/v1/funds", headers=headers).json[0]["code"] == "FIT-JP"


def test_the_course_form_shows_every_problem_at_once(app, web_as):
    """One submit names every problem, long text included (never cut silently), and saves
    nothing; what was typed stays in the form."""
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    page = web.get("/courses/new")
    assert "maxlength" not in page.text and " required" not in page.text
    response = submit(
        page,
        "Save",
        **{
            **COURSE_VALUES,
            "title": "T" * 301,
            "code": "enf-2013",
            "end_date": "2027-06-01",
            "time_zone": "Tokyo",
            "capacity": "0",
            "nomination_deadline": "2027-07-01",
        },
    )
    assert response.status_int == 200
    text = response.text
    for message in [
        "cannot be longer than 300 characters",
        "The code ENF-2013 is used by another course.",
        "The course cannot end before it starts.",
        "“Tokyo” is not a time zone name",
        "Number must be between 1 and 1000",
        "The nomination deadline must be before the course starts.",
        "6 problems to fix",
    ]:
        assert message in text, message
    assert "T" * 301 in text
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Course)).scalar() == 1


def test_time_zone_is_chosen_from_the_iana_list(web_as):
    page = web_as("coordinator").get("/courses/new")
    assert 'list="time-zones"' in page.text
    assert '<option value="Africa/Nairobi">' in page.text
    assert '<option value="Asia/Tokyo">' in page.text


def test_capacity_cannot_fall_below_the_confirmed_participants(app, web_as):
    with app.app_context():
        course = make_course()
        for family in ("Nguyen", "Tran", "Le"):
            enrolment = participant_services.nominate(None, course, make_person(family_name=family))
            for status in ("accepted", "confirmed"):
                participant_services.change_enrolment_status(None, enrolment, status)
        db.session.commit()
    web = web_as("coordinator")
    response = submit(web.get("/courses/1/edit"), "Save", capacity="2")
    assert "3 participants are confirmed: the capacity cannot be less." in response.text
    assert submit(web.get("/courses/1/edit"), "Save", capacity="3").status_int == 302


def test_a_course_not_yet_held_cannot_run_or_complete(app, web_as):
    with app.app_context():
        course = make_course(
            code="ENF-2028",
            start_date=date(2028, 12, 4),
            end_date=date(2028, 12, 15),
            nomination_deadline=None,
        )
        services.change_course_status(None, course, "nominations_open")
        services.change_course_status(None, course, "confirmed")
        with pytest.raises(services.CourseError, match="can be marked running from that day"):
            services.change_course_status(None, course, "running")
        db.session.commit()
    page = web_as("coordinator").get("/courses/1")
    assert "The course starts on 4 December 2028: it can be marked running from that day." in (
        page.text
    )
    assert "Mark as running" not in page.text
    assert "Cancel the course" in page.text


def test_shrinking_the_dates_names_the_sessions_left_outside(app, web_as):
    with app.app_context():
        course = make_course()
        make_session(course, day=date(2013, 12, 13), title="Closing ceremony")
        db.session.commit()
    web = web_as("coordinator")
    response = submit(web.get("/courses/1/edit"), "Save", end_date="2013-12-12")
    assert response.status_int == 200
    assert "1 session would fall outside the new dates: Closing ceremony (13 Dec 2013)" in (
        response.text
    )
    with app.app_context():
        assert db.session.get(Course, 1).end_date == date(2013, 12, 13)


def test_next_edition_proposes_a_free_code(app, web_as):
    with app.app_context():
        course = make_course()
        services.copy_as_next_edition(None, course, date(2014, 12, 1), "ENF-2014")
        db.session.commit()
    web = web_as("coordinator")
    page = web.get("/courses/1/copy")
    assert find_form(page, "Create the next edition")["code"].value == "ENF-2014-2"
    response = submit(page, "Create the next edition")
    assert response.status_int == 302
    assert "ENF-2014-2 created from ENF-2013." in response.follow().text


def test_every_bad_quota_line_is_named_at_once(app, web_as):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    response = submit(
        web.get("/courses/1/quotas"), "Save quotas", quotas="Narnia: 2\nVN: two\nThailand 3"
    )
    for line in ("Line 1: “Narnia”", "Line 2: “two” is not a number", "Line 3: write"):
        assert line in response.text, line


def test_course_pages_are_tabs(app, web_as):
    """The course's pages are a tab list naming the current page, not a dotted list."""
    with app.app_context():
        make_course()
        db.session.commit()
    page = web_as("staff").get("/courses/1")
    nav = page.html.find("nav", attrs={"aria-label": "ENF-2013 pages"})
    tabs = [a.get_text() for a in nav.find_all("a")]
    assert tabs[:4] == ["Overview", "Participants", "By country", "Timetable"]
    assert nav.find("a", attrs={"aria-current": "page"}).get_text() == "Overview"
    for link in nav.find_all("a"):
        tab_page = page.goto(link["href"])
        tabs = tab_page.html.find("nav", attrs={"aria-label": "ENF-2013 pages"})
        assert tabs.find("a", attrs={"aria-current": "page"}).get_text() == link.get_text()


def test_quota_countries_as_people_write_them_are_read_and_named(app, web_as):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    response = submit(
        web.get("/courses/1/quotas"), "Save quotas", quotas="Lao PDR: 1\nKorea: 2\nViet Nam: 6"
    )
    message = response.follow().text
    assert "Line 1: “Lao PDR” was read as Lao People&#39;s Democratic Republic." in message
    assert "Line 2: “Korea” was read as Republic of Korea." in message
    assert "Line 3" not in message
    with app.app_context():
        quotas = {q.country_code: q.seats for q in db.session.get(Course, 1).quotas}
    assert quotas == {"LA": 1, "KR": 2, "VN": 6}


def test_a_tampered_version_field_is_an_outdated_page_not_a_500(app, web_as):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    form = find_form(web.get("/courses/1/edit"), "Save")
    form["version"].force_value("junk")
    response = press(form, "Save", venue="Elsewhere")
    assert response.status_int == 200 and "Someone else saved this course" in response.text
    with app.app_context():
        assert db.session.get(Course, 1).venue == "APIC"


def test_prose_has_a_limit_so_the_report_renders_in_seconds(app, web_as, users):
    """Objectives of 20,000 short lines made the course report take 10 s to render: prose
    fields take at most limits.SHORT_PROSE characters, in the form (which says so and keeps
    what was typed) and in the API."""
    from wipo_training.limits import SHORT_PROSE

    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    page = web.get("/courses/1/edit")
    flood = "\n".join("ab" for _ in range(20000))
    response = submit(page, "Save", objectives=flood)
    assert response.status_int == 200
    assert f"Field cannot be longer than {SHORT_PROSE} characters." in response.text
    kept = response.html.find("textarea", attrs={"name": "objectives"}).text
    assert kept.strip() == flood.strip()
    with app.app_context():
        assert db.session.get(Course, 1).objectives != flood
    token = create_token(app, users["coordinator"])
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    etag = client.get("/api/v1/courses/1", headers=auth).headers["ETag"]
    refused = client.patch(
        "/api/v1/courses/1", json={"objectives": flood}, headers={**auth, "If-Match": etag}
    )
    assert refused.status_code == 422 and "objectives" in refused.get_json()["errors"]["json"]
    fits = "\n".join("ab" for _ in range(SHORT_PROSE // 3))
    accepted = client.patch(
        "/api/v1/courses/1", json={"objectives": fits}, headers={**auth, "If-Match": etag}
    )
    assert accepted.status_code == 200
