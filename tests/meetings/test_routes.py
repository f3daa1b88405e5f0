"""Working-group pages as coordinators and staff use them: the series, a meeting and its
parts, the follow-up of action items, planning the next meeting, the press release and the
documents (meeting report, press release, participants by side).

Every form is submitted as the page renders it (WebTest), with only the fields a person
would change."""

import io
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import Recorder, find_form, make_person, submit
from tests.meetings.conftest import get_meeting
from tests.reports.conftest import pdf_text
from wipo_training.demo.meetings import DELEGATIONS_2017
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, Outcome, WorkingGroup
from wipo_training.meetings.services import delegations_by_side
from wipo_training.people.models import Person


def page(web, url):
    """The page at ``url`` (it must answer 200)."""
    return web.get(url, status=200)


def saved(response):
    """The page a successful form redirects to."""
    assert response.status_int == 302, response.text
    return response.follow()


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def six_action_id(app, series) -> int:
    """The sixth meeting's action item (due 30 September 2018, still open)."""
    with app.app_context():
        return db.session.execute(
            sa.select(Outcome.id).where(Outcome.meeting_id == series[6], Outcome.kind == "action")
        ).scalar_one()


def test_staff_read_the_series_and_a_meeting(web_as, series):
    web = web_as("staff")
    html = page(web, "/working-groups/").text
    assert "Japan-China Joint IP Working Group" in html
    assert "New working group" not in html  # staff read, coordinators edit
    html = page(web, f"/working-groups/{series['group']}").text
    for text in ("Fifth Meeting", "June 2016", "Sixth Meeting", "Seventh Meeting", "FY2018"):
        assert text in html
    # Every agreement and action item over time, the fifth meeting's mission first.
    assert html.index("public-private mission") < html.index("customs and police agencies")
    html = page(web, f"/meetings/{series[6]}").text
    assert "Sixth Meeting of the Japan-China Joint IP Working Group" in html
    assert "Mr. Hiroshi Tsuchida" in html and "Mr. Chen Fuli" in html
    for _side, organisation, _units, _observer in DELEGATIONS_2017:
        assert organisation.replace("&", "&amp;") in html
    assert "Japan-China Joint Seminar on IPR Enforcement" in html
    assert "Edit the meeting" not in html and "Mark done" not in html


def test_open_action_items_follow_up_on_the_next_meeting(web_as, series, app):
    web = web_as("coordinator")
    seventh = page(web, f"/meetings/{series[7]}")
    assert "Follow-up: open action items of earlier meetings" in seventh.text
    assert "Propose dates and the agenda of the seventh meeting." in seventh.text
    action_id = six_action_id(app, series)
    response = submit(seventh, "Mark done", action=f"/outcomes/{action_id}/status")
    assert response.headers["Location"].endswith(f"/meetings/{series[7]}#outcomes")
    html = response.follow().text
    assert "Follow-up" not in html
    assert "Action item marked done." in html
    with app.app_context():
        assert db.session.get(Outcome, action_id).status == "done"


