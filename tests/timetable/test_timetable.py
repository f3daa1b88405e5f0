"""Sessions, clash warnings, copying a timetable, attendance and the visitor list."""

import io
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import csrf_token, make_course, make_person, make_session
from wipo_training.courses import services as course_services
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable import services
from wipo_training.timetable.models import CourseSession

LECTURER = [("Mr", "Hiroshi Sato", "Tokyo Customs")]


@pytest.fixture
def course(app_ctx):
    course = make_course()
    db.session.commit()
    return course


def data(**values):
    defaults = dict(
        kind="lecture",
        title="Border Measures",
        day=date(2013, 12, 4),
        start=time(9, 30),
        end=time(11, 30),
        room="Room 1",
        lecturers=LECTURER,
    )
    defaults.update(values)
    return services.SessionData(**defaults)


def test_times_are_the_course_time_zone_stored_as_utc(course):
    saved = services.save_session(None, course, data())
    assert saved.starts_at == datetime(2013, 12, 4, 0, 30, tzinfo=UTC)
    assert services.to_local(course, saved.starts_at).strftime("%H:%M") == "09:30"
    assert saved.evaluable is True  # lectures are evaluated by default
    visit = services.save_session(
        None,
        course,
        data(
            kind="site_visit",
            title="Tokyo Customs",
            start=time(13, 30),
            end=time(16, 30),
            room="",
            lecturers=[],
        ),
    )
    assert visit.evaluable is False


def test_clash_warnings_and_saving_anyway(course):
    services.save_session(None, course, data())
    other = course_services.copy_as_next_edition(None, course, date(2013, 12, 2), "ENF-2013B")
    with pytest.raises(services.SessionWarnings) as clash:
        services.save_session(None, other, data(title="Another talk"))
    assert clash.value.warnings == [
        "Mr Hiroshi Sato (Tokyo Customs) also speaks in “Border Measures” "
        "(ENF-2013, 04 Dec 09:30–11:30).",
        "Room 1 is also booked for “Border Measures” (ENF-2013, 04 Dec 09:30–11:30).",
    ]
    with pytest.raises(services.SessionWarnings) as outside:
        services.save_session(None, course, data(day=date(2013, 12, 20), room="", lecturers=[]))
    assert "outside the course dates" in outside.value.warnings[0]
    with pytest.raises(services.SessionWarnings) as overlap:
        services.save_session(
            None, course, data(start=time(11, 0), end=time(12, 0), room="Room 2", lecturers=[])
        )
    assert overlap.value.warnings == [
        "It overlaps “Border Measures” (04 Dec 09:30–11:30) in this course."
    ]
    saved = services.save_session(None, other, data(title="Another talk"), accept_warnings=True)
    assert saved.id is not None


def test_a_session_must_end_after_it_starts(course):
    with pytest.raises(services.TimetableError, match="must end after it starts"):
        services.save_session(None, course, data(start=time(12, 0), end=time(11, 0)))


def test_lecturer_lines():
    assert services.parse_lecturer_lines(
        "Mr Kenichiro Natsume; Head, WIPO Japan Office\nAnna Keller\n\n"
    ) == [("Mr", "Kenichiro Natsume", "Head, WIPO Japan Office"), ("", "Anna Keller", "")]


def test_copy_timetable_keeps_weekdays_and_times(course):
    make_session(
        course,
        day=date(2013, 12, 2),
        title="Welcome greeting",
        kind="opening",
        lecturers=[("Mr", "Kenichiro Natsume", "WIPO Japan Office")],
    )
    make_session(
        course,
        day=date(2013, 12, 13),
        title="Closing ceremony",
        kind="ceremony",
        start="15:00",
        end="16:00",
    )
    new = course_services.copy_as_next_edition(None, course, date(2014, 12, 1), "ENF-2014")
    assert services.copy_timetable(None, course, new) == 2
    copied = services.course_sessions(new)
    local = [(s.title, services.to_local(new, s.starts_at)) for s in copied]
    assert [(t, d.strftime("%a %Y-%m-%d %H:%M")) for t, d in local] == [
        ("Welcome greeting", "Mon 2014-12-01 09:30"),
        ("Closing ceremony", "Fri 2014-12-12 15:00"),
    ]
    assert [lect.display for lect in copied[0].lecturers] == [
        "Mr Kenichiro Natsume (WIPO Japan Office)"
    ]


def test_timetable_days_cover_every_weekday(course):
    make_session(course, day=date(2013, 12, 7), title="Weekend tour", kind="social")
    days = services.timetable_days(course, services.course_sessions(course))
    assert [d.isoformat() for d, _ in days][:6] == [
        "2013-12-02",
        "2013-12-03",
        "2013-12-04",
        "2013-12-05",
        "2013-12-06",
        "2013-12-07",
    ]
    assert len(days) == 11  # ten weekdays and the Saturday with a session


