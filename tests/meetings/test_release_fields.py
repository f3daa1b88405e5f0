"""The press release's division in charge and a side event's part of the day are entered on
the meeting's forms (and the API), as rendered, and printed in the release."""

import sqlalchemy as sa

from tests.conftest import create_token, find_form, press, submit
from tests.meetings.conftest import get_meeting
from wipo_training.extensions import db
from wipo_training.meetings import services
from wipo_training.meetings.models import SideEvent

DIVISION = "Office for Intellectual Property Right Protection, Manufacturing Industries Bureau"


def test_the_division_and_the_part_of_the_day_are_entered_on_the_forms(app, series, web_as):
    web = web_as("coordinator")
    edit = web.get(f"/meetings/{series[7]}/edit")
    assert edit.status_int == 200
    saved = submit(edit, "Save", release_division=f"  {DIVISION} <script>x</script> ")
    assert saved.status_int == 302
    new_event = web.get(f"/meetings/{series[7]}/side-events/new")
    form = find_form(new_event, "Save")
    form["part_of_day"].force_value("dusk")  # an attacker's post: not one of the menu's values
    refused = press(form, "Save", title="Joint seminar", day="2018-11-21")
    assert refused.status_int == 200  # a value not in the menu: the form refuses it
    added = submit(
        new_event, "Save", title="Joint seminar", day="2018-11-21", part_of_day="afternoon"
    )
    assert added.status_int == 302
    with app.app_context():
        meeting = get_meeting(series[7])
        assert meeting.release_division == f"{DIVISION} <script>x</script>"
        event = db.session.execute(
            sa.select(SideEvent).where(SideEvent.meeting_id == series[7])
        ).scalar_one()
        assert event.part_of_day == "afternoon"
        text = services.press_release_text(meeting)
    assert "in the afternoon of November 21" in text.replace("In the", "in the")
    assert DIVISION in text
    page = web.get(f"/meetings/{series[7]}/press-release").text
    assert "<script>x</script>" not in page  # escaped wherever it is shown


def test_the_api_takes_them_and_refuses_an_unknown_part_of_the_day(app, series, users, client):
    token = create_token(app, users["coordinator"])
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/meetings/{series[7]}"
    read = client.get(url, headers=headers)
    assert read.status_code == 200 and read.get_json()["release_division"] == ""
    event = {"title": "Seminar", "day": "2018-11-21", "part_of_day": "noon"}
    change = {"release_division": DIVISION, "side_events": [event]}
    bad = client.patch(url, json=change, headers={**headers, "If-Match": read.headers["ETag"]})
    assert bad.status_code == 422 and "part_of_day" in bad.get_data(as_text=True)
    event["part_of_day"] = "morning"
    good = client.patch(url, json=change, headers={**headers, "If-Match": read.headers["ETag"]})
    assert good.status_code == 200, good.get_data(as_text=True)
    body = good.get_json()
    assert body["release_division"] == DIVISION
    assert [e["part_of_day"] for e in body["side_events"]] == ["morning"]