def test_past_due_open_action_items_are_marked_overdue(web_as, series, app):
    """The pages, the meeting report and the API mark an open action item past its due date;
    one due later, or done, is not."""
    web = web_as("coordinator")
    later = date.today() + timedelta(days=30)
    form_page = page(web, f"/meetings/{series[7]}/outcomes/new?type=action")
    saved(
        submit(
            form_page,
            "Save",
            text="Report on the joint seizures.",
            due_date=later.isoformat(),
            responsible="MOFCOM",
        )
    )
    seventh = page(web, f"/meetings/{series[7]}")
    # The sixth meeting's action item, due 30 September 2018, in the follow-up list.
    follow_up = seventh.html.find(id="follow-up-h").parent
    assert "Overdue" in follow_up.get_text()
    actions = seventh.html.find(id="outcomes")
    row = next(tr for tr in actions.find_all("tr") if "joint seizures" in tr.get_text())
    assert "Overdue" not in row.get_text() and "open" in row.get_text()
    series_page = page(web, f"/working-groups/{series['group']}")
    table = series_page.html.find(id="outcomes").find_next("table")
    rows = {tr.find_all("td")[2].get_text(): tr.get_text() for tr in table.find_all("tr")[1:]}
    assert "Overdue" in rows["Propose dates and the agenda of the seventh meeting."]
    assert "Overdue" not in rows["Report on the joint seizures."]
    assert "Overdue" not in "".join(v for k, v in rows.items() if "public-private" in k)  # done
    text = pdf_text(web.get(f"/meetings/{series[7]}/report.pdf").body)
    assert "30 Sep 2018 Open, overdue" in text
    assert f"{later:%d %b %Y} Open" in text and f"{later:%d %b %Y} Open, overdue" not in text
    meeting = web.get(f"/api/v1/meetings/{series[7]}").json
    assert [o["overdue"] for o in meeting["follow_up"]] == [True]
    assert [(o["text"], o["overdue"]) for o in meeting["outcomes"]] == [
        ("Report on the joint seizures.", False)
    ]
    # Done: no longer overdue anywhere.
    submit(seventh, "Mark done", action=f"/outcomes/{six_action_id(app, series)}/status")
    assert "Overdue" not in page(web, f"/working-groups/{series['group']}").text


def test_coordinator_creates_a_group_and_bad_input_changes_nothing(web_as, app):
    web = web_as("coordinator")
    form_page = page(web, "/working-groups/").click("New working group")
    values = {
        "name": "Japan-Viet Nam IP Dialogue",
        "side_b_country": "JP",  # the first side is Japan already
        "side_a_body": "JPO",
        "side_b_body": "IP Viet Nam",
        "framework": "Memorandum of Cooperation",
    }
    response = submit(form_page, "Save", **values)
    assert response.status_int == 200
    assert "The two sides must be different countries." in response.text
    assert count(app, WorkingGroup) == 0
    html = saved(submit(response, "Save", side_b_country="VN")).text
    assert "Japan (JPO) and Viet Nam (IP Viet Nam)" in html
    assert "No meetings yet." in html


def test_meetings_are_checked_and_numbered_once(web_as, series, app):
    web = web_as("coordinator")
    url = f"/working-groups/{series['group']}/meetings/new"
    assert find_form(page(web, url), "Save")["number"].value == "8"  # the next number is suggested
    for values, message in (
        ({"number": "6"}, "The Sixth Meeting is already in the series."),
        (
            {"start_date": "2019-07-10", "end_date": "2019-07-09"},
            "The meeting cannot end before it starts.",
        ),
        ({"status": "held"}, "A meeting that was held needs its date."),
    ):
        response = submit(page(web, url), "Save", host_side="b", **values)
        assert response.status_int == 200
        assert message in response.text
    assert count(app, Meeting) == 3
    html = saved(
        submit(page(web, url), "Save", host_side="b", fiscal_year="2019", city="Shanghai")
    ).text
    assert "Eighth Meeting of the Japan-China Joint IP Working Group" in html
    assert "FY2019, Shanghai, China" in html


def test_an_outdated_edit_is_refused(web_as, series, app):
    web = web_as("coordinator")
    form_page = page(web, f"/meetings/{series[7]}/edit")
    with app.app_context():  # someone else saves first
        meeting = get_meeting(series[7])
        meeting.city = "Tokyo"
        db.session.commit()
    response = submit(form_page, "Save", city="Osaka")
    assert "Someone else saved this meeting" in response.text
    with app.app_context():
        assert get_meeting(series[7]).city == "Tokyo"


