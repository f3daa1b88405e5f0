"""Lost updates (issue 16, point 10): two people edit the same thing; the second save, based on
what the page showed before the first, is refused with a clear message, their typed values
kept in the form, and nothing of it saved. The API: an ETag on every GET of an editable
object, If-Match needed on every change (428 without it, 412 when outdated)."""

from datetime import date

import pytest
import sqlalchemy as sa
import webtest

from tests.conftest import (
    create_token,
    find_form,
    make_course,
    make_person,
    make_session,
    submit,
    web_sign_in,
)
from tests.meetings.conftest import load_series_with_an_open_action
from wipo_training.documents import services as certificate_services
from wipo_training.documents.models import CertificateSettings
from wipo_training.evaluations import services as evaluation_services
from wipo_training.evaluations.models import Question, Questionnaire
from wipo_training.extensions import db
from wipo_training.meetings.models import (
    AgendaItem,
    Delegation,
    Meeting,
    Outcome,
    SideEvent,
    WorkingGroup,
)
from wipo_training.participants import services as participant_services
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person
from wipo_training.timetable import services as timetable_services
from wipo_training.timetable.models import CourseSession

HOSTILE = "<script>alert(1)</script> =1+1"


@pytest.fixture
def editors(app, users):
    """Two browsers, each signed in as an editor: the coordinator and the admin."""
    browsers = []
    for role in ("coordinator", "admin"):
        browser = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        assert web_sign_in(browser, users[role]).status_int == 302
        browsers.append(browser)
    return browsers


@pytest.fixture
def api(app, users):
    """The coordinator's API client: call(method, url, **kwargs)."""
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}

    def call(method, url, headers_=None, **kwargs):
        return app.test_client().open(
            url, method=method, headers={**headers, **(headers_ or {})}, **kwargs
        )

    return call


def stored(app, model, object_id, *names):
    """The values of ``names`` as the database holds them now (None: the row is gone)."""
    with app.app_context():
        obj = db.session.get(model, object_id)
        return None if obj is None else tuple(getattr(obj, name) for name in names)


def second_save_refused(editors, url, button, first, second, what, message=None):
    """Both editors open ``url``; the first saves ``first``, then the second saves ``second``
    from the page they opened before: refused, saying so (``message``, by default the one
    naming ``what``), their values still in the form."""
    first_page, second_page = (browser.get(url) for browser in editors)
    saved = submit(first_page, button, **first)
    assert saved.status_int == 302, saved.text
    refused = submit(second_page, button, **second)
    assert refused.status_int in (200, 409, 422), refused.status
    assert (message or f"Someone else saved this {what} while you were editing it") in refused.text
    assert HOSTILE not in refused.text  # what they typed comes back escaped
    form = find_form(refused, button)
    for name, value in second.items():
        assert form[name].value == value, name
    return refused


def check_api_etags(api, url, change, what):
    """GET sends an ETag; a change without If-Match is 428, with an old one 412, with the
    current one 200 and a new ETag. Returns the last response."""
    read = api("GET", url)
    assert read.status_code == 200 and read.headers["ETag"]
    etag = read.headers["ETag"]
    missing = api("PATCH", url, json=change)
    assert missing.status_code == 428, missing.json
    done = api("PATCH", url, json=change, headers_={"If-Match": etag})
    assert done.status_code == 200, done.json
    assert done.headers["ETag"] and done.headers["ETag"] != etag
    assert api("GET", url).headers["ETag"] == done.headers["ETag"]
    stale = api("PATCH", url, json=change, headers_={"If-Match": etag})
    assert stale.status_code == 412
    assert f"Someone else changed this {what} since you read it" in stale.json["message"]
    return done


# --- timetable sessions -------------------------------------------------------------------


@pytest.fixture
def course_session(app):
    """A lecture of a course with one accepted participant; returns the session's id."""
    with app.app_context():
        course = make_course()
        enrolment = participant_services.nominate(None, course, make_person())
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        session_id = make_session(course, room="Room 1").id
        db.session.commit()
        return session_id


