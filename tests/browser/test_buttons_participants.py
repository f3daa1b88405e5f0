"""Every button that changes a nomination, clicked in Chromium: nominating a person already on
record (both answers to "Is this the same person?"), accept, confirm (and the invitation it
gives), reject, reinstate, withdraw, correcting a person's record, and an import whose rows
match people on record, answered row by row."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script> =1+1"
NEW_PASSWORD = "a long new password for Dara"


def people_named(app, family: str, given: str) -> list[dict]:
    """Everyone on record with this name: their organisation and the courses they are in."""
    with app.app_context():
        people = db.session.execute(
            sa.select(Person)
            .where(Person.family_name == family, Person.given_name == given)
            .order_by(Person.id)
        ).scalars()
        return [
            {
                "organisation": p.organisation.name if p.organisation else None,
                "email": p.email,
                "position": p.position,
                "courses": sorted(
                    db.session.execute(
                        sa.select(Course.code).join(Enrolment).where(Enrolment.person_id == p.id)
                    ).scalars()
                ),
            }
            for p in people
        ]


def enrolment_in(app, code: str, family: str) -> tuple[str, list[tuple[str, str]]]:
    """The status of ``family``'s nomination to the course, and its history (to, note)."""
    with app.app_context():
        enrolment = db.session.execute(
            sa.select(Enrolment)
            .join(Course)
            .join(Person, Enrolment.person_id == Person.id)
            .where(Course.code == code, Person.family_name == family)
        ).scalar_one()
        return enrolment.status, [(c.to_status, c.reason) for c in enrolment.history]


def fill_nomination(page, family: str, given: str, country: str, **more):
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Given name(s)").fill(given)
    page.get_by_label("Country").fill(country)
    for label, value in more.items():
        page.get_by_label(label.replace("_", " "), exact=True).fill(value)


