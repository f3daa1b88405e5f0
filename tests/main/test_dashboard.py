"""The dashboard shows each role what needs doing next, every item a link to the page where it
is done (the tests follow the link and do it there, as a person would); a list with nothing in
it says so."""

import io
import zipfile
from datetime import date, timedelta

import sqlalchemy as sa

from tests.conftest import make_course, make_person, make_session, submit
from tests.documents.conftest import PEOPLE, eligible_course
from tests.evaluations.conftest import build_course, open_questionnaire
from tests.main.conftest import TO_COMPLETED, browser, move, nominate
from tests.meetings.conftest import load_series_with_an_open_action
from wipo_training.auth import services as auth_services
from wipo_training.documents import services as document_services
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.meetings import services as meeting_services
from wipo_training.meetings.models import Meeting, Outcome
from wipo_training.participants import services as participant_services
from wipo_training.timetable.models import Attendance
from wipo_training.timeutil import utcnow

HOSTILE = "<script>alert(1)</script> =1+1"


def card(page, card_id: str):
    """The card of one list of the dashboard (a BeautifulSoup element)."""
    found = page.html.find(id=card_id)
    assert found is not None, f"no #{card_id} on the dashboard"
    return found


def card_text(page, card_id: str) -> str:
    return " ".join(card(page, card_id).get_text(" ").split())


def links(page, card_id: str) -> list[str]:
    return [a["href"] for a in card(page, card_id).find_all("a")]


def test_every_list_says_when_nothing_is_waiting(app, users):
    expected = {
        "coordinator": [
            "decisions",
            "status-due",
            "open-evaluations",
            "certificates-to-issue",
            "overdue-actions",
        ],
        "admin": ["decisions", "status-due", "overdue-actions"],
        "staff": ["downloads", "issued-recently", "reports"],
        "trainee": ["next-session", "country-reports", "evaluations", "certificates"],
    }
    for role, cards in expected.items():
        page = browser(app, users[role]).get("/")
        for card_id in cards:
            text = card_text(page, card_id)
            assert "Nothing waiting" in text or "No " in text or "None " in text, (role, text)
            assert not card(page, card_id).find("li"), (role, card_id)


def test_nominations_to_decide_lead_to_the_list_where_they_are_decided(app, users):
    with app.app_context():
        course = make_course(
            code="NOM-2030",
            title=HOSTILE,
            edition_year=2030,
            start_date=date(2030, 3, 4),
            end_date=date(2030, 3, 15),
            nomination_deadline=date(2030, 1, 31),
        )
        move(course, "nominations_open")
        first = nominate(course, 3, accept=1)[1]
        cancelled = make_course(
            code="GONE-2030", start_date=date(2030, 5, 6), end_date=date(2030, 5, 10)
        )
        nominate(cancelled, 2, prefix="Cancelled")
        move(cancelled, "cancelled")
        db.session.commit()
        course_id, first_id = course.id, first.id
    web = browser(app, users["coordinator"])
    page = web.get("/")
    text = card_text(page, "decisions")
    assert "2 nominations to accept or reject · 1 accepted, to confirm" in text
    assert "GONE-2030" not in text and "1 course" in text
    assert HOSTILE not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt; =1+1" in page.text

    (href,) = links(page, "decisions")
    assert href == f"/courses/{course_id}/participants?status=nominated"
    listing = web.get(href)
    submit(listing, "Accept", action=f"/enrolments/{first_id}/status").follow()
    assert "1 nomination to accept or reject · 2 accepted, to confirm" in card_text(
        web.get("/"), "decisions"
    )


