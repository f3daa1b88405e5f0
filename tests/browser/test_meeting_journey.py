"""A coordinator opens the working group's planned meeting, records its outcome, closes the
open action item of the previous meeting and downloads the meeting report."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.meetings.conftest import load_series_with_an_open_action
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.browser


def test_coordinator_records_an_outcome_and_downloads_the_report(
    live_app, live_server, page, screenshot, tmp_path
):
    with live_app.app_context():  # the demo holds the seed's facts: no open action item
        load_series_with_an_open_action()
    base = live_server
    sign_in(page, base, "coordinator@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Working groups").click()
    page.get_by_role("link", name="Japan-China Joint IP Working Group").click()
    expect(
        page.get_by_role("heading", name="Agreements and action items over time")
    ).to_be_visible()
    screenshot("working-group-series")
    page.get_by_role("link", name="Seventh Meeting", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Seventh Meeting of the Japan-China Joint IP Working Group"
    )
    follow_up = page.get_by_role("region", name="Follow-up: open action items of earlier meetings")
    expect(follow_up).to_contain_text("Propose dates and the agenda of the seventh meeting.")

    page.get_by_role("link", name="Record an agreement").click()
    expect(page.get_by_label("Kind")).to_have_value("agreement")
    page.get_by_label("Text", exact=True).fill(
        "Both sides will exchange information on online infringement every six months."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Outcome saved.")
    outcomes = page.get_by_role("region", name="Outcomes")
    expect(outcomes).to_contain_text("exchange information on online infringement")

    follow_up.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text("Action item marked done.")
    expect(
        page.get_by_role("region", name="Follow-up: open action items of earlier meetings")
    ).to_have_count(0)
    screenshot("meeting-with-outcome")

    with page.expect_download() as report:
        page.get_by_role("link", name="Meeting report (PDF)").click()
    assert report.value.suggested_filename == "Japan-China-Joint-IP-Working-Group-7-report.pdf"
    saved = tmp_path / "report.pdf"
    report.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Seventh Meeting of the Japan-China Joint IP Working Group" in text
    assert "Both sides will exchange information on online infringement every six months." in text
    assert "Follow-up of earlier action items" not in text  # it was marked done
