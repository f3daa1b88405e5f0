"""Course codes are letters, digits and hyphens (issue 16 point 3): a code once made a file
name, and ``../../../PWNED`` + "Issue now" wrote a PDF outside the instance folder, while
``A/B-SLASH`` gave a 500 and left a pending serial. Codes are checked in the form and the
API, corrected by a migration in existing databases, and no stored file is named after user
text any more: a code stored before the rule issues its certificates inside the instance
folder."""

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from tests.conftest import build_app, create_token, submit
from tests.courses.conftest import COURSE_VALUES
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training.audit import AuditEntry
from wipo_training.counters import Counter
from wipo_training.courses import services as course_services
from wipo_training.courses.models import Course, Fund
from wipo_training.documents import services as document_services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.jobs import Job

HOSTILE = {
    "../../../PWNED": "“.”, “/”",
    "A/B-SLASH": "“/”",
    "<script>alert(1)</script>": "“(”, “)”, “/”, “<”, “>”",
    "=1+1": "“+”, “=”",
    "ENF 2013": "spaces",
    "東京-2026": "“京”, “東”",
}


def course_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Course)).scalar_one()


@pytest.mark.parametrize("code", HOSTILE)
def test_the_form_refuses_a_code_that_is_not_letters_digits_and_hyphens(app, web_as, code):
    web = web_as("coordinator")
    response = submit(web.get("/courses/new"), "Save", **{**COURSE_VALUES, "code": code})
    assert response.status_int == 200
    error = response.html.find(id="code-error").get_text(" ", strip=True)
    assert error == (
        "The code may hold only letters A–Z, digits and hyphens (e.g. ENF-2013), "
        f"not {HOSTILE[code]}."
    )
    assert "<script>" not in response.text
    assert course_count(app) == 0


def test_the_form_refuses_a_code_ending_with_a_hyphen_and_takes_lower_case(app, web_as):
    web = web_as("coordinator")
    response = submit(web.get("/courses/new"), "Save", **{**COURSE_VALUES, "code": "-PAT-"})
    assert response.html.find(id="code-error").get_text(strip=True) == (
        "The code starts and ends with a letter or a digit (e.g. ENF-2013)."
    )
    response = submit(web.get("/courses/new"), "Save", **{**COURSE_VALUES, "code": "x" * 41})
    assert response.status_int == 200 and course_count(app) == 0
    response = submit(web.get("/courses/new"), "Save", **COURSE_VALUES)  # "pat-2027"
    assert response.status_int == 302
    with app.app_context():
        assert db.session.execute(sa.select(Course.code)).scalar_one() == "PAT-2027"


def test_the_next_edition_form_refuses_a_bad_code(app, web_as):
    with app.app_context():
        course = make_course_with_code("ENF-2013")
    web = web_as("coordinator")
    response = submit(web.get(f"/courses/{course}/copy"), "Create the next edition", code="../E")
    assert response.status_int == 200
    assert "not “.”, “/”." in response.text
    assert course_count(app) == 1


def make_course_with_code(code: str) -> int:
    from tests.conftest import make_course

    course = make_course(code=code)
    db.session.commit()
    return course.id


def test_the_api_refuses_a_bad_code_naming_the_field(app, users, client):
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    values = {
        "fund_id": 1,
        "title": "Patent examination",
        "country_code": "JP",
        "start_date": "2027-06-07",
        "end_date": "2027-06-18",
        "capacity": 20,
    }
    for code in HOSTILE:
        response = client.post("/api/v1/courses", headers=headers, json={**values, "code": code})
        assert response.status_code == 422, code
        assert list(response.json["errors"]["json"]) == ["code"]
        assert "letters A–Z, digits and hyphens" in response.json["errors"]["json"]["code"][0]
    assert course_count(app) == 0
    response = client.post("/api/v1/courses", headers=headers, json={**values, "code": "pat-27"})
    assert response.status_code == 201 and response.json["code"] == "PAT-27"
    document = client.get("/api/v1/openapi.json").json
    assert document["components"]["schemas"]["Course"]["properties"]["code"]["pattern"]


def test_the_service_refuses_a_bad_code(app_ctx):
    from tests.conftest import make_course

    with pytest.raises(course_services.CourseError) as refused:
        make_course(code="../../../PWNED")
    assert refused.value.problems == [
        ("code", "The code may hold only letters A–Z, digits and hyphens (e.g. ENF-2013), "
         "not “.”, “/”.")
    ]  # fmt: skip