def test_delegations_with_delegates_linked_to_people(web_as, series, app):
    with app.app_context():
        person = make_person(
            family_name="Sato", given_name="Yuki", country_code="JP", email="sato@meti.example.test"
        )
        db.session.commit()
        person_id = person.id
    web = web_as("coordinator")
    meeting_page = page(web, f"/meetings/{series[7]}")
    saved(
        submit(
            meeting_page.click("Add an organisation"),
            "Save",
            side="a",
            organisation="Ministry of Economy, Trade and Industry (METI)",
            units="Intellectual Property Policy Office",
            delegates="Ms. Yuki Sato; Director; SATO@meti.example.test\n"
            "Mr. Ken Ito; Deputy Director",
        )
    )
    saved(
        submit(
            meeting_page.click("Add an organisation"),
            "Save",
            side="b",
            organisation="CCPIT",
            observer=True,
        )
    )
    html = page(web, f"/meetings/{series[7]}").text
    assert f'href="/people/{person_id}">Ms. Yuki Sato</a>, Director' in html
    assert "Mr. Ken Ito, Deputy Director" in html
    assert count(app, Person) == 1  # linked, nobody added
    # The person's page and the API list the meeting.
    html = page(web, f"/people/{person_id}").text
    assert "Seventh Meeting of the Japan-China Joint IP Working Group" in html
    person_json = web.get(f"/api/v1/people/{person_id}").json
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
    response = web.get(f"/meetings/{series[7]}/participants.xlsx")
    assert (
        'filename="Japan-China-Joint-IP-Working-Group-7-participants.xlsx"'
        in (response.headers["Content-Disposition"])
    )
    rows = list(load_workbook(io.BytesIO(response.body)).active.iter_rows(values_only=True))
    assert rows[0] == ("Side", "Role", "Organisation", "Departments", "Name", "Position")
    assert [(r[0], r[1], r[2], r[4]) for r in rows[1:]] == [
        ("Japan", "Member", "Ministry of Economy, Trade and Industry (METI)", "Ms. Yuki Sato"),
        ("Japan", "Member", "Ministry of Economy, Trade and Industry (METI)", "Mr. Ken Ito"),
        ("China", "Observer", "CCPIT", None),
    ]
    text = pdf_text(web.get(f"/meetings/{series[7]}/participants.pdf").body)
    assert "Japan side" in text and "Ms. Yuki Sato Director Member" in text
    assert text.index("Japan side") < text.index("China side") < text.index("CCPIT")


def test_a_delegate_not_under_people_is_added_from_the_delegation_form(web_as, series, app):
    """A line whose email nobody under People has is not refused for good: the form shows
    the record it would make, and ticking "Add the people not yet under People" makes it."""
    with app.app_context():  # a namesake without an email, to be told about
        make_person(family_name="Chen", given_name="Fuli", country_code="CN")
        db.session.commit()
    web = web_as("coordinator")
    form_page = page(web, f"/meetings/{series[7]}").click("Add an organisation")
    lines = (
        "Mr. CHEN Fuli; Director of the Department of Treaty and Law; chen@mofcom.example.test\n"
        "Ms. Li Na; Deputy Director\n"
        "Dr. <script>alert(1)</script> WANG =1+1; =1+1 Adviser; wang@mofcom.example.test"
    )
    response = submit(
        form_page, "Save", side="b", organisation="Ministry of Commerce (MOFCOM)", delegates=lines
    )
    assert response.status_int == 200
    assert "Nobody under People has the email on lines 1 and 3." in response.text
    assert "<script>alert(1)</script>" not in response.text
    table = response.html.find(id="new-people-h").find_next("table")
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]
    assert rows[0] == [
        "1",
        "Chen",
        "Fuli",
        "Mr.",
        "China",
        "Ministry of Commerce (MOFCOM)",
        "Director of the Department of Treaty and Law",
        "chen@mofcom.example.test",
    ]
    assert "Someone with this name and country is on record: Fuli Chen" in rows[1][1]
    assert rows[2][:4] == ["3", "Wang", "<script>alert(1)</script> =1+1", "Dr."]
    assert find_form(response, "Save")["delegates"].value.strip() == lines  # kept as typed
    assert count(app, Person) == 1
    with app.app_context():
        assert get_meeting(series[7]).delegations == []
    # The coordinator confirms: the people are added and the lines linked to them.
    html = saved(submit(response, "Save", add_people=True)).text
    assert "Delegation saved." in html
    with app.app_context():
        people = {p.email: p for p in db.session.execute(sa.select(Person)).scalars() if p.email}
        chen = people["chen@mofcom.example.test"]
        chen_id = chen.id
        assert (chen.family_name, chen.given_name, chen.title, chen.country_code) == (
            "Chen",
            "Fuli",
            "Mr.",
            "CN",
        )
        assert chen.position == "Director of the Department of Treaty and Law"
        assert chen.organisation.name == "Ministry of Commerce (MOFCOM)"
        wang_id = people["wang@mofcom.example.test"].id
        delegates = get_meeting(series[7]).delegations[0].delegates
        assert [(d.name, d.person_id) for d in delegates] == [
            ("Mr. CHEN Fuli", chen.id),
            ("Ms. Li Na", None),
            ("Dr. <script>alert(1)</script> WANG =1+1", wang_id),
        ]
    assert count(app, Person) == 3
    html = page(web, f"/meetings/{series[7]}").text
    assert f'href="/people/{chen_id}">Mr. CHEN Fuli</a>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    person_page = page(web, f"/people/{wang_id}").text
    assert "Seventh Meeting of the Japan-China Joint IP Working Group" in person_page
    assert "<script>alert(1)" not in person_page