def test_two_editors_of_one_session(app, editors, course_session):
    url = f"/sessions/{course_session}/edit"
    typed = {"title": HOSTILE, "room": "Room 2", "lecturers": "Ms Second; Their office"}
    second_save_refused(
        editors, url, "Save", {"room": "Main hall", "lecturers": "Mr First; JPO"}, typed, "session"
    )
    title, room, lecturers = stored(
        app, CourseSession, course_session, *("title", "room", "lecturers")
    )
    assert (title, room) == ("Border Measures against Infringing Goods", "Main hall")
    assert [lecturer.affiliation for lecturer in lecturers] == ["JPO"]


def test_a_change_of_lecturers_alone_counts_as_a_change(app, editors, course_session):
    url = f"/sessions/{course_session}/edit"
    second_save_refused(
        editors, url, "Save", {"lecturers": "Mr First; JPO"}, {"room": "Room 9"}, "session"
    )
    assert stored(app, CourseSession, course_session, "room") == ("Room 1",)


def test_a_session_changed_since_the_page_opened_is_not_deleted(app, editors, course_session):
    first, second = editors
    page = second.get(f"/sessions/{course_session}")
    edit = first.get(f"/sessions/{course_session}/edit")
    assert submit(edit, "Save", room="Hall").status_int == 302
    refused = submit(page, "Delete")
    assert "it was not deleted" in refused.follow().text
    assert stored(app, CourseSession, course_session, "room") == ("Hall",)
    assert submit(second.get(f"/sessions/{course_session}"), "Delete").status_int == 302
    assert stored(app, CourseSession, course_session) is None


def test_session_api_needs_the_current_etag(app, api, course_session):
    url = f"/api/v1/sessions/{course_session}"
    done = check_api_etags(api, url, {"room": HOSTILE}, "session")
    assert done.json["room"] == HOSTILE
    etag = api("GET", url).headers["ETag"]
    assert api("DELETE", url).status_code == 428
    assert api("DELETE", url, headers_={"If-Match": '"0000"'}).status_code == 412
    assert api("DELETE", url, headers_={"If-Match": etag}).status_code == 204
    assert stored(app, CourseSession, course_session) is None


def test_attendance_api_needs_the_current_etag(app, api, course_session):
    url = f"/api/v1/sessions/{course_session}/attendance"  # a session of 2013: it has started
    read = api("GET", url)
    etag = read.headers["ETag"]
    rows = [{**row, "status": "absent"} for row in read.json["attendance"]]
    assert api("PUT", url, json={"attendance": rows}).status_code == 428
    done = api("PUT", url, json={"attendance": rows}, headers_={"If-Match": etag})
    assert done.status_code == 200, done.json
    assert done.headers["ETag"] != etag == read.headers["ETag"]
    stale = api("PUT", url, json={"attendance": rows}, headers_={"If-Match": etag})
    assert stale.status_code == 412 and "attendance" in stale.json["message"]
    with app.app_context():
        assert db.session.execute(sa.text("SELECT status FROM attendance")).scalars().all() == [
            "absent"
        ]


# --- people and enrolments ------------------------------------------------------------------


@pytest.fixture
def enrolment(app):
    """A nomination to a course; returns (person id, enrolment id)."""
    with app.app_context():
        course = make_course()
        enrolment = participant_services.nominate(None, course, make_person(position="Examiner"))
        db.session.commit()
        return enrolment.person_id, enrolment.id


def test_two_editors_of_one_person(app, editors, enrolment):
    person_id, _enrolment_id = enrolment
    typed = {"given_name": HOSTILE, "position": "Director", "email": "lan@example.test"}
    second_save_refused(
        editors,
        f"/people/{person_id}/edit",
        "Save",
        {"position": "Senior examiner"},
        typed,
        "record",
    )
    assert stored(app, Person, person_id, "given_name", "position", "email") == (
        "Thi Lan",
        "Senior examiner",
        None,
    )