def test_courses_whose_status_lags_behind_their_dates(app, users):
    with app.app_context():
        started = make_course(code="CONF-2013", nomination_deadline=None)
        move(started, "nominations_open", "confirmed")
        future = make_course(
            code="FUT-2030",
            edition_year=2030,
            start_date=date(2030, 3, 4),
            end_date=date(2030, 3, 15),
            nomination_deadline=None,
        )
        move(future, "nominations_open", "confirmed")
        closed = make_course(
            code="NOMS-2031",
            edition_year=2031,
            start_date=date(2031, 3, 3),
            end_date=date(2031, 3, 14),
            nomination_deadline=date(2013, 10, 31),
        )
        move(closed, "nominations_open")
        make_course(code="DRAFT-2013", title=HOSTILE, nomination_deadline=None)
        db.session.commit()
        started_id = started.id
    web = browser(app, users["coordinator"])
    page = web.get("/")
    text = card_text(page, "status-due")
    assert (
        "CONF-2013" in text and "Confirmed; it started on 2 December 2013. Mark it running." in text
    )
    assert (
        "NOMS-2031" in text and "Nominations closed on 31 October 2013. Mark it confirmed." in text
    )
    assert "DRAFT-2013" in text and "Still a draft; its first day was 2 December 2013." in text
    assert "FUT-2030" not in text and "3 courses" in text
    assert HOSTILE not in page.text

    course_page = web.get(f"/courses/{started_id}")
    assert f"/courses/{started_id}" in links(page, "status-due")
    submit(course_page, "Mark as running").follow()
    text = card_text(web.get("/"), "status-due")
    assert "Running; it ended on 13 December 2013. Mark it completed." in text
    submit(web.get(f"/courses/{started_id}"), "Mark as completed").follow()
    assert "CONF-2013" not in card_text(web.get("/"), "status-due")


def test_open_evaluations_show_how_many_submitted_never_who(app, users):
    with app.app_context():
        course, _enrolments = eligible_course(PEOPLE[:3])
        nominate(course, 1, accept=1, prefix="Latecomer")
        closed, _ = build_course(trainees=1, code="CLOSED-2013")
        questionnaire = open_questionnaire(closed)
        questionnaire.opens_at = utcnow() - timedelta(days=9)
        questionnaire.closes_at = utcnow() - timedelta(days=2)
        # Its window is open, but answers are refused before the first day: not open yet.
        future, _ = build_course(trainees=1, code="FUT-2030", start=date(2030, 3, 4))
        open_questionnaire(future)
        db.session.commit()
        course_id = course.id
    web = browser(app, users["coordinator"])
    page = web.get("/")
    text = card_text(page, "open-evaluations")
    assert "ENF-2013" in text and "3 of 4 submitted so far" in text and "1 open" in text
    assert "CLOSED-2013" not in text and "FUT-2030" not in text
    assert not any(name in page.text for name in ("Nguyen", "Wang", "Yamada", "Latecomer"))
    (href,) = links(page, "open-evaluations")
    assert href == f"/courses/{course_id}/evaluation"
    assert web.get(href).status_int == 200


def test_certificates_to_issue_follow_the_certificate_rules(app_ctx):
    """The one query agrees with eligibility(), course by course: attendance, overrides either
    way, a certificate in force (not counted) or revoked (counted again)."""
    first, enrolments = eligible_course(PEOPLE[:6], code="ENF-2013")
    absent, forgiven, refused, holder, revoked, plain = enrolments
    db.session.execute(
        sa.update(Attendance)
        .where(Attendance.enrolment_id.in_([absent.id, forgiven.id]))
        .values(status="absent")
    )
    document_services.set_override(None, forgiven, True, "Followed the recordings")
    document_services.set_override(None, refused, False, "Left on the second day")
    document_services.issue_one(None, holder)
    document_services.revoke(None, document_services.issue_one(None, revoked), "Misspelt")
    move(first, *TO_COMPLETED)
    second, _ = eligible_course(PEOPLE[6:8], code="ENF-2014")
    move(second, *TO_COMPLETED)
    draft, _ = eligible_course(PEOPLE[8:10], code="ENF-2015")  # not completed: not counted
    db.session.commit()

    expected = {}
    for course in (first, second, draft):
        eligible = [
            row
            for row in document_services.eligibility(course)
            if row.eligible and document_services.current_certificate(row.enrolment.id) is None
        ]
        if eligible and course.status == "completed":
            expected[course.code] = len(eligible)
    assert expected == {"ENF-2013": 3, "ENF-2014": 2}
    rows, courses, people = document_services.certificates_to_issue()
    assert {row.Course.code: row.eligible for row in rows} == expected
    assert (courses, people) == (2, 5)
    assert [row.Course.code for row in rows] == ["ENF-2014", "ENF-2013"]  # the latest first
    # Only the latest completed courses are read: the oldest is left out with latest=1.
    rows, courses, people = document_services.certificates_to_issue(latest=1)
    assert ([row.Course.code for row in rows], courses, people) == (["ENF-2014"], 1, 2)


