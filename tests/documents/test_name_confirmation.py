"""Each participant confirms (or corrects) the name their certificate will print; the
coordinator approves corrections on the certificate page, which shows who has confirmed."""

import io

import pytest
import sqlalchemy as sa
import webtest
from pypdf import PdfReader

from tests.conftest import find_form, submit, web_sign_in
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training.audit import AuditEntry
from wipo_training.documents import services
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db
from wipo_training.people.models import Person

HOSTILE = "<script>alert('x')</script> Robert'); DROP TABLE people;--"


@pytest.fixture
def course(app, users):
    """Nguyen Van An (Viet Nam, the trainee's account) and Aung Kyaw Moe (Myanmar)."""
    with app.app_context():
        course, enrolments = eligible_course([PEOPLE[0], PEOPLE[8]], trainee_email=users["trainee"])
        return course.id, [e.person_id for e in enrolments]


@pytest.fixture
def coordinator(app, users):
    """A second browser, the coordinator's."""
    browser = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    assert web_sign_in(browser, users["coordinator"]).status_int == 302
    return browser


def person(app, person_id) -> Person:
    with app.app_context():
        found = db.session.get(Person, person_id)
        db.session.expunge(found)
        return found


def actions(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                sa.select(AuditEntry.action)
                .where(AuditEntry.action.like("person.name%"))
                .order_by(AuditEntry.id)
            ).scalars()
        )


def name_cell(page, family: str):
    """The "Name as printed" cell of the row of the participant with this family name."""
    row = next(r for r in page.html.select("tbody tr") if family.upper() in r.td.get_text())
    return row.find_all("td")[1]


def test_the_trainee_confirms_the_name_shown_on_the_dashboard(app, web_as, coordinator, course):
    course_id, (mine, other) = course
    page = coordinator.get(f"/courses/{course_id}/certificates")
    assert "0 of 2" in page.html.find(id="names-confirmed").get_text()
    # Printed as written: Vietnamese family name first, the Myanmar name not turned round.
    assert "Nguyen Van An" in name_cell(page, "Nguyen").get_text()
    assert "Aung Kyaw Moe" in name_cell(page, "Aung").get_text()
    assert "not yet confirmed" in name_cell(page, "Nguyen").get_text()

    dashboard = web_as("trainee").get("/")
    card = dashboard.html.find(id="name-check")
    assert "Confirm your name for the certificate" in card.get_text()
    assert "Nguyen Van An" in card.get_text() and "Nguyễn Văn An" in card.get_text()
    done = submit(dashboard, "This is right").follow()
    assert "your name is confirmed" in done.text
    assert "You have confirmed this name." in done.html.find(id="name-check").get_text()

    page = coordinator.get(f"/courses/{course_id}/certificates")
    assert "1 of 2" in page.html.find(id="names-confirmed").get_text()
    assert "confirmed" in name_cell(page, "Nguyen").get_text()
    assert "not yet confirmed" in name_cell(page, "Aung").get_text()
    assert person(app, mine).name_status == "confirmed"
    assert actions(app) == ["person.name_confirm"]


