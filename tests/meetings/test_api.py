"""The working-group API: groups, meetings with their parts, the report PDF."""

import pytest

from tests.conftest import make_person
from tests.meetings.conftest import GROUP
from tests.reports.conftest import pdf_text
from wipo_training.auth import services as auth_services
from wipo_training.extensions import db


@pytest.fixture
def api(app, users):
    """A client per role, each with its bearer token."""
    headers = {}
    with app.app_context():
        for role in ("coordinator", "staff", "trainee"):
            user = auth_services.user_by_email(users[role])
            token = auth_services.create_api_token(user, "tests")
            headers[role] = {"Authorization": f"Bearer {token}"}
        db.session.commit()

    def call(role, method, url, if_match=None, **kwargs):
        sent = {**headers[role], **({"If-Match": if_match} if if_match else {})}
        return app.test_client().open(url, method=method, headers=sent, **kwargs)

    return call


def test_groups_read_by_staff_written_by_coordinators(api, series):
    listed = api("staff", "GET", "/api/v1/working-groups")
    assert listed.status_code == 200
    (group,) = listed.get_json()
    assert group["name"] == "Japan-China Joint IP Working Group"
    assert [(m["number"], m["when"], m["status"]) for m in group["meetings"]] == [
        (5, "June 2016", "held"),
        (6, "13 December 2017", "held"),
        (7, "FY2018", "planned"),
    ]
    assert api("staff", "POST", "/api/v1/working-groups", json=GROUP).status_code == 403
    assert api("trainee", "GET", "/api/v1/working-groups").status_code == 403
    created = api("coordinator", "POST", "/api/v1/working-groups", json=GROUP)
    assert created.status_code == 201
    group_id = created.get_json()["id"]
    etag = created.headers["ETag"]
    same = api("coordinator", "POST", "/api/v1/working-groups", json=GROUP)
    assert same.status_code == 422
    assert (
        "already a working group called Japan-Korea IP Working Group" in same.get_json()["message"]
    )
    bad = api(
        "coordinator",
        "PATCH",
        f"/api/v1/working-groups/{group_id}",
        if_match=etag,
        json={"side_b_country": "JP"},
    )
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["json"] == {
        "side_b_country": ["The two sides must be different countries."]
    }
    patched = api(
        "coordinator",
        "PATCH",
        f"/api/v1/working-groups/{group_id}",
        if_match=etag,
        json={"side_b_body": "MOTIE"},
    )
    assert patched.get_json()["side_b_body"] == "MOTIE"
    assert patched.get_json()["side_b_country"] == "KR"  # unchanged
    assert api("staff", "GET", "/api/v1/working-groups/999999").status_code == 404


def test_a_meeting_with_its_parts(api, series, app):
    with app.app_context():
        person_id = make_person(family_name="Kim", country_code="KR").id
        db.session.commit()
    url = f"/api/v1/working-groups/{series['group']}/meetings"
    meeting = {
        "number": 8,
        "status": "held",
        "start_date": "2019-10-15",
        "city": "Beijing",
        "host_side": "b",
        "chair_a_name": "Mr. A",
        "chair_b_name": "Ms. B",
        "delegations": [
            {
                "side": "a",
                "organisation": "METI",
                "delegates": [{"name": "Mr. A", "title": "Deputy Director-General"}],
            },
            {"side": "b", "organisation": "CCPIT", "observer": True},
        ],
        "agenda": [{"title": "Online infringement"}],
        "outcomes": [
            {"kind": "agreement", "text": "Continue the seminar series."},
            {"kind": "action", "text": "Share the seizure figures.", "owner_side": "b"},
        ],
        "side_events": [{"title": "Joint seminar", "day": "2019-10-16"}],
    }
    bad = api("coordinator", "POST", url, json={**meeting, "outcomes": [{"kind": "vote"}]})
    assert bad.status_code == 422
    assert api("staff", "GET", url).get_json()[-1]["number"] == 7  # nothing added
    bad = api(
        "coordinator",
        "POST",
        url,
        json={
            **meeting,
            "delegations": [
                {
                    "side": "a",
                    "organisation": "METI",
                    "delegates": [{"name": "X", "person_id": 999999}],
                }
            ],
        },
    )
    assert bad.status_code == 422 and "there is no person 999999" in bad.get_json()["message"]
    created = api("coordinator", "POST", url, json=meeting)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["title"] == "Eighth Meeting of the Japan-China Joint IP Working Group"
    assert body["when"] == "15 October 2019" and body["end_date"] == "2019-10-15"
    assert [d["organisation"] for d in body["delegations"]] == ["METI", "CCPIT"]
    assert body["delegations"][0]["delegates"] == [
        {"name": "Mr. A", "title": "Deputy Director-General", "person_id": None}
    ]
    # The sixth meeting's open action item is followed up here.
    assert [o["text"] for o in body["follow_up"]] == [
        "Propose dates and the agenda of the seventh meeting."
    ]
    assert "Continue the seminar series." in body["press_release"]  # drafted

    meeting_url = f"/api/v1/meetings/{body['id']}"
    etag = created.headers["ETag"]
    stale = api(
        "coordinator", "PATCH", meeting_url, if_match=etag, json={"version": 0, "city": "Xi'an"}
    )
    assert stale.status_code == 409
    patched = api(
        "coordinator",
        "PATCH",
        meeting_url,
        if_match=etag,
        json={
            "version": body["version"],
            "outcomes": [{"kind": "agreement", "text": "Meet again in 2020."}],
            "delegations": [
                {
                    "side": "b",
                    "organisation": "KIPO",
                    "delegates": [{"name": "Kim", "person_id": person_id}],
                }
            ],
            "press_release": "Eighth Meeting Held\n\nIt was held.",
        },
    )
    assert patched.status_code == 200, patched.get_json()
    assert [o["text"] for o in patched.get_json()["outcomes"]] == ["Meet again in 2020."]
    assert patched.get_json()["city"] == "Beijing"  # unchanged
    assert patched.get_json()["press_release"] == "Eighth Meeting Held\n\nIt was held."
    person = api("coordinator", "GET", f"/api/v1/people/{person_id}").get_json()
    assert [m["number"] for m in person["meetings"]] == [8]
    etag = patched.headers["ETag"]
    for payload in ({"host_side": "c"}, {"number": 10**12}, {"fiscal_year": -1}, {"number": 6}):
        assert api("coordinator", "PATCH", meeting_url, etag, json=payload).status_code == 422

    report = api("staff", "GET", f"{meeting_url}/report.pdf")
    assert report.status_code == 200
    assert report.headers["Content-Disposition"] == (
        'attachment; filename="Japan-China-Joint-IP-Working-Group-8-report.pdf"'
    )
    text = pdf_text(report.data)
    assert "Eighth Meeting of the Japan-China Joint IP Working Group" in text
    assert "Meet again in 2020." in text and "Kim" in text
    assert api("trainee", "GET", f"{meeting_url}/report.pdf").status_code == 403
    assert api("staff", "GET", "/api/v1/meetings/999999").status_code == 404