def test_a_wrong_delegate_line_is_named_and_nothing_is_cut(web_as, series, app):
    web = web_as("coordinator")
    form_page = page(web, f"/meetings/{series[7]}").click("Add an organisation")
    long_name = "Mr. " + "A" * 60 + " " + "Long" * 50
    response = submit(
        form_page,
        "Save",
        side="a",
        organisation="METI",
        add_people=True,
        delegates=f"{long_name}; Director\nMs. Kato; Adviser; not-an-email\n; no name",
    )
    assert response.status_int == 200
    for message in (
        "Line 1: the name has 265 characters; at most 200 are kept, shorten it.",
        "Line 2: “not-an-email” is not an email address.",
        "Line 3: write a name",
    ):
        assert message in response.text
    assert count(app, Person) == 0
    with app.app_context():
        assert get_meeting(series[7]).delegations == []


def test_record_edit_and_delete_parts(web_as, series, app):
    web = web_as("coordinator")
    meeting_url = f"/meetings/{series[7]}"
    meeting_page = page(web, meeting_url)
    response = submit(meeting_page.click("Add an item"), "Save", summary="x")
    assert "This field is required." in response.text
    saved(submit(meeting_page.click("Add an item"), "Save", title="Online infringement"))
    saved(submit(meeting_page.click("Add an item"), "Save", title="Trade secrets"))
    response = submit(
        meeting_page.click("Record an action item"),
        "Save",
        text="Exchange statistics on seizures.",
        owner_side="b",
        responsible="General Administration of Customs",
        due_date="2019-03-31",
    )
    assert response.headers["Location"].endswith(f"{meeting_url}#outcomes")
    response = submit(
        meeting_page.click("Add a side event"),
        "Save",
        title="Seminar on trade secrets",
        day="",
        venue="Tokyo",
    )
    assert "This field is required." in response.text
    with app.app_context():
        meeting = get_meeting(series[7])
        assert [a.title for a in meeting.agenda] == ["Online infringement", "Trade secrets"]
        assert [(o.kind, o.owner_side, o.status) for o in meeting.outcomes] == [
            ("action", "b", "open")
        ]
        first = meeting.agenda[0].id
        assert meeting.side_events == []
    html = page(web, meeting_url).text
    assert (
        "Exchange statistics on seizures." in html and "General Administration of Customs" in html
    )
    edit = page(web, meeting_url).click(description="Edit", href=f"/agenda/{first}/edit")
    assert find_form(edit, "Save")["title"].value == "Online infringement"
    saved(submit(edit, "Save", title="Online infringement and platforms", summary="Views."))
    with app.app_context():
        assert get_meeting(series[7]).agenda[0].title == "Online infringement and platforms"
    # the page saved from is outdated now: deleting from it is refused, from a fresh one done
    refused = submit(edit, "Delete this agenda item").follow()
    assert "Someone else changed this agenda item since you opened it" in refused.text
    saved(submit(refused, "Delete this agenda item"))
    with app.app_context():
        assert [a.title for a in get_meeting(series[7]).agenda] == ["Trade secrets"]
    # Another meeting's item is not reachable through this one.
    web.get(f"/meetings/{series[6]}/agenda/{first}/edit", status=404)


