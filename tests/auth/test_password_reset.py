"""A way back in (issue 15, point 10): "Forgot your password?", links that work once and
expire, made by the course team when the server cannot send email."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import webtest

from tests.auth.mailbox import LINK, free_port
from tests.conftest import PASSWORD, submit, web_sign_in
from wipo_training.auth import services as auth_services
from wipo_training.auth.models import Invitation
from wipo_training.extensions import db
from wipo_training.timeutil import utcnow

NEW_PASSWORD = "a brand new passphrase"


def browser(app, **environ):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1", **environ})


def ask_for_a_link(web, email):
    """Click "Forgot your password?" on the sign-in page and send the address."""
    page = web.get("/login").click("Forgot your password?")
    return submit(page, "Send me a link", email=email)


def answer(response) -> str:
    """The message shown after the request (the page it redirects to)."""
    assert response.status_int == 302, response.text
    page = response.follow()
    return " ".join(page.html.select_one(".alert").get_text().split())


def path(link: str) -> str:
    return urlsplit(link).path


def signed_in(web) -> bool:
    return web.get("/").status_int == 200


def test_the_answer_is_the_same_whether_or_not_the_account_exists(app, users, inbox):
    known = answer(ask_for_a_link(browser(app), users["trainee"]))
    unknown = answer(ask_for_a_link(browser(app), "nobody@example.test"))
    assert known == unknown
    assert "If an account uses that address, a link to choose a new password" in known
    assert [m["To"] for m in inbox.messages] == [users["trainee"]]  # the known one only


def test_a_reset_link_works_once_and_signs_out_every_other_browser(app, users, inbox):
    elsewhere = browser(app)
    web_sign_in(elsewhere, users["trainee"])
    web = browser(app)
    ask_for_a_link(web, users["trainee"])
    message = inbox.messages[0]
    assert message["Subject"] == "Your link to choose a new password"
    assert "If you did not ask for it, ignore this message" in message.get_content()
    link = inbox.link_to(users["trainee"])
    assert link.startswith("https://training.example/password/")  # PUBLIC_BASE_URL
    page = web.get(path(link))
    assert "Choose a new password for" in page.text
    response = submit(
        page, "Set password", new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
    )
    assert response.status_int == 302
    assert "Your new password is set. Other browsers have been signed out." in response.follow()
    assert signed_in(web)
    assert not signed_in(elsewhere)  # the reset ended the other session
    assert web_sign_in(browser(app), users["trainee"], PASSWORD).status_int == 200  # refused
    assert web_sign_in(browser(app), users["trainee"], NEW_PASSWORD).status_int == 302
    again = browser(app).get(path(link), expect_errors=True)
    assert again.status_int == 410 and "used already" in again.text
    with app.app_context():
        token_hashes = db.session.execute(sa.select(Invitation.token_hash)).scalars().all()
    assert link.rsplit("/", 1)[1] not in token_hashes  # only a hash is kept


def test_an_expired_link_is_refused(app, users, inbox):
    ask_for_a_link(browser(app), users["staff"])
    link = inbox.link_to(users["staff"])
    with app.app_context():
        invitation = db.session.execute(sa.select(Invitation)).scalar_one()
        assert timedelta(minutes=59) < invitation.expires_at - utcnow() <= timedelta(hours=1)
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = browser(app).get(path(link), expect_errors=True)
    assert response.status_int == 410 and "This link has expired" in response.text


def test_a_newer_link_replaces_the_older_one(app, users, inbox):
    ask_for_a_link(browser(app), users["staff"])
    ask_for_a_link(browser(app), users["staff"])
    first, second = (LINK.search(m.get_content()).group(0) for m in inbox.messages)
    assert browser(app).get(path(first), expect_errors=True).status_int == 410
    assert browser(app).get(path(second)).status_int == 200


def test_a_link_sent_before_a_password_change_stops_working(app, users, inbox):
    ask_for_a_link(browser(app), users["staff"])
    link = inbox.link_to(users["staff"])
    web = browser(app)
    web_sign_in(web, users["staff"])
    submit(
        web.get("/account"),
        "Change password",
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        confirm_password=NEW_PASSWORD,
    )
    assert browser(app).get(path(link), expect_errors=True).status_int == 410


def test_the_emailed_link_ignores_the_host_the_request_named(app, users, inbox):
    """Whoever asks could name their own server as Host: the link must not point there."""
    ask_for_a_link(browser(app, HTTP_HOST="evil.example"), users["staff"])
    link = inbox.link_to(users["staff"])
    assert link.startswith(app.config["PUBLIC_BASE_URL"]) and "evil.example" not in link


def test_without_a_trusted_address_no_link_is_emailed(app, users, inbox):
    """Neither PUBLIC_BASE_URL nor TRUSTED_HOSTS: the link's address could only come from the
    Host header, so none is sent, and the person is told to ask the course team."""
    app.config["PUBLIC_BASE_URL"] = ""
    message = answer(ask_for_a_link(browser(app, HTTP_HOST="evil.example"), users["staff"]))
    assert "does not send these links by email" in message
    assert inbox.messages == []
    app.config["TRUSTED_HOSTS"] = ["localhost"]  # Flask now refuses any other Host
    ask_for_a_link(browser(app), users["staff"])
    assert inbox.link_to(users["staff"]).startswith("http://localhost/password/")


def test_a_mail_server_that_fails_changes_nothing_in_the_answer(app, users, caplog):
    app.config.update(  # nobody listens on that port
        MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), PUBLIC_BASE_URL="https://training.example"
    )
    known = answer(ask_for_a_link(browser(app), users["staff"]))
    unknown = answer(ask_for_a_link(browser(app), "nobody@example.test"))
    assert known == unknown and "is on its way there" in known
    assert "Could not send 'Your link to choose a new password' to staff@example.test" in (
        caplog.text
    )


@pytest.mark.parametrize(
    "typed, problem",
    [
        ("<script>alert(1)</script>", "Invalid email address."),
        ("=1+1", "Invalid email address."),
        ("a" * 300 + "@example.test", "Field cannot be longer than 254 characters."),
        ("", "This field is required."),
    ],
)
def test_bad_addresses_are_explained(app, users, inbox, typed, problem):
    response = ask_for_a_link(browser(app), typed)
    assert response.status_int == 200
    assert problem in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert inbox.messages == []


def test_requests_for_one_address_are_limited(app, users, inbox):
    for _ in range(3):
        assert ask_for_a_link(browser(app), users["staff"]).status_int == 302
    response = ask_for_a_link(browser(app), users["staff"])
    assert response.status_int == 429
    assert "Several links were asked for this address already" in response.text
    assert len(inbox.messages) == 3
    assert ask_for_a_link(browser(app), users["trainee"]).status_int == 302  # another one


def test_the_limit_counts_every_way_of_writing_the_address(app, users, inbox):
    """Issue 16, point 13: ＳTAFF@…, ｓtaff@… and staff@… are one address (NFKC case fold),
    for the account and for the limit alike."""
    for written in ("staff@example.test", "ＳTAFF@example.test", "ｓtaff@Example.test"):
        assert ask_for_a_link(browser(app), written).status_int == 302
    assert [message["To"] for message in inbox.messages] == [users["staff"]] * 3
    response = ask_for_a_link(browser(app), "ſtaff@example.test")
    assert response.status_int == 429


def test_without_email_the_request_waits_for_the_course_team(app, users, web_as):
    """No SMTP server: the same neutral answer, no link made; the admin sees the request,
    makes the link to copy, and the request disappears once the password is chosen."""
    message = answer(ask_for_a_link(browser(app), users["trainee"]))
    assert "does not send these links by email: ask your course coordinator" in message
    assert message == answer(ask_for_a_link(browser(app), "nobody@example.test"))
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Invitation.id))).scalar() == 0
        trainee_id = auth_services.user_by_email(users["trainee"]).id
    admin = web_as("admin")
    users_page = admin.get("/admin/users")
    assert "asked for a new password" in users_page.text
    edit_page = users_page.click(href=f"/admin/users/{trainee_id}$", index=0)
    assert "Asked for a new password" in edit_page.text
    response = submit(edit_page, "Make a password reset link")
    assert "Send this link to trainee@example.test yourself" in response.text
    link = response.html.find(id="link")["value"]
    assert "asked for a new password" not in admin.get("/admin/users").text  # answered
    web = browser(app)
    page = web.get(path(link))
    submit(page, "Set password", new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)
    assert web_sign_in(browser(app), users["trainee"], NEW_PASSWORD).status_int == 302
