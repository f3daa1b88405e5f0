"""The coordinator issues the course's certificates, the trainee downloads theirs, and the
URL in its QR code opens the public verification page."""

import subprocess

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def qr_url(pdf_path, tmp_path) -> str:
    """Decode the QR code printed on the PDF, as a phone would (zbarimg on a 150 dpi image)."""
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(tmp_path / "page")],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip()


def test_issue_download_and_verify(live_app, live_server, page, browser, screenshot, tmp_path):
    base = live_server
    live_app.config["PUBLIC_BASE_URL"] = base
    sign_in(page, base, "coordinator@demo.test")
    page.goto(f"{base}/courses/?year=2013")
    page.get_by_role("link", name="Training Course on the Enforcement of Intellectual").click()
    page.get_by_role("link", name="Certificates", exact=True).click()
    expect(page.get_by_text("30 of 30")).to_be_visible()
    screenshot("certificates")
    page.get_by_label("Issue every eligible participant").select_option("pdf")
    page.get_by_role("button", name="Issue and download").click()
    expect(page.get_by_text("Status: done. 30 of 30 certificates.")).to_be_visible()
    screenshot("certificates-job")
    with page.expect_download() as merged:
        page.get_by_role("link", name="Download").click()
    assert merged.value.suggested_filename == "ENF-2013-certificates.pdf"

    trainee = browser.new_context()
    trainee_page = trainee.new_page()
    sign_in(trainee_page, base, "trainee@demo.test")
    with trainee_page.expect_download() as own:
        trainee_page.get_by_role(
            "link", name="Training Course on the Enforcement of Intellectual"
        ).click()
    pdf = tmp_path / own.value.suggested_filename
    own.value.save_as(pdf)
    lines = [line.strip() for line in PdfReader(pdf).pages[0].extract_text().splitlines()]
    assert "Ms Chan Sokha" in lines and "ចាន់ សុខា" in lines  # a Khmer name: family name first
    url = qr_url(pdf, tmp_path)
    assert url.startswith(f"{base}/verify/")
    trainee.close()

    stranger = browser.new_context()  # never signed in
    check = stranger.new_page()
    check.goto(url)
    expect(check.get_by_text("Valid.")).to_be_visible()
    expect(check.get_by_text("Chan Sokha")).to_be_visible()
    check.screenshot(path=str(screenshot.__globals__["SCREENSHOTS"] / "verify.png"), full_page=True)
    stranger.close()
