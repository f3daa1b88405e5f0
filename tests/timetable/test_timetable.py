"""Sessions, clash warnings, copying a timetable, attendance and the visitor list."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

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
from wipo_training.courses import services as course_services
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable import services
from wipo_training.timetable.models import Attendance, CourseSession
from wipo_training.timeutil import utcnow

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


def test_marking_page_everyone_present_by_default(app, web_as):
    with app.app_context():
        course = make_course()
        enrolments = enrolled(course)
        make_session(course)
        db.session.commit()
        ids = [e.id for e in enrolments]
    web = web_as("coordinator")
    page = web.get("/sessions/1/attendance")
    assert page.text.count('<option value="present" selected>') == 3
    response = submit(
        page,
        "Save attendance",
        **{f"status-{ids[1]}": "late", f"note-{ids[1]}": "Train delay <script>alert(1)</script>"},
    )
    assert response.status_int == 302
    assert "Attendance saved: 2 present, 1 exceptions." in response.follow().text
    assert "100.0%" in web.get("/courses/1/attendance").text
    page = web.get("/sessions/1/attendance")
    assert '<option value="late" selected>' in page.text
    assert "Train delay &lt;script&gt;" in page.text and "<script>alert(1)" not in page.text


def test_session_form_shows_warnings_then_saves_anyway(app, web_as):
    with app.app_context():
        course = make_course()
        make_session(course, room="Room 1")
        db.session.commit()
    web = web_as("coordinator")
    page = submit(
        web.get("/courses/1/sessions/new"),
        "Save",
        title="Criminal Enforcement",
        start="10:00",
        end="11:00",
        room="room 1",
        lecturers="Mr Kenji Ito; National Police Agency",
    )
    assert "Check before saving:" in page.text and "Room 1 is also booked" in page.text
    with app.app_context():
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(CourseSession)).scalar() == 1
        )
    response = submit(page, "Save anyway")
    assert response.status_int == 302
    timetable = web.get("/courses/1/timetable").text
    assert (
        "Criminal Enforcement" in timetable and "Mr Kenji Ito (National Police Agency)" in timetable
    )
    assert "Criminal Enforcement" in web.get("/courses/1/timetable?view=list").text


def test_lecturers_keep_the_order_entered(app, web_as, users):
    """Pages, the API, the calendar and the course report list a session's lecturers in the
    order the coordinator typed them (they were sorted by name)."""
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    lines = "Prof. Zenji Yamamoto; Kyoto University\nMs Anna Brown; WIPO\nMr Kenji Ito; NPA"
    response = submit(
        web.get("/courses/1/sessions/new"),
        "Save",
        title="Panel on Border Measures",
        start="10:00",
        end="12:00",
        lecturers=lines,
    )
    assert response.status_int == 302
    entered = ["Zenji Yamamoto", "Anna Brown", "Kenji Ito"]

    def in_order(text, names):
        positions = [text.index(name) for name in names]
        return positions == sorted(positions)

    for url in ("/sessions/1", "/courses/1/timetable", "/courses/1/timetable?view=list"):
        assert in_order(web.get(url).text, entered), url
    form = find_form(web.get("/sessions/1/edit"), "Save")
    assert form["lecturers"].value.splitlines() == lines.split("\n")
    # Reordered on the edit form: the new order holds, nobody is lost or doubled.
    reordered = "Mr Kenji Ito; NPA\nProf. Zenji Yamamoto; Kyoto University\nMs Anna Brown; WIPO"
    assert press(form, "Save", lecturers=reordered).status_int == 302
    again = ["Kenji Ito", "Zenji Yamamoto", "Anna Brown"]
    assert in_order(web.get("/sessions/1").text, again)
    token = create_token(app, users["coordinator"])
    api = web.get("/api/v1/sessions/1", headers={"Authorization": f"Bearer {token}"}).json
    assert [lect["name"] for lect in api["lecturers"]] == again
    assert in_order(web.get("/courses/1/calendar.ics").text, again)
    pdf = PdfReader(io.BytesIO(web.get("/courses/1/report.pdf").body))
    assert in_order(" ".join(" ".join(p.extract_text().split()) for p in pdf.pages), again)


def future_course():
    """A course held in 2028 with three accepted participants and a lecture on day one."""
    course = make_course(
        code="ENF-2028",
        edition_year=2028,
        start_date=date(2028, 12, 4),
        end_date=date(2028, 12, 15),
        nomination_deadline=None,
    )
    enrolments = enrolled(course)
    lecture = make_session(course)
    db.session.commit()
    return course, enrolments, lecture


def test_attendance_only_for_sessions_that_have_started(app_ctx):
    course, enrolments, lecture = future_course()
    marks = {e.id: ("present", "") for e in enrolments}
    with pytest.raises(services.TimetableError) as refused:
        services.record_attendance(None, lecture, marks)
    assert str(refused.value) == (
        "“Border Measures against Infringing Goods” starts on Monday 04 December 2028 at "
        "09:30 (Asia/Tokyo): attendance can be marked once it has started."
    )
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar() == 0
    # The course's own time zone decides: 09:30 in Tokyo is 00:30 UTC.
    just_before = datetime(2028, 12, 4, 0, 29, tzinfo=UTC)
    with pytest.raises(services.TimetableError):
        services.record_attendance(None, lecture, marks, now=just_before)
    services.record_attendance(None, lecture, marks, now=datetime(2028, 12, 4, 0, 30, tzinfo=UTC))
    assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar() == 3


def test_pages_say_why_attendance_is_not_offered_yet(app, web_as, users):
    with app.app_context():
        course, enrolments, lecture = future_course()
        # A course running now (in UTC): yesterday's session has started, tomorrow's has not.
        running = make_course(
            code="ENF-NOW",
            start_date=utcnow().date() - timedelta(days=1),
            end_date=utcnow().date() + timedelta(days=3),
            nomination_deadline=None,
            time_zone="UTC",
        )
        enrolled(running, 2)
        started = make_session(running, day=utcnow().date() - timedelta(days=1), title="Held")
        later = make_session(running, day=utcnow().date() + timedelta(days=1), title="Tomorrow")
        db.session.commit()
        ids = lecture.id, started.id, later.id, [e.id for e in enrolments]
        course_ids = course.id, running.id
    web = web_as("coordinator")
    page = web.get(f"/sessions/{ids[0]}")
    assert "Mark attendance" not in page.text
    assert "Attendance can be marked once the session has started." in page.text
    marking = web.get(f"/sessions/{ids[0]}/attendance")
    assert "starts on Monday 04 December 2028 at 09:30 (Asia/Tokyo)" in marking.text
    assert not [f for f in forms_of(marking) if "Save attendance" in f.text]
    listing = web.get(f"/courses/{course_ids[0]}/timetable?view=list")
    assert "Attendance once started" in listing.text
    assert f"/sessions/{ids[0]}/attendance" not in listing.text
    # In the running course: the started session is offered and saved, tomorrow's is not.
    assert "Attendance once started" in web.get(f"/courses/{course_ids[1]}/timetable?view=list")
    response = submit(web.get(f"/sessions/{ids[1]}/attendance"), "Save attendance")
    assert response.status_int == 302
    assert "Attendance saved: 2 present, 0 exceptions." in response.follow().text
    assert "Mark attendance" not in web.get(f"/sessions/{ids[2]}").text
    # The API refuses what the page does not offer.
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    marks = app.test_client().get(f"/api/v1/sessions/{ids[0]}/attendance", headers=headers)
    refused = app.test_client().put(
        f"/api/v1/sessions/{ids[0]}/attendance",
        json={"attendance": [{"enrolment_id": ids[3][0], "status": "present"}]},
        headers={**headers, "If-Match": marks.headers["ETag"]},
    )
    assert refused.status_code == 422 and "once it has started" in refused.json["message"]
    with app.app_context():
        marked = db.session.execute(sa.select(Attendance.session_id)).scalars().all()
    assert set(marked) == {ids[1]}


def test_site_visit_page_and_visitor_list(app, web_as):
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
    web = web_as("staff")
    page = web.get("/sessions/1").text
    assert "2-7-11 Aomi, Koto-ku, Tokyo" in page and "APIC hall, departure 12:45" in page
    response = web.get("/sessions/1/visitors.xlsx")
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="ENF-2013-visitors-2013-12-04.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.body)).active
    assert [c.value for c in sheet[1]] == ["Name", "Nationality", "Organisation", "Position"]
    assert [sheet["B2"].value, sheet["A2"].value] == ["Viet Nam", "X P0"]


def test_delete_a_session(app, web_as):
    with app.app_context():
        make_session(make_course())
        db.session.commit()
    web = web_as("coordinator")
    response = submit(web.get("/sessions/1"), "Delete")
    assert response.status_int == 302
    assert web.get("/sessions/1", expect_errors=True).status_int == 404