def test_certificates_to_issue_lead_to_the_certificates_page(app, users):
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:3])
        move(course, *TO_COMPLETED)
        db.session.commit()
        course_id, last_id = course.id, enrolments[-1].id
    web = browser(app, users["coordinator"])
    page = web.get("/")
    assert "3 eligible participants without a certificate" in card_text(
        page, "certificates-to-issue"
    )
    (href,) = links(page, "certificates-to-issue")
    assert href == f"/courses/{course_id}/certificates"
    submit(web.get(href), "Issue now", action=f"/enrolments/{last_id}/certificate").follow()
    text = card_text(web.get("/"), "certificates-to-issue")
    assert "2 eligible participants without a certificate" in text
    assert "2 participants, 1 course" in text


def test_overdue_action_items_lead_to_their_meeting(app, users):
    today = date.today()
    with app.app_context():
        load_series_with_an_open_action()  # the 6th with an open action item
        sixth = db.session.execute(sa.select(Meeting).where(Meeting.number == 6)).scalar_one()
        for text, due, status in (
            (HOSTILE, today - timedelta(days=1), "open"),
            ("Due tomorrow", today + timedelta(days=1), "open"),
            ("Due today", today, "open"),
            ("Done late", today - timedelta(days=30), "done"),
            ("No due date", None, "open"),
        ):
            meeting_services.save_part(
                None,
                sixth,
                "outcomes",
                None,
                {"kind": "action", "text": text, "due_date": due, "status": status},
            )
        db.session.commit()
        hostile_id = db.session.execute(
            sa.select(Outcome.id).where(Outcome.text == HOSTILE)
        ).scalar_one()
        sixth_id = sixth.id
    web = browser(app, users["coordinator"])
    page = web.get("/")
    text = card_text(page, "overdue-actions")
    assert "Propose dates and the agenda of the seventh meeting." in text  # due 30 Sep 2018
    assert "due 30 Sep 2018 · Japan-China Joint IP Working Group, Sixth Meeting" in text
    assert text.index("seventh meeting") < text.index("alert(1)")  # the longest overdue first
    for not_overdue in ("Due tomorrow", "Due today", "Done late", "No due date"):
        assert not_overdue not in text
    assert "2 overdue" in text and HOSTILE not in page.text
    assert links(page, "overdue-actions")[1] == f"/meetings/{sixth_id}#outcomes"
    meeting_page = web.get(f"/meetings/{sixth_id}")
    submit(meeting_page, "Mark done", action=f"/outcomes/{hostile_id}/status").follow()
    text = card_text(web.get("/"), "overdue-actions")
    assert "alert(1)" not in text and "1 overdue" in text


def test_staff_see_their_files_the_certificates_issued_lately_and_the_reports(app, users):
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:2])
        move(course, *TO_COMPLETED)
        for enrolment in enrolments:
            document_services.issue_one(None, enrolment)
        older, (old_enrolment,) = eligible_course(PEOPLE[2:3], code="EARLY-2013")
        move(older, *TO_COMPLETED)
        old = document_services.issue_one(None, old_enrolment)
        old.issued_at = utcnow() - timedelta(days=40)
        db.session.commit()
        course_id, older_id = course.id, older.id
    web = browser(app, users["staff"])
    page = web.get("/")
    text = card_text(page, "issued-recently")
    assert "ENF-2013" in text and "2 issued" in text and "EARLY-2013" not in text
    assert {f"/courses/{course_id}/report", f"/courses/{older_id}/report"} == {
        href for href in links(page, "reports") if href.endswith("/report")
    }
    assert web.get(f"/courses/{course_id}/report").status_int == 200
    assert "No file prepared for you" in card_text(page, "downloads")

    (certificates_href,) = links(page, "issued-recently")
    submit(web.get(certificates_href), "Download", format="zip")
    page = web.get("/")
    text = card_text(page, "downloads")
    assert "Issued certificates as a ZIP, ENF-2013 ready" in text
    (download,) = [href for href in links(page, "downloads") if href.endswith("/download")]
    archive = zipfile.ZipFile(io.BytesIO(web.get(download).body))
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == 2
    # The file is the staff member's: a coordinator, with none of their own, has no such list.
    assert browser(app, users["coordinator"]).get("/").html.find(id="downloads") is None


