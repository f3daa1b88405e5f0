"""A coordinator creates a course, imports the nominations, sees the table by country and
downloads the participant list as XLSX."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_sign_in_journey import sign_in
from tests.participants.test_import import GOOD_ROWS, xlsx

pytestmark = pytest.mark.browser


def test_create_course_import_and_download(live_server, page, screenshot, tmp_path):
    base = live_server
    sign_in(page, base, "coordinator@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    screenshot("courses-list")
    page.get_by_role("link", name="New course").click()

    page.get_by_label("Title", exact=True).fill("Training Course on Trademark Examination")
    page.get_by_label("Short code").fill("TM-2027")
    page.get_by_label("Fund").select_option(label="WIPO Japan Funds-in-Trust")
    page.get_by_label("Organisers").fill("JPO, WIPO")
    page.get_by_label("Venue", exact=True).fill("APIC")
    page.get_by_label("City", exact=True).fill("Tokyo")
    page.get_by_label("Start date").fill("2027-06-07")
    page.get_by_label("End date").fill("2027-06-18")
    page.get_by_label("Capacity (places)").fill("20")
    screenshot("course-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Training Course on Trademark Examination"
    )
    expect(page.get_by_text("Course TM-2027 created as a draft.")).to_be_visible()

    page.get_by_role("link", name="Import nominations").click()
    spreadsheet = tmp_path / "nominations.xlsx"
    spreadsheet.write_bytes(xlsx(GOOD_ROWS))
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("All 4 rows are correct.")).to_be_visible()
    expect(page.get_by_role("cell", name="ចាន់ សុខា")).to_be_visible()
    screenshot("import-preview")
    page.get_by_role("button", name="Import these nominations").click()

    expect(page.get_by_text("4 nominations imported")).to_be_visible()
    table = page.locator("#by-country-table")
    expect(table.get_by_role("row", name="Viet Nam 1")).to_be_visible()
    expect(page.locator("#country-sentence")).to_contain_text(
        "Cambodia (1 person), China (1), Pakistan (1), Vietnam (1)"
    )
    screenshot("by-country")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename == "TM-2027-participants.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    assert [sheet[f"A{row}"].value for row in range(2, 6)] == [
        "Cambodia",
        "China",
        "Pakistan",
        "Viet Nam",
    ]
    assert sheet["E3"].value == "王伟"


def test_demo_course_pages(live_server, page, screenshot):
    base = live_server
    sign_in(page, base, "staff@demo.test")
    page.goto(f"{base}/courses/?year=2013")
    page.get_by_role("link", name="WIPO/JPO Training Course on the Enforcement").click()
    expect(page.get_by_role("cell", name="Viet Nam")).to_be_visible()
    screenshot("course-detail-staff")
    page.get_by_role("link", name="List in protocol order").first.click()
    expect(page.get_by_text("30 participants.")).to_be_visible()
    screenshot("protocol-list")
    page.goto(f"{base}/statistics/participants")
    screenshot("statistics")
