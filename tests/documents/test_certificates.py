"""Eligibility, serial numbers, revoke and reissue, stored PDFs, verification, batches."""

import hashlib
import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.conftest import create_token, submit
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training.audit import AuditEntry
from wipo_training.courses.models import Course
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.jobs import Job
from wipo_training.participants.models import Enrolment
from wipo_training.timetable.models import Attendance


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_eligibility_reasons_and_override(app_ctx, users):
    course, enrolments = eligible_course(PEOPLE[:3])
    db.session.execute(
        sa.update(Attendance)
        .where(Attendance.enrolment_id == enrolments[0].id)
        .values(status="absent")
    )
    rows = {r.enrolment.id: r for r in services.eligibility(course)}
    assert rows[enrolments[0].id].reasons == [
        "attendance 0.0% is below 80%",
        "country report not presented",
    ]
    assert rows[enrolments[1].id].eligible
    with pytest.raises(services.CertificateError, match="Write the reason"):
        services.set_override(None, enrolments[0], True, " ")
    services.set_override(None, enrolments[0], True, "Hospitalised; followed the recordings")
    assert services.eligibility(course)[0].eligible
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "certificate.override")
    ).scalar_one()
    assert entry.details["reason"] == "Hospitalised; followed the recordings"


def test_serials_codes_revoke_and_reissue(app_ctx):
    course, enrolments = eligible_course(PEOPLE[:2])
    first = services.issue_one(None, enrolments[0])
    second = services.issue_one(None, enrolments[1])
    assert (first.serial, second.serial) == ("ENF-2013-001", "ENF-2013-002")
    crockford = r"[0-9A-HJKMNP-TV-Z]{4}"
    assert re.fullmatch(f"{crockford}-{crockford}-{crockford}", first.verification_code)
    assert first.verification_code != second.verification_code
    stored = services.pdf_path(first).read_bytes()
    assert "ENF-2013-001" in text_of(stored)
    assert hashlib.sha256(stored).hexdigest() == first.sha256
    new = services.reissue(None, first, "Name corrected")
    assert new.serial == "ENF-2013-003" and new.replaces_id == first.id
    assert first.status == "revoked" and first.revoke_reason == "Name corrected"
    assert services.by_code(first.verification_code).status == "revoked"
    with pytest.raises(services.CertificateError, match="revoked already"):
        services.revoke(None, first, "again")


def test_an_ineligible_participant_gets_no_certificate(app_ctx):
    course, enrolments = eligible_course(PEOPLE[:1])
    db.session.execute(sa.delete(Attendance))
    with pytest.raises(services.CertificateError, match="no attendance recorded"):
        services.issue_one(None, enrolments[0])
    assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 0


def test_download_gives_the_stored_bytes_to_the_right_people(app, users, web_as):
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:2], trainee_email=users["trainee"])
        mine = services.issue_one(None, enrolments[0])
        other = services.issue_one(None, enrolments[1])
        db.session.commit()
        mine_bytes = services.pdf_path(mine).read_bytes()
        ids, code = (mine.id, other.id), mine.verification_code
    web = web_as("trainee")
    assert "Your certificates" in web.get("/").text
    first, again = web.get(f"/certificates/{ids[0]}/pdf"), web.get(f"/certificates/{ids[0]}/pdf")
    assert first.body == again.body == mine_bytes
    assert web.get(f"/certificates/{ids[1]}/pdf", expect_errors=True).status_int == 404
    token = create_token(app, users["trainee"])
    api = app.test_client().get(
        f"/api/v1/certificates/{code}/pdf", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200 and api.data == mine_bytes


def test_verification_page_valid_revoked_unknown(app, users):
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:2])
        valid = services.issue_one(None, enrolments[0])
        revoked = services.issue_one(None, enrolments[1])
        services.revoke(None, revoked, "Issued in error")
        db.session.commit()
        codes = valid.verification_code, revoked.verification_code
    client = app.test_client()  # never signed in
    page = client.get(f"/verify/{codes[0]}")
    text = page.get_data(as_text=True)
    # Printed as Vietnamese names are written: family name first.
    assert page.status_code == 200 and "Valid." in text and "Nguyen Van An" in text
    assert "IP Office of VN" not in text  # nothing personal beyond name, course, dates
    assert "Revoked." in client.get(f"/verify/{codes[1]}").get_data(as_text=True)
    unknown = client.get("/verify/not-a-real-code")
    assert unknown.status_code == 404 and "Unknown code" in unknown.get_data(as_text=True)
    assert client.get(f"/verify?code={codes[0]}").headers["Location"] == f"/verify/{codes[0]}"
    api = client.get(f"/api/v1/certificates/{codes[1]}").json
    assert api["valid"] is False and api["status"] == "revoked" and api["name"] == "Wang Wei"
    assert client.get("/api/v1/certificates/nope").status_code == 404


