"""Working-group pages as coordinators and staff use them: the series, a meeting and its
parts, the follow-up of action items, planning the next meeting, the press release and the
documents (meeting report, press release, participants by side)."""

import io

import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import csrf_token, make_person
from tests.documents.test_scripts_and_safety import Recorder
from tests.meetings.conftest import get_meeting
from tests.reports.conftest import pdf_text
from wipo_training.demo_meetings import DELEGATIONS_2017
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, Outcome, WorkingGroup
from wipo_training.meetings.services import delegations_by_side


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def post(client, url, data, form_page=None):
    """Post a form with the CSRF token of the page it is on."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_page or url)})


def test_staff_read_the_series_and_a_meeting(login_as, series):
    client = login_as("staff")
    html = page(client, "/working-groups/")
    assert "Japan-China Joint IP Working Group" in html
    assert "New working group" not in html  # staff read, coordinators edit
    html = page(client, f"/working-groups/{series['group']}")
    for text in ("Fifth Meeting", "June 2016", "Sixth Meeting", "Seventh Meeting", "FY2018"):
        assert text in html
    # Every agreement and action item over time, the fifth meeting's mission first.
    assert html.index("public-private mission") < html.index("customs and police agencies")
    html = page(client, f"/meetings/{series[6]}")
    assert "Sixth Meeting of the Japan-China Joint IP Working Group" in html
    assert "Mr. Hiroshi Tsuchida" in html and "Mr. Chen Fuli" in html
    for _side, organisation, _units, _observer in DELEGATIONS_2017:
        assert organisation.replace("&", "&amp;") in html
    assert "Japan-China Joint Seminar on IPR Enforcement" in html
    assert "Edit the meeting" not in html and "Mark done" not in html


def test_open_action_items_follow_up_on_the_next_meeting(login_as, series, app):
    client = login_as("coordinator")
    html = page(client, f"/meetings/{series[7]}")
    assert "Follow-up: open action items of earlier meetings" in html
    assert "Propose dates and the agenda of the seventh meeting." in html
    with app.app_context():
        action = db.session.execute(
            sa.select(Outcome).where(Outcome.meeting_id == series[6], Outcome.kind == "action")
        ).scalar_one()
        action_id = action.id
    response = post(
        client,
        f"/outcomes/{action_id}/status",
        {"status": "done", "back": series[7]},
        f"/meetings/{series[7]}",
    )
    assert response.headers["Location"] == f"/meetings/{series[7]}#outcomes"
    html = page(client, f"/meetings/{series[7]}")
    assert "Follow-up" not in html
    assert "Action item marked done." in html
    with app.app_context():
        assert db.session.get(Outcome, action_id).status == "done"


def test_coordinator_creates_a_group_and_bad_input_changes_nothing(login_as, app):
    client = login_as("coordinator")
    values = {
        "name": "Japan-Viet Nam IP Dialogue",
        "side_a_country": "JP",
        "side_a_body": "JPO",
        "side_b_country": "JP",
        "side_b_body": "IP Viet Nam",
        "framework": "Memorandum of Cooperation",
    }
    response = post(client, "/working-groups/new", values)
    assert response.status_code == 200
    assert "The two sides must be different countries." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(WorkingGroup.id))).scalar() == 0
    response = post(client, "/working-groups/new", {**values, "side_b_country": "VN"})
    assert response.status_code == 302
    html = page(client, response.headers["Location"])
    assert "Japan (JPO) and Viet Nam (IP Viet Nam)" in html
    assert "No meetings yet." in html


def test_meetings_are_checked_and_numbered_once(login_as, series, app):
    client = login_as("coordinator")
    url = f"/working-groups/{series['group']}/meetings/new"
    assert 'value="8"' in page(client, url)  # the next number is suggested
    base = {"number": 8, "status": "planned", "host_side": "b", "next_host_side": ""}
    for values, message in (
        ({"number": 6}, "The Sixth Meeting is already in the series."),
        (
            {"start_date": "2019-07-10", "end_date": "2019-07-09"},
            "The meeting cannot end before it starts.",
        ),
        ({"status": "held"}, "A meeting that was held needs its date."),
    ):
        response = post(client, url, {**base, **values})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Meeting.id))).scalar() == 3
    response = post(client, url, {**base, "fiscal_year": 2019, "city": "Shanghai"})
    assert response.status_code == 302
    html = page(client, response.headers["Location"])
    assert "Eighth Meeting of the Japan-China Joint IP Working Group" in html
    assert "FY2019, Shanghai · hosted by China (MOFCOM)" in html


def test_an_outdated_edit_is_refused(login_as, series, app):
    client = login_as("coordinator")
    url = f"/meetings/{series[7]}/edit"
    token = csrf_token(client, url)
    with app.app_context():  # someone else saves first
        meeting = get_meeting(series[7])
        meeting.city = "Tokyo"
        db.session.commit()
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "version": 1,
            "number": 7,
            "status": "planned",
            "host_side": "a",
            "next_host_side": "",
            "city": "Osaka",
        },
    )
    assert "Someone else saved this meeting" in response.get_data(as_text=True)
    with app.app_context():
        assert get_meeting(series[7]).city == "Tokyo"


def test_delegations_with_delegates_linked_to_people(login_as, series, app):
    with app.app_context():
        person = make_person(
            family_name="Sato", given_name="Yuki", country_code="JP", email="sato@meti.example.test"
        )
        db.session.commit()
        person_id = person.id
    client = login_as("coordinator")
    url = f"/meetings/{series[7]}/delegations/new"
    values = {
        "side": "a",
        "organisation": "Ministry of Economy, Trade and Industry (METI)",
        "units": "Intellectual Property Policy Office",
        "delegates": "Ms. Yuki Sato; Director; sato@meti.example.test\n"
        "Mr. Ken Ito; Deputy Director",
    }
    response = post(client, url, {**values, "delegates": "Mr. X; Adviser; nobody@example.test"})
    assert "nobody under People has the email nobody@example.test" in response.get_data(
        as_text=True
    )
    assert "Mr. X; Adviser; nobody@example.test" in response.get_data(as_text=True)  # kept
    with app.app_context():
        assert get_meeting(series[7]).delegations == []
    assert post(client, url, values).status_code == 302
    post(client, url, {"side": "b", "organisation": "CCPIT", "observer": "y", "delegates": ""})
    html = page(client, f"/meetings/{series[7]}")
    assert f'href="/people/{person_id}">Ms. Yuki Sato</a>, Director' in html
    assert "Mr. Ken Ito, Deputy Director" in html
    # The person's page and the API list the meeting.
    html = page(client, f"/people/{person_id}")
    assert "Seventh Meeting of the Japan-China Joint IP Working Group" in html
    person_json = client.get(f"/api/v1/people/{person_id}").get_json()
    assert person_json["meetings"] == [
        {
            "meeting_id": series[7],
            "working_group": "Japan-China Joint IP Working Group",
            "number": 7,
            "title": "Seventh Meeting of the Japan-China Joint IP Working Group",
            "when": "FY2018",
            "organisation": "Ministry of Economy, Trade and Industry (METI)",
            "observer": False,
            "position": "Director",
        }
    ]
    # The list of participants by side: co-chair, members, then observers.
    response = client.get(f"/meetings/{series[7]}/participants.xlsx")
    assert (
        'filename="Japan-China-Joint-IP-Working-Group-7-participants.xlsx"'
        in (response.headers["Content-Disposition"])
    )
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Side", "Role", "Organisation", "Departments", "Name", "Position")
    assert [(r[0], r[1], r[2], r[4]) for r in rows[1:]] == [
        ("Japan", "Member", "Ministry of Economy, Trade and Industry (METI)", "Ms. Yuki Sato"),
        ("Japan", "Member", "Ministry of Economy, Trade and Industry (METI)", "Mr. Ken Ito"),
        ("China", "Observer", "CCPIT", None),
    ]
    text = pdf_text(client.get(f"/meetings/{series[7]}/participants.pdf").data)
    assert "Japan side" in text and "Ms. Yuki Sato Director Member" in text
    assert text.index("Japan side") < text.index("China side") < text.index("CCPIT")


def test_record_edit_and_delete_parts(login_as, series, app):
    client = login_as("coordinator")
    meeting_url = f"/meetings/{series[7]}"
    response = post(client, f"{meeting_url}/agenda/new", {"title": "", "summary": "x"})
    assert "This field is required." in response.get_data(as_text=True)
    post(client, f"{meeting_url}/agenda/new", {"title": "Online infringement", "summary": ""})
    post(client, f"{meeting_url}/agenda/new", {"title": "Trade secrets", "summary": ""})
    response = post(
        client,
        f"{meeting_url}/outcomes/new",
        {
            "kind": "action",
            "text": "Exchange statistics on seizures.",
            "owner_side": "b",
            "responsible": "General Administration of Customs",
            "due_date": "2019-03-31",
            "status": "open",
        },
    )
    assert response.headers["Location"] == f"{meeting_url}#outcomes"
    response = post(
        client,
        f"{meeting_url}/side-events/new",
        {"title": "Seminar on trade secrets", "day": "", "venue": "Tokyo"},
    )
    assert "This field is required." in response.get_data(as_text=True)
    with app.app_context():
        meeting = get_meeting(series[7])
        assert [a.title for a in meeting.agenda] == ["Online infringement", "Trade secrets"]
        first = meeting.agenda[0].id
        assert meeting.side_events == []
    html = page(client, meeting_url)
    assert (
        "Exchange statistics on seizures." in html and "General Administration of Customs" in html
    )
    edit = f"{meeting_url}/agenda/{first}/edit"
    assert "Online infringement" in page(client, edit)
    post(client, edit, {"title": "Online infringement and platforms", "summary": "Views."})
    post(client, f"{meeting_url}/agenda/{first}/delete", {}, edit)
    with app.app_context():
        assert [a.title for a in get_meeting(series[7]).agenda] == ["Trade secrets"]
    # Another meeting's item is not reachable through this one.
    assert client.get(f"/meetings/{series[6]}/agenda/{first}/edit").status_code == 404


def test_the_next_meeting_is_planned_in_one_click(login_as, series, app):
    client = login_as("coordinator")
    response = post(client, f"/meetings/{series[7]}/plan-next", {}, f"/meetings/{series[7]}")
    assert "Record where and when the next meeting was agreed first." in page(
        client, response.headers["Location"]
    )
    post(
        client,
        f"/meetings/{series[7]}/edit",
        {
            "version": 1,
            "number": 7,
            "status": "held",
            "start_date": "2018-11-20",
            "city": "Tokyo",
            "host_side": "a",
            "next_host_side": "b",
            "next_fiscal_year": 2019,
        },
    )
    html = page(client, f"/meetings/{series[7]}")
    assert "Agreed: Eighth Meeting in China in FY2019." in html
    assert "Plan the Eighth Meeting" in html
    response = post(client, f"/meetings/{series[7]}/plan-next", {}, f"/meetings/{series[7]}")
    html = page(client, response.headers["Location"])
    assert "The Eighth Meeting is planned." in html
    assert "FY2019 · hosted by China (MOFCOM)" in html
    assert "Plan the Eighth Meeting" not in page(client, f"/meetings/{series[7]}")


def test_press_release_names_both_co_chairs_and_every_organisation(login_as, series):
    client = login_as("staff")
    response = client.get(f"/meetings/{series[6]}/press-release.pdf")
    assert (
        'filename="Japan-China-Joint-IP-Working-Group-6-press-release.pdf"'
        in (response.headers["Content-Disposition"])
    )
    text = pdf_text(response.data)
    assert (
        "Sixth Meeting of the Japan-China Joint IP Working Group and Japan-China Joint "
        "Seminar on IPR Enforcement Held" in text
    )
    assert "On 13 December 2017, the Sixth Meeting" in text and "Beijing, China" in text
    assert "Mr. Hiroshi Tsuchida, Deputy Director-General for Labor and Human Resources" in text
    assert "Mr. Chen Fuli, Director of the Department of Treaty and Law" in text
    for _side, organisation, _units, _observer in DELEGATIONS_2017:
        assert organisation in text, organisation
    assert "(Observer: The Supreme Court of Japan)" in text
    assert "METI, the Japan External Trade Organization (JETRO) and MOFCOM jointly held" in text
    assert "15 December 2017" in text
    plain = client.get(f"/meetings/{series[6]}/press-release.txt")
    assert plain.mimetype == "text/plain"
    assert "Under the co-chairmanship of Mr. Hiroshi Tsuchida" in plain.get_data(as_text=True)


def test_press_release_is_edited_then_published(login_as, series, app):
    client = login_as("coordinator")
    url = f"/meetings/{series[7]}/press-release"
    html = page(client, url)
    assert "Seventh Meeting of the Japan-China Joint IP Working Group to be Held" in html
    response = post(client, url, {"text": "   "})
    assert response.status_code == 422
    text = "Seventh Meeting Held\n\nOn 20 November 2018, the seventh meeting was held in Tokyo."
    assert post(client, url, {"text": text, "release_date": "2018-11-22"}).status_code == 302
    post(client, f"{url}/publish", {"status": "published"}, url)
    html = page(client, url)
    assert "Published" in html and "Released on 22 November 2018." in html
    assert "Save the draft" not in html
    response = post(client, url, {"text": "Changed after release."}, f"{url}?x=1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This press release is published and kept as released." in html
    assert "Changed after release." in html  # what they typed is shown, not lost
    with app.app_context():
        meeting = get_meeting(series[7])
        assert (meeting.press_release, meeting.release_published) == (text, True)
    assert pdf_text(client.get(f"{url}.pdf").data).count("the seventh meeting was held") == 1
    post(client, f"{url}/publish", {"status": "draft"}, url)
    assert "Save the draft" in page(client, url)


def test_meeting_report_pdf(login_as, series):
    client = login_as("staff")
    response = client.get(f"/meetings/{series[7]}/report.pdf")
    assert (
        'filename="Japan-China-Joint-IP-Working-Group-7-report.pdf"'
        in (response.headers["Content-Disposition"])
    )
    text = pdf_text(response.data)
    assert "Seventh Meeting of the Japan-China Joint IP Working Group" in text
    assert "FY2018, hosted by Japan (METI) · Planned" in text
    assert "Follow-up of earlier action items" in text
    assert "6 Propose dates and the agenda of the seventh meeting. Japan METI 30 Sep 2018 Open" in (
        text
    )
    text = pdf_text(client.get(f"/meetings/{series[6]}/report.pdf").data)
    for expected in (
        "Japan Mr. Hiroshi Tsuchida",
        "China Mr. Chen Fuli",
        "The Supreme Court of Japan — observer",
        "Geographical indications and trademarks",
        "Japan and China will continue to cooperate through their customs and police agencies",
        "Both sides agreed to hold the next meeting in Japan in FY2018.",
        "Japan-China Joint Seminar on IPR Enforcement",
    ):
        assert expected in text, expected


def test_trainees_see_nothing_of_it(login_as, series):
    client = login_as("trainee")
    for url in (
        "/working-groups/",
        f"/meetings/{series[6]}",
        f"/meetings/{series[6]}/report.pdf",
        "/api/v1/working-groups",
        f"/api/v1/meetings/{series[6]}",
    ):
        assert client.get(url).status_code == 403, url
    assert "Working groups" not in page(client, "/")


def test_hostile_values_are_printed_not_fetched(login_as, series, app, listener):
    """The meeting's documents go through the same render_pdf and fetcher as certificates."""
    hostile = {
        "organisation": '<img src="file:///etc/passwd">',
        "title": f'<link rel="attachment" href="file:///etc/hostname"> {listener}/agenda',
        "text": f"<style>@import url({listener}/import.css);</style><script>alert(1)</script>",
    }
    client = login_as("coordinator")
    meeting_url = f"/meetings/{series[7]}"
    post(
        client,
        f"{meeting_url}/delegations/new",
        {"side": "a", "organisation": hostile["organisation"]},
    )
    post(client, f"{meeting_url}/agenda/new", {"title": hostile["title"]})
    post(
        client,
        f"{meeting_url}/outcomes/new",
        {"kind": "agreement", "text": hostile["text"], "status": "open"},
    )
    html = page(client, meeting_url)
    assert "&lt;img src=" in html and '<img src="file' not in html
    for url in (
        f"{meeting_url}/report.pdf",
        f"{meeting_url}/press-release.pdf",
        f"{meeting_url}/participants.pdf",
    ):
        pdf = client.get(url).data
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.attachments == {}, url
        text = pdf_text(pdf)
        assert hostile["organisation"] in text, url
        assert b"root:x:0:0" not in pdf
    assert Recorder.hits == []


