"""Every button of the certificates, clicked in Chromium: issue one now, revoke, reissue,
override the rules, the batch (ZIP), the signatories; staff download what is issued; anyone
types a revoked certificate's code on the public page and is told so."""

import zipfile

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.courses.models import Course
from wipo_training.documents import services as certificate_services
from wipo_training.documents.models import Certificate, CertificateSettings, EligibilityOverride
from wipo_training.extensions import db
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script> =1+1"


def certificates_of(app, family: str) -> list[tuple[str, str]]:
    """(serial, status) of the ENF-2013 certificates of the participant named ``family``."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(Certificate.serial, Certificate.status)
                .join(Enrolment)
                .join(Course)
                .join(Person, Enrolment.person_id == Person.id)
                .where(Course.code == "ENF-2013", Person.family_name == family)
                .order_by(Certificate.id)
            ).all()
        ]


def issued_count(app) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .join(Enrolment)
            .join(Course)
            .where(Course.code == "ENF-2013", Certificate.status == "issued")
        ).scalar_one()


def row_of(page, sort_name: str):
    """The participant's row on the certificates page, its "Change" details opened."""
    row = page.get_by_role("row").filter(has_text=sort_name)
    if not row.locator("details").evaluate("d => d.open"):
        row.get_by_text("Change", exact=True).click()
    return row