def test_the_next_meeting_is_planned_in_one_click(web_as, series, app):
    web = web_as("coordinator")
    seventh = page(web, f"/meetings/{series[7]}")
    assert "Plan the Eighth Meeting" not in seventh.text
    edit = seventh.click("Edit the meeting", index=0)
    saved(
        submit(
            edit,
            "Save",
            status="held",
            start_date="2018-11-20",
            city="Tokyo",
            next_host_side="b",
            next_fiscal_year="2019",
        )
    )
    html = page(web, f"/meetings/{series[7]}").text
    assert "Agreed: Eighth Meeting in China in FY2019." in html
    assert "Plan the Eighth Meeting" in html
    assert "Start from" not in html  # nothing recorded to start from
    with app.app_context():
        assert db.session.get(Meeting, series[7]).delegations == []
    html = saved(submit(page(web, f"/meetings/{series[7]}"), "Plan the Eighth Meeting")).text
    assert "The Eighth Meeting is planned." in html and "Started from" not in html
    assert "FY2019, China" in html
    assert "Plan the Eighth Meeting" not in page(web, f"/meetings/{series[7]}").text


def test_planning_the_next_meeting_starts_from_the_co_chairs_and_delegations(web_as, series, app):
    """The sixth meeting's co-chairs and delegations (with their delegates) are offered as
    the seventh's starting draft: shown, copied when ticked, then edited like any other."""
    with app.app_context():
        db.session.delete(get_meeting(series[7]))
        db.session.commit()
        person = make_person(
            family_name="Sato", given_name="Yuki", country_code="JP", email="sato@meti.example.test"
        )
        db.session.commit()
        person_id = person.id
    web = web_as("coordinator")
    sixth = page(web, f"/meetings/{series[6]}")
    metis = sixth.click(description="Edit", href=r"/delegations/\d+/edit", index=0)
    saved(submit(metis, "Save", delegates="Ms. Yuki Sato; Director; sato@meti.example.test"))
    sixth = page(web, f"/meetings/{series[6]}")
    form = sixth.html.find("button", string="Plan the Seventh Meeting").parent
    labels = " ".join(label.get_text() for label in form.find_all("label"))
    assert (
        "Start from the co-chairs: Mr. Hiroshi Tsuchida, Deputy Director-General for Labor and "
        "Human Resources, METI and Mr. Chen Fuli" in labels
    )
    assert "Start from the 15 delegations and their 1 delegate" in labels
    planned = saved(submit(sixth, "Plan the Seventh Meeting"))
    assert (
        "The Seventh Meeting is planned. Started from the Sixth Meeting's co-chairs and 15 "
        "delegations: check them below and edit what changes." in planned.html.get_text()
    )
    assert "Mr. Hiroshi Tsuchida" in planned.text and "Mr. Chen Fuli" in planned.text
    assert f'href="/people/{person_id}">Ms. Yuki Sato</a>, Director' in planned.text
    for _side, organisation, _units, _observer in DELEGATIONS_2017:
        assert organisation.replace("&", "&amp;") in planned.text
    with app.app_context():
        seventh = db.session.execute(sa.select(Meeting).where(Meeting.number == 7)).scalar_one()
        seventh_id = seventh.id
        copied = delegations_by_side(seventh)
        original = delegations_by_side(get_meeting(series[6]))
        assert [(d.organisation, d.units, d.observer) for side in "ab" for d in copied[side]] == [
            (d.organisation, d.units, d.observer) for side in "ab" for d in original[side]
        ]
        assert seventh.chair_b_title == "Director of the Department of Treaty and Law"
    # The draft is the seventh meeting's own: editing it leaves the sixth as it was.
    edit = planned.click("Edit the meeting", index=0)
    saved(submit(edit, "Save", chair_a_name="Mr. Taro Yamada"))
    with app.app_context():
        assert get_meeting(seventh_id).chair_a_name == "Mr. Taro Yamada"
        assert get_meeting(series[6]).chair_a_name == "Mr. Hiroshi Tsuchida"
    # Unticked, nothing is copied.
    with app.app_context():
        db.session.delete(get_meeting(seventh_id))
        db.session.commit()
    sixth = page(web, f"/meetings/{series[6]}")
    html = saved(
        submit(sixth, "Plan the Seventh Meeting", copy_chairs=False, copy_delegations=False)
    ).text
    assert "Started from" not in html and "Mr. Hiroshi Tsuchida" not in html
    assert "No organisations recorded." in html


