"""Verification as a person does it: codes typed from paper in any case and grouping, the
serial number, the address the QR code points to, and a revoked certificate's page."""

import io
import zipfile

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.conftest import PASSWORD, create_token, submit, web_sign_in
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.people.models import Person


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def app_overrides():
    return {"PUBLIC_BASE_URL": ""}  # unset, whatever the environment says


def test_codes_are_unambiguous_and_read_however_they_are_typed(app, users):
    with app.app_context():
        _course, enrolments = eligible_course(PEOPLE[:3])
        fresh = services.issue_one(None, enrolments[0])
        # Codes with the letters people confuse, set so the test knows them.
        ones_and_zeros = services.issue_one(None, enrolments[1])
        ones_and_zeros.verification_code = "0A1B-C0D1-EF01"
        legacy = services.issue_one(None, enrolments[2])
        legacy.verification_code = "aB3_x-Yz9QwErTyU"  # made before the alphabet: as typed
        db.session.commit()
        code, serial = fresh.verification_code, fresh.serial
    assert set(code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ-")
    client = app.test_client()
    # Names as printed: Vietnamese, Chinese and Japanese names family name first.
    for typed, name in [
        (code, "Nguyen Van An"),
        (code.lower(), "Nguyen Van An"),
        (code.replace("-", ""), "Nguyen Van An"),
        (" ".join(code.split("-")), "Nguyen Van An"),
        ("oa1b-cOdl-efOi", "Wang Wei"),  # O for 0, l and I for 1, small letters
        ("0A1BC0D1EF01", "Wang Wei"),
        ("aB3_x-Yz9QwErTyU", "Yamada Taro"),
        (serial, "N. V. A."),  # serials run in sequence: initials only
        (serial.lower(), "N. V. A."),
    ]:
        page = client.get(f"/verify/{typed}")
        assert page.status_code == 200, typed
        assert "Valid." in page.get_data(as_text=True) and name in page.get_data(as_text=True)
        api = client.get(f"/api/v1/certificates/{typed}")
        assert api.status_code == 200 and api.json["name"] == name, typed
    by_serial = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert "Nguyen Van An" not in by_serial and "type the verification code" in by_serial
    assert client.get("/verify/AB3_X-YZ9QWERTYU").status_code == 404  # old codes: as printed
    assert client.get("/verify/0A1B-C0D1-EF0").status_code == 404
    # The form sends a typed code to its page in the printed form.
    form_page = client.get("/verify")
    assert 'maxlength="80"' in form_page.get_data(as_text=True)
    assert client.get("/verify?code=oa1b+cOdl+efOi").headers["Location"] == "/verify/0A1B-C0D1-EF01"
    assert client.get(f"/verify?code=+{serial}+").headers["Location"] == f"/verify/{serial}"
    hostile = client.get("/verify/<script>alert(1)<%2Fscript>")
    assert hostile.status_code == 404 and "<script>alert(1)" not in hostile.get_data(as_text=True)


def qr_and_link_of(pdf: bytes) -> str:
    """The verification address printed under the QR code (the last line, wrapped)."""
    return "".join(text_of(pdf).split("Verify:", 1)[1].split())


def test_the_printed_address_is_the_one_the_coordinator_uses(app, users):
    """PUBLIC_BASE_URL unset: the host and port the request came to, not port 5000; a batch
    keeps the address of the request that started it; PUBLIC_BASE_URL, when set, wins."""
    import webtest

    with app.app_context():
        eligible_course(PEOPLE[:3])
    web = webtest.TestApp(
        app, extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "training.example.org:5001"}
    )
    assert web_sign_in(web, users["coordinator"], PASSWORD).status_int == 302
    submit(web.get("/courses/1/certificates"), "Issue now", action="/enrolments/1/certificate")
    with app.app_context():
        one = db.session.execute(sa.select(Certificate)).scalar_one()
        printed = qr_and_link_of(services.pdf_path(one).read_bytes())
        assert printed == f"http://training.example.org:5001/verify/{one.verification_code}"
    # A batch started in a request, run where there is no request (as in the worker).
    with app.app_context():
        course = one_course()
        job = services.start_batch(None, course, "zip", served_at="http://10.1.2.3:5002/")
        job_id = job.id
        db.session.commit()
        services.queue_batch(job_id, "http://10.1.2.3:5002/")
        certificates = services.course_certificates(course)
        addresses = [qr_and_link_of(services.pdf_path(c).read_bytes()) for c in certificates]
    assert addresses[0].startswith("http://training.example.org:5001/verify/")
    assert [a.split("/verify/")[0] for a in addresses[1:]] == ["http://10.1.2.3:5002"] * 2
    # Configured: the public address wins over the request's own.
    app.config["PUBLIC_BASE_URL"] = "https://training.example.int/"
    with app.app_context():
        assert services.verify_url("X", "http://localhost:5001/") == (
            "https://training.example.int/verify/X"
        )
    app.config["PUBLIC_BASE_URL"] = ""
    with app.app_context():  # the command line: no request, nothing configured
        assert services.verify_url("X") == "http://127.0.0.1:5000/verify/X"


