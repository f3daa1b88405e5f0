"""Nominations: one record per person, seat quotas and capacity, history, invitations."""

import html

import pytest
import sqlalchemy as sa
import webtest

from tests.conftest import find_form, login, make_course, make_person, submit
from wipo_training.auth import services as auth_services
from wipo_training.auth.models import User
from wipo_training.courses import services as course_services
from wipo_training.extensions import db
from wipo_training.participants import services
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person


@pytest.fixture
def course(app_ctx):
    course = make_course(capacity=4)
    course_services.set_quotas(None, course, {"VN": 2, "KH": 1})
    db.session.commit()  # let other connections (the users fixture) write too
    return course


def test_quota_per_country_is_enforced_and_can_be_overridden(course):
    services.nominate(None, course, make_person(family_name="Nguyen"))
    services.nominate(None, course, make_person(family_name="Tran"))
    third = make_person(family_name="Le")
    with pytest.raises(services.QuotaError, match="Viet Nam has 2 seats and 2 are taken"):
        services.nominate(None, course, third)
    enrolment = services.nominate(None, course, third, override_reason="Host country request")
    assert enrolment.quota_override_reason == "Host country request"
    assert "Seat rule overridden: Host country request" in enrolment.history[0].reason
    with pytest.raises(services.QuotaError, match="Thailand has no seats in this course"):
        services.nominate(None, course, make_person(family_name="Srisuk", country_code="TH"))


def test_capacity_is_enforced(course):
    course.quotas.clear()
    for name in ("A", "B", "C", "D"):
        services.nominate(None, course, make_person(family_name=name))
    with pytest.raises(services.QuotaError, match="the course is full \\(4 of 4"):
        services.nominate(None, course, make_person(family_name="E"))


def test_withdrawn_people_free_their_seat_and_history_is_kept(users, course):
    admin = auth_services.user_by_email(users["admin"])
    first = services.nominate(admin, course, make_person(family_name="Chan", country_code="KH"))
    services.change_enrolment_status(admin, first, "withdrawn", "Visa refused")
    second = services.nominate(admin, course, make_person(family_name="Keo", country_code="KH"))
    assert second.status == "nominated"
    with pytest.raises(services.QuotaError, match="Cannot reinstate"):
        services.change_enrolment_status(admin, first, "nominated")
    assert [(h.from_status, h.to_status, h.changed_by_label, h.reason) for h in first.history] == [
        (None, "nominated", "admin@example.test", ""),
        ("nominated", "withdrawn", "admin@example.test", "Visa refused"),
    ]
    with pytest.raises(services.ParticipantError, match="cannot become completed"):
        services.change_enrolment_status(admin, second, "completed")


def test_the_same_person_is_not_nominated_twice(course):
    person = make_person()
    services.nominate(None, course, person)
    with pytest.raises(services.ParticipantError, match="already in this course"):
        services.nominate(None, course, person)


def test_matching_by_email_then_name_and_country(app_ctx):
    person = make_person(email="lan@noip.example")
    assert services.find_matching_person("LAN@noip.example", "X", "Y", "TH") == person
    assert services.find_matching_person(None, "nguyen", "thi lan", "VN") == person
    assert services.find_matching_person(None, "Nguyen", "Thi Lan", "KH") is None


def test_confirming_creates_a_trainee_account_with_a_single_use_invitation(app):
    with app.app_context():
        person = make_person(email="lan@noip.example")
        enrolment = services.nominate(None, make_course(), person)
        services.change_enrolment_status(None, enrolment, "accepted")
        token = services.change_enrolment_status(None, enrolment, "confirmed")
        db.session.commit()
        user = db.session.execute(
            sa.select(User).where(User.email == "lan@noip.example")
        ).scalar_one()
        assert user.role == "trainee" and user.person_id == person.id
        assert user.password_hash is None
    web = webtest.TestApp(app)
    page = web.get(f"/invitation/{token}")
    assert "Choose a password for" in page.text
    response = submit(
        page,
        action=f"/invitation/{token}",
        new_password="my own password",
        confirm_password="my own password",
    )
    assert response.status_int == 302
    assert "ENF-2013" in web.get("/courses/").text
    again = app.test_client().get(f"/invitation/{token}")
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    assert login(app.test_client(), "lan@noip.example", "my own password").status_code == 302


KNOWN_PERSON = dict(
    family_name="Chan",
    given_name="Sokha",
    country_code="KH",
    email="sokha@moc.example",
    organisation="Ministry of Commerce",
    position="Deputy Chief",
)
NOMINEE = {
    "family_name": "Chan",
    "given_name": "Sokha",
    "country_code": "KH",
    "organisation_kind": "ip_office",
    "position": "Chief of Bureau",
}