def test_press_release_names_both_co_chairs_and_every_organisation(web_as, series):
    web = web_as("staff")
    response = web.get(f"/meetings/{series[6]}/press-release.pdf")
    assert (
        'filename="Japan-China-Joint-IP-Working-Group-6-press-release.pdf"'
        in (response.headers["Content-Disposition"])
    )
    text = pdf_text(response.body)
    assert (
        "Sixth Meeting of the Japan-China Joint IP Working Group and Japan-China Joint "
        "Seminar on IPR Enforcement Held" in text
    )
    assert "On December 13, 2017, the Ministry of Economy, Trade and Industry (METI) held" in text
    assert "Beijing, China" in text
    assert "Mr. Hiroshi Tsuchida, Deputy Director-General for Labor and Human Resources" in text
    assert "Mr. Chen Fuli, Director of the Department of Treaty and Law" in text
    for _side, organisation, _units, _observer in DELEGATIONS_2017:
        assert organisation in text, organisation
    assert "(Observer: The Supreme Court of Japan)" in text
    assert "METI, the Japan External Trade Organization (JETRO) and MOFCOM jointly held" in text
    assert "Release date December 15, 2017" in text
    assert "Division in Charge Office for Intellectual Property Right Protection" in text
    plain = web.get(f"/meetings/{series[6]}/press-release.txt")
    assert plain.content_type == "text/plain"
    assert "Under the co-chairmanship of Mr. Hiroshi Tsuchida" in plain.text


def _press_release(web, meeting_id) -> tuple[str, str]:
    """The press release as its page shows it (the text to edit) and as its PDF prints it."""
    html = page(web, f"/meetings/{meeting_id}/press-release")
    text = find_form(html, "Save the draft")["text"].value
    pdf = web.get(f"/meetings/{meeting_id}/press-release.pdf").body
    return " ".join(text.split()), pdf_text(pdf)