def one_course():
    from wipo_training.courses.models import Course

    return db.session.execute(sa.select(Course)).scalar_one()


def test_a_revoked_certificate_shows_the_name_it_bore_and_its_replacement(app, web_as):
    with app.app_context():
        _course, enrolments = eligible_course(PEOPLE[:1])
        first = services.issue_one(None, enrolments[0])
        db.session.commit()
        old_code = first.verification_code
        # The name was misspelt on record: corrected, then the certificate is reissued.
        person = db.session.get(Person, enrolments[0].person_id)
        person.given_name = "Văn An <b>corrected</b>"
        db.session.commit()
    web = web_as("coordinator")
    response = submit(web.get("/courses/1/certificates"), "Reissue", reason="Name corrected")
    assert "ENF-2013-002 issued; ENF-2013-001 is revoked." in response.follow().text
    page = web.get(f"/verify/{old_code}", expect_errors=True)
    assert page.status_int == 200 and "Revoked." in page.text
    name = page.html.find("dt", string="Name, as printed on it").find_next("dd").get_text()
    assert "Nguyen Van An" in name and "corrected" not in name
    assert "It was replaced by certificate No. ENF-2013-002" in page.text
    replacement = web.get(page.html.find("a", string="verify the replacement")["href"])
    assert "Valid." in replacement.text
    assert "Nguyen Văn An &lt;b&gt;corrected&lt;/b&gt;" in replacement.text
    api = web.get(f"/api/v1/certificates/{old_code}").json
    assert api["name"] == "Nguyen Van An" and api["replaced_by"] == "ENF-2013-002"
    with app.app_context():
        new = db.session.execute(
            sa.select(Certificate).where(Certificate.serial == "ENF-2013-002")
        ).scalar_one()
        assert new.printed_name == "Nguyen Văn An <b>corrected</b>"
        assert "Nguyen Văn An <b>corrected</b>" in text_of(services.pdf_path(new).read_bytes())


def test_older_certificates_without_a_printed_name_show_the_name_on_record(app):
    with app.app_context():
        _course, enrolments = eligible_course(PEOPLE[:1])
        certificate = services.issue_one(None, enrolments[0])
        certificate.printed_name = certificate.printed_native_name = None
        db.session.commit()
        code = certificate.verification_code
    text = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "Van An Nguyen" in text and "Nguyễn Văn An" in text


def test_staff_download_the_certificates_issued_without_issuing_more(app, web_as, users):
    """Staff may download certificates (DESIGN: exports); the button was shown to
    coordinators only. Staff get the file of those issued; the rest stay unissued."""
    with app.app_context():
        _course, enrolments = eligible_course(PEOPLE[:3])
        services.issue_one(None, enrolments[0])
        services.issue_one(None, enrolments[1])
        db.session.commit()
    web = web_as("staff")
    page = web.get("/courses/1/certificates")
    assert "Issue and download" not in page.text and "Issue now" not in page.text
    response = submit(page, "Download", format="zip")
    assert response.status_int == 302
    assert "Issued certificates as a ZIP" in response.follow().text
    archive = zipfile.ZipFile(io.BytesIO(web.get("/jobs/1/download").body))
    assert archive.namelist() == ["ENF-2013-001-Nguyen-Van-An.pdf", "ENF-2013-002-Wang-Wei.pdf"]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Certificate)).scalar() == 2
    merged = submit(web.get("/courses/1/certificates"), "Download", format="pdf")
    assert len(PdfReader(io.BytesIO(web.get(merged.location).click("Download").body)).pages) == 2
    # The API keeps batches (which issue) to coordinators.
    token = create_token(app, users["staff"])
    started = app.test_client().post(
        "/api/v1/courses/1/certificates/batch",
        headers={"Authorization": f"Bearer {token}"},
        json={"format": "zip"},
    )
    assert started.status_code == 403
