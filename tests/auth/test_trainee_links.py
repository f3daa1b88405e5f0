"""A confirmed trainee's way in, from the participant's page (issue 15, point 10): the
invitation renewed (it cannot be shown again: only its hash is kept), later a reset link."""

from urllib.parse import urlsplit

import sqlalchemy as sa
import webtest

from tests.conftest import make_course, make_person, submit, web_sign_in
from wipo_training.auth import services as auth_services
from wipo_training.auth.models import Invitation
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services

HOSTILE_NAME = "<script>alert(1)</script>"
TRAINEE_EMAIL = "lan@noip.example"
NEW_PASSWORD = "my own long password"


def confirmed_trainee(app, given_name="Thi Lan"):
    """A confirmed participant with an email: a trainee account and its first invitation."""
    with app.app_context():
        person = make_person(given_name=given_name, email=TRAINEE_EMAIL)
        enrolment = participant_services.nominate(None, make_course(), person)
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        first = participant_services.change_enrolment_status(None, enrolment, "confirmed")
        db.session.commit()
        return enrolment.id, person.id, first


def sign_in_page(web, enrolment_id):
    return web.get(f"/enrolments/{enrolment_id}").click("Invitation or password reset link")


def path(link):
    return urlsplit(link).path


def test_the_invitation_is_renewed_from_the_participants_page(app, web_as):
    enrolment_id, _person_id, first = confirmed_trainee(app, given_name=HOSTILE_NAME)
    web = web_as("coordinator")
    page = sign_in_page(web, enrolment_id)
    assert "not chosen yet" in page.text and "It cannot be shown again" in page.text
    assert HOSTILE_NAME not in page.text and "&lt;script&gt;" in page.text
    response = submit(page, "Make an invitation link")
    assert response.status_int == 200
    assert "Send this link to lan@noip.example yourself" in response.text
    assert HOSTILE_NAME not in response.text
    link = response.html.find(id="link")["value"]
    assert "/invitation/" in link
    assert response.click("Back").request.path == f"/enrolments/{enrolment_id}"

    trainee = webtest.TestApp(app)
    old = trainee.get(f"/invitation/{first}", expect_errors=True)
    assert old.status_int == 410  # the renewed link replaced the first one
    page = trainee.get(path(link))
    assert "Choose a password for" in page.text
    response = submit(
        page, "Set password", new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert response.status_int == 302
    assert "Your password is set. Welcome!" in response.follow().text

    # Later, a forgotten password: the same page now makes a reset link.
    page = sign_in_page(web, enrolment_id)
    assert "Last signed in" in page.text and "never" not in page.text
    response = submit(page, "Make a password reset link")
    reset = response.html.find(id="link")["value"]
    assert "/password/" in reset
    page = webtest.TestApp(app).get(path(reset))
    assert "Choose a new password for" in page.text
    again = "yet another password"
    submit(page, "Set password", new_password=again, confirm_password=again)
    assert trainee.get("/").status_int == 302  # the trainee's other browser was signed out
    assert web_sign_in(webtest.TestApp(app), TRAINEE_EMAIL, again).status_int == 302


def test_the_renewed_invitation_is_emailed_when_mail_is_set_up(app, web_as, inbox):
    enrolment_id, _person_id, _first = confirmed_trainee(app)
    response = submit(sign_in_page(web_as("coordinator"), enrolment_id), "Make an invitation link")
    assert "The link was emailed to lan@noip.example." in response.text
    emailed = inbox.link_to(TRAINEE_EMAIL)
    assert emailed == response.html.find(id="link")["value"]
    assert inbox.messages[0]["Subject"] == "Your account for the WIPO training courses"


def test_a_coordinator_cannot_make_a_link_into_another_roles_account(app, web_as, users):
    """Only trainee accounts: a person record linked to an admin gives the coordinator
    nothing to press, and a hand-made POST makes no link."""
    with app.app_context():
        person = make_person(email="someone@example.test")
        admin = auth_services.user_by_email(users["admin"])
        admin.person_id = person.id
        db.session.commit()
        person_id = person.id
    web = web_as("coordinator")
    page = web.get(f"/people/{person_id}/sign-in")
    assert "No trainee account belongs to this person yet" in page.text
    assert "Make a password reset link" not in page.text
    # What an attacker would send: the page's CSRF token (from its sign-out form), no button.
    csrf = page.html.find("input", {"name": "csrf_token"})["value"]
    assert web.post(f"/people/{person_id}/sign-in", {"csrf_token": csrf}).status_int == 200
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Invitation.id))).scalar() == 0


def test_a_deactivated_trainee_gets_no_link(app, web_as):
    enrolment_id, _person_id, _first = confirmed_trainee(app)
    with app.app_context():
        user = auth_services.user_by_email(TRAINEE_EMAIL)
        auth_services.update_user(None, user, user.display_name, user.role, False)
        db.session.commit()
    page = sign_in_page(web_as("coordinator"), enrolment_id)
    assert "The account is deactivated" in page.text
    assert "Make an invitation link" not in page.text


def test_the_link_is_offered_only_for_confirmed_participants(app, web_as):
    with app.app_context():
        enrolment = participant_services.nominate(
            None, make_course(), make_person(email=TRAINEE_EMAIL)
        )
        db.session.commit()
        enrolment_id = enrolment.id
    page = web_as("coordinator").get(f"/enrolments/{enrolment_id}")
    assert "Invitation or password reset link" not in page.text