def enrolled(course, count=3):
    people = []
    for index in range(count):
        enrolment = participant_services.nominate(
            None, course, make_person(family_name=f"P{index}", given_name="X")
        )
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        people.append(enrolment)
    return people


def test_attendance_rates_leave_excused_absences_out(course):
    first, second, third = enrolled(course)
    morning, afternoon = (
        make_session(course),
        make_session(course, start="13:30", end="15:00", title="Afternoon", room="Room 2"),
    )
    services.record_attendance(
        None,
        morning,
        {first.id: ("present", ""), second.id: ("late", ""), third.id: ("absent", "")},
    )
    services.record_attendance(
        None,
        afternoon,
        {first.id: ("excused", "Embassy"), second.id: ("present", ""), third.id: ("present", "")},
    )
    by_enrolment, by_session = services.attendance_rates(course)
    assert by_enrolment[first.id].percent == 100.0  # the excused absence does not count
    assert by_enrolment[third.id].percent == 50.0
    assert by_session[morning.id].percent == pytest.approx(66.7)
    with pytest.raises(services.TimetableError, match="Not participants of this course"):
        services.record_attendance(None, morning, {99999: ("present", "")})
    with pytest.raises(services.TimetableError, match="not an attendance status"):
        services.record_attendance(None, morning, {first.id: ("asleep", "")})


def test_marking_page_everyone_present_by_default(app, login_as):
    with app.app_context():
        course = make_course()
        enrolments = enrolled(course)
        make_session(course)
        db.session.commit()
        ids = [e.id for e in enrolments]
    client = login_as("coordinator")
    page = client.get("/sessions/1/attendance").get_data(as_text=True)
    assert page.count('<option value="present" selected>') == 3
    response = client.post(
        "/sessions/1/attendance",
        data={
            "csrf_token": csrf_token(client, "/sessions/1/attendance"),
            f"status-{ids[1]}": "late",
            f"note-{ids[1]}": "Train delay",
        },
        follow_redirects=True,
    )
    assert "Attendance saved: 2 present, 1 exceptions." in response.get_data(as_text=True)
    summary = client.get("/courses/1/attendance").get_data(as_text=True)
    assert "100.0%" in summary
    page = client.get("/sessions/1/attendance").get_data(as_text=True)
    assert '<option value="late" selected>' in page and "Train delay" in page


def test_session_form_shows_warnings_then_saves_anyway(app, login_as):
    with app.app_context():
        course = make_course()
        make_session(course, room="Room 1")
        db.session.commit()
    client = login_as("coordinator")
    form = {
        "csrf_token": csrf_token(client, "/courses/1/sessions/new"),
        "kind": "lecture",
        "title": "Criminal Enforcement",
        "day": "2013-12-02",
        "start": "10:00",
        "end": "11:00",
        "room": "room 1",
        "lecturers": "Mr Kenji Ito; National Police Agency",
    }
    page = client.post("/courses/1/sessions/new", data=form).get_data(as_text=True)
    assert "Check before saving:" in page and "Room 1 is also booked" in page
    with app.app_context():
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(CourseSession)).scalar() == 1
        )
    response = client.post("/courses/1/sessions/new", data={**form, "accept_warnings": "yes"})
    assert response.status_code == 302
    timetable = client.get("/courses/1/timetable").get_data(as_text=True)
    assert (
        "Criminal Enforcement" in timetable and "Mr Kenji Ito (National Police Agency)" in timetable
    )
    assert "Criminal Enforcement" in client.get("/courses/1/timetable?view=list").get_data(
        as_text=True
    )


def test_site_visit_page_and_visitor_list(app, login_as):
    with app.app_context():
        course = make_course()
        enrolled(course, 2)
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
            meeting_point="APIC hall",
            departure=time(12, 45),
            transport="Bus",
        )
        db.session.commit()
    client = login_as("staff")
    page = client.get("/sessions/1").get_data(as_text=True)
    assert "2-7-11 Aomi, Koto-ku, Tokyo" in page and "APIC hall, departure 12:45" in page
    response = client.get("/sessions/1/visitors.xlsx")
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="ENF-2013-visitors-2013-12-04.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["Name", "Nationality", "Organisation", "Position"]
    assert [sheet["B2"].value, sheet["A2"].value] == ["Viet Nam", "X P0"]


def test_delete_a_session(app, login_as):
    with app.app_context():
        make_session(make_course())
        db.session.commit()
    client = login_as("coordinator")
    response = client.post(
        "/sessions/1/delete", data={"csrf_token": csrf_token(client, "/sessions/1")}
    )
    assert response.status_code == 302
    assert client.get("/sessions/1").status_code == 404
