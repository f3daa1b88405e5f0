"""Sign-in, sign-out, sessions that can be ended, passwords, throttling.

Every form is submitted as the page renders it (``submit``, ``web_sign_in``)."""

import time

import pytest
import sqlalchemy as sa
import webtest

from tests.conftest import PASSWORD, submit, web_sign_in
from wipo_training.auth import services as auth_services
from wipo_training.auth.models import LoginSession, User
from wipo_training.extensions import db


def browser(app, address="127.0.0.1"):
    """Another browser, from ``address``."""
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": address})


def signed_in(web) -> bool:
    """True when the dashboard opens (an anonymous visitor is sent to sign in)."""
    return web.get("/").status_int == 200


def with_cookie(app, cookie):
    """A fresh browser that replays a copied session cookie."""
    replay = browser(app)
    replay.set_cookie("session", cookie)
    return replay


def sign_out(web):
    return submit(web.get("/account"), "Sign out")


def test_sign_in_shows_the_dashboard(web, users):
    response = web_sign_in(web, users["coordinator"])
    assert response.status_int == 302
    assert response.headers["Location"] == "/"
    page = response.follow().text
    assert "coordinator@example.test" in page
    assert "Coordinator" in page


def test_wrong_password_is_refused_with_a_message(web, users):
    response = web_sign_in(web, users["staff"], "not the password")
    assert response.status_int == 200
    assert "The email or password is not correct." in response.text
    assert not signed_in(web)


def test_unknown_email_gets_the_same_message(web, users):
    response = web_sign_in(web, "nobody@example.test", PASSWORD)
    assert "The email or password is not correct." in response.text


def test_email_is_case_insensitive(web, users):
    assert web_sign_in(web, "  Trainee@Example.TEST ").status_int == 302


def test_a_new_session_identifier_at_login(app, web, users):
    """The cookie before sign-in (with its CSRF secret) is not the cookie after it."""
    page = web.get("/login")
    before = web.cookies.get("session")
    submit(page, "Sign in", email=users["staff"], password=PASSWORD)
    after = web.cookies.get("session")
    assert before and after and before != after
    again = browser(app)
    web_sign_in(again, users["staff"])
    assert again.cookies["session"] != after  # every sign-in is a session of its own


def test_logout_makes_every_copy_of_the_cookie_useless(app, web, users):
    web_sign_in(web, users["coordinator"])
    stolen = web.cookies["session"]
    assert sign_out(web).status_int == 302
    replay = with_cookie(app, stolen)
    response = replay.get("/")
    assert response.status_int == 302 and response.headers["Location"].startswith("/login")
    assert replay.get("/api/v1/me", expect_errors=True).status_int == 401


def test_password_change_ends_other_sessions_but_keeps_this_one(app, web, users):
    web_sign_in(web, users["trainee"])
    other = browser(app)
    web_sign_in(other, users["trainee"])
    old_cookie = web.cookies["session"]
    new_password = "a much longer new password"
    response = submit(
        web.get("/account"),
        "Change password",
        current_password=PASSWORD,
        new_password=new_password,
        confirm_password=new_password,
    )
    assert response.status_int == 302
    assert signed_in(web)  # this browser continues
    assert not signed_in(other)  # the other browser is signed out
    assert not signed_in(with_cookie(app, old_cookie))  # so is the cookie from before
    fresh = browser(app)
    assert web_sign_in(fresh, users["trainee"], PASSWORD).status_int == 200  # old one refused
    assert web_sign_in(fresh, users["trainee"], new_password).status_int == 302


def test_password_change_needs_the_current_password(web_as):
    web = web_as("trainee")
    response = submit(
        web.get("/account"),
        "Change password",
        current_password="wrong",
        new_password="another long password",
        confirm_password="another long password",
    )
    assert response.status_int == 200
    assert "The current password is not correct." in response.text


def test_deactivation_ends_every_session(app, web, users):
    web_sign_in(web, users["staff"])
    with app.app_context():
        admin = auth_services.user_by_email(users["admin"])
        staff = auth_services.user_by_email(users["staff"])
        auth_services.update_user(admin, staff, staff.display_name, staff.role, False)
        db.session.commit()
    assert not signed_in(web)
    assert web_sign_in(browser(app), users["staff"]).status_int == 200  # refused


@pytest.mark.parametrize("length", [128, 256])
def test_long_passwords_work(app, web, users, length):
    password = ("pässwörd-" * 40)[:length]
    with app.app_context():
        user = auth_services.user_by_email(users["staff"])
        auth_services.set_password(None, user, password)
        db.session.commit()
    assert web_sign_in(web, users["staff"], password).status_int == 302


