"""Issue 16, two-factor sign-in: codes from an authenticator app (TOTP), set up with a QR code,
ten single-use recovery codes stored hashed; roles that must have it are a setting; an admin
resets it. Every form is submitted as the page renders it; codes are computed with pyotp from
the key the page shows, as an authenticator app does."""

import time
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa
import webtest

from tests.conftest import (
    PASSWORD,
    TOTP_SECRET,
    enrol_second_factor,
    submit,
    totp_code,
    web_sign_in,
)
from wipo_training.audit import AuditEntry
from wipo_training.auth import services as auth_services
from wipo_training.auth import two_factor
from wipo_training.auth.models import LoginSession, RecoveryCode, User
from wipo_training.extensions import db

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def app_overrides():
    # What production accepts: the code of now, and of one step (30 s) either side.
    return {"TOTP_VALID_WINDOW": 1}


def browser(app, address="127.0.0.1"):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": address})


def signed_in(web) -> bool:
    return web.get("/").status_int == 200


def password_step(web, email, password=PASSWORD):
    return submit(web.get("/login"), "Sign in", email=email, password=password)


def login_sessions(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(LoginSession)).scalar()


def audit_actions(app, action_prefix):
    with app.app_context():
        return db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.actor_label, AuditEntry.object_id)
            .where(AuditEntry.action.like(f"{action_prefix}%"))
            .order_by(AuditEntry.id)
        ).all()


def test_a_required_role_is_asked_for_the_code_after_the_password(app, web, users):
    response = password_step(web, users["staff"])
    assert response.status_int == 302 and response.headers["Location"] == "/login/code"
    assert not signed_in(web)  # the password alone opens nothing
    assert login_sessions(app) == 0
    page = web.get("/login/code")
    assert "Signing in as <strong>staff@example.test</strong>" in page.text
    for wrong in ("000000", HOSTILE, "=1+1", "9" * 40):
        response = submit(page, "Verify code", code=wrong)
        assert response.status_int == 200
        assert "That code is not correct." in response.text
        assert HOSTILE not in response.text
        page = response
    assert not signed_in(web)
    response = submit(page, "Verify code", code=pyotp.TOTP(TOTP_SECRET).now())
    assert response.status_int == 302 and response.headers["Location"] == "/"
    assert "Signed in as Test Staff." in response.follow().text
    assert login_sessions(app) == 1


def test_a_code_is_accepted_once(app, users):
    """RFC 6238 section 5.2: a code that signed in once never signs in again, even from
    another browser within the same 30 seconds."""
    first, second = browser(app), browser(app, "10.0.0.2")
    code = pyotp.TOTP(TOTP_SECRET).now()
    password_step(first, users["admin"])
    assert submit(first.get("/login/code"), "Verify code", code=code).status_int == 302
    password_step(second, users["admin"])
    response = submit(second.get("/login/code"), "Verify code", code=code)
    assert response.status_int == 200
    assert "This code has been used already" in response.text
    assert not signed_in(second)


def test_an_old_code_is_refused(app, web, users):
    password_step(web, users["coordinator"])
    stale = pyotp.TOTP(TOTP_SECRET).at(time.time() - 120)  # four steps ago
    response = submit(web.get("/login/code"), "Verify code", code=stale)
    assert "That code is not correct." in response.text
    assert not signed_in(web)


def test_the_code_step_is_throttled(app, web, users):
    password_step(web, users["staff"])
    page = web.get("/login/code")
    for _ in range(5):
        page = submit(page, "Verify code", code="123456")
    response = submit(web.get("/login/code"), "Verify code", code=pyotp.TOTP(TOTP_SECRET).now())
    assert response.status_int == 429
    assert "Too many wrong codes for this account" in response.text


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(web, users):
    response = web.get("/login/code")
    assert response.status_int == 302 and response.headers["Location"] == "/login"
    response = web.get("/login/two-factor")
    assert response.status_int == 302 and response.headers["Location"] == "/login"


def test_the_destination_survives_the_second_step(web, users):
    response = web_sign_in(web, users["admin"], path="/login?next=/admin/users")
    assert response.headers["Location"] == "/admin/users"


def test_a_trainee_signs_in_with_the_password_alone(web, users):
    response = password_step(web, users["trainee"])
    assert response.status_int == 302 and response.headers["Location"] == "/"


