"""A coordinator signs in, sees the dashboard, signs out; the old cookie no longer works."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_coordinator_signs_in_and_out(live_server, page, browser, screenshot):
    base = live_server
    page.goto(f"{base}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot("sign-in")

    sign_in(page, base, "coordinator@demo.test")
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Demo Coordinator")
    expect(page.get_by_text("coordinator@demo.test")).to_be_visible()
    screenshot("dashboard-coordinator")

    cookies = page.context.cookies()
    session_cookie = next(c for c in cookies if c["name"] == "session")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    # Someone who copied the cookie before sign-out gets nothing with it.
    other = browser.new_context()
    other.add_cookies([session_cookie])
    other_page = other.new_page()
    other_page.goto(f"{base}/")
    expect(other_page).to_have_url(f"{base}/login?next=/")
    other.close()


def test_wrong_password_message(live_server, page, screenshot):
    base = live_server
    page.goto(f"{base}/login")
    expect(page.get_by_label("Email")).to_be_focused()
    page.get_by_label("Email").fill("coordinator@demo.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("The email or password is not correct.")).to_be_visible()
    screenshot("sign-in-error")


def test_admin_pages(live_server, page, screenshot):
    base = live_server
    sign_in(page, base, "admin@demo.test")
    screenshot("dashboard-admin")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("cell", name="trainee@demo.test")).to_be_visible()
    screenshot("admin-users")
    page.get_by_role("link", name="Sokha Chan").click()
    expect(page.get_by_label("Role")).to_have_value("trainee")
    screenshot("admin-user-edit")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="user.login").first).to_be_visible()
    screenshot("admin-audit")
    page.get_by_role("link", name="Demo Administrator").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    screenshot("account")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/")
    screenshot("dashboard-admin-phone")
