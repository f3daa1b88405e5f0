"""Issue 16, two-factor sign-in in Chromium: a trainee turns it on with the QR code's key,
keeps the recovery codes, signs out, signs in again with a code computed here as an
authenticator app computes it, and a second browser is refused the same code."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from wipo_training.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "trainee@demo.test"


def password_step(page, base):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_enrol_sign_out_sign_in_with_a_code_and_a_reused_code_is_refused(
    live_server, page, browser, watch, screenshot, screenshot_of
):
    base = live_server
    password_step(page, base)  # a trainee: no second factor yet
    expect(page).to_have_url(f"{base}/")
    page.get_by_role("link", name="Sokha Chan").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_role("link", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Set up two-factor sign-in for Sokha Chan"
    )
    expect(page.locator("figure svg title")).to_have_text("QR code for your authenticator app")
    screenshot("two-factor-01-set-up")

    # The app: the key typed by hand (as when the camera cannot scan), its code of now.
    key = page.get_by_label("Key").input_value().replace(" ", "")
    totp = pyotp.TOTP(key)
    page.get_by_label("Code from the app").fill("123456")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That is not the code your app shows now.")).to_be_visible()
    enrolled_at = totp.timecode(time.time())
    page.get_by_label("Code from the app").fill(totp.generate_otp(enrolled_at))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    screenshot("two-factor-02-recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_text("10 recovery codes left.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    # Signing in asks for the code; the app's next code (30 seconds on) signs in.
    password_step(page, base)
    expect(page).to_have_url(f"{base}/login/code")
    expect(page.get_by_text(f"Signing in as {EMAIL}")).to_be_visible()
    screenshot("two-factor-03-code")
    code = totp.generate_otp(enrolled_at + 1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify code").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_text("Signed in as Sokha Chan.")).to_be_visible()

    # Someone who saw that code types it in another browser: refused.
    context = browser.new_context()
    other = context.new_page()
    password_step(other, base)
    other.get_by_label("Code").fill(code)
    other.get_by_role("button", name="Verify code").click()
    expect(other.get_by_text("This code has been used already")).to_be_visible()
    expect(other).to_have_url(f"{base}/login/code")
    screenshot_of(other, "two-factor-04-reused-code")
    other.goto(f"{base}/")
    expect(other).to_have_url(f"{base}/login?next=/")
    context.close()