def test_trainee_sees_their_next_session_report_evaluation_and_certificate(app, users):
    today = date.today()
    with app.app_context():
        person = make_person(
            family_name="Chan", given_name="Sokha", country_code="KH", email=users["trainee"]
        )
        auth_services.user_by_email(users["trainee"]).person_id = person.id
        upcoming = make_course(
            code="NEXT-1",
            title=HOSTILE,
            edition_year=(today + timedelta(days=10)).year,
            start_date=today + timedelta(days=10),
            end_date=today + timedelta(days=21),
            nomination_deadline=None,
            country_report_deadline=today + timedelta(days=5),
        )
        lecture = make_session(upcoming, title="Border Measures", day=upcoming.start_date)
        make_session(upcoming, title="Later lecture", day=upcoming.start_date + timedelta(days=1))
        enrolment = participant_services.nominate(None, upcoming, person, override_reason="test")
        participant_services.change_enrolment_status(None, enrolment, "accepted")

        evaluated, _ = build_course(trainees=1, code="EVAL-2013")
        mine = participant_services.nominate(None, evaluated, person, override_reason="test")
        participant_services.change_enrolment_status(None, mine, "accepted")
        open_questionnaire(evaluated)

        certified, (other,) = eligible_course(PEOPLE[1:2], code="CERT-2013")
        evaluation_services.questionnaire_for(certified).closes_at = utcnow() - timedelta(days=1)
        held = participant_services.nominate(None, certified, person, override_reason="test")
        participant_services.change_enrolment_status(None, held, "accepted")
        document_services.set_override(None, held, True, "Attended remotely")
        certificate = document_services.issue_one(None, held)
        document_services.issue_one(None, other)  # someone else's: never listed
        db.session.commit()
        ids = {
            "upcoming": upcoming.id,
            "lecture": lecture.id,
            "evaluated": evaluated.id,
            "certificate": certificate.id,
            "serial": certificate.serial,
        }
    web = browser(app, users["trainee"])
    page = web.get("/")
    text = card_text(page, "next-session")
    assert "Border Measures" in text and "Later lecture" not in text
    assert f"{(today + timedelta(days=10)):%A %-d %B %Y}, 09:30 (Asia/Tokyo)" in text
    assert links(page, "next-session")[0] == f"/sessions/{ids['lecture']}"
    assert web.get(f"/sessions/{ids['lecture']}").status_int == 200
    assert HOSTILE not in page.text

    text = card_text(page, "evaluations")
    assert "The evaluation of" in text and "is open until" in text
    assert links(page, "evaluations") == [f"/courses/{ids['evaluated']}/evaluation/answer"]
    assert web.get(links(page, "evaluations")[0]).status_int == 200

    (certificate_href,) = links(page, "certificates")
    assert certificate_href == f"/certificates/{ids['certificate']}/pdf"
    assert ids["serial"] in card_text(page, "certificates")
    assert web.get(certificate_href).body.startswith(b"%PDF")

    text = card_text(page, "country-reports")
    deadline = today + timedelta(days=5)
    assert "Upload your country report for NEXT-1" in text and f"by {deadline:%-d %B %Y}" in text
    (report_href,) = links(page, "country-reports")
    assert report_href == f"/courses/{ids['upcoming']}/my-report"
    submit(web.get(report_href), "Upload", file=("upload", "report.pdf", b"%PDF-1.4 report"))
    text = card_text(web.get("/"), "country-reports")
    assert "Nothing waiting" in text
