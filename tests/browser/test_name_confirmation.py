"""The trainee confirms the name their certificate will print, then corrects it; the
coordinator sees who has confirmed and approves the correction on the certificate page."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, sign_in
from wipo_training.courses.models import Course
from wipo_training.extensions import db

pytestmark = pytest.mark.browser


def test_confirm_then_correct_the_printed_name(live_app, live_server, page, browser, screenshot):
    base = live_server
    with live_app.app_context():
        course_id = db.session.execute(
            sa.select(Course.id).where(Course.code == "ENF-2013")
        ).scalar_one()

    # The demo trainee, Sokha Chan of Cambodia: a Khmer name, family name first.
    sign_in(page, base, "trainee@demo.test")
    card = page.locator("#name-check")
    expect(card.get_by_role("heading")).to_have_text("Confirm your name for the certificate")
    expect(card.locator(".printed-name")).to_have_text("Ms Chan Sokha")
    expect(card.locator(".printed-native-name")).to_have_text("ចាន់ សុខា")
    screenshot("name-check-dashboard")
    card.get_by_role("button", name="This is right").click()
    expect(page.get_by_text("Thank you: your name is confirmed")).to_be_visible()
    expect(card).to_contain_text("You have confirmed this name.")

    coordinator = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(coordinator, base, "coordinator@demo.test")
    coordinator.goto(f"{base}/courses/{course_id}/certificates")
    expect(coordinator.locator("#names-confirmed")).to_contain_text("1 of 30")
    row = coordinator.get_by_role("row").filter(has_text="CHAN, Sokha")
    expect(row).to_contain_text("confirmed")

    # Then she sees her name is better printed in capitals, and corrects it.
    card.get_by_role("link", name="Change it").click()
    page.get_by_label("Your name as it should be printed").fill("CHAN Sokha")
    screenshot("name-check-correction")
    page.get_by_role("button", name="Send the correction").click()
    expect(page.get_by_text("the coordinator will check your correction")).to_be_visible()
    expect(card).to_contain_text("waits for the coordinator's approval")

    coordinator.reload()
    expect(coordinator.locator("#names-confirmed")).to_contain_text("0 of 30")
    expect(row).to_contain_text("correction waiting")
    expect(row).to_contain_text("CHAN Sokha")
    coordinator.screenshot(path=str(SCREENSHOTS / "name-check-certificates.png"), full_page=True)
    row.get_by_role("button", name="Approve the correction of Sokha Chan").click()
    expect(coordinator.get_by_text("approved: it is printed from now on")).to_be_visible()
    expect(coordinator.locator("#names-confirmed")).to_contain_text("1 of 30")
    expect(row).to_contain_text("confirmed")
    expect(row).not_to_contain_text("correction waiting")

    page.reload()
    expect(card.locator(".printed-name")).to_have_text("Ms CHAN Sokha")
    expect(card).to_contain_text("You have confirmed this name.")
    coordinator.context.close()