def test_verification_is_rate_limited(app):
    client = app.test_client()
    statuses = [client.get(f"/verify/guess-{i}").status_code for i in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429


def test_batch_zip_and_pdf_through_the_pages(app, web_as):
    with app.app_context():
        eligible_course(PEOPLE[:4])
    web = web_as("coordinator")
    response = submit(web.get("/courses/1/certificates"), "Issue and download", format="zip")
    assert response.status_int == 302
    job_page = response.follow().text
    assert "Status: <strong>done</strong>. 4 of 4 certificates." in job_page
    archive = zipfile.ZipFile(io.BytesIO(web.get("/jobs/1/download").body))
    # Issued in protocol order: Algeria, China, Japan, Viet Nam.
    assert archive.namelist() == [
        "ENF-2013-001-Benali-Karim.pdf",
        "ENF-2013-002-Wang-Wei.pdf",
        "ENF-2013-003-Yamada-Taro.pdf",
        "ENF-2013-004-Nguyen-Van-An.pdf",
    ]
    submit(web.get("/courses/1/certificates"), "Issue and download", format="pdf")
    merged = web.get("/jobs/2/download").body
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 4 and "Somchai" not in text_of(merged)
    assert "Yamada" in reader.pages[2].extract_text()
    with app.app_context():  # the second batch issued nothing new
        assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 4


def test_batch_api_202_job_and_result(app, users):
    with app.app_context():
        eligible_course(PEOPLE[:2])
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    client = app.test_client()
    started = client.post(
        "/api/v1/courses/1/certificates/batch", headers=headers, json={"format": "pdf"}
    )
    assert started.status_code == 202
    job = client.get(f"/api/v1/jobs/{started.json['id']}", headers=headers).json
    assert (job["status"], job["done"], job["total"], job["percent"]) == ("done", 2, 2, 100)
    result = client.get(f"/api/v1/jobs/{job['id']}/result", headers=headers)
    assert len(PdfReader(io.BytesIO(result.data)).pages) == 2
    listing = client.get("/api/v1/courses/1/certificates", headers=headers).json
    assert [(c["serial"], c["status"]) for c in listing] == [
        ("ENF-2013-001", "issued"),
        ("ENF-2013-002", "issued"),
    ]
    staff = {"Authorization": f"Bearer {create_token(app, users['staff'])}"}
    assert (
        client.post("/api/v1/courses/1/certificates/batch", headers=staff, json={}).status_code
        == 403
    )
    with app.app_context():
        assert db.session.get(Job, job["id"]).result_name.endswith(".pdf")


def png(width=40, height=12) -> bytes:
    """A small real PNG (a signature or a logo)."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_signatories_and_logos_appear_on_the_certificate(app, web_as):
    with app.app_context():
        eligible_course(PEOPLE[:1])
    web = web_as("coordinator")
    url = "/courses/1/certificates/settings"
    bad = submit(
        web.get(url),
        "Save",
        signatory1_name="Kenichiro Natsume",
        signatory1_image=("upload", "sig.gif", b"GIF89a not a png"),
    )
    assert "Upload a PNG or JPEG image of at most 1 MB." in bad.text
    good = submit(
        bad,
        "Save",
        heading="Certificate of Attendance",
        signatory1_title="Head, WIPO Japan Office <script>alert(1)</script>",
        signatory1_image=("upload", "signature.png", png()),
        logo1=("upload", "wipo.png", png(60, 30)),
    )
    assert good.status_int == 302
    issued = submit(web.get("/courses/1/certificates"), "Issue now")
    assert "Certificate ENF-2013-001 issued to Van An Nguyen." in issued.follow().text
    with app.app_context():
        certificate = db.session.execute(sa.select(Certificate)).scalar_one()
        pdf = services.pdf_path(certificate).read_bytes()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "Certificate of Attendance" in text and "Kenichiro Natsume" in text
    flat = " ".join(text.split())
    assert "Head, WIPO Japan Office <script>alert(1)</script>" in flat  # printed, not run
    assert len(page.images) == 2  # signature and logo (the QR code is drawn as paths)


def test_no_certificate_for_a_course_not_yet_held(app, web_as, users):
    """A course held in December 2028: nobody gets a certificate before its last day, even
    when overridden as eligible; the page says why instead of offering the buttons, and a
    page left open from before the dates moved gets the same answer (single, batch, API)."""
    with app.app_context():
        _course, enrolments = eligible_course(PEOPLE[:2])
        first_id = enrolments[0].id
    web = web_as("coordinator")
    stale = web.get("/courses/1/certificates")
    with app.app_context():
        course = db.session.get(Course, 1)
        course.start_date, course.end_date = date(2028, 12, 4), date(2028, 12, 15)
        db.session.commit()
        message = (
            "ENF-2013 ends on 15 December 2028: certificates can be issued from that day on, "
            "once the sessions they count have taken place."
        )
        enrolment = db.session.get(Enrolment, first_id)
        services.set_override(None, enrolment, True, "Hospitalised")
        db.session.commit()
        with pytest.raises(services.CertificateError) as refused:
            services.issue_one(None, enrolment)
        assert str(refused.value) == message
        with pytest.raises(services.CertificateError, match="ends on 15 December 2028"):
            services.start_batch(None, course, "zip")
        # From the start of the last day in Tokyo (15:00 UTC the day before), they may.
        services.check_issuable(course, datetime(2028, 12, 14, 15, 0, tzinfo=UTC))
        with pytest.raises(services.CertificateError):
            services.check_issuable(course, datetime(2028, 12, 14, 14, 59, tzinfo=UTC))
    page = web.get("/courses/1/certificates")
    assert message in page.text
    assert "Issue and download" not in page.text and "Issue now" not in page.text
    single = submit(stale, "Issue now", action=f"/enrolments/{first_id}/certificate")
    assert message in single.follow().text
    batch = submit(stale, "Issue and download", format="pdf")
    assert message in batch.follow().text
    token = create_token(app, users["coordinator"])
    api = app.test_client().post(
        "/api/v1/courses/1/certificates/batch",
        headers={"Authorization": f"Bearer {token}"},
        json={"format": "zip"},
    )
    assert api.status_code == 422 and api.json["message"] == message
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(Job)).scalar() == 0


def test_a_cancelled_course_gives_no_certificates(app_ctx):
    _course, enrolments = eligible_course(PEOPLE[:1])
    course = enrolments[0].course
    course.status = "cancelled"
    db.session.flush()
    with pytest.raises(services.CertificateError, match="ENF-2013 was cancelled"):
        services.issue_one(None, enrolments[0])
    with pytest.raises(services.CertificateError, match="was cancelled"):
        services.start_batch(None, course, "zip")


def test_reissue_through_the_page_and_when_it_is_refused(app, web_as):
    """The coordinator presses Reissue on the certificate list: the old certificate is
    revoked and a new one issued and stored (committed: read back in a new context); when
    the rules refuse (the course was cancelled meanwhile), the page says why and nothing
    changes."""
    with app.app_context():
        _course, enrolments = eligible_course(PEOPLE[:2])
        first = services.issue_one(None, enrolments[0])
        second = services.issue_one(None, enrolments[1])
        db.session.commit()
        first_id, second_id = first.id, second.id
    web = web_as("coordinator")
    action = f"/certificates/{first_id}/reissue"
    done = submit(web.get("/courses/1/certificates"), "Reissue", action, reason="Name corrected")
    assert "ENF-2013-003 issued; ENF-2013-001 is revoked." in done.follow().text
    with app.app_context():
        old, new = (
            db.session.get(Certificate, first_id),
            services.replacement_of(db.session.get(Certificate, first_id)),
        )
        assert old.status == "revoked" and old.revoke_reason == "Name corrected"
        assert new.serial == "ENF-2013-003" and new.status == "issued"
        assert "ENF-2013-003" in text_of(services.pdf_path(new).read_bytes())
    stale = web.get("/courses/1/certificates")
    with app.app_context():
        db.session.get(Course, 1).status = "cancelled"
        db.session.commit()
    action = f"/certificates/{second_id}/reissue"
    refused = submit(stale, "Reissue", action, reason="Name corrected")
    assert "ENF-2013 was cancelled: it gives no certificates." in refused.follow().text
    with app.app_context():
        assert db.session.get(Certificate, second_id).status == "issued"
        assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 3
