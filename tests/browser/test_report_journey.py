"""Staff open a course, read its report, and download the report and the participant list
from the course page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.browser


def test_staff_download_the_course_report_and_the_list(live_server, page, screenshot, tmp_path):
    base = live_server
    sign_in(page, base, "staff@demo.test")
    page.goto(f"{base}/courses/?year=2013")
    page.get_by_role("link", name="Training Course on the Enforcement of Intellectual").click()
    screenshot("course-with-reports")
    with page.expect_download() as report:
        page.get_by_role("link", name="Course report (PDF)").click()
    assert report.value.suggested_filename == "ENF-2013-report.pdf"
    saved = tmp_path / "report.pdf"
    report.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Participating countries: Algeria (1 person), Bhutan (1), Cambodia (2)" in text

    with page.expect_download() as listing:
        page.locator("#participants-pdf").click()
    assert listing.value.suggested_filename == "ENF-2013-participants.pdf"
    saved = tmp_path / "list.pdf"
    listing.value.save_as(saved)
    assert "30 participants, in protocol order" in pdf_text(saved.read_bytes())

    tabs = page.get_by_role("navigation", name="ENF-2013 pages")
    tabs.get_by_role("link", name="Course report").click()
    expect(page.get_by_role("heading", name="Participants", exact=True)).to_be_visible()
    expect(page.locator("#country-sentence")).to_contain_text("Algeria (1 person)")
    screenshot("course-report")
    page.get_by_role("link", name="Statistics").click()
    page.get_by_label("Year", exact=True).select_option("2013")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Training statistics, FY2013")).to_be_visible()
    screenshot("statistics")
