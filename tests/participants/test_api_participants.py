"""The participants API and invitations sent by email through a real SMTP server."""

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import create_token, make_course, make_person, submit
from wipo_training.courses import services as course_services
from wipo_training.extensions import db
from wipo_training.participants import services


def test_list_and_nominate_through_the_api(app, users):
    with app.app_context():
        course = make_course()
        course_services.set_quotas(None, course, {"VN": 1})
        make_person(family_name="Tran", given_name="Thi Hoa", email="hoa@noip.example")
        db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    client = app.test_client()
    response = client.post(
        "/api/v1/courses/1/participants",
        headers=headers,
        json={
            "family_name": "Tran",
            "given_name": "Thi Hoa",
            "country_code": "VN",
            "email": "HOA@noip.example",
            "organisation_name": "NOIP",
            "organisation_kind": "ip_office",
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["person_reused"] is True and response.json["status"] == "nominated"
    full = client.post(
        "/api/v1/courses/1/participants",
        headers=headers,
        json={"family_name": "Le", "country_code": "VN"},
    )
    assert full.status_code == 409 and "Viet Nam has 1 seats" in full.json["message"]
    forced = client.post(
        "/api/v1/courses/1/participants",
        headers=headers,
        json={"family_name": "Le", "country_code": "VN", "override_reason": "Speaker"},
    )
    assert forced.status_code == 201 and forced.json["quota_override_reason"] == "Speaker"
    bad = client.post(
        "/api/v1/courses/1/participants",
        headers=headers,
        json={"family_name": "X", "country_code": "UK"},
    )
    assert bad.status_code == 422 and "use GB" in bad.json["message"]
    listing = client.get("/api/v1/courses/1/participants", headers=headers).json
    assert [e["person"]["family_name"] for e in listing] == ["Le", "Tran"]
    person = client.get(f"/api/v1/people/{listing[1]['person']['id']}", headers=headers).json
    assert person["courses"][0]["code"] == "ENF-2013" and person["meetings"] == []


def test_a_trainee_sees_only_their_own_person_record(app, users):
    with app.app_context():
        person = make_person(email=users["trainee"])
        other = make_person(family_name="Other")
        services.nominate(None, make_course(), person)
        from wipo_training.auth.services import user_by_email

        user_by_email(users["trainee"]).person_id = person.id
        db.session.commit()
        own, other_id = person.id, other.id
    headers = {"Authorization": f"Bearer {create_token(app, users['trainee'])}"}
    client = app.test_client()
    assert client.get(f"/api/v1/people/{own}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/people/{other_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/courses/1/participants", headers=headers).status_code == 403


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_confirming_emails_the_invitation_when_smtp_is_configured(app, web_as, smtp_server):
    port, inbox = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        course = make_course()
        enrolment = services.nominate(None, course, make_person(email="lan@noip.example"))
        services.change_enrolment_status(None, enrolment, "accepted")
        db.session.commit()
    web = web_as("coordinator")
    page = submit(web.get("/courses/1/participants"), "Confirm")
    assert "An invitation was emailed to lan@noip.example." in page.text
    assert len(inbox.messages) == 1 and inbox.messages[0].rcpt_tos == ["lan@noip.example"]
    body = inbox.messages[0].content.decode()
    link = page.html.find(id="link")["value"]
    assert link in body and "/invitation/" in link