def people_and_enrolments(app):
    with app.app_context():
        return (
            db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar(),
            db.session.execute(sa.select(sa.func.count()).select_from(Enrolment)).scalar(),
        )


def test_nominating_a_known_person_asks_and_yes_uses_the_record(app, web_as):
    """ "Yes, use this record", pressed on the page as rendered, nominates the person on record
    (an empty hidden ``person_choice`` once came before the button's own and the question
    was asked again, for ever)."""
    with app.app_context():
        make_course()
        make_person(**KNOWN_PERSON)
        db.session.commit()
    web = web_as("coordinator")
    question = submit(web.get("/courses/1/participants/new"), "Nominate", **NOMINEE)
    assert question.status_int == 200 and "Is this the same person?" in question.text
    assert "Ministry of Commerce" in question.text and people_and_enrolments(app) == (1, 0)
    response = submit(question, "Yes, use this record")
    assert response.status_int == 302, response.text
    assert "Sokha Chan nominated." in response.follow().text
    assert people_and_enrolments(app) == (1, 1)
    with app.app_context():
        assert db.session.get(Person, 1).position == "Chief of Bureau"
    page = web.get("/people/1").text
    assert "ENF-2013" in page and "Chief of Bureau" in page


def test_nominating_a_known_person_asks_and_no_creates_a_new_person(app, web_as):
    """ "No, create a new person" creates a second person of the same name, and the record on
    file keeps its own organisation and position."""
    with app.app_context():
        make_course()
        make_person(**KNOWN_PERSON)
        db.session.commit()
    web = web_as("coordinator")
    question = submit(web.get("/courses/1/participants/new"), "Nominate", **NOMINEE)
    assert "Is this the same person?" in question.text
    response = submit(question, "No, create a new person")
    assert response.status_int == 302, response.text
    assert people_and_enrolments(app) == (2, 1)
    with app.app_context():
        known, new = db.session.execute(sa.select(Person).order_by(Person.id)).scalars()
        assert (known.position, known.organisation.name) == ("Deputy Chief", "Ministry of Commerce")
        assert (new.family_name, new.position, new.email) == ("Chan", "Chief of Bureau", None)
        assert [e.person_id for e in new.enrolments] == [new.id]


def test_quota_message_on_the_form_and_override(app, web_as):
    with app.app_context():
        course = make_course()
        course_services.set_quotas(None, course, {"KH": 1})
        services.nominate(None, course, make_person(family_name="Keo", country_code="KH"))
        db.session.commit()
    web = web_as("coordinator")
    page = submit(
        web.get("/courses/1/participants/new"),
        "Nominate",
        family_name="Chan",
        given_name="Sokha",
        country_code="KH",
    )
    assert "Cambodia has 1 seats and 1 are taken" in page.text
    response = submit(page, "Nominate", override_reason="Replacement speaker")
    assert response.status_int == 302
    assert people_and_enrolments(app) == (2, 2)


def test_status_buttons_and_the_enrolment_history_page(app, web_as):
    with app.app_context():
        course = make_course()
        services.nominate(None, course, make_person())
        db.session.commit()
    web = web_as("coordinator")
    stale = web.get("/enrolments/1")
    response = submit(web.get("/courses/1/participants"), "Accept")
    assert response.status_int == 302
    assert "Thi Lan Nguyen: accepted." in response.follow().text
    # The same button again on a page loaded before: refused, saying why, the note kept.
    refused = submit(stale, "Mark as accepted", reason="Second try")
    assert "Someone else changed this nomination while you were looking at it" in refused.text
    assert "Your note, not saved: <q>Second try</q>" in refused.text
    page = web.get("/enrolments/1").text
    assert "nominated → accepted" in page and "coordinator@example.test" in page
    response = submit(web.get("/enrolments/1"), "Mark as withdrawn", reason="Visa <refused>")
    assert response.status_int == 302
    page = web.get("/enrolments/1").text
    assert "accepted → withdrawn" in page and "Visa &lt;refused&gt;" in page


def test_a_person_record_can_be_corrected(app, web_as):
    with app.app_context():
        make_person(family_name="Nguyen", given_name="Van A", email="a@noip.example")
        make_person(family_name="Tran", given_name="B", email="b@noip.example")
        db.session.commit()
    web = web_as("coordinator")
    changes = {
        "family_name": "Nguyễn",
        "given_name": "Văn An",
        "organisation_kind": "ip_office",
        "organisation": "NOIP",
        "email": "b@noip.example",
    }
    page = submit(web.get("/people/1/edit"), "Save", **changes)
    assert "b@noip.example already belongs to another person." in page.text
    response = submit(page, "Save", email="an@noip.example")
    assert response.status_int == 302
    page = web.get("/people/1").text
    assert "Văn An Nguyễn" in page and "an@noip.example" in page and "NOIP" in page