def test_two_editors_of_one_enrolment(app, editors, enrolment):
    _person_id, enrolment_id = enrolment
    url = f"/enrolments/{enrolment_id}"
    first_page, second_page = (browser.get(url) for browser in editors)
    accepted = submit(first_page, "Mark as accepted", reason="Seats confirmed")
    assert accepted.status_int == 302
    refused = submit(second_page, "Mark as rejected", reason=HOSTILE)
    assert "Someone else changed this nomination while you were looking at it" in refused.text
    assert HOSTILE not in refused.text
    assert find_form(refused, "Mark as rejected")["reason"].value == HOSTILE
    assert stored(app, Enrolment, enrolment_id, "status") == ("accepted",)
    # the page now shows the current status: the same choice goes through
    assert submit(refused, "Mark as rejected").status_int == 302
    assert stored(app, Enrolment, enrolment_id, "status") == ("rejected",)


def test_a_refused_note_whose_choice_is_gone_is_shown(app, editors, enrolment):
    _person_id, enrolment_id = enrolment
    url = f"/enrolments/{enrolment_id}"
    first_page, second_page = (browser.get(url) for browser in editors)
    assert submit(first_page, "Mark as withdrawn").status_int == 302
    refused = submit(second_page, "Mark as accepted", reason="Their note")
    assert "Your note, not saved: <q>Their note</q>" in refused.text
    assert stored(app, Enrolment, enrolment_id, "status") == ("withdrawn",)


def test_person_api_sends_an_etag(app, api, enrolment):
    person_id, _enrolment_id = enrolment
    first = api("GET", f"/api/v1/people/{person_id}").headers["ETag"]
    with app.app_context():
        db.session.get(Person, person_id).position = "Director"
        db.session.commit()
    assert api("GET", f"/api/v1/people/{person_id}").headers["ETag"] not in ("", first)


def test_course_api_needs_the_current_etag(app, api):
    with app.app_context():
        course_id = make_course().id
        db.session.commit()
    done = check_api_etags(api, f"/api/v1/courses/{course_id}", {"venue": HOSTILE}, "course")
    assert done.json["venue"] == HOSTILE


# --- working groups, meetings and their parts -----------------------------------------------

PARTS = {
    "delegations": Delegation,
    "agenda": AgendaItem,
    "outcomes": Outcome,
    "side-events": SideEvent,
}
#: What the first editor saves (for a delegation only its delegates: rows of their own), and
#: what the second types.
PART_EDITS = {
    "delegations": ({"delegates": "Mr. SATO Ken; Director"}, {"units": HOSTILE}),
    "agenda": ({"summary": "First summary"}, {"title": HOSTILE, "summary": "Second summary"}),
    "outcomes": ({"responsible": "METI"}, {"text": HOSTILE, "responsible": "MOFCOM"}),
    "side-events": ({"venue": "Hall A"}, {"title": HOSTILE, "venue": "Hall B"}),
}


@pytest.fixture
def series(app):
    """The demo Japan-China series: {"group": id, 5: id, 6: id, 7: id} (the 6th has every
    kind of part, the 7th is planned)."""
    with app.app_context():
        load_series_with_an_open_action()  # the 6th with an open action item
        db.session.commit()
        group = db.session.execute(sa.select(WorkingGroup)).scalar_one()
        return {"group": group.id, **{m.number: m.id for m in group.meetings}}


def first_part(app, meeting_id, kind):
    with app.app_context():
        model = PARTS[kind]
        return db.session.execute(
            sa.select(model.id).where(model.meeting_id == meeting_id).order_by(model.id)
        ).scalar()


def test_two_editors_of_one_working_group(app, editors, series):
    url = f"/working-groups/{series['group']}/edit"
    typed = {"description": HOSTILE, "side_a_body": "JPO"}
    second_save_refused(editors, url, "Save", {"framework": "MoU"}, typed, "working group")
    assert stored(app, WorkingGroup, series["group"], "framework", "side_a_body") == ("MoU", "METI")


def test_two_editors_of_one_meeting(app, editors, series):
    url = f"/meetings/{series[7]}/edit"
    typed = {"city": "Osaka", "summary": HOSTILE}
    second_save_refused(editors, url, "Save", {"city": "Tokyo"}, typed, "meeting")
    assert stored(app, Meeting, series[7], "city", "summary") == ("Tokyo", "")


