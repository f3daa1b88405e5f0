"""Eligibility, serial numbers, revoke and reissue, stored PDFs, verification, batches."""

import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.conftest import csrf_token, login
from tests.documents.conftest import PEOPLE, eligible_course
from tests.test_api import create_token
from wipo_training.audit import AuditEntry
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.jobs import Job
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
    assert (
        len(first.verification_code) >= 16 and first.verification_code != second.verification_code
    )
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


def test_download_gives_the_stored_bytes_to_the_right_people(app, users):
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:2], trainee_email=users["trainee"])
        mine = services.issue_one(None, enrolments[0])
        other = services.issue_one(None, enrolments[1])
        mine_bytes = services.pdf_path(mine).read_bytes()
        ids, code = (mine.id, other.id), mine.verification_code
    client = app.test_client()
    login(client, users["trainee"])
    assert "Your certificates" in client.get("/").get_data(as_text=True)
    first, again = (
        client.get(f"/certificates/{ids[0]}/pdf"),
        client.get(f"/certificates/{ids[0]}/pdf"),
    )
    assert first.data == again.data == mine_bytes
    assert client.get(f"/certificates/{ids[1]}/pdf").status_code == 404
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
    assert page.status_code == 200 and "Valid." in text and "Van An Nguyen" in text
    assert "IP Office of VN" not in text  # nothing personal beyond name, course, dates
    assert "Revoked." in client.get(f"/verify/{codes[1]}").get_data(as_text=True)
    unknown = client.get("/verify/not-a-real-code")
    assert unknown.status_code == 404 and "Unknown code" in unknown.get_data(as_text=True)
    assert client.get(f"/verify?code={codes[0]}").headers["Location"] == f"/verify/{codes[0]}"
    api = client.get(f"/api/v1/certificates/{codes[1]}").json
    assert api["valid"] is False and api["status"] == "revoked" and api["name"] == "Wei Wang"
    assert client.get("/api/v1/certificates/nope").status_code == 404


def test_verification_is_rate_limited(app):
    client = app.test_client()
    statuses = [client.get(f"/verify/guess-{i}").status_code for i in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429


def test_batch_zip_and_pdf_through_the_pages(app, login_as):
    with app.app_context():
        eligible_course(PEOPLE[:4])
    client = login_as("coordinator")
    response = client.post(
        "/courses/1/certificates/batch",
        data={"csrf_token": csrf_token(client, "/courses/1/certificates"), "format": "zip"},
    )
    assert response.status_code == 302
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Status: <strong>done</strong>. 4 of 4 certificates." in job_page
    archive = zipfile.ZipFile(io.BytesIO(client.get("/jobs/1/download").data))
    # Issued in protocol order: Algeria, China, Japan, Viet Nam.
    assert archive.namelist() == [
        "ENF-2013-001-Benali-Karim.pdf",
        "ENF-2013-002-Wang-Wei.pdf",
        "ENF-2013-003-Yamada-Taro.pdf",
        "ENF-2013-004-Nguyen-Van-An.pdf",
    ]
    response = client.post(
        "/courses/1/certificates/batch",
        data={"csrf_token": csrf_token(client, "/courses/1/certificates"), "format": "pdf"},
    )
    merged = client.get("/jobs/2/download")
    reader = PdfReader(io.BytesIO(merged.data))
    assert len(reader.pages) == 4 and "Somchai" not in text_of(merged.data)
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


def test_signatories_and_logos_appear_on_the_certificate(app, login_as):
    with app.app_context():
        eligible_course(PEOPLE[:1])
    client = login_as("coordinator")
    url = "/courses/1/certificates/settings"
    bad = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "signatory1_name": "Kenichiro Natsume",
            "signatory1_image": (io.BytesIO(b"GIF89a not a png"), "sig.gif"),
        },
        content_type="multipart/form-data",
    )
    assert "Upload a PNG or JPEG image of at most 1 MB." in bad.get_data(as_text=True)
    good = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "heading": "Certificate of Attendance",
            "signatory1_name": "Kenichiro Natsume",
            "signatory1_title": "Head, WIPO Japan Office",
            "signatory1_image": (io.BytesIO(png()), "signature.png"),
            "logo1": (io.BytesIO(png(60, 30)), "wipo.png"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    client.post(
        "/enrolments/1/certificate",
        data={"csrf_token": csrf_token(client, "/courses/1/certificates")},
    )
    with app.app_context():
        certificate = db.session.execute(sa.select(Certificate)).scalar_one()
        pdf = services.pdf_path(certificate).read_bytes()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "Certificate of Attendance" in text and "Kenichiro Natsume" in text
    assert "Head, WIPO Japan Office" in text
    assert len(page.images) == 2  # signature and logo (the QR code is drawn as paths)
