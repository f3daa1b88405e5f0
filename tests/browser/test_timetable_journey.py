"""The coordinator adds a site visit, marks attendance for it, and the trainee sees the day
in "my timetable"."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_site_visit_attendance_and_my_timetable(live_server, page, browser, screenshot):
    base = live_server
    sign_in(page, base, "coordinator@demo.test")
    page.goto(f"{base}/courses/?q=ENF-2014")
    page.get_by_role("link", name="Training Course on the Enforcement of Intellectual").click()
    page.get_by_role("link", name="Timetable", exact=True).click()
    screenshot("timetable-grid")
    page.get_by_role("link", name="Add a site visit").click()
    page.get_by_label("Title").fill("Visit to the Intellectual Property High Court")
    page.get_by_label("Day").fill("2014-12-03")
    page.get_by_label("Starts").fill("13:30")
    page.get_by_label("Ends").fill("16:30")
    page.get_by_label("Host organisation").fill("Intellectual Property High Court")
    page.get_by_label("Address").fill("1-1-4 Kasumigaseki, Chiyoda-ku, Tokyo")
    page.get_by_label("Meeting point").fill("APIC entrance hall")
    page.get_by_label("Departure time").fill("12:50")
    page.get_by_label("Transport").fill("Subway, Hibiya line")
    page.get_by_role("button", name="Save", exact=True).click()

    # It overlaps the Tokyo Customs visit copied from 2013: warned, saved anyway.
    expect(page.get_by_text("Check before saving:")).to_be_visible()
    expect(page.get_by_text("It overlaps “Visit to Tokyo Customs”")).to_be_visible()
    screenshot("session-warnings")
    page.get_by_role("button", name="Save anyway").click()
    expect(
        page.get_by_text("“Visit to the Intellectual Property High Court” saved.")
    ).to_be_visible()

    page.get_by_role("link", name="Visit to the Intellectual Property High Court").click()
    expect(page.get_by_text("APIC entrance hall, departure 12:50")).to_be_visible()
    page.get_by_role("link", name="Mark attendance").click()
    screenshot("attendance-marking")
    page.get_by_label("CHAN, Sokha").select_option("late")
    page.get_by_role("textbox", name="Note for Sokha Chan").fill("Came from the embassy")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 11 present, 1 exceptions.")).to_be_visible()

    trainee = browser.new_context()
    trainee_page = trainee.new_page()
    sign_in(trainee_page, base, "trainee@demo.test")
    trainee_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My timetable"
    ).click()
    day = trainee_page.get_by_role("region", name="Wednesday 03 December 2014")
    expect(
        day.get_by_role("link", name="Visit to the Intellectual Property High Court")
    ).to_be_visible()
    expect(day.get_by_text("1-1-4 Kasumigaseki")).to_be_visible()
    trainee_page.screenshot(
        path=str(screenshot.__globals__["SCREENSHOTS"] / "my-timetable.png"), full_page=True
    )
    trainee.close()
