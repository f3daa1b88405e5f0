"""Sign-in, sign-out, sessions that can be ended, passwords, throttling."""

import time

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, csrf_token, login, logout
from wipo_training.auth import services as auth_services
from wipo_training.auth.models import LoginSession, User
from wipo_training.extensions import db


def session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_sign_in_shows_the_dashboard(client, users):
    response = login(client, users["coordinator"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "coordinator@example.test" in page
    assert "Coordinator" in page


def test_wrong_password_is_refused_with_a_message(client, users):
    response = login(client, users["staff"], "not the password")
    assert response.status_code == 200
    assert "The email or password is not correct." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_email_gets_the_same_message(client, users):
    response = login(client, "nobody@example.test", PASSWORD)
    assert "The email or password is not correct." in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, users):
    assert login(client, "  Trainee@Example.TEST ").status_code == 302


def test_a_new_session_identifier_at_login(client, users):
    """The cookie before sign-in (with its CSRF secret) is not the cookie after it."""
    client.get("/login")
    before = session_cookie(client)
    login(client, users["staff"])
    after = session_cookie(client)
    assert before and after and before != after
    login_again = client.application.test_client()
    login(login_again, users["staff"])
    assert session_cookie(login_again) != after  # every sign-in is a session of its own


def test_logout_makes_every_copy_of_the_cookie_useless(app, client, users):
    login(client, users["coordinator"])
    stolen = session_cookie(client)
    assert logout(client).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert replay.get("/api/v1/me").status_code == 401


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, users):
    login(client, users["trainee"])
    other = app.test_client()
    login(other, users["trainee"])
    old_cookie = session_cookie(client)
    new_password = "a much longer new password"
    response = client.post(
        "/account",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "current_password": PASSWORD,
            "new_password": new_password,
            "confirm_password": new_password,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser continues
    assert other.get("/").status_code == 302  # the other browser is signed out
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/").status_code == 302  # so is the cookie from before the change
    fresh = app.test_client()
    assert login(fresh, users["trainee"], PASSWORD).status_code == 200  # old password refused
    assert login(fresh, users["trainee"], new_password).status_code == 302


def test_password_change_needs_the_current_password(client, users):
    login(client, users["trainee"])
    response = client.post(
        "/account",
        data={
            "csrf_token": csrf_token(client, "/account"),
            "current_password": "wrong",
            "new_password": "another long password",
            "confirm_password": "another long password",
        },
    )
    assert response.status_code == 200
    assert "The current password is not correct." in response.get_data(as_text=True)


def test_deactivation_ends_every_session(app, client, users):
    login(client, users["staff"])
    with app.app_context():
        admin = auth_services.user_by_email(users["admin"])
        staff = auth_services.user_by_email(users["staff"])
        auth_services.update_user(admin, staff, staff.display_name, staff.role, False)
        db.session.commit()
    assert client.get("/").status_code == 302
    assert login(app.test_client(), users["staff"]).status_code == 200  # refused


@pytest.mark.parametrize("length", [128, 256])
def test_long_passwords_work(app, client, users, length):
    password = ("pässwörd-" * 40)[:length]
    with app.app_context():
        user = auth_services.user_by_email(users["staff"])
        auth_services.set_password(None, user, password)
        db.session.commit()
    assert login(client, users["staff"], password).status_code == 302


def test_passwords_are_stored_as_scrypt_hashes(app_ctx, users):
    user = auth_services.user_by_email(users["admin"])
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_redirect_after_sign_in_stays_on_this_site(client, users):
    assert client.get("/admin/users").headers["Location"].startswith("/login?next=")
    response = login(client, users["admin"], next_url="/admin/users")
    assert response.headers["Location"] == "/admin/users"
    logout(client)
    response = login(client, users["admin"], next_url="//evil.example/")
    assert response.headers["Location"] == "/"


def test_login_sessions_are_stored_hashed(app, client, users):
    login(client, users["staff"])
    with app.app_context():
        stored = db.session.execute(sa.select(LoginSession.token_hash)).scalars().all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in client.get_cookie("session").value


class TestThrottling:
    @pytest.fixture
    def app_overrides(self):
        return {"LOGIN_FAILURE_LIMIT": "3 per 5 minutes"}

    def test_failed_logins_for_one_account_are_throttled(self, app, client, users):
        for _ in range(3):
            assert login(client, users["staff"], "wrong password").status_code == 200
        response = login(client, users["staff"], PASSWORD)  # even the right one, for now
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.get_data(as_text=True)
        # Another account from another address is not affected.
        other = app.test_client()
        other_login = other.post(
            "/login",
            data={"email": users["admin"], "password": PASSWORD, "csrf_token": csrf_token(other)},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert other_login.status_code == 302

    def test_failed_logins_from_one_address_are_throttled(self, client, users):
        for role in ("staff", "trainee", "admin"):
            login(client, users[role], "wrong password")
        assert login(client, users["coordinator"], PASSWORD).status_code == 429

    def test_successful_logins_do_not_count(self, app, users):
        for _ in range(5):
            client = app.test_client()
            assert login(client, users["staff"]).status_code == 302


class TestIdleTimeout:
    @pytest.fixture
    def app_overrides(self):
        from datetime import timedelta

        return {"PERMANENT_SESSION_LIFETIME": timedelta(seconds=1)}

    def test_an_idle_session_is_refused_by_the_server(self, app, client, users):
        login(client, users["staff"])
        cookie = session_cookie(client)
        time.sleep(2.1)
        replay = app.test_client()
        replay.set_cookie("session", cookie)  # a cookie kept past its expiry
        assert replay.get("/").status_code == 302


def test_cookie_flags(client, users):
    response = login(client, users["staff"])
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header


class TestSecureCookie:
    @pytest.fixture
    def app_overrides(self):
        return {"SESSION_COOKIE_SECURE": True}

    def test_secure_flag_when_configured(self, client, users):
        response = login(client, users["staff"])
        assert "Secure" in response.headers["Set-Cookie"]


def test_user_model_repr(app_ctx, users):
    user = db.session.execute(sa.select(User).where(User.role == "admin")).scalar_one()
    assert repr(user) == "<User admin@example.test (admin)>"


class TestThrottlingWithRedis:
    """Several server processes share one count when the limiter stores it in Redis."""

    @pytest.fixture
    def app_overrides(self):
        import uuid

        return {
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "RATELIMIT_KEY_PREFIX": f"wipo-test-{uuid.uuid4().hex}",
            "LOGIN_FAILURE_LIMIT": "2 per 5 minutes",
        }

    def test_two_apps_share_the_count(self, app, client, users, database_url, tmp_path):
        from tests.conftest import build_app

        second_app = build_app(
            database_url,
            tmp_path / "second",
            **{
                key: app.config[key]
                for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "LOGIN_FAILURE_LIMIT")
            },
        )
        assert login(client, users["staff"], "wrong one").status_code == 200
        other = second_app.test_client()
        assert login(other, users["staff"], "wrong two").status_code == 200
        assert login(client, users["staff"]).status_code == 429
        assert login(other, users["staff"]).status_code == 429


def test_sign_in_and_out_are_audited(app, client, users):
    from wipo_training.audit import AuditEntry

    login(client, users["staff"])
    logout(client)
    with app.app_context():
        actions = (
            db.session.execute(
                sa.select(AuditEntry.action)
                .where(AuditEntry.actor_label == users["staff"])
                .order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["user.login", "user.logout"]


def test_an_active_session_is_kept_alive_once_a_minute(client, users, monkeypatch):
    """The cookie is re-signed (the idle timeout slides) at most every REFRESH_AFTER_SECONDS,
    not on every response."""
    from wipo_training import sessions

    monkeypatch.setattr(sessions, "REFRESH_AFTER_SECONDS", 1)
    login(client, users["staff"])
    client.get("/")  # shows the sign-in message: the session changed, the cookie is sent
    assert "Set-Cookie" not in client.get("/").headers  # just signed: nothing to send
    time.sleep(1.1)
    assert "session=" in client.get("/").headers["Set-Cookie"]  # older: slid forward
    assert "Set-Cookie" not in client.get("/").headers
