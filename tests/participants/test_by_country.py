"""Participants by country, the report sentence, protocol-order lists and exports."""

import csv
import html
import io
from datetime import date, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import create_token, make_course, make_person
from wipo_training.courses.models import Course
from wipo_training.demo import load_demo
from wipo_training.extensions import db
from wipo_training.participants import services

SOURCE_COUNTS = {  # shared/seeds/003: the 2013 course report
    "Algeria": 1,
    "Bhutan": 1,
    "Cambodia": 2,
    "China": 3,
    "Indonesia": 6,
    "Lao People's Democratic Republic": 1,
    "Malaysia": 1,
    "Morocco": 1,
    "Myanmar": 2,
    "Pakistan": 1,
    "Philippines": 2,
    "Thailand": 3,
    "Viet Nam": 6,
}
SOURCE_SENTENCE = (
    "Algeria (1 person), Bhutan (1), Cambodia (2), China (3), Indonesia (6), "
    "Lao People's Democratic Republic (1), Malaysia (1), Morocco (1), Myanmar (2), Pakistan (1), "
    "Philippines (2), Thailand (3), Viet Nam (6)"
)


def load(app):
    with app.app_context():
        load_demo()
        db.session.commit()
        return db.session.execute(sa.select(Course.id).where(Course.code == "ENF-2013")).scalar()


