"""Admin pages: users and the audit log."""

import sqlalchemy as sa

from tests.conftest import csrf_token, login
from wipo_training.audit import AuditEntry
from wipo_training.auth import services as auth_services
from wipo_training.extensions import db


def test_admin_creates_a_user_who_can_sign_in(app, login_as):
    client = login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_token(client, "/admin/users/new"),
            "email": "Sokha@moc.example",
            "display_name": "Sokha Chan",
            "role": "trainee",
            "active": "y",
            "password": "cambodia-2013-ok",
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/users?q=sokha").get_data(as_text=True)
    assert "sokha@moc.example" in page and "Sokha Chan" in page
    assert login(app.test_client(), "sokha@moc.example", "cambodia-2013-ok").status_code == 302


def test_bad_input_is_explained_and_changes_nothing(app, login_as, users):
    client = login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_token(client, "/admin/users/new"),
            "email": users["staff"],
            "display_name": "Dup",
            "role": "staff",
            "password": "",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_token(client, "/admin/users/new"),
            "email": "not-an-email",
            "display_name": "",
            "role": "emperor",
        },
    )
    page = response.get_data(as_text=True)
    assert "Invalid email address." in page and "Not a valid choice" in page
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM users")).scalar() == 4


def test_deactivating_from_the_admin_page_signs_the_user_out(app, login_as, users):
    victim = app.test_client()
    login(victim, users["coordinator"])
    client = login_as("admin")
    with app.app_context():
        user_id = auth_services.user_by_email(users["coordinator"]).id
    response = client.post(
        f"/admin/users/{user_id}",
        data={
            "csrf_token": csrf_token(client, f"/admin/users/{user_id}"),
            "email": users["coordinator"],
            "display_name": "Test Coordinator",
            "role": "coordinator",
        },  # "active" unchecked
    )
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    assert "deactivated" in client.get("/admin/users").get_data(as_text=True)


def test_an_admin_cannot_lock_themselves_out(app, login_as, users):
    client = login_as("admin")
    with app.app_context():
        admin_id = auth_services.user_by_email(users["admin"]).id
    response = client.post(
        f"/admin/users/{admin_id}",
        data={
            "csrf_token": csrf_token(client, f"/admin/users/{admin_id}"),
            "email": users["admin"],
            "display_name": "Test Admin",
            "role": "staff",
            "active": "y",
        },
    )
    assert "You cannot deactivate yourself" in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 200


def test_the_audit_log_records_who_did_what(app, login_as, users):
    client = login_as("admin")
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
    page = client.get("/admin/audit?action=user.update").get_data(as_text=True)
    assert "admin@example.test" in page and "user.update" in page and "Renamed Staff" in page
    assert "user.create" not in page  # filtered


def test_the_user_list_is_paginated(app, login_as):
    with app.app_context():
        for number in range(30):
            auth_services.create_user(
                None, f"p{number:02d}@example.test", f"P {number}", "trainee", None
            )
        db.session.commit()
    client = login_as("admin")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "34 in all, page 1 of 2" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "trainee@example.test" in second and "admin@example.test" not in second


def test_dashboards_differ_by_role(login_as, client):
    login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Users and roles" in page and "Audit log" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login_as("trainee")
    page = client.get("/").get_data(as_text=True)
    assert "trainee@example.test" in page and "Users and roles" not in page
    assert "You see the courses you take part in" in page