def test_nominate_people_already_on_record_both_answers(
    live_app, live_server, page, watch, screenshot, open_course, other_page
):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2027")
    page.get_by_role("link", name="Add a nomination").first.click()

    # Sokha Chan took part in 2013 and 2014: "Yes, use this record".
    fill_nomination(page, "Chan", "Sokha", "Cambodia", Position="Director of Enforcement")
    page.get_by_label("Nominated by").fill("Ministry of Commerce, Cambodia")
    page.get_by_role("button", name="Nominate").click()
    question = page.get_by_role("alert").filter(has_text="Is this the same person?")
    expect(question).to_contain_text("Sokha Chan")
    expect(question).to_contain_text("Department of Intellectual Property, Ministry of Commerce")
    screenshot("buttons-participants-01-same-person")
    question.get_by_role("button", name="Yes, use this record").click()
    expect(page.get_by_text("Sokha Chan nominated.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="CHAN")).to_contain_text("nominated")
    [chan] = people_named(live_app, "Chan", "Sokha")
    assert chan["courses"] == ["ENF-2013", "ENF-2014", "ENF-2027"]
    assert chan["email"] == "trainee@demo.test"
    assert chan["position"] == "Director of Enforcement"

    # Another Dara Keo of Cambodia, at customs: "No, create a new person".
    [judge_before] = people_named(live_app, "Keo", "Dara")
    page.get_by_role("link", name="Add a nomination").click()
    fill_nomination(
        page,
        "Keo",
        "Dara",
        "Cambodia",
        Email="dara.keo@customs.example",
        Organisation="General Department of Customs and Excise",
        Position=HOSTILE,
    )
    page.get_by_role("button", name="Nominate").click()
    question = page.get_by_role("alert").filter(has_text="Is this the same person?")
    expect(question).to_contain_text("Phnom Penh Court of First Instance")
    question.get_by_role("button", name="No, create a new person").click()
    expect(page.get_by_text("Dara Keo nominated.")).to_be_visible()
    screenshot("buttons-participants-02-nominated")
    judge, officer = people_named(live_app, "Keo", "Dara")
    assert judge == judge_before  # the judge's record is untouched
    assert judge["organisation"] == "Phnom Penh Court of First Instance"
    assert officer["organisation"] == "General Department of Customs and Excise"
    assert (officer["position"], officer["courses"]) == (HOSTILE, ["ENF-2027"])

    # The new person is accepted and confirmed from the list; confirming gives an invitation.
    row = (
        page.get_by_role("row")
        .filter(has_text="dara.keo")
        .or_(page.get_by_role("row").filter(has_text=HOSTILE))
    )
    row.get_by_role("button", name="Accept: Dara Keo").click()
    expect(page.get_by_text("Dara Keo: accepted.")).to_be_visible()
    page.get_by_role("button", name="Confirm: Dara Keo").click()
    expect(page.get_by_role("heading", name="Dara Keo is confirmed")).to_be_visible()
    link = page.get_by_label("Invitation link").input_value()
    screenshot("buttons-participants-03-invitation")
    assert enrolment_in(live_app, "ENF-2027", "Keo")[0] == "confirmed"

    # Dara opens the link, sets a password and is signed in, with the course.
    invited = other_page()
    invited.goto(link)
    expect(invited.get_by_role("heading", name="Welcome, Dara Keo")).to_be_visible()
    invited.get_by_label("Choose a password").fill(NEW_PASSWORD)
    invited.get_by_label("Repeat it").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Set password and sign in").click()
    expect(invited.get_by_text("Your password is set. Welcome!")).to_be_visible()
    invited.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    expect(invited.get_by_role("row").filter(has_text="ENF-2027")).to_be_visible()


def test_accept_confirm_reject_reinstate_withdraw(
    live_app, live_server, page, watch, screenshot, open_course, course_tab
):
    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2027")
    course_tab(page, "ENF-2027", "Participants")
    screenshot("buttons-participants-04-list")

    # Accept and confirm from the list.
    page.get_by_role("button", name="Accept: Thi Hoa Tran").click()
    expect(page.get_by_text("Thi Hoa Tran: accepted.")).to_be_visible()
    page.get_by_role("button", name="Confirm: Thi Hoa Tran").click()
    expect(page.get_by_text("Thi Hoa Tran: confirmed.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="TRAN")).to_contain_text("confirmed")
    assert enrolment_in(live_app, "ENF-2027", "Tran")[0] == "confirmed"

    # Reject on the person's page, with a note; the page asks first.
    page.get_by_role("link", name="THONGDEE").click()
    reject = page.locator("form").filter(has=page.get_by_role("button", name="Mark as rejected"))
    reject.get_by_label("Note (optional)").fill(f"Not in charge of enforcement. {HOSTILE}")
    reject.get_by_role("button", name="Mark as rejected").click()
    expect(page.get_by_text("Kanya Thongdee: rejected.")).to_be_visible()
    assert watch.confirmations == ["Mark Kanya Thongdee as rejected?"]
    status, history = enrolment_in(live_app, "ENF-2027", "Thongdee")
    assert status == "rejected"
    assert history[-1] == ("rejected", f"Not in charge of enforcement. {HOSTILE}")

    # Reinstate her (no question asked), then see the note in her history.
    page.get_by_role("link", name="THONGDEE").click()
    expect(
        page.get_by_role("cell", name=f"Not in charge of enforcement. {HOSTILE}")
    ).to_be_visible()
    page.get_by_role("button", name="Mark as nominated").click()
    expect(page.get_by_text("Kanya Thongdee: nominated.")).to_be_visible()
    assert len(watch.confirmations) == 1
    assert enrolment_in(live_app, "ENF-2027", "Thongdee")[0] == "nominated"

    # Withdraw Agus Prasetyo.
    page.get_by_role("link", name="PRASETYO").click()
    page.get_by_role("button", name="Mark as withdrawn").click()
    expect(page.get_by_text("Agus Prasetyo: withdrawn.")).to_be_visible()
    assert watch.confirmations[-1] == "Mark Agus Prasetyo as withdrawn?"
    screenshot("buttons-participants-05-after-decisions")
    assert enrolment_in(live_app, "ENF-2027", "Prasetyo")[0] == "withdrawn"


def test_correct_a_persons_record(live_app, live_server, page, watch, screenshot):
    sign_in(page, live_server, "coordinator@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("textbox", name="Name or email").fill("Phommachanh")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Phommachanh").click()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Position").fill("Deputy Director General")
    page.get_by_label("Email").fill("somphone@dip.example")
    screenshot("buttons-participants-06-person-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Somphone Phommachanh saved.")).to_be_visible()
    [person] = people_named(live_app, "Phommachanh", "Somphone")
    assert (person["position"], person["email"]) == (
        "Deputy Director General",
        "somphone@dip.example",
    )


def test_import_rows_already_on_record_answered_row_by_row(
    live_app, live_server, page, watch, screenshot, open_course, tmp_path
):
    from tests.participants.conftest import xlsx

    rows = [
        # Sokha Chan by her email, with a new position.
        ["Chan", "Sokha", "", "", "Ms", "female", "Cambodia", "", "ip_office",
         "Director of Enforcement", "trainee@demo.test"],
        # Another Dara Keo of Cambodia, at customs: same name and country as the judge.
        ["Keo", "Dara", "", "", "Mr", "male", "Cambodia", "General Department of Customs",
         "customs", "Customs officer", ""],
        # Someone new, the country as people write it.
        ["Sisouk", "Vilay", "", "", "Ms", "female", "Lao PDR", "Department of IP",
         "ip_office", f"Examiner {HOSTILE}", ""],
    ]  # fmt: skip
    spreadsheet = tmp_path / "nominations.xlsx"
    spreadsheet.write_bytes(xlsx(rows))
    [judge_before] = people_named(live_app, "Keo", "Dara")

    sign_in(page, live_server, "coordinator@demo.test")
    open_course(page, "ENF-2027")
    page.get_by_role("link", name="Import nominations").click()
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Check the file").click()
    expect(
        page.get_by_text("All 3 rows are correct. 2 of them may be people already on record")
    ).to_be_visible()
    chan = page.get_by_role("group", name=re.compile(r"^Row 2 has the email of Sokha Chan"))
    expect(chan.get_by_role("row", name=re.compile("^Position"))).to_contain_text(
        "Director of Enforcement"
    )
    chan.get_by_label("Replace: position").check()
    chan.get_by_label(re.compile("^Same person: nominate Sokha Chan")).check()
    keo = page.get_by_role("group", name=re.compile(r"^Row 3 has the name and country of Dara Keo"))
    keo.get_by_label(re.compile("^New person")).check()
    screenshot("buttons-participants-07-import-matches")
    page.get_by_role("button", name="Import these nominations").click()
    expect(page.get_by_text("3 nominations imported")).to_be_visible()
    screenshot("buttons-participants-08-imported")

    [sokha] = people_named(live_app, "Chan", "Sokha")
    assert (sokha["position"], sokha["courses"][-1]) == ("Director of Enforcement", "ENF-2027")
    judge, officer = people_named(live_app, "Keo", "Dara")
    assert judge == judge_before
    assert (officer["organisation"], officer["courses"]) == (
        "General Department of Customs",
        ["ENF-2027"],
    )
    [vilay] = people_named(live_app, "Sisouk", "Vilay")
    assert vilay["position"] == f"Examiner {HOSTILE}"
    with live_app.app_context():
        country = db.session.execute(
            sa.select(Person.country_code).where(Person.family_name == "Sisouk")
        ).scalar_one()
        assert country == "LA"
