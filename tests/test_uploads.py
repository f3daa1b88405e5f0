"""Hostile uploads: too large (413), the wrong type whatever the name, and a ZIP bomb dressed
as a workbook or a slide deck. Each is refused with a clear message and nothing is stored."""

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import make_course, make_person, submit
from tests.participants.test_import import GOOD_ROWS, counts, xlsx
from tests.test_api import create_token
from wipo_training.auth import services as auth_services
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable.models import CountryReport

LIMIT = 512 * 1024


@pytest.fixture
def app_overrides():
    return {"MAX_CONTENT_LENGTH": LIMIT}


def zip_bomb(base: bytes, member: str) -> bytes:
    """``base`` (a real XLSX or PPTX) with one more part: 60 MB of zeros, packed to ~60 KB."""
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def pptx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'presentationml.presentation.main+xml"/></Types>',
        )
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return out.getvalue()


@pytest.fixture
def course_id(app):
    with app.app_context():
        course = make_course()
        db.session.commit()
        return course.id


def stored_files(app) -> list[Path]:
    instance = Path(app.instance_path)
    return [p for p in instance.rglob("*") if p.is_file() and p.parent != instance]


def post_import(web, course_id, data: bytes, name: str):
    """Choose the file on the import page and press its button, as the coordinator does."""
    page = web.get(f"/courses/{course_id}/participants/import")
    return submit(page, "Check the file", file=("upload", name, data))


def test_a_zip_bomb_workbook_is_refused_before_it_unpacks(app, web_as, users, course_id):
    bomb = zip_bomb(xlsx(GOOD_ROWS), "xl/media/padding.bin")
    assert len(bomb) < LIMIT
    web = web_as("coordinator")
    html = post_import(web, course_id, bomb, "nominations.xlsx").text
    assert "The file would unpack to 60 MB in" in html and "Nothing was imported." in html
    api = app.test_client().post(
        f"/api/v1/courses/{course_id}/participants/import",
        headers={"Authorization": f"Bearer {create_token(app, users['coordinator'])}"},
        data={"file": (io.BytesIO(bomb), "n.xlsx")},
    )
    assert api.status_code == 422 and "would unpack to 60 MB" in api.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_the_wrong_type_is_refused_whatever_its_name(app, web_as, course_id):
    web = web_as("coordinator")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    html = post_import(web, course_id, png, "nominations.xlsx").text
    assert "The file is named .xlsx but is not an Excel workbook." in html
    html = post_import(web, course_id, b"PK\x03\x04 not a zip", "n.xlsx").text
    assert "not a readable ZIP container" in html
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_too_large_is_413_and_stores_nothing(app, web_as, users, course_id):
    big = xlsx(GOOD_ROWS) + b"\0" * LIMIT
    response = post_import(web_as("coordinator"), course_id, big, "nominations.xlsx")
    assert response.status_int == 413
    assert "at most 0.5 MB" in response.text
    api = app.test_client().post(
        f"/api/v1/courses/{course_id}/participants/import",
        headers={"Authorization": f"Bearer {create_token(app, users['coordinator'])}"},
        data={"file": (io.BytesIO(big), "n.xlsx")},
    )
    assert api.status_code == 413 and api.get_json()["code"] == 413
    assert "at most 0.5 MB" in api.get_json()["message"]
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_country_reports_refuse_bombs_wrong_types_and_oversize(app, web_as, users, course_id):
    with app.app_context():
        trainee = auth_services.user_by_email(users["trainee"])
        person = make_person(email="trainee@example.test")
        course = db.session.get_one(Course, course_id)
        enrolment = participant_services.nominate(None, course, person)
        trainee.person_id = person.id
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        db.session.commit()
    web = web_as("trainee")
    url = f"/courses/{course_id}/my-report"
    for data, name, message in (
        (zip_bomb(pptx(), "ppt/media/padding.bin"), "report.pptx", "neither, whatever its name"),
        (b"<html><script>alert(1)</script></html>", "report.pdf", "neither, whatever its name"),
        (b"%PDF-1.4" + b"\0" * LIMIT, "report.pdf", None),
    ):
        response = submit(web.get(url), "Upload", file=("upload", name, data))
        if message:
            assert message in response.text, name
        else:
            assert response.status_int == 413
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(CountryReport.id))).scalar() == 0
    assert stored_files(app) == []
    good = submit(web.get(url), "Upload", file=("upload", "r.pptx", pptx()))
    assert good.status_int == 302  # an honest deck still goes through