def test_press_release_says_each_co_chair_once_and_the_tense_of_the_meeting(web_as, series):
    """A planned meeting is announced in the future tense; one co-chair is not a
    co-chairmanship; a title that names the organisation does not print it twice. Read back
    from the press release page and from its PDF."""
    web = web_as("coordinator")
    meeting_page = page(web, f"/meetings/{series[7]}")
    saved(
        submit(
            meeting_page.click("Edit the meeting", index=0),
            "Save",
            chair_a_name="Mr. Taro Yamada",
            chair_a_title="Deputy Director-General, METI",
            chair_a_organisation="METI",
        )
    )
    saved(submit(meeting_page.click("Add an item"), "Save", title="Trade secrets"))
    saved(
        submit(
            meeting_page.click("Add a side event"),
            "Save",
            title="Joint Seminar on Trade Secrets",
            day="2018-11-21",
            venue="Tokyo",
            co_organisers="METI and MOFCOM",
        )
    )
    saved(
        submit(meeting_page.click("Add a side event"), "Save", title="Reception", day="2018-11-22")
    )
    for text in _press_release(web, series[7]):
        assert "METI, METI" not in text
        assert "co-chairmanship" not in text
        assert (
            "Mr. Taro Yamada, Deputy Director-General, METI, will co-chair the meeting for "
            "Japan; officials of both sides will exchange views. The agenda includes: Trade "
            "secrets." in text
        )
        assert (
            "Seventh Meeting of the Japan-China Joint IP Working Group and Joint Seminar on "
            "Trade Secrets to be Held" in text
        )
        assert (
            "METI will hold the Seventh Meeting of the Japan-China Joint IP Working Group in "
            "Japan." in text
        )
        assert (
            "Taking this opportunity, on November 21, 2018, Japan and China will hold a Joint "
            in (text)
        )
        assert (
            "On November 21, 2018, METI and MOFCOM will jointly hold a Joint Seminar on Trade "
            "Secrets in Tokyo." in text
        )
        assert "On November 22, 2018, a Reception will be held." in text
        for past in ("was held", "exchanged views", "jointly held", "co-chaired", "agreed"):
            assert past not in text, past
    # Held, with both co-chairs: the past tense and a co-chairmanship.
    saved(
        submit(
            page(web, f"/meetings/{series[7]}/edit"),
            "Save",
            status="held",
            start_date="2018-11-20",
            city="Tokyo",
            chair_b_name="Mr. Chen Fuli",
            chair_b_title="Director-General",
            chair_b_organisation="Ministry of Commerce (MOFCOM)",
        )
    )
    for text in _press_release(web, series[7]):
        assert (
            "Under the co-chairmanship of Mr. Taro Yamada, Deputy Director-General, METI, and "
            "Mr. Chen Fuli, Director-General, Ministry of Commerce (MOFCOM), officials of both "
            "sides exchanged views. The agenda included: Trade secrets." in text
        )
        assert "On November 20, 2018, METI held the Seventh Meeting" in text
        assert "in Tokyo, Japan." in text
        assert "Taking this opportunity, on November 21, Japan and China held a Joint" in text
        assert "METI and MOFCOM jointly held a Joint Seminar" in text
        assert "On November 22, 2018, a Reception was held." in text
        assert "METI, METI" not in text and "will " not in text
    chairs = page(web, f"/meetings/{series[7]}").html.find(id="chairs-h").parent
    chairs = chairs.get_text(" ", strip=True)
    assert "Japan: Mr. Taro Yamada, Deputy Director-General, METI China:" in chairs


def test_press_release_is_edited_then_published(web_as, series, app):
    web = web_as("coordinator")
    url = f"/meetings/{series[7]}/press-release"
    editor = page(web, url)
    assert "Seventh Meeting of the Japan-China Joint IP Working Group to be Held" in editor.text
    response = submit(editor, "Save the draft", text="   ")
    assert response.status_int == 422
    text = "Seventh Meeting Held\n\nOn 20 November 2018, the seventh meeting was held in Tokyo."
    editor = saved(submit(editor, "Save the draft", text=text, release_date="2018-11-22"))
    saved(submit(editor, "Publish"))
    html = page(web, url).text
    assert "Published" in html and "Released on 22 November 2018." in html
    assert "Save the draft" not in html
    # The editor left open in another tab is refused, and what was typed is shown, not lost.
    response = submit(editor, "Save the draft", text="Changed after release.")
    assert response.status_int == 422
    assert "This press release is published and kept as released." in response.text
    assert "Changed after release." in response.text
    with app.app_context():
        meeting = get_meeting(series[7])
        assert (meeting.press_release, meeting.release_published) == (text, True)
    assert pdf_text(web.get(f"{url}.pdf").body).count("the seventh meeting was held") == 1
    saved(submit(page(web, url), "Reopen for editing"))
    assert "Save the draft" in page(web, url).text


def test_meeting_report_pdf(web_as, series):
    web = web_as("staff")
    response = web.get(f"/meetings/{series[7]}/report.pdf")
    assert (
        'filename="Japan-China-Joint-IP-Working-Group-7-report.pdf"'
        in (response.headers["Content-Disposition"])
    )
    text = pdf_text(response.body)
    assert "Seventh Meeting of the Japan-China Joint IP Working Group" in text
    assert "FY2018, Japan · Planned" in text
    assert "Follow-up of earlier action items" in text
    assert (
        "6 Propose dates and the agenda of the seventh meeting. Japan METI 30 Sep 2018 Open, "
        "overdue" in text
    )
    text = pdf_text(web.get(f"/meetings/{series[6]}/report.pdf").body)
    for expected in (
        "Japan Mr. Hiroshi Tsuchida",
        "China Mr. Chen Fuli",
        "The Supreme Court of Japan — observer",
        "Progress since the previous meeting; geographical indications and trademarks",
        "Japan and China will continue to cooperate through their customs and police agencies",
        "Both sides agreed to hold the next meeting in Japan in FY2018.",
        "Japan-China Joint Seminar on IPR Enforcement",
    ):
        assert expected in text, expected