def test_issue_revoke_reissue_override_and_batch(
    live_app, live_server, page, watch, screenshot, open_course, other_page, tmp_path, course_tab
):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2013")
    course_tab(page, "ENF-2013", "Certificates")
    expect(page.get_by_text("30 of 30")).to_be_visible()

    # Issue one now, then revoke it (the page asks first).
    row_of(page, "CHAN, Sokha").get_by_role("button", name="Issue now").click()
    [(serial, status)] = certificates_of(live_app, "Chan")
    assert status == "issued"
    expect(page.get_by_text(f"Certificate {serial} issued to Sokha Chan.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="CHAN, Sokha")).to_contain_text(serial)
    screenshot("buttons-certificates-01-issued")
    row = row_of(page, "CHAN, Sokha")
    row.get_by_label(f"Reason to revoke {serial}").fill(f"Issued by mistake {HOSTILE}")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text(f"{serial} revoked.")).to_be_visible()
    assert watch.confirmations == [
        f"Revoke {serial}? Its verification page will say it is revoked."
    ]
    expect(page.get_by_role("listitem").filter(has_text=serial)).to_contain_text(
        f"Sokha Chan: Issued by mistake {HOSTILE}"
    )
    assert certificates_of(live_app, "Chan") == [(serial, "revoked")]
    screenshot("buttons-certificates-02-revoked")

    # Issue Dara Keo's, then reissue it (a corrected name, say): the old one is revoked.
    row_of(page, "KEO, Dara").get_by_role("button", name="Issue now").click()
    [(old, _status)] = certificates_of(live_app, "Keo")
    expect(page.get_by_text(f"Certificate {old} issued to Dara Keo.")).to_be_visible()
    row = row_of(page, "KEO, Dara")
    row.get_by_label(f"Reason to reissue {old}").fill("Name corrected")
    row.get_by_role("button", name="Reissue").click()
    expect(page.get_by_text(f"issued; {old} is revoked.")).to_be_visible()
    [(_old, old_status), (new, new_status)] = certificates_of(live_app, "Keo")
    expect(page.get_by_text(f"{new} issued; {old} is revoked.")).to_be_visible()
    assert (old_status, new_status) == ("revoked", "issued")
    assert watch.confirmations[-1] == (
        f"Revoke {old} and issue a new certificate with a new number?"
    )

    # Override the rules: no certificate for Wei Wang.
    row = row_of(page, "WANG, Wei")
    row.get_by_label("Decision for Wei Wang").select_option(label="No certificate")
    row.get_by_label("Reason for Wei Wang").fill("Left after the first week")
    row.get_by_role("button", name="Override").click()
    expect(page.get_by_text("Eligibility of Wei Wang saved.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="WANG, Wei")).to_contain_text(
        "Overridden: Left after the first week"
    )
    expect(page.get_by_text("29 of 30")).to_be_visible()
    with live_app.app_context():
        override = db.session.execute(
            sa.select(EligibilityOverride)
            .join(Enrolment)
            .join(Person, Enrolment.person_id == Person.id)
            .where(Person.family_name == "Wang", Person.given_name == "Wei")
        ).scalar_one()
        assert (override.eligible, override.reason) == (False, "Left after the first week")

    # The batch: every eligible participant's certificate, as a ZIP.
    page.get_by_label("Issue every eligible participant").select_option("zip")
    page.get_by_role("button", name="Issue and download").click()
    expect(page.get_by_text("Status: done.")).to_be_visible(timeout=60_000)
    screenshot("buttons-certificates-03-batch-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert issued_count(live_app) == 29
    with zipfile.ZipFile(saved) as archive:
        assert len(archive.namelist()) == 29
        assert all(name.endswith(".pdf") for name in archive.namelist())

    # Anyone who types the revoked certificate's code is told it is revoked.
    with live_app.app_context():
        code = db.session.execute(
            sa.select(Certificate.verification_code).where(Certificate.serial == serial)
        ).scalar_one()
    stranger = other_page()
    stranger.goto(f"{live_server}/verify")
    stranger.get_by_label("Verification code").fill(code)
    stranger.get_by_role("button", name="Verify").click()
    expect(stranger.get_by_role("alert")).to_contain_text("Revoked.")
    expect(stranger.get_by_text("Chan Sokha")).to_be_visible()  # as printed: family name first


def test_signatories_saved(live_app, live_server, page, watch, screenshot, open_course, course_tab):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2013")
    course_tab(page, "ENF-2013", "Certificates")
    page.get_by_role("link", name="Signatories and logos").click()
    second = page.get_by_role("group", name="Signatory 2")
    second.get_by_label("Second signatory").fill("Keiko Mori")
    second.get_by_label("Title", exact=True).fill(f"Director, APIC {HOSTILE}")
    screenshot("buttons-certificates-04-settings")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Certificate settings saved; they apply to")).to_be_visible()
    expect(page.get_by_role("heading", name="Certificates of ENF-2013")).to_be_visible()
    with live_app.app_context():
        settings = db.session.execute(
            sa.select(CertificateSettings).join(Course).where(Course.code == "ENF-2013")
        ).scalar_one()
        assert (settings.signatory2_name, settings.signatory2_title) == (
            "Keiko Mori",
            f"Director, APIC {HOSTILE}",
        )
        assert settings.signatory1_name == "Kenichiro Natsume"  # untouched


@pytest.fixture
def two_issued(live_app):
    """Two ENF-2013 certificates issued by a coordinator before staff come."""
    with live_app.app_context():
        enrolments = db.session.execute(
            sa.select(Enrolment)
            .join(Course)
            .join(Person, Enrolment.person_id == Person.id)
            .where(Course.code == "ENF-2013", Person.family_name.in_(["Chan", "Keo"]))
        ).scalars()
        for enrolment in enrolments:
            certificate_services.issue_one(None, enrolment)
        db.session.commit()


def test_staff_download_the_certificates_issued(
    live_app, live_server, page, watch, screenshot, open_course, two_issued, tmp_path, course_tab
):
    sign_in(page, live_server, "staff@demo.test")
    open_course(page, "ENF-2013")
    course_tab(page, "ENF-2013", "Certificates")
    expect(page.get_by_role("button", name="Issue now")).to_have_count(0)
    screenshot("buttons-certificates-05-staff")
    page.get_by_role("combobox").first.select_option("zip")
    page.get_by_role("button", name="Download").click()
    expect(page.get_by_text("Status: done.")).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert len(archive.namelist()) == 2
    assert issued_count(live_app) == 2  # staff issue nothing