@pytest.mark.parametrize("kind", PARTS)
def test_two_editors_of_one_part_of_a_meeting(app, editors, series, kind):
    item_id = first_part(app, series[6], kind)
    url = f"/meetings/{series[6]}/{kind}/{item_id}/edit"
    first, second = PART_EDITS[kind]
    label = {"side-events": "side event", "agenda": "agenda item"}.get(kind, kind[:-1])
    second_save_refused(editors, url, "Save", first, second, label)
    names = [name for name in second if name != "delegates"]
    kept = stored(app, PARTS[kind], item_id, *names)
    assert not set(kept) & set(second.values())


def test_a_part_changed_since_the_page_opened_is_not_deleted(app, editors, series):
    item_id = first_part(app, series[6], "agenda")
    url = f"/meetings/{series[6]}/agenda/{item_id}/edit"
    first_page, second_page = (browser.get(url) for browser in editors)
    assert submit(first_page, "Save", summary="Changed").status_int == 302
    refused = submit(second_page, "Delete this agenda item")
    assert "so it was not deleted" in refused.follow().text
    assert stored(app, AgendaItem, item_id, "summary") == ("Changed",)


def test_an_action_item_changed_since_the_page_opened_is_not_marked(app, editors, series):
    with app.app_context():
        action_id = db.session.execute(
            sa.select(Outcome.id).where(
                Outcome.meeting_id == series[6], Outcome.kind == "action", Outcome.status == "open"
            )
        ).scalar_one()
    first, second = editors
    meeting_page = second.get(f"/meetings/{series[6]}")
    edit = first.get(f"/meetings/{series[6]}/outcomes/{action_id}/edit")
    assert submit(edit, "Save", status="dropped").status_int == 302
    refused = submit(meeting_page, "Mark done").follow()
    assert "Someone else changed this action item since you opened the page" in refused.text
    assert stored(app, Outcome, action_id, "status") == ("dropped",)


def test_two_editors_of_one_press_release(app, editors, series):
    url = f"/meetings/{series[7]}/press-release"  # the 7th's is not published yet
    first_page, second_page = (browser.get(url) for browser in editors)
    assert submit(first_page, "Save the draft", text="First text").status_int == 302
    refused = submit(second_page, "Save the draft", text=HOSTILE)
    assert "Someone else saved this meeting or its press release while you were" in refused.text
    assert HOSTILE not in refused.text
    assert find_form(refused, "Save the draft")["text"].value == HOSTILE
    assert stored(app, Meeting, series[7], "press_release") == ("First text",)


def test_working_group_and_meeting_api_need_the_current_etag(app, api, series):
    group = check_api_etags(
        api, f"/api/v1/working-groups/{series['group']}", {"description": HOSTILE}, "working group"
    )
    assert group.json["description"] == HOSTILE
    url = f"/api/v1/meetings/{series[6]}"
    meeting = check_api_etags(api, url, {"summary": HOSTILE}, "meeting")
    assert meeting.json["summary"] == HOSTILE
    # A part changed on its own page changes the meeting's ETag: the meeting is sent with it.
    etag = api("GET", url).headers["ETag"]
    with app.app_context():
        db.session.get(AgendaItem, first_part(app, series[6], "agenda")).summary = "Edited"
        db.session.commit()
    assert api("GET", url).headers["ETag"] != etag
    refused = api("PATCH", url, json={"agenda": []}, headers_={"If-Match": etag})
    assert refused.status_code == 412
    assert stored(app, AgendaItem, first_part(app, series[6], "agenda"), "summary") == ("Edited",)


# --- questionnaires and their questions -----------------------------------------------------


@pytest.fixture
def questionnaire(app):
    """A course's questionnaire built from its timetable; returns (course id, question ids)."""
    with app.app_context():
        course = make_course()
        make_session(course)
        questionnaire, _added = evaluation_services.generate_questionnaire(None, course)
        db.session.commit()
        return course.id, [q.id for q in questionnaire.questions]


def test_two_editors_of_one_questionnaire(app, editors, questionnaire):
    course_id, _questions = questionnaire
    url = f"/courses/{course_id}/evaluation/settings"
    first = {"opens_time": "09:00", "closes_time": "17:00"}
    second = {"opens_time": "10:00", "closes_time": "18:00", "closes_day": "2013-12-21"}
    second_save_refused(editors, url, "Save", first, second, "questionnaire")
    with app.app_context():
        saved = db.session.execute(sa.select(Questionnaire)).scalar_one()
        local = timetable_services.to_local(saved.course, saved.closes_at)
        assert (local.date(), f"{local:%H:%M}") == (date(2013, 12, 20), "17:00")