@pytest.mark.parametrize("code", ["../../../PWNED", "A/B-SLASH"])
def test_a_code_stored_before_the_rule_issues_inside_the_instance_folder(
    app, web_as, tmp_path, code
):
    """ "Issue now" and a batch for a course whose code was stored before the rule: every
    file lands in the instance folder, named by ids; the code is only in the serial and the
    download names. (Before: a PDF in the folder above the instance folder; for A/B-SLASH a
    500 with the serial left pending.)"""
    with app.app_context():
        course, enrolments = eligible_course(PEOPLE[:2])
        db.session.execute(sa.update(Course).where(Course.id == course.id).values(code=code))
        db.session.commit()
        course_id = course.id
    web = web_as("coordinator")
    page = web.get(f"/courses/{course_id}/certificates")
    first_form = f"/enrolments/{enrolments_ids(app, course_id)[0]}/certificate"
    response = submit(page, "Issue now", action=first_form)
    assert response.status_int == 302
    assert f"Certificate {code}-001 issued" in response.follow().text

    response = submit(web.get(f"/courses/{course_id}/certificates"), "Issue and download")
    assert response.status_int == 302
    job_page = response.follow()
    assert "done" in job_page.text
    download = job_page.click("Download")
    assert download.content_disposition.startswith("attachment")

    instance = Path(app.instance_path).resolve()
    with app.app_context():
        certificates = db.session.execute(sa.select(Certificate)).scalars().all()
        assert [c.status for c in certificates] == ["issued", "issued"]  # none left pending
        stored = {c.id: document_services.pdf_path(c).resolve() for c in certificates}
        job = db.session.execute(sa.select(Job)).scalar_one()
        assert document_services.job_path(job).is_relative_to(instance / "jobs")
        assert download.body == document_services.job_path(job).read_bytes()
    for certificate_id, path in stored.items():
        assert path.is_relative_to(instance / "certificates" / str(course_id))
        assert path.name.startswith(f"{certificate_id}-")
        assert web.get(f"/certificates/{certificate_id}/pdf").body == path.read_bytes()
    written = [p.resolve() for p in tmp_path.rglob("*") if p.is_file()]
    outside = [p for p in written if not p.is_relative_to(instance)]
    assert all(p.name.startswith("test.sqlite") for p in outside), outside  # the database
    assert not [p for p in written if "PWNED" in str(p) or "SLASH" in str(p)]


def enrolments_ids(app, course_id: int) -> list[int]:
    from wipo_training.participants.models import Enrolment

    with app.app_context():
        return list(
            db.session.execute(
                sa.select(Enrolment.id)
                .where(Enrolment.course_id == course_id)
                .order_by(Enrolment.id)
            ).scalars()
        )


def test_a_stored_name_leading_out_of_the_folder_is_not_read(app_ctx):
    """A certificate stored under the old naming by a code with "../" is not followed."""
    course, enrolments = eligible_course(PEOPLE[:1])
    certificate = document_services.issue_one(None, enrolments[0])
    certificate.pdf_name = "../../secret_key"
    with pytest.raises(ValueError, match="not a file name inside"):
        document_services.pdf_path(certificate)


# --- existing databases ------------------------------------------------------------------


def test_the_migration_corrects_existing_codes(empty_database_url, tmp_path):
    """Codes stored before the rule are rewritten once: their serial counter moves with
    them, the version goes up, the audit log says what changed."""
    app = build_app(empty_database_url, tmp_path / "instance")
    script = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations"))
    revision = next(r for r in script.walk_revisions() if "course codes" in (r.doc or ""))
    with app.app_context():
        upgrade(revision=revision.down_revision)
        fund_id = db.session.execute(sa.select(Fund.id).where(Fund.code == "FIT-JP")).scalar()
        codes = ["ENF-2013", "ENF/2013", "../../../PWNED", "東京-2026", "%%%"]
        for index, code in enumerate(codes):
            db.session.execute(
                sa.insert(Course.__table__).values(
                    fund_id=fund_id,
                    title=f"Course {index}",
                    code=code,
                    edition_year=2013,
                    country_code="JP",
                    start_date=date(2013, 12, 2),
                    end_date=date(2013, 12, 13),
                    capacity=30,
                )
            )
        db.session.execute(sa.insert(Counter.__table__).values(key="certificate:ENF/2013", value=7))
        db.session.commit()
        upgrade()
        rows = db.session.execute(sa.select(Course.id, Course.code, Course.version)).all()
        assert [(code, version) for _id, code, version in sorted(rows)] == [
            ("ENF-2013", 1),
            ("ENF-2013-2", 2),
            ("PWNED", 2),
            ("2026", 2),
            (f"COURSE-{sorted(rows)[4].id}", 2),
        ]
        assert db.session.get(Counter, "certificate:ENF-2013-2").value == 7
        assert db.session.get(Counter, "certificate:ENF/2013") is None
        entries = (
            db.session.execute(
                sa.select(AuditEntry).where(AuditEntry.action == "course.code_corrected")
            )
            .scalars()
            .all()
        )
        assert [e.details["from"] for e in entries] == codes[1:]
        assert entries[0].details["to"] == "ENF-2013-2" and entries[0].at.year >= 2026
        db.session.remove()
        db.engine.dispose()