def test_the_demo_course_by_country_api_answers_the_source_counts(app, users):
    course_id = load(app)
    token = create_token(app, users["staff"])
    response = app.test_client().get(
        f"/api/v1/courses/{course_id}/participants/by-country",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body = response.json
    assert {row["name"]: row["count"] for row in body["countries"]} == SOURCE_COUNTS
    assert len(body["countries"]) == 13 and body["total"] == 30
    assert sum(row["count"] for row in body["countries"]) == 30
    assert body["sentence"] == SOURCE_SENTENCE


def test_the_by_country_page_has_the_sentence_and_the_charts(app, login_as):
    course_id = load(app)
    client = login_as("coordinator")
    raw = client.get(f"/courses/{course_id}/participants/by-country").get_data(as_text=True)
    assert "Supreme People&#39;s Court" in raw  # organisations per country, escaped
    page = html.unescape(raw)
    assert f"There were 30 participants from 13 countries: {SOURCE_SENTENCE}." in page
    # One name per country: the sentence and the table both say Viet Nam, never Vietnam.
    assert "<td>Viet Nam</td>" in page and "Vietnam" not in page and "Laos" not in page
    chart = client.get(f"/courses/{course_id}/participants/by-country.svg")
    assert (
        chart.mimetype == "image/svg+xml"
        and b"Viet Nam" in chart.data
        and b"<script" not in chart.data
    )
    world = client.get(f"/courses/{course_id}/participants/map.svg")
    assert world.status_code == 200 and b"<svg" in world.data


def test_statistics_across_courses_for_a_year_and_a_fund(app, login_as):
    load(app)
    client = login_as("staff")
    page = client.get("/statistics/participants?year=2016").get_data(as_text=True)
    assert "1 course(s)" in page and "Ghana (1" in page and "Viet Nam" not in page
    page = client.get("/statistics/participants?fund=1").get_data(as_text=True)
    # 4 in the (invented) 2012 edition, 30 in 2013 and 12 in 2014 attended; the 3 nominated
    # for 2027 are not participants.
    assert "There were 46 participants" in page
    assert "Not counted here: 3 nominated." in page


def course_with_every_status(start, code, statuses):
    """A course starting on ``start`` with one enrolment in each of ``statuses``."""
    from wipo_training.courses import services as course_services

    course = make_course(code=code, start_date=start, end_date=start + timedelta(days=11))
    course_services.set_quotas(None, course, {})
    paths = {
        "nominated": [],
        "accepted": ["accepted"],
        "confirmed": ["accepted", "confirmed"],
        "completed": ["accepted", "confirmed", "completed"],
        "withdrawn": ["withdrawn"],
        "rejected": ["rejected"],
    }
    countries = ["KH", "LA", "MM", "TH", "VN", "ID"]
    for index, status in enumerate(statuses):
        person = make_person(
            family_name=f"{code}-{status}", given_name="A", country_code=countries[index]
        )
        enrolment = services.nominate(None, course, person)
        for step in paths[status]:
            services.change_enrolment_status(None, enrolment, step)
    return course


def test_only_people_who_attended_are_participants(app, login_as, users):
    """Three undecided nominations are not "3 participants from 3 countries": participants
    are the confirmed of a course that has started and those who completed, and every
    figure says so."""
    with app.app_context():
        held = course_with_every_status(
            date(2013, 12, 2),
            "ENF-2013",
            ["nominated", "accepted", "confirmed", "completed", "withdrawn", "rejected"],
        )
        future = course_with_every_status(
            date.today() + timedelta(days=400), "ENF-2028", ["nominated", "nominated", "confirmed"]
        )
        db.session.commit()
        held_id, future_id = held.id, future.id
    client = login_as("staff")
    page = html.unescape(
        client.get(f"/courses/{future_id}/participants/by-country").get_data(as_text=True)
    )
    assert "There were" not in page and "No participants yet." in page
    assert (
        "Participants are the people who attended: confirmed for a course that has started, or "
        "completed." in page
    )
    assert "Not counted here: 2 nominated, 1 confirmed for a course not yet started." in page
    page = html.unescape(
        client.get(f"/courses/{held_id}/participants/by-country").get_data(as_text=True)
    )
    assert "There were 2 participants from 2 countries: Myanmar (1 person), Thailand (1)." in page
    assert "Not counted here: 1 nominated, 1 accepted." in page

    token = create_token(app, users["staff"])
    body = client.get(
        f"/api/v1/courses/{future_id}/participants/by-country",
        headers={"Authorization": f"Bearer {token}"},
    ).json
    assert body["total"] == 0 and body["countries"] == []
    assert body["counted_statuses"] == ["confirmed", "completed"]
    assert body["not_counted"] == [
        {"status": "nominated", "count": 2},
        {"status": "confirmed for a course not yet started", "count": 1},
    ]
    across = html.unescape(client.get("/statistics/participants").get_data(as_text=True))
    assert "There were 2 participants from 2 countries" in across
    assert "Not counted here: 3 nominated, 1 accepted, 1 confirmed for a course not yet" in across
    listing = client.get(f"/courses/{future_id}/participants/list").get_data(as_text=True)
    assert "List of confirmed participants" in listing and "ENF-2028-CONFIRMED" in listing
    assert "ENF-2028-NOMINATED" not in listing
    assert "1 confirmed; they count as participants once the course has started." in listing
    listing = client.get(f"/courses/{held_id}/participants/list").get_data(as_text=True)
    assert "List of participants" in listing and "2 participants." in listing
    assert "ENF-2013-ACCEPTED" not in listing


def test_people_attending_twice_show_both_courses(app, login_as):
    load(app)
    client = login_as("staff")
    people = client.get("/people/?q=chan").get_data(as_text=True)
    assert "CHAN, Sokha" in people
    person = client.get("/people/3").get_data(as_text=True)
    assert "ENF-2013" in person and "ENF-2014" in person and "Chief of Enforcement Bureau" in person


def test_the_demo_trainee_is_a_2013_participant(app, client):
    from tests.conftest import login
    from wipo_training.demo import DEMO_PASSWORD

    load(app)
    login(client, "trainee@demo.test", DEMO_PASSWORD)
    page = client.get("/courses/").get_data(as_text=True)
    assert "ENF-2013" in page and "LDC-2016" not in page
    assert client.get("/api/v1/me").json["display_name"] == "Sokha Chan"


def test_protocol_order_and_exports_neutralise_formulas(app, login_as):
    with app.app_context():
        course = make_course()
        for family, given, country in [
            ("Zulu", "A", "TH"),
            ("Alpha", "B", "TH"),
            ('=HYPERLINK("http://x")', "C", "DZ"),
        ]:
            enrolment = services.nominate(
                None,
                course,
                make_person(family_name=family, given_name=given, country_code=country),
            )
            services.change_enrolment_status(None, enrolment, "accepted")
            services.change_enrolment_status(None, enrolment, "confirmed")
        services.nominate(None, course, make_person(family_name="Undecided", country_code="TH"))
        db.session.commit()
    client = login_as("staff")
    page = client.get("/courses/1/participants/list").get_data(as_text=True)
    assert page.index("ALPHA") < page.index("ZULU")
    assert "UNDECIDED" not in page and "3 participants." in page
    csv_response = client.get("/courses/1/participants/list.csv")
    assert (
        csv_response.headers["Content-Disposition"]
        == 'attachment; filename="ENF-2013-participants.csv"'
    )
    rows = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert [(r[0], r[2]) for r in rows[1:]] == [
        ("Algeria", '\'=HYPERLINK("http://x")'),
        ("Thailand", "Alpha"),
        ("Thailand", "Zulu"),
    ]
    workbook = load_workbook(io.BytesIO(client.get("/courses/1/participants/list.xlsx").data))
    sheet = workbook.active
    cell = sheet["C2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    assert [sheet[f"C{row}"].value for row in (3, 4)] == ["Alpha", "Zulu"]