def test_a_trainee_turns_it_on_uses_a_recovery_code_and_turns_it_off(app, web_as, users):
    web = web_as("trainee")
    account = web.get("/account")
    assert "Turn on two-factor sign-in" in account.text
    setup = account.click("Turn on two-factor sign-in")
    assert setup.html.find("svg") is not None  # the QR code, inline
    # The key shown below the QR code is the secret in the otpauth address it encodes.
    key = "".join(setup.html.find(id="totp-key")["value"].split())
    assert len(key) == 32
    response = submit(setup, "Turn on two-factor sign-in", code="123456")
    assert "That is not the code your app shows now." in response.text
    response, secret = enrol_second_factor(response)
    assert secret == key  # the same key across a failed try
    codes = [li.get_text() for li in response.html.select("ul.recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 19 for code in codes)  # xxxx-xxxx-xxxx-xxxx
    with app.app_context():
        stored = db.session.execute(sa.select(RecoveryCode.code_hash)).scalars().all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in stored_hash for code in codes for stored_hash in stored)
    assert "10 recovery codes left" in web.get("/account").text

    submit(web.get("/account"), "Sign out")
    response = password_step(web, users["trainee"])
    assert response.headers["Location"] == "/login/code"
    # A recovery code, typed in capitals with spaces: it works once.
    typed = codes[3].upper().replace("-", " ")
    response = submit(web.get("/login/code"), "Verify code", code=typed)
    assert response.status_int == 302
    assert "9 recovery codes left" in web.get("/account").text
    other = browser(app)
    password_step(other, users["trainee"])
    response = submit(other.get("/login/code"), "Verify code", code=codes[3])
    assert "That code is not correct." in response.text
    assert [a for a, _by, _id in audit_actions(app, "user.recovery_code")] == [
        "user.recovery_codes_new",  # with the app, at set-up
        "user.recovery_code_used",
    ]

    # New codes replace the old ones.
    response = submit(web.get("/account"), "Make new recovery codes")
    fresh = [li.get_text() for li in response.html.select("ul.recovery-codes li")]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert "10 recovery codes left" in web.get("/account").text

    # Turning it off needs the password.
    response = submit(web.get("/account"), "Turn off two-factor sign-in", password="wrong")
    assert response.status_int == 422
    # The problem is under the password field and tied to it for screen readers.
    password = response.html.select_one("#password")
    problem = response.html.select_one(f"#{password['aria-describedby']}")
    assert problem.get_text() == "Two-factor sign-in is still on. The password is not correct."
    assert password["aria-invalid"] == "true" and password["autocomplete"] == "current-password"
    response = submit(response, "Turn off two-factor sign-in", password="")
    assert "Type your password to turn two-factor sign-in off." in response.text
    response = submit(web.get("/account"), "Turn off two-factor sign-in", password=PASSWORD)
    assert "Two-factor sign-in is off." in response.follow().text
    with app.app_context():
        user = auth_services.user_by_email(users["trainee"])
        assert (user.totp_secret, user.totp_last_step) == (None, None)
        assert db.session.execute(sa.select(RecoveryCode)).first() is None
    actions = audit_actions(app, "user.two_factor")
    assert [a for a, by, _id in actions if by == users["trainee"]] == [
        "user.two_factor_on",
        "user.two_factor_off",
    ]


def test_a_required_role_cannot_turn_it_off(app, web_as, users):
    web = web_as("staff")
    page = web.get("/account")
    assert "Turn off two-factor sign-in" not in page.text
    assert "Your role (Staff) signs in with a second factor" in page.text
    with app.app_context():
        user = auth_services.user_by_email(users["staff"])
        with pytest.raises(auth_services.AuthError, match="must sign in with a second factor"):
            two_factor.turn_off(user, PASSWORD)


def test_a_required_role_without_one_sets_it_up_at_sign_in(app, web, users):
    with app.app_context():
        auth_services.create_user(None, "new.staff@example.test", "New Staff", "staff", PASSWORD)
        db.session.commit()
    response = password_step(web, "new.staff@example.test")
    assert response.headers["Location"] == "/login/two-factor"
    assert not signed_in(web) and login_sessions(app) == 0
    setup = response.follow()
    assert "Your role (Staff) signs in with a second factor" in setup.text
    response = submit(setup, "Turn on two-factor sign-in", code=HOSTILE)
    assert response.status_int == 200 and HOSTILE not in response.text
    assert not signed_in(web)
    response, secret = enrol_second_factor(response)
    assert "Your recovery codes" in response.text
    assert response.html.find("a", string="I have kept them: continue")["href"] == "/"
    assert signed_in(web) and login_sessions(app) == 1
    # The code that turned it on cannot sign in again (the code of the step it was taken at:
    # now() may already be the next 30 seconds' code).
    with app.app_context():
        step = auth_services.user_by_email("new.staff@example.test").totp_last_step
    other = browser(app)
    password_step(other, "new.staff@example.test")
    used = pyotp.TOTP(secret).generate_otp(step)
    response = submit(other.get("/login/code"), "Verify code", code=used)
    assert "This code has been used already" in response.text


class TestRequiredRolesSetting:
    @pytest.fixture
    def app_overrides(self):
        return {"TWO_FACTOR_REQUIRED_ROLES": ("admin",)}

    def test_only_the_roles_named_must_have_it(self, app, web):
        with app.app_context():
            auth_services.create_user(None, "s@example.test", "S", "staff", PASSWORD)
            auth_services.create_user(None, "a@example.test", "A", "admin", PASSWORD)
            db.session.commit()
        assert password_step(web, "s@example.test").headers["Location"] == "/"
        other = browser(app)
        assert password_step(other, "a@example.test").headers["Location"] == "/login/two-factor"


def test_an_admin_resets_a_lost_second_factor(app, web_as, users):
    staff = browser(app, "10.0.0.5")
    web_sign_in(staff, users["staff"])
    assert signed_in(staff)
    admin = web_as("admin")
    staff_id = str(_user_id(app, users["staff"]))
    page = admin.get(f"/admin/users/{staff_id}")
    assert "since" in page.html.find(id="sign-in-heading").find_parent("section").text
    response = submit(page, "Reset two-factor sign-in")
    assert "is reset; they are signed out everywhere" in response.follow().text
    assert not signed_in(staff)  # their sessions ended
    assert audit_actions(app, "user.two_factor_reset") == [
        ("user.two_factor_reset", users["admin"], staff_id)
    ]
    # At the next sign-in, they set up their new phone.
    assert password_step(staff, users["staff"]).headers["Location"] == "/login/two-factor"
    # Nothing left to reset; and an admin does not reset their own.
    assert "Reset two-factor sign-in" not in admin.get(f"/admin/users/{staff_id}").text
    with app.app_context():
        me = auth_services.user_by_email(users["admin"])
        with pytest.raises(auth_services.AuthError, match="your own second factor"):
            two_factor.reset(me, me)


def test_a_password_reset_link_still_asks_for_the_code(app, web_as, users):
    admin = web_as("admin")
    page = admin.get(f"/admin/users/{_user_id(app, users['coordinator'])}")
    link = submit(page, "Make a password reset link").html.find(id="link")["value"]
    newcomer = browser(app)
    page = newcomer.get(urlsplit(link).path)
    new_password = "a new password for the coordinator"
    response = submit(
        page, "Set password", new_password=new_password, confirm_password=new_password
    )
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(newcomer)
    code = totp_code(app, users["coordinator"])
    response = submit(response.follow(), "Verify code", code=code)
    assert response.status_int == 302 and signed_in(newcomer)


def _user_id(app, email) -> int:
    with app.app_context():
        return auth_services.user_by_email(email).id


def test_the_secret_is_for_the_app_alone(app_ctx, users):
    """The otpauth address names the site and the account; the recovery codes are hashed."""
    user = db.session.execute(sa.select(User).where(User.role == "staff")).scalar_one()
    uri = two_factor.provisioning_uri(user, TOTP_SECRET)
    assert uri.startswith("otpauth://totp/WIPO%20Training:staff%40example.test?")
    assert f"secret={TOTP_SECRET}" in uri and "issuer=WIPO%20Training" in uri


def test_the_demo_accounts_have_the_published_keys(app, web):
    """`flask demo` (what `make run` runs) prints each key beside the password; a newcomer
    signs in with any authenticator app, or oathtool, from that line."""
    from wipo_training.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert f"password {DEMO_PASSWORD}" in result.output
    for email, key in DEMO_TOTP_SECRETS.items():
        line = next(line for line in result.output.splitlines() if email in line)
        assert f"oathtool --totp -b {key}" in line
    trainee = next(line for line in result.output.splitlines() if "trainee@demo.test" in line)
    assert trainee.endswith("no second factor")
    password_step(web, "coordinator@demo.test", DEMO_PASSWORD)
    code = pyotp.TOTP(DEMO_TOTP_SECRETS["coordinator@demo.test"]).now()
    response = submit(web.get("/login/code"), "Verify code", code=code)
    assert "Signed in as Demo Coordinator (JPO)." in response.follow().text


def test_the_command_line_resets_a_second_factor(app, users):
    """The only administrator lost their phone: someone with the server resets it."""
    result = app.test_cli_runner().invoke(args=["users", "reset-two-factor", users["admin"]])
    assert result.exit_code == 0 and "Second factor of admin@example.test removed." in (
        result.output
    )
    web = browser(app)
    assert password_step(web, users["admin"]).headers["Location"] == "/login/two-factor"
    again = app.test_cli_runner().invoke(args=["users", "reset-two-factor", users["admin"]])
    assert again.exit_code == 1 and "has no second factor to reset" in again.output