@pytest.mark.parametrize(
    "typed, code, said",
    [
        ("Lao PDR", "LA", "“Lao PDR” was read as Lao People's Democratic Republic."),
        ("Korea", "KR", "“Korea” was read as Republic of Korea."),
        ("Burma", "MM", "“Burma” was read as Myanmar."),
        ("Turkey", "TR", "“Turkey” was read as Türkiye."),
        ("Türkiye", "TR", None),
        ("Vietnam", "VN", "“Vietnam” was read as Viet Nam."),
    ],
)
def test_the_nomination_form_reads_the_country_names_people_write(app, web_as, typed, code, said):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    page = web.get("/courses/1/participants/new")
    assert 'list="country-names"' in page.text and '<option value="Viet Nam">' in page.text
    response = submit(page, "Nominate", family_name="Kim", given_name="A", country_code=typed)
    assert response.status_int == 302, response.text
    flashed = html.unescape(response.follow().text)
    assert "A Kim nominated." in flashed
    assert (said in flashed) if said else ("was read as" not in flashed)
    with app.app_context():
        person = db.session.get(Person, 1)
        assert person.country_code == code and person.enrolments[0].country_code == code


def test_the_person_form_shows_the_country_it_read_and_refuses_unknown_ones(app, web_as):
    with app.app_context():
        make_course()
        make_person(family_name="Kim", given_name="A", country_code="KR")
        db.session.commit()
    web = web_as("coordinator")
    edit = web.get("/people/1/edit")
    assert find_form(edit, "Save")["country_code"].value == "Republic of Korea"
    refused = submit(edit, "Save", country_code="<script>alert(1)</script>")
    assert refused.status_int == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;” is not a country name" in refused.text
    assert "<script>alert(1)" not in refused.text
    # A known person nominated with a name for the country: the question page shows the name
    # it was read as, in the field and in a sentence.
    question = submit(
        web.get("/courses/1/participants/new"),
        "Nominate",
        family_name="Kim",
        given_name="A",
        country_code="South Korea",
    )
    assert "Is this the same person?" in question.text
    form = find_form(question, "Yes, use this record")
    assert form["country_code"].value == "Republic of Korea"
    assert "“South Korea” was read as Republic of Korea." in question.text


def test_nobody_completes_a_course_not_yet_held(app, web_as):
    """Point 4: a confirmed participant of a course in 2028 is not offered "Complete", and
    the service refuses it; from the course's last day both are possible."""
    from datetime import date

    with app.app_context():
        course = make_course(
            code="ENF-2028",
            start_date=date(2028, 12, 4),
            end_date=date(2028, 12, 15),
            nomination_deadline=None,
        )
        enrolment = services.nominate(None, course, make_person())
        for status in ("accepted", "confirmed"):
            services.change_enrolment_status(None, enrolment, status)
        with pytest.raises(services.ParticipantError, match="ends on 15 December 2028"):
            services.change_enrolment_status(None, enrolment, "completed")
        db.session.commit()
    web = web_as("coordinator")
    buttons = web.get("/courses/1/participants").html.find_all("button")
    assert "Complete" not in [b.get_text(strip=True) for b in buttons]
    assert "Mark as completed" not in web.get("/enrolments/1").text
    with app.app_context():
        course = db.session.get(Enrolment, 1).course
        course.start_date, course.end_date = date(2013, 12, 2), date(2013, 12, 13)
        db.session.commit()
    page = web.get("/courses/1/participants")
    response = submit(page, "Complete")
    assert response.status_int == 302
    with app.app_context():
        assert db.session.get(Enrolment, 1).status == "completed"


def test_a_refused_status_note_is_shown_under_its_field_and_kept(app, web_as):
    with app.app_context():
        course = make_course()
        services.nominate(None, course, make_person())
        db.session.commit()
    web = web_as("coordinator")
    long_note = "Visa <refused> " + "x" * 500
    refused = submit(web.get("/enrolments/1"), "Mark as accepted", reason=long_note)
    assert refused.status_int == 422
    note = find_form(refused, "Mark as accepted")["reason"]
    assert note.value == long_note  # nothing typed is lost
    field = refused.html.select_one("#reason-accepted")
    problem = refused.html.select_one(f"#{field['aria-describedby']}")
    assert field["aria-invalid"] == "true" and "500" in problem.get_text()
    assert status_of(app, 1) == "nominated"
    # Shortened, the same form goes through.
    assert submit(refused, "Mark as accepted", reason="Visa granted").status_int == 302
    assert status_of(app, 1) == "accepted"


def status_of(app, enrolment_id):
    with app.app_context():
        return db.session.get(Enrolment, enrolment_id).status
