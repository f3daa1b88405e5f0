"""A coordinator creates a course, imports the nominations (two rows are people on record:
the same person), sees that nominations are not counted as participants by country, confirms
two people and downloads the list of participants (the confirmed only) as XLSX."""

import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.participants.conftest import GOOD_ROWS, xlsx

pytestmark = pytest.mark.browser


def test_create_course_import_and_download(
    live_server, page, watch, screenshot, course_tab, tmp_path
):
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
    start = date.today() + timedelta(days=200)  # a course not yet started, whenever this runs
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + timedelta(days=11)).isoformat())
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
    # Every row has the name and country of someone on record (they all took part in earlier
    # editions): the coordinator answers for each, as she would here: the same person.
    expect(
        page.get_by_text("All 4 rows are correct. 4 of them may be people already on record")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="ចាន់ សុខា").first).to_be_visible()
    for name in ("Van An Nguyen", "Sokha Chan", "Wei Wang", "Ahmed Raza"):
        match = page.get_by_role(
            "group", name=re.compile(rf"^Row \d has the name and country of {name} ")
        )
        match.get_by_label(re.compile(f"^Same person: nominate {name} ")).check()
    expect(
        page.get_by_role("radio", name=re.compile("^Same person")).and_(page.locator(":checked"))
    ).to_have_count(4)
    screenshot("import-preview")
    page.get_by_role("button", name="Import these nominations").click()

    expect(
        page.get_by_text("4 nominations imported (0 new people, 4 already known).")
    ).to_be_visible()
    # The course has not started: nominations are not participants, and the page says so.
    figures = page.get_by_role("region", name="For the report")
    expect(figures.get_by_text("No participants yet.")).to_be_visible()
    expect(page.locator("#counted")).to_contain_text("Not counted here: 4 nominated.")
    expect(page.locator("#by-country-table")).to_have_count(0)
    screenshot("by-country")

    # Two are accepted and confirmed: still not participants before the course starts.
    course_tab(page, "TM-2027", "Participants")
    for name in ("Van An Nguyen", "Wei Wang"):
        page.get_by_role("button", name=f"Accept: {name}").click()
        expect(page.get_by_text(f"{name}: accepted.")).to_be_visible()
        page.get_by_role("button", name=f"Confirm: {name}").click()
        expect(page.get_by_text(f"{name}: confirmed.")).to_be_visible()
        # With an email and no account, the page with the invitation link comes first.
        if page.get_by_role("heading", name=f"{name} is confirmed").count():
            page.get_by_role("link", name="Back to the participants").click()
    course_tab(page, "TM-2027", "By country")
    expect(page.get_by_text("No participants yet.")).to_be_visible()
    expect(page.locator("#counted")).to_contain_text(
        "Not counted here: 2 nominated, 2 confirmed for a course not yet started."
    )

    # The list of participants names the confirmed only, in protocol order.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename == "TM-2027-participants.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "China",
        "Viet Nam",
    ]
    assert sheet["E2"].value == "王伟"


def test_demo_course_pages(live_server, page, screenshot):
    base = live_server
    sign_in(page, base, "staff@demo.test")
    page.goto(f"{base}/courses/?year=2013")
    page.get_by_role("link", name="Training Course on the Enforcement of Intellectual").click()
    expect(page.get_by_role("cell", name="Viet Nam")).to_be_visible()
    page.get_by_role("navigation", name="ENF-2013 pages").get_by_role(
        "link", name="By country"
    ).click()
    # The sentence for the report names countries as the tables do.
    expect(page.locator("#country-sentence")).to_contain_text("Viet Nam (")
    expect(page.locator("#country-sentence")).not_to_contain_text("Vietnam")
    screenshot("course-detail-staff")
    page.get_by_role("link", name="List in protocol order").first.click()
    expect(page.get_by_text("30 participants.")).to_be_visible()
    screenshot("protocol-list")
    page.goto(f"{base}/statistics/participants")
    screenshot("statistics")