def test_passwords_are_stored_as_scrypt_hashes(app_ctx, users):
    user = auth_services.user_by_email(users["admin"])
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_redirect_after_sign_in_stays_on_this_site(web, users):
    response = web.get("/admin/users")
    assert response.headers["Location"].startswith("/login?next=")
    response = web_sign_in(web, users["admin"], path=response.headers["Location"])
    assert response.headers["Location"] == "/admin/users"  # after the second step too
    sign_out(web)
    response = web_sign_in(web, users["admin"], path="/login?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_login_sessions_are_stored_hashed(app, web, users):
    web_sign_in(web, users["staff"])
    with app.app_context():
        stored = db.session.execute(sa.select(LoginSession.token_hash)).scalars().all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in web.cookies["session"]


class TestThrottling:
    @pytest.fixture
    def app_overrides(self):
        return {
            "LOGIN_FAILURE_LIMIT": "3 per 5 minutes",
            "LOGIN_ACCOUNT_FAILURE_LIMIT": "5 per 5 minutes",
            "LOGIN_ADDRESS_FAILURE_LIMIT": "6 per 5 minutes",
        }

    def test_failed_logins_for_one_account_are_throttled(self, app, web, users):
        for _ in range(3):
            assert web_sign_in(web, users["staff"], "wrong password").status_int == 200
        response = web_sign_in(web, users["staff"], PASSWORD)  # even the right one, for now
        assert response.status_int == 429
        assert "Too many failed sign-ins for this account" in response.text
        # Another account from another address is not affected.
        assert web_sign_in(browser(app, "10.0.0.9"), users["admin"]).status_int == 302

    def test_the_account_alone_has_a_higher_limit(self, app, users):
        """Guessing spread over addresses meets the account's own limit, a little later."""
        for number in range(5):
            elsewhere = browser(app, f"10.0.1.{number}")
            assert web_sign_in(elsewhere, users["staff"], "wrong").status_int == 200
        response = web_sign_in(browser(app, "10.0.2.1"), users["staff"], PASSWORD)
        assert response.status_int == 429
        assert "Too many failed sign-ins for this account" in response.text

    def test_failed_logins_from_one_address_are_throttled_at_a_higher_limit(self, web, users):
        for role in ("staff", "trainee", "admin", "staff", "trainee", "admin"):
            assert web_sign_in(web, users[role], "wrong password").status_int == 200
        response = web_sign_in(web, users["coordinator"], PASSWORD)
        assert response.status_int == 429
        assert "Too many failed sign-ins from this address" in response.text

    def test_successful_logins_do_not_count(self, app, users):
        for _ in range(7):
            assert web_sign_in(browser(app), users["staff"]).status_int == 302


def test_one_person_failing_does_not_lock_out_a_classroom(app, web, users):
    """Issue 15, point 9: five wrong passwords for one trainee on the classroom's shared
    address, with the limits as configured; a colleague at the next desk still signs in, and
    only the first account is throttled there."""
    for _ in range(5):
        assert web_sign_in(web, users["trainee"], "wrong password").status_int == 200
    colleague = browser(app)  # the same address
    response = web_sign_in(colleague, users["staff"])
    assert response.status_int == 302, response.text
    assert "Signed in as Test Staff." in response.follow().text
    assert web_sign_in(web, users["trainee"]).status_int == 429


class TestIdleTimeout:
    @pytest.fixture
    def app_overrides(self):
        from datetime import timedelta

        return {"PERMANENT_SESSION_LIFETIME": timedelta(seconds=1)}

    def test_an_idle_session_is_refused_by_the_server(self, app, web, users):
        web_sign_in(web, users["staff"])
        cookie = web.cookies["session"]
        time.sleep(2.1)
        assert not signed_in(with_cookie(app, cookie))  # a cookie kept past its expiry


def test_cookie_flags(web, users):
    response = web_sign_in(web, users["staff"])
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header


class TestSecureCookie:
    @pytest.fixture
    def app_overrides(self):
        return {"SESSION_COOKIE_SECURE": True}

    def test_secure_flag_when_configured(self, app, users):
        web = webtest.TestApp(app, extra_environ={"wsgi.url_scheme": "https"})
        response = web_sign_in(web, users["staff"])
        assert response.status_int == 302
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

    def test_two_apps_share_the_count(self, app, web, users, database_url, tmp_path):
        from tests.conftest import build_app

        second_app = build_app(
            database_url,
            tmp_path / "second",
            **{
                key: app.config[key]
                for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "LOGIN_FAILURE_LIMIT")
            },
        )
        assert web_sign_in(web, users["staff"], "wrong one").status_int == 200
        other = browser(second_app)
        assert web_sign_in(other, users["staff"], "wrong two").status_int == 200
        assert web_sign_in(web, users["staff"]).status_int == 429
        assert web_sign_in(other, users["staff"]).status_int == 429


def test_sign_in_and_out_are_audited(app, web, users):
    from wipo_training.audit import AuditEntry

    web_sign_in(web, users["staff"])
    sign_out(web)
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


def test_an_active_session_is_kept_alive_once_a_minute(web, users, monkeypatch):
    """The cookie is re-signed (the idle timeout slides) at most every REFRESH_AFTER_SECONDS,
    not on every response."""
    from wipo_training import sessions

    web_sign_in(web, users["staff"])
    web.get("/")  # shows the sign-in message: the session changed, the cookie is sent
    assert "Set-Cookie" not in web.get("/").headers  # just signed: nothing to send
    # A minute later by the session's clock (not by sleeping: a busy machine is slow).
    later = time.time() + sessions.REFRESH_AFTER_SECONDS + 1
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert "session=" in web.get("/").headers["Set-Cookie"]
    assert "Set-Cookie" not in web.get("/").headers


