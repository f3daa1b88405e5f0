"""Every button of the accounts, clicked in Chromium: the admin creates a user (who accepts the
invitation), changes and deactivates it; a trainee who forgot the password asks, and gets a
reset link from the admin and from the coordinator; API tokens created and revoked; a password
changed; a fund edited."""

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in, type_second_factor
from wipo_training.auth.models import User
from wipo_training.courses.models import Fund
from wipo_training.demo import DEMO_PASSWORD
from wipo_training.extensions import db

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script> =1+1"
NEW_PASSWORD = "a brand new password, 2026"


def account(app, email: str) -> User:
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        db.session.expunge(user)
        return user


def choose_password(some_page, link: str, heading: str):
    """Open a single-use link and choose NEW_PASSWORD with it."""
    some_page.goto(link)
    expect(some_page.get_by_role("heading", level=1)).to_contain_text(heading)
    some_page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    some_page.get_by_label("Repeat it").fill(NEW_PASSWORD)
    some_page.get_by_role("button", name="Set password and sign in").click()


def test_admin_creates_invites_changes_and_deactivates_a_user(
    live_app, live_server, page, watch, screenshot, other_page
):
    sign_in(page, live_server, "admin@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Email").fill("yuki.tanaka@jpo.example")
    page.get_by_label("Display name").fill(f"Yuki Tanaka {HOSTILE}")
    page.get_by_label("Role").select_option(label="Coordinator")
    screenshot("buttons-admin-01-new-user")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Account yuki.tanaka@jpo.example created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invitation for Yuki Tanaka")
    link = page.get_by_label("Invitation link").input_value()
    screenshot("buttons-admin-02-invitation")
    created = account(live_app, "yuki.tanaka@jpo.example")
    assert (created.role, created.active, created.password_hash) == ("coordinator", True, None)

    # Yuki chooses a password; a coordinator also sets up an authenticator app (issue 16).
    yuki = other_page()
    choose_password(yuki, link, "Welcome")
    expect(yuki.get_by_role("heading", level=1)).to_contain_text("Set up two-factor sign-in")
    key = yuki.get_by_label("Key").input_value().replace(" ", "")
    yuki.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
    yuki.get_by_role("button", name="Turn on two-factor sign-in").click()
    yuki.get_by_role("link", name="I have kept them: continue").click()
    expect(yuki.get_by_role("heading", level=1)).to_contain_text("Yuki Tanaka")

    # The admin makes Yuki staff and deactivates the account: Yuki is signed out at once.
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name=f"Yuki Tanaka {HOSTILE}").click()
    page.get_by_label("Role").select_option(label="Staff")
    page.get_by_label("Active (can sign in)").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Account yuki.tanaka@jpo.example saved.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="yuki.tanaka@jpo.example")).to_contain_text(
        "deactivated"
    )
    screenshot("buttons-admin-03-deactivated")
    changed = account(live_app, "yuki.tanaka@jpo.example")
    assert (changed.role, changed.active) == ("staff", False)
    yuki.reload()
    expect(yuki).to_have_url(f"{live_server}/login?next=/")


def test_forgotten_password_reset_by_the_admin_and_the_coordinator(
    live_app, live_server, page, watch, screenshot, other_page, open_course, course_tab
):
    trainee = other_page()
    trainee.goto(f"{live_server}/login")
    trainee.get_by_role("link", name="Forgot your password?").click()
    trainee.get_by_label("Email").fill("trainee@demo.test")
    trainee.get_by_role("button", name="Send me a link").click()
    expect(trainee.get_by_text("If an account uses that address")).to_be_visible()

    sign_in(page, live_server, "admin@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    row = page.get_by_role("row").filter(has_text="trainee@demo.test")
    expect(row.get_by_role("link", name="asked for a new password")).to_be_visible()
    screenshot("buttons-admin-04-asked")
    row.get_by_role("link", name="Sokha Chan").click()
    page.get_by_role("button", name="Make a password reset link").click()
    link = page.get_by_label("Password reset link").input_value()
    screenshot("buttons-admin-05-reset-link")

    choose_password(trainee, link, "Choose a new password")
    expect(trainee.get_by_text("Your new password is set.")).to_be_visible()
    trainee.get_by_role("button", name="Sign out").click()
    trainee.get_by_label("Email").fill("trainee@demo.test")
    trainee.get_by_label("Password").fill(NEW_PASSWORD)
    trainee.get_by_role("button", name="Sign in").click()
    expect(trainee.get_by_text("Signed in as Sokha Chan.")).to_be_visible()

    # The coordinator can give her a new link too, from her page in a course.
    coordinator = other_page("coordinator@demo.test")
    open_course(coordinator, "ENF-2014")
    course_tab(coordinator, "ENF-2014", "Participants")
    coordinator.get_by_role("link", name="CHAN, Sokha").click()
    coordinator.get_by_role("link", name="Invitation or password reset link").click()
    coordinator.get_by_role("button", name="Make a password reset link").click()
    second = coordinator.get_by_label("Password reset link").input_value()
    assert second != link
    used = other_page()
    used.goto(link)  # the first link was used: it no longer works
    expect(used.get_by_role("alert")).to_be_visible()
    used.goto(second)
    expect(used.get_by_label("Choose a password")).to_be_visible()


def test_api_token_created_used_and_revoked_password_changed_fund_edited(
    live_app, live_server, page, watch, screenshot, browser
):
    sign_in(page, live_server, "admin@demo.test")
    page.get_by_role("link", name="Demo Administrator").click()
    page.get_by_label("New token, for").fill(f"nightly export {HOSTILE}")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"API token “nightly export {HOSTILE}” created"
    )
    token = page.get_by_label("Token").input_value()
    screenshot("buttons-admin-06-token")
    script = browser.new_context()  # no cookies: only the token speaks
    bearer = {"Authorization": f"Bearer {token}"}
    answer = script.request.get(f"{live_server}/api/v1/me", headers=bearer)
    assert answer.status == 200 and answer.json()["email"] == "admin@demo.test"

    page.get_by_role("link", name="Back to your account").click()
    page.get_by_role("button", name=f"Revoke token nightly export {HOSTILE}").click()
    expect(page.get_by_text(f"Token “nightly export {HOSTILE}” revoked.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="nightly export")).to_contain_text("revoked")
    assert script.request.get(f"{live_server}/api/v1/me", headers=bearer).status == 401
    script.close()

    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    screenshot("buttons-admin-07-password-changed")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    type_second_factor(page, live_server, "admin@demo.test")
    expect(page.get_by_text("Signed in as Demo Administrator.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funds").click()
    fund = page.get_by_role("region", name="Japan Funds-in-Trust for Africa and LDCs")
    fund.get_by_role("link", name="Edit").click()
    description = f"For Africa and the least developed countries. {HOSTILE}"
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Fund saved.")).to_be_visible()
    expect(page.get_by_text(f"least developed countries. {HOSTILE}")).to_be_visible()
    with live_app.app_context():
        saved = db.session.execute(sa.select(Fund).where(Fund.code == "FIT-AFLDC")).scalar_one()
        assert saved.description == description
