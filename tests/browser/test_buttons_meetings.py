"""Every button of the working groups, clicked in Chromium as a coordinator starts a new series:
the group and its meeting created and edited; delegations (one delegate added under People),
agenda items moved and deleted, an action item marked done, a side event; the next meeting
planned from this one; the press release saved, published and reopened."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, WorkingGroup
from wipo_training.people.models import Person

pytestmark = pytest.mark.browser

GROUP = "Japan-Viet Nam IP Dialogue"
HOSTILE = "<script>alert(1)</script> =1+1"


def meetings_of(app) -> dict[int, Meeting]:
    """The group's meetings by number, with their parts loaded (detached)."""
    with app.app_context():
        group = db.session.execute(
            sa.select(WorkingGroup).where(WorkingGroup.name == GROUP)
        ).scalar_one()
        meetings = {}
        for meeting in group.meetings:
            for part in (meeting.delegations, meeting.agenda, meeting.outcomes):
                for item in part:
                    getattr(item, "delegates", None)
            meeting.side_events  # noqa: B018 (loaded before the session ends)
            meetings[meeting.number] = meeting
        db.session.expunge_all()
        return meetings


def flash(page, text: str):
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_a_new_series_from_its_first_meeting_to_the_next(
    live_app, live_server, page, watch, screenshot
):
    sign_in(page, live_server, "coordinator@demo.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Working groups").click()
    page.get_by_role("link", name="New working group").click()
    page.get_by_label("Name").fill(GROUP)
    expect(page.get_by_label("First side: country")).to_have_value("JP")
    page.get_by_label("First side: lead body").fill("JPO")
    page.get_by_label("Second side: country").select_option(label="Viet Nam")
    page.get_by_label("Second side: lead body").fill("IP Viet Nam")
    page.get_by_label("Framework", exact=True).fill("Memorandum of Cooperation on IP")
    page.get_by_label("Framework signed on").fill("2025-03-14")
    screenshot("buttons-meetings-01-group-form")
    page.get_by_role("button", name="Save").click()
    flash(page, f"{GROUP} created. Add its meetings next.")

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Description").fill(f"Yearly talks between the two offices. {HOSTILE}")
    page.get_by_role("button", name="Save").click()
    flash(page, "Working group saved.")
    expect(page.get_by_text(f"Yearly talks between the two offices. {HOSTILE}")).to_be_visible()
    with live_app.app_context():
        group = db.session.execute(
            sa.select(WorkingGroup).where(WorkingGroup.name == GROUP)
        ).scalar_one()
        assert (group.side_b_country, group.side_b_body) == ("VN", "IP Viet Nam")

    # The first meeting.
    page.get_by_role("link", name="Add a meeting").click()
    page.get_by_label("Number in the series").fill("1")
    page.get_by_label("Status").select_option(label="Held")
    page.get_by_label("Host side", exact=True).select_option(label="Viet Nam (IP Viet Nam)")
    page.get_by_label("City").fill("Hanoi")
    page.get_by_label("First day").fill("2026-03-10")
    page.get_by_label("Last day").fill("2026-03-11")
    japan = page.get_by_role("group", name="Co-chair for Japan")
    japan.get_by_label("Name").fill("Mr Ichiro Sato")
    japan.get_by_label("Title").fill("Deputy Commissioner")
    japan.get_by_label("Organisation").fill("JPO")
    viet_nam = page.get_by_role("group", name="Co-chair for Viet Nam")
    viet_nam.get_by_label("Name").fill("Ms Tran Thi Mai")
    viet_nam.get_by_label("Title").fill("Director General")
    viet_nam.get_by_label("Organisation").fill("IP Viet Nam")
    page.get_by_label("Next meeting hosted by").select_option(label="Japan (JPO)")
    page.get_by_label("Next meeting on").fill("2027-03-09")
    page.get_by_role("button", name="Save").click()
    flash(page, "The First Meeting is in the series.")
    screenshot("buttons-meetings-02-meeting")

    page.get_by_role("link", name="Edit the meeting").click()
    page.get_by_label("Summary").fill("Examination practice and enforcement were discussed.")
    page.get_by_role("button", name="Save").click()
    flash(page, "Meeting saved.")
    assert (
        meetings_of(live_app)[1].summary == "Examination practice and enforcement were discussed."
    )

    # Delegations: one delegate not yet under People is added there.
    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_label("Side").select_option(label="Japan (JPO)")
    page.get_by_label("Organisation").fill("Japan Patent Office")
    page.get_by_label("Delegates").fill("Mr Ichiro Sato; Deputy Commissioner")
    page.get_by_role("button", name="Save").click()
    flash(page, "Delegation saved.")
    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_label("Side").select_option(label="Viet Nam (IP Viet Nam)")
    page.get_by_label("Organisation").fill("Intellectual Property Office of Viet Nam")
    page.get_by_label("Delegates").fill(
        "Ms Tran Thi Mai; Director General\nMr PHAM Van Duc; Deputy Director; duc@ipvietnam.example"
    )
    page.get_by_label("Add the people not yet under People").check()
    page.get_by_role("button", name="Save").click()
    flash(page, "Delegation saved.")
    expect(page.get_by_role("link", name="PHAM Van Duc")).to_be_visible()
    with live_app.app_context():
        person = db.session.execute(
            sa.select(Person).where(Person.email == "duc@ipvietnam.example")
        ).scalar_one()
        assert (person.family_name, person.country_code) == ("Pham", "VN")

    # The agenda: two items, the first moved down, then the second deleted.
    for title in ("Examination practice", "Enforcement at the border"):
        page.get_by_role("link", name="Add an item").click()
        page.get_by_label("Title").fill(title)
        page.get_by_role("button", name="Save").click()
        flash(page, "Agenda item saved.")
    page.get_by_role("button", name="Move down: Examination practice").click()
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda.get_by_role("listitem").first).to_contain_text("Enforcement at the border")
    assert [a.title for a in meetings_of(live_app)[1].agenda] == [
        "Enforcement at the border",
        "Examination practice",
    ]
    page.get_by_role("link", name="Edit Enforcement at the border").click()
    page.get_by_role("button", name="Delete this agenda item").click()
    flash(page, "Agenda item deleted.")
    assert watch.confirmations == ["Delete this agenda item? This cannot be undone."]
    assert [a.title for a in meetings_of(live_app)[1].agenda] == ["Examination practice"]

    # An action item, marked done; a side event.
    page.get_by_role("link", name="Record an action item").click()
    expect(page.get_by_label("Kind")).to_have_value("action")
    page.get_by_label("Text", exact=True).fill("Exchange the examination guidelines.")
    page.get_by_label("Owned by").select_option(label="Viet Nam (IP Viet Nam)")
    page.get_by_label("Due").fill("2026-09-30")
    page.get_by_role("button", name="Save").click()
    flash(page, "Outcome saved.")
    page.get_by_role("button", name="Mark done: Exchange the examination guidelines.").click()
    flash(page, "Action item marked done.")
    [action] = meetings_of(live_app)[1].outcomes
    assert (action.kind, action.status, action.due_date) == ("action", "done", date(2026, 9, 30))
    page.get_by_role("link", name="Add a side event").click()
    page.get_by_label("Title").fill(f"Seminar on trademarks {HOSTILE}")
    page.get_by_label("Day", exact=True).fill("2026-03-12")
    page.get_by_role("button", name="Save").click()
    flash(page, "Side event saved.")
    expect(page.get_by_role("heading", name=f"Seminar on trademarks {HOSTILE}")).to_be_visible()
    screenshot("buttons-meetings-03-meeting-filled")

    # The press release: saved, published (asked first), reopened (asked first).
    page.get_by_role("link", name="Press release", exact=True).click()
    text = page.get_by_role("textbox", name="Press release")
    expect(text).not_to_be_empty()
    text.fill(text.input_value() + "\n\nFor more information: press@jpo.example")
    page.get_by_role("button", name="Save the draft").click()
    flash(page, "Press release saved.")
    page.get_by_role("button", name="Publish").click()
    flash(page, "Press release published.")
    expect(page.get_by_role("heading", name="Press release Published")).to_be_visible()
    screenshot("buttons-meetings-04-published")
    assert meetings_of(live_app)[1].release_published is True
    page.get_by_role("button", name="Reopen for editing").click()
    flash(page, "Press release open for editing.")
    assert watch.confirmations[-2:] == [
        "Publish the saved press release? Its text is then kept as released.",
        "Reopen the published press release for editing?",
    ]
    first = meetings_of(live_app)[1]
    assert first.release_published is False
    assert first.press_release.endswith("For more information: press@jpo.example")

    # The next meeting, from this one's co-chairs and delegations.
    page.get_by_role("link", name="First Meeting").click()
    page.get_by_role("button", name="Plan the Second Meeting").click()
    flash(page, "The Second Meeting is planned.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Second Meeting")
    screenshot("buttons-meetings-05-next-planned")
    second = meetings_of(live_app)[2]
    assert (second.status, second.host_side, second.start_date) == (
        "planned",
        "a",
        date(2027, 3, 9),
    )
    assert second.chair_b_name == "Ms Tran Thi Mai"
    assert sorted(d.organisation for d in second.delegations) == [
        "Intellectual Property Office of Viet Nam",
        "Japan Patent Office",
    ]
