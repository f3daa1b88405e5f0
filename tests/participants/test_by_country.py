"""Participants by country, the report sentence, protocol-order lists and exports."""

import csv
import html
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import make_course, make_person
from tests.test_api import create_token
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
    assert "There were 45 participants" in page  # 30 in 2013, 12 in 2014, 3 nominated for 2027


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
            services.nominate(
                None,
                course,
                make_person(family_name=family, given_name=given, country_code=country),
            )
        db.session.commit()
    client = login_as("staff")
    page = client.get("/courses/1/participants/list").get_data(as_text=True)
    assert page.index("ALPHA") < page.index("ZULU")
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