def test_trainees_see_nothing_of_it(web_as, series):
    web = web_as("trainee")
    for url in (
        "/working-groups/",
        f"/meetings/{series[6]}",
        f"/meetings/{series[6]}/report.pdf",
        "/api/v1/working-groups",
        f"/api/v1/meetings/{series[6]}",
    ):
        web.get(url, status=403)
    assert "Working groups" not in page(web, "/").text


def test_hostile_values_are_printed_not_fetched(web_as, series, app, listener):
    """The meeting's documents go through the same render_pdf and fetcher as certificates."""
    hostile = {
        "organisation": '<img src="file:///etc/passwd">',
        "title": f'<link rel="attachment" href="file:///etc/hostname"> {listener}/agenda',
        "text": f"<style>@import url({listener}/import.css);</style><script>alert(1)</script>",
    }
    web = web_as("coordinator")
    meeting_url = f"/meetings/{series[7]}"
    meeting_page = page(web, meeting_url)
    saved(
        submit(
            meeting_page.click("Add an organisation"),
            "Save",
            side="a",
            organisation=hostile["organisation"],
        )
    )
    saved(submit(meeting_page.click("Add an item"), "Save", title=hostile["title"]))
    saved(submit(meeting_page.click("Record an agreement"), "Save", text=hostile["text"]))
    html = page(web, meeting_url).text
    assert "&lt;img src=" in html and '<img src="file' not in html
    for url in (
        f"{meeting_url}/report.pdf",
        f"{meeting_url}/press-release.pdf",
        f"{meeting_url}/participants.pdf",
    ):
        pdf = web.get(url).body
        reader = PdfReader(io.BytesIO(pdf))
        assert reader.attachments == {}, url
        text = pdf_text(pdf)
        assert hostile["organisation"] in text, url
        assert b"root:x:0:0" not in pdf
    assert Recorder.hits == []


def test_agenda_and_protocol_order_can_be_changed(web_as, series, app):
    web = web_as("coordinator")
    meeting_url = f"/meetings/{series[6]}"
    with app.app_context():
        meeting = get_meeting(series[6])
        second_item = meeting.agenda[1].id
        by_side = [d for d in meeting.delegations if d.side == "a" and not d.observer]
        police = next(d.id for d in by_side if d.organisation == "National Police Agency")
        observer = next(d.id for d in meeting.delegations if d.side == "a" and d.observer)
    submit(page(web, meeting_url), "↑", action=f"{meeting_url}/agenda/{second_item}/move/up")
    submit(page(web, meeting_url), "↑", action=f"{meeting_url}/delegations/{police}/move/up")
    # An observer stays after the members: it is alone in its group, so no arrows at all.
    observer_page = page(web, meeting_url)
    assert f"/delegations/{observer}/move/" not in observer_page.text
    with app.app_context():
        meeting = get_meeting(series[6])
        assert [a.title for a in meeting.agenda][:2] == [
            "Crackdown on counterfeit and pirated products",
            "Progress since the previous meeting; geographical indications and trademarks",
        ]
        japan = [d.organisation for d in delegations_by_side(meeting)["a"]]
        assert japan[:3] == [
            "Ministry of Economy, Trade and Industry (METI)",
            "National Police Agency",
            "Intellectual Property Strategy Headquarters, Cabinet Office",
        ]
        assert japan[-1] == "The Supreme Court of Japan"
    html = page(web, meeting_url).text
    assert 'aria-label="Move up: National Police Agency"' in html
    assert 'aria-label="Move up: Ministry of Economy, Trade and Industry (METI)"' not in html