def test_a_correction_waits_for_the_coordinator_then_is_printed(app, web_as, coordinator, course):
    course_id, (mine, _other) = course
    web = web_as("trainee")
    form_page = web.get("/").click("Correct it")
    sent = submit(
        form_page,
        "Send the correction",
        **{"correct-name": "NGUYEN  Van An", "correct-native_name": "Nguyễn Văn Ân"},
    ).follow()
    assert "the coordinator will check your correction" in sent.text
    card = sent.html.find(id="name-check").get_text()
    assert "NGUYEN Van An" in card and "waits for the" in card
    assert person(app, mine).printed_name == "Nguyen Van An"  # not printed before approval

    page = coordinator.get(f"/courses/{course_id}/certificates")
    cell = name_cell(page, "Nguyen").get_text()
    assert "correction waiting" in cell and "NGUYEN Van An" in cell and "Nguyễn Văn Ân" in cell
    approved = submit(page, "Approve").follow()
    assert "approved: it is printed from now on" in approved.text
    assert "confirmed" in name_cell(approved, "Nguyen").get_text()
    assert "1 of 2" in approved.html.find(id="names-confirmed").get_text()

    record = person(app, mine)
    assert (record.printed_name, record.native_name) == ("NGUYEN Van An", "Nguyễn Văn Ân")
    assert record.name_status == "confirmed" and record.proposed_name is None
    assert actions(app) == ["person.name_correct", "person.name_approve"]

    issued = find_form(approved, "Issue now", f"/enrolments/{_enrolment_of(app, mine)}/certificate")
    issued.submit().follow()
    with app.app_context():
        certificate = db.session.execute(sa.select(Certificate)).scalar_one()
        text = "\n".join(
            p.extract_text()
            for p in PdfReader(io.BytesIO(services.pdf_path(certificate).read_bytes())).pages
        )
    assert "NGUYEN Van An" in text and certificate.printed_name == "NGUYEN Van An"


def _enrolment_of(app, person_id) -> int:
    with app.app_context():
        return db.session.get(Person, person_id).enrolments[0].id


def test_a_rejected_correction_asks_the_trainee_again(app, web_as, coordinator, course):
    course_id, (mine, _other) = course
    web = web_as("trainee")
    submit(web.get("/my/name"), "Send the correction", **{"correct-name": "Van An Nguyen"})
    page = coordinator.get(f"/courses/{course_id}/certificates")
    rejected = submit(page, "Reject").follow()
    assert "rejected" in rejected.text
    assert "not yet confirmed" in name_cell(rejected, "Nguyen").get_text()
    record = person(app, mine)
    assert record.printed_name == "Nguyen Van An" and record.proposed_name is None
    assert "This is right" in web.get("/").html.find(id="name-check").get_text()
    assert actions(app) == ["person.name_correct", "person.name_reject"]


def test_the_same_name_sent_as_a_correction_is_a_confirmation(app, web_as, course):
    _course_id, (mine, _other) = course
    web = web_as("trainee")
    submit(web.get("/my/name"), "Send the correction", **{"correct-name": " Nguyen   Van An "})
    assert person(app, mine).name_status == "confirmed"
    assert actions(app) == ["person.name_confirm"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"correct-name": "   "}, "Write your name as it should be printed."),
        ({"correct-name": "x" * 401}, "Field cannot be longer than 400 characters."),
        ({"correct-name": "Nguyen\u0000Van An"}, "without control characters"),
        ({"correct-name": "Nguyen", "correct-native_name": "阮\u0007"}, "without control"),
        ({"correct-name": "Nguyen", "correct-native_name": "阮" * 301}, "300 characters"),
    ],
)
def test_bad_corrections_are_named_and_change_nothing(app, web_as, course, fields, message):
    _course_id, (mine, _other) = course
    page = submit(web_as("trainee").get("/my/name"), "Send the correction", **fields)
    assert page.status_int == 200 and message in page.text
    assert page.html.find(id="form-problems") is not None
    record = person(app, mine)
    assert record.proposed_name is None and record.name_status == "not_yet"
    assert actions(app) == []


def test_hostile_text_is_kept_as_text(app, web_as, coordinator, course):
    course_id, (mine, _other) = course
    web = web_as("trainee")
    submit(
        web.get("/my/name"),
        "Send the correction",
        **{"correct-name": HOSTILE, "correct-native_name": HOSTILE},
    )
    for page in (
        web.get("/"),
        web.get("/my/name"),
        coordinator.get(f"/courses/{course_id}/certificates"),
    ):
        assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert person(app, mine).proposed_name == HOSTILE