def test_agenda_and_protocol_order_can_be_changed(login_as, series, app):
    client = login_as("coordinator")
    meeting_url = f"/meetings/{series[6]}"
    with app.app_context():
        meeting = get_meeting(series[6])
        second_item = meeting.agenda[1].id
        by_side = [d for d in meeting.delegations if d.side == "a" and not d.observer]
        police = next(d.id for d in by_side if d.organisation == "National Police Agency")
        observer = next(d.id for d in meeting.delegations if d.side == "a" and d.observer)
    post(client, f"{meeting_url}/agenda/{second_item}/move/up", {}, meeting_url)
    post(client, f"{meeting_url}/delegations/{police}/move/up", {}, meeting_url)
    # An observer stays after the members: there is nothing below it to swap with.
    post(client, f"{meeting_url}/delegations/{observer}/move/down", {}, meeting_url)
    with app.app_context():
        meeting = get_meeting(series[6])
        assert [a.title for a in meeting.agenda][:2] == [
            "Geographical indications and trademarks",
            "Progress since the previous meeting",
        ]
        japan = [d.organisation for d in delegations_by_side(meeting)["a"]]
        assert japan[:3] == [
            "Ministry of Economy, Trade and Industry (METI)",
            "National Police Agency",
            "Intellectual Property Strategy Headquarters, Cabinet Office",
        ]
        assert japan[-1] == "The Supreme Court of Japan"
    html = page(client, meeting_url)
    assert 'aria-label="Move up: National Police Agency"' in html
    assert 'aria-label="Move up: Ministry of Economy, Trade and Industry (METI)"' not in html