# Issue 16, point 4: where a browser goes after sign-in is a path of this site, read the way a
# browser reads it (tabs and line breaks dropped, a backslash taken as a slash), never a
# pattern over the text.
HOSTILE_NEXT = [
    "/%09/evil.example",
    "/%0d/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "%09//evil.example",
    "/%09%09/evil.example/%2F",
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt%3Aalert(1)",
    "%20//evil.example",
    "/%00/evil.example",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_redirects_to_another_site(web, users, target):
    page = web.get(f"/login?next={target}")
    response = submit(page, "Sign in", email=users["trainee"], password=PASSWORD)
    assert response.status_int == 302, response.text
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target", ["/admin/users", "/courses?year=2013&q=a%2Fb", "/courses/1#timetable"]
)
def test_sign_in_keeps_a_path_of_this_site(web, users, target):
    page = web.get("/login", params={"next": target})
    response = submit(page, "Sign in", email=users["trainee"], password=PASSWORD)
    assert response.headers["Location"] == target


class TestSameCostForEveryEmail:
    """Issue 16, point 6: an unknown email costs the same hash as a known one with a wrong
    password (it cost an eighth: which emails have accounts showed in the timing). Compared
    by the hash parameters werkzeug is given, not by a stopwatch."""

    METHOD = "scrypt:32768:8:1"  # werkzeug's default, as in production

    @pytest.fixture
    def app_overrides(self):
        return {"PASSWORD_HASH_METHOD": self.METHOD}

    @pytest.fixture
    def checked(self, monkeypatch):
        """The method and parameters of every hash sign-in checks a password against."""
        from werkzeug.security import check_password_hash

        methods = []

        def recording(pwhash, password):
            methods.append(pwhash.split("$", 1)[0])
            return check_password_hash(pwhash, password)

        monkeypatch.setattr(auth_services, "check_password_hash", recording)
        return methods

    def test_unknown_email_known_email_and_account_without_password(self, app, web, users, checked):
        with app.app_context():
            auth_services.create_user(None, "invited@example.test", "Invited", "trainee", None)
            db.session.commit()
        for email in (users["trainee"], "nobody@example.test", "invited@example.test"):
            response = web_sign_in(web, email, "not the password")
            assert "The email or password is not correct." in response.text
        assert checked == [self.METHOD] * 3


class TestStrangersCannotLockTheOwnerOut:
    """Issue 16, point 7 (OWASP "device cookies"): a browser that has signed in to an account
    holds a signed cookie for it, and meets only a limit of its own; failures from other
    devices lock the account for unknown devices only."""

    def test_the_owners_device_signs_in_while_strangers_are_locked_out(self, app, users):
        owner = browser(app, "10.0.0.2")  # address B
        assert web_sign_in(owner, users["staff"]).status_int == 302
        assert "device" in owner.cookies  # a known device now
        sign_out(owner)
        # A stranger tries 25 passwords for staff, moving between addresses as a botnet
        # does (from one address the account-and-address limit stops them after 5).
        refused = 0
        for number in range(25):
            stranger = browser(app, f"10.6.6.{number // 5}")  # address A, then others
            response = web_sign_in(stranger, users["staff"], f"guess {number}")
            refused += response.status_int == 429
        assert refused > 0  # the account is locked for unknown devices now
        # The owner, on their own browser from address B: signed in.
        response = web_sign_in(owner, users["staff"])
        assert response.status_int == 302, response.text
        assert "Signed in as Test Staff." in response.follow().text
        # An unknown device at the same address B, with the right password: refused, and told
        # why and what to do.
        response = web_sign_in(browser(app, "10.0.0.2"), users["staff"])
        assert response.status_int == 429
        assert "Too many failed sign-ins for this account from devices that have not " in (
            response.text
        )
        assert "ask for a new password" in response.text

    def test_a_known_device_has_a_limit_of_its_own(self, app, users):
        owner = browser(app)
        web_sign_in(owner, users["trainee"])
        sign_out(owner)
        for _ in range(5):
            assert web_sign_in(owner, users["trainee"], "typo").status_int == 200
        response = web_sign_in(owner, users["trainee"])
        assert response.status_int == 429
        assert "from this browser" in response.text

    def test_the_cookie_counts_only_for_its_own_account_and_cannot_be_forged(self, app, users):
        owner = browser(app)
        web_sign_in(owner, users["trainee"])
        sign_out(owner)
        # Known for the trainee, unknown for staff: staff's account-and-address limit holds.
        for _ in range(5):
            web_sign_in(owner, users["staff"], "guess")
        assert web_sign_in(owner, users["staff"]).status_int == 429
        # A cookie not signed with the secret key is no device cookie.
        forger = browser(app)
        forger.set_cookie("device", owner.cookies["device"][:-3] + "AAA")
        for _ in range(5):
            web_sign_in(forger, users["trainee"], "guess")
        assert web_sign_in(forger, users["trainee"]).status_int == 429