def test_two_editors_of_one_question(app, editors, questionnaire):
    _course_id, questions = questionnaire
    url = f"/questions/{questions[-1]}/edit"
    typed = {"text": HOSTILE, "section": "Second section"}
    second_save_refused(editors, url, "Save", {"text": "First wording?"}, typed, "question")
    assert stored(app, Question, questions[-1], "text") == ("First wording?",)


def test_a_question_moved_meanwhile_is_still_saved(app, editors, questionnaire):
    course_id, questions = questionnaire
    first, second = editors
    page = second.get(f"/questions/{questions[-1]}/edit")
    manage = first.get(f"/courses/{course_id}/evaluation")
    moved = submit(manage, action=f"/questions/{questions[-1]}/move/up")
    assert moved.status_int == 302
    assert submit(page, "Save", text="Still saved?").status_int == 302
    assert stored(app, Question, questions[-1], "text") == ("Still saved?",)


def test_a_question_changed_since_the_page_opened_is_not_removed(app, editors, questionnaire):
    course_id, questions = questionnaire
    first, second = editors
    manage = second.get(f"/courses/{course_id}/evaluation")
    edit = first.get(f"/questions/{questions[-1]}/edit")
    assert submit(edit, "Save", text="Changed?").status_int == 302
    refused = submit(manage, action=f"/questions/{questions[-1]}/delete").follow()
    assert "Someone else changed this question since you opened the page" in refused.text
    assert stored(app, Question, questions[-1], "text") == ("Changed?",)


def test_questionnaire_api_sends_an_etag(app, api, questionnaire):
    course_id, questions = questionnaire
    url = f"/api/v1/courses/{course_id}/evaluation"
    etag = api("GET", url).headers["ETag"]
    with app.app_context():
        question = db.session.get(Question, questions[0])
        evaluation_services.update_question(
            None, question, "Reworded?", question.kind, True, question.choices, ""
        )
        db.session.commit()
    assert api("GET", url).headers["ETag"] not in ("", etag)


# --- certificate settings -------------------------------------------------------------------


@pytest.mark.parametrize("saved_before", [False, True])
def test_two_editors_of_the_certificate_settings(app, editors, saved_before):
    with app.app_context():
        course = make_course()
        if saved_before:
            certificate_services.save_settings(None, course, {"heading": "Certificate"})
        db.session.commit()
        course_id = course.id
    url = f"/courses/{course_id}/certificates/settings"
    typed = {"heading": HOSTILE, "signatory1_name": "Second Signatory"}
    first = {"heading": "Certificate of Attendance"}
    message = "Someone else saved the certificate settings while you were editing them"
    refused = second_save_refused(editors, url, "Save", first, typed, None, message)
    assert "choose the images again too" in refused.text
    with app.app_context():
        (saved,) = db.session.execute(sa.select(CertificateSettings)).scalars()
        assert (saved.heading, saved.signatory1_name) == ("Certificate of Attendance", "")


# --- the OpenAPI document -----------------------------------------------------------------


def test_every_change_in_the_api_document_needs_if_match(client):
    """Every PATCH, PUT and DELETE documents the If-Match it needs and its 412 and 428, and
    the GET of the same address the ETag it sends."""
    doc = client.get("/api/v1/openapi.json").get_json()
    writes = 0
    for path, operations in doc["paths"].items():
        for method in ("patch", "put", "delete"):
            if method not in operations:
                continue
            writes += 1
            operation = operations[method]
            assert {"$ref": "#/components/parameters/IF_MATCH"} in operation["parameters"], path
            assert {"412", "428"} <= set(operation["responses"]), (method, path)
            read = operations["get"]["responses"]["200"]
            assert "ETag" in read.get("headers", {}), path
    assert doc["components"]["parameters"]["IF_MATCH"]["required"] is True
    assert writes >= 6
