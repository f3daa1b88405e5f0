"""Admin pages: users, their way in, and the audit log. Forms are submitted as rendered."""

from urllib.parse import urlsplit

import sqlalchemy as sa
import webtest

from tests.conftest import enrol_second_factor, find_form, press, submit, web_sign_in
from wipo_training.audit import AuditEntry
from wipo_training.auth import services as auth_services
from wipo_training.extensions import db

HOSTILE = "<script>alert(1)</script>"


def browser(app):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def user_id(app, email):
    with app.app_context():
        return auth_services.user_by_email(email).id


def user_count(app):
    with app.app_context():
        return db.session.execute(sa.text("SELECT count(*) FROM users")).scalar()


def test_admin_creates_a_user_who_can_sign_in(app, web_as):
    web = web_as("admin")
    response = submit(
        web.get("/admin/users").click("New user"),
        "Save",
        email="Sokha@moc.example",
        display_name="Sokha Chan",
        role="trainee",
        password="cambodia-2013-ok",
    )
    assert response.status_int == 302
    page = web.get("/admin/users?q=sokha").text
    assert "sokha@moc.example" in page and "Sokha Chan" in page
    assert "no password yet" not in page
    assert web_sign_in(browser(app), "sokha@moc.example", "cambodia-2013-ok").status_int == 302


def test_a_user_created_without_a_password_is_invited(app, web_as):
    """Issue 15, point 10: no password given, the admin gets an invitation link to send (no
    email on this server); it works once, and the name is shown as text."""
    web = web_as("admin")
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email="sokha@moc.example",
        display_name=HOSTILE,
        role="coordinator",
    )
    assert response.status_int == 200
    assert "Send this link to sokha@moc.example yourself" in response.text
    assert HOSTILE not in response.text and "&lt;script&gt;" in response.text
    link = response.html.find(id="link")["value"]
    assert "/invitation/" in link and "until" in response.text
    assert "no password yet" in web.get("/admin/users").text
    newcomer = browser(app)
    page = newcomer.get(urlsplit(link).path)
    assert "Choose a password for" in page.text
    password = "=1+1 and a long one"
    response = submit(page, "Set password", new_password=password, confirm_password=password)
    # A coordinator signs in with a second factor: set up before going on (issue 16).
    setup = response.follow()
    assert "Your password is set. Welcome!" in setup.text
    assert "Set up two-factor sign-in for &lt;script&gt;" in setup.text
    response, _secret = enrol_second_factor(setup)
    assert "Your recovery codes" in response.text
    assert newcomer.get("/").status_int == 200
    assert "no password yet" not in web.get("/admin/users").text
    assert browser(app).get(urlsplit(link).path, expect_errors=True).status_int == 410


def test_the_invitation_is_emailed_when_mail_is_set_up(app, web_as, inbox):
    web = web_as("admin")
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email="sokha@moc.example",
        display_name="Sokha Chan",
        role="staff",
    )
    assert "The link was emailed to sokha@moc.example." in response.text
    message = inbox.messages[0]
    assert message["Subject"] == "Your account for the WIPO training courses"
    assert "Dear Sokha Chan" in message.get_content()
    assert inbox.link_to("sokha@moc.example") == response.html.find(id="link")["value"]


def test_an_inactive_new_user_gets_no_invitation(app, web_as):
    web = web_as("admin")
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email="later@moc.example",
        display_name="Later",
        role="staff",
        active=False,
    )
    assert response.status_int == 302
    page = web.get(f"/admin/users/{user_id(app, 'later@moc.example')}")
    assert "reactivate it before making a link" in page.text
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM invitations")).scalar() == 0


def test_the_edit_page_makes_a_password_reset_link(app, web_as, users):
    web = web_as("admin")
    page = web.get(f"/admin/users/{user_id(app, users['staff'])}")
    assert "Last signed in" in page.text
    response = submit(page, "Make a password reset link")
    assert "Password reset link for Test Staff" in response.text
    link = response.html.find(id="link")["value"]
    assert "/password/" in link
    assert response.click("Back").request.path == page.request.path
    assert "works until" in web.get(page.request.path).text  # the open link, not its secret


def test_bad_input_is_explained_and_changes_nothing(app, web_as, users):
    web = web_as("admin")
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email=users["staff"],
        display_name="Dup",
        role="staff",
    )
    assert response.status_int == 200
    assert "already exists" in response.text
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email="not-an-email",
        display_name="",
        password="short",
    )
    assert "Invalid email address." in response.text
    assert "This field is required." in response.text
    assert "Field must be between 10 and 256 characters long." in response.text
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email="long@moc.example",
        display_name="x" * 201,
    )
    assert "Field cannot be longer than 200 characters." in response.text
    assert user_count(app) == 4


def test_a_role_not_offered_is_refused(app, web_as):
    web = web_as("admin")
    form = find_form(web.get("/admin/users/new"), "Save")
    form["role"].force_value("emperor")  # what a tampered page would send
    response = press(form, "Save", email="x@moc.example", display_name="X")
    assert "Not a valid choice" in response.text
    assert user_count(app) == 4


def test_deactivating_from_the_admin_page_signs_the_user_out(app, web_as, users):
    victim = browser(app)
    web_sign_in(victim, users["coordinator"])
    web = web_as("admin")
    page = web.get(f"/admin/users/{user_id(app, users['coordinator'])}")
    response = submit(page, "Save", active=False)
    assert response.status_int == 302
    assert victim.get("/").status_int == 302
    assert "deactivated" in web.get("/admin/users").text


def test_an_admin_cannot_lock_themselves_out(app, web_as, users):
    web = web_as("admin")
    page = web.get(f"/admin/users/{user_id(app, users['admin'])}")
    response = submit(page, "Save", role="staff")
    assert "You cannot deactivate yourself" in response.text
    assert web.get("/admin/users").status_int == 200


def test_the_audit_log_records_who_did_what(app, web_as, users):
    web = web_as("admin")
    with app.app_context():
        staff = auth_services.user_by_email(users["staff"])
        admin = auth_services.user_by_email(users["admin"])
        auth_services.update_user(admin, staff, "Renamed Staff", "staff", True)
        db.session.commit()
        entry = db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "user.update")
        ).scalar_one()
        assert entry.actor_id == admin.id and entry.object_id == str(staff.id)
        assert entry.details == {"display_name": ["Test Staff", "Renamed Staff"]}
    page = web.get("/admin/audit?action=user.update").text
    assert "admin@example.test" in page and "user.update" in page and "Renamed Staff" in page
    assert "user.create" not in page  # filtered


def test_the_user_list_is_paginated(app, web_as):
    with app.app_context():
        for number in range(30):
            auth_services.create_user(
                None, f"p{number:02d}@example.test", f"P {number}", "trainee", None
            )
        db.session.commit()
    web = web_as("admin")
    first = web.get("/admin/users").text
    assert "34 in all, page 1 of 2" in first
    second = web.get("/admin/users?page=2").text
    assert "trainee@example.test" in second and "admin@example.test" not in second


def test_dashboards_differ_by_role(app, web_as):
    web = web_as("admin")
    page = web.get("/").text
    assert "Users and roles" in page and "Audit log" in page
    submit(web.get("/"), "Sign out")
    page = web_as("trainee").get("/").text
    assert "trainee@example.test" in page and "Users and roles" not in page
    assert "You see the courses you take part in" in page