def test_a_name_changed_since_it_was_shown_is_not_confirmed(app, web_as, coordinator, course):
    _course_id, (mine, _other) = course
    dashboard = web_as("trainee").get("/")
    edit = coordinator.get(f"/people/{mine}/name-as-printed")
    submit(edit, "Save the name as printed", name_as_printed="Nguyen Van Anh")
    refused = submit(dashboard, "This is right")  # the name page, with the name printed now
    assert "Your name was changed since the page was shown" in refused.text
    assert person(app, mine).name_status == "not_yet"
    assert "Nguyen Van Anh" in refused.html.find(class_="printed-name").get_text()
    assert actions(app) == ["person.name_as_printed"]


def test_the_coordinator_decides_on_the_correction_the_page_showed(
    app, web_as, coordinator, course
):
    course_id, (mine, _other) = course
    web = web_as("trainee")
    submit(web.get("/my/name"), "Send the correction", **{"correct-name": "Nguyen Van A"})
    page = coordinator.get(f"/courses/{course_id}/certificates")
    submit(web.get("/my/name"), "Send the correction", **{"correct-name": "Nguyen Van B"})
    refused = submit(page, "Approve").follow()
    assert "changed since the page was shown" in refused.text
    assert person(app, mine).printed_name == "Nguyen Van An"


def test_the_coordinator_sets_the_order_and_the_name_as_printed(app, coordinator, course):
    _course_id, (_mine, other) = course
    edit_page = coordinator.get(f"/people/{other}/edit")
    assert "Aung Kyaw Moe" in edit_page.html.find(id="name-as-printed").get_text()
    page = edit_page.click("Change the order or the name as printed")
    saved = submit(page, "Save the name as printed", name_order="given_first").follow()
    assert "certificates print “Kyaw Moe Aung”" in saved.text  # what the coordinator chose
    page = coordinator.get(f"/people/{other}/name-as-printed")
    saved = submit(page, "Save", name_order="", name_as_printed=" U  Aung Kyaw Moe ").follow()
    assert "certificates print “U Aung Kyaw Moe”" in saved.text
    record = person(app, other)
    assert (record.name_order, record.name_as_printed) == (None, "U Aung Kyaw Moe")
    # The derived name typed again is not kept: the name follows its parts.
    page = coordinator.get(f"/people/{other}/name-as-printed")
    submit(page, "Save", name_as_printed="Aung Kyaw Moe")
    assert person(app, other).name_as_printed == ""
    assert actions(app) == ["person.name_as_printed"] * 3


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name_order": "<script>"}, "Not a valid choice."),
        ({"name_as_printed": "Aung\u0000Kyaw"}, "without control characters"),
        ({"name_as_printed": "x" * 401}, "Field cannot be longer than 400 characters."),
        ({"version": "1"}, "Someone else saved this record"),
    ],
)
def test_bad_names_as_printed_are_named_and_change_nothing(
    app, coordinator, course, fields, message
):
    _course_id, (_mine, other) = course
    form = find_form(coordinator.get(f"/people/{other}/name-as-printed"), "Save")
    with app.app_context():  # an older page: someone saved the record since
        db.session.get(Person, other).position = "Director"
        db.session.commit()
    if "version" not in fields:
        form["version"] = str(person(app, other).version)
    for name, value in fields.items():
        form[name].force_value(value)
    page = form.submit(expect_errors=True)
    assert page.status_int == 200 and message in page.text
    record = person(app, other)
    assert (record.name_order, record.name_as_printed) == (None, "")
    assert actions(app) == []


def test_only_the_trainee_confirms_and_only_coordinators_decide(app, web_as, course, users):
    course_id, (mine, _other) = course
    web = web_as("staff")
    assert web.get("/my/name", expect_errors=True).status_int == 403
    assert web.get(f"/people/{mine}/name-as-printed", expect_errors=True).status_int == 403
    page = web.get(f"/courses/{course_id}/certificates")
    assert "Change how the name is printed" not in page.text
