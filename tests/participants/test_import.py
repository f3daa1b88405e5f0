"""The nomination spreadsheet import: preview, all or nothing, a clear message per bad row."""

import html
import io

import pytest
import sqlalchemy as sa

from tests.conftest import find_form, make_course, make_person, press, submit
from tests.participants.conftest import GOOD_ROWS, HEADER, counts, xlsx
from wipo_training.courses import services as course_services
from wipo_training.extensions import db
from wipo_training.participants import imports, services
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person


def csv_bytes(rows, header=HEADER, delimiter=",", bom=True) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


@pytest.fixture
def course(app_ctx):
    course = make_course()
    db.session.commit()
    return course


def test_a_good_file_imports_every_row_and_keeps_scripts(course):
    result = imports.import_nominations(None, course, "nominations.xlsx", xlsx(GOOD_ROWS))
    assert result == {
        "nominations": 4,
        "created_people": 4,
        "reused_people": 0,
        "countries_read": [],
    }
    names = dict(db.session.execute(sa.select(Person.family_name, Person.native_name)).all())
    assert names == {
        "Nguyen": "Nguyễn Văn An",
        "Chan": "ចាន់ សុខា",
        "Wang": "王伟",
        "Raza": "احمد رضا",
    }


@pytest.mark.parametrize("delimiter, bom", [(",", True), (";", False), (";", True)])
def test_csv_with_or_without_bom_comma_or_semicolon(course, delimiter, bom):
    data = csv_bytes(GOOD_ROWS, delimiter=delimiter, bom=bom)
    assert imports.import_nominations(None, course, "n.csv", data)["nominations"] == 4
    assert (
        db.session.execute(
            sa.select(Person.native_name).where(Person.family_name == "Wang")
        ).scalar()
        == "王伟"
    )


def bad(rows_changed):
    rows = [list(r) for r in GOOD_ROWS]
    for (index, column), value in rows_changed.items():
        rows[index][HEADER.index(column)] = value
    return rows


@pytest.mark.parametrize(
    "rows, expected",
    [
        (
            bad({(2, "Country"): "Narnia"}),
            "Row 4, column “Country”: “Narnia” is not a country name or ISO 3166-1 code",
        ),
        (
            bad({(1, "Country"): "UK"}),
            "Row 3, column “Country”: “UK” is not an ISO 3166-1 country code; use GB",
        ),
        (bad({(0, "Family name"): ""}), "Row 2, column “Family name”: is required."),
        (
            bad({(3, "Email"): "ahmed-at-ipo"}),
            "Row 5, column “Email”: “ahmed-at-ipo” is not an email",
        ),
        (
            bad({(3, "Email"): "an@noip.example"}),
            "Row 5, column “Email”: an@noip.example is also on row 2.",
        ),
        (bad({(1, "Gender"): "f"}), "Row 3, column “Gender”: “f” should be female, male, other"),
        (bad({(2, "Organisation kind"): "university"}), "Row 4, column “Organisation kind”"),
        (GOOD_ROWS + [GOOD_ROWS[2]], "Row 6, column “Family name”: the same person as on row 4."),
    ],
)
def test_one_bad_row_imports_nothing_and_names_the_row(course, rows, expected):
    before = counts()
    with pytest.raises(imports.ImportFailed) as failure:
        imports.import_nominations(None, course, "n.xlsx", xlsx(rows))
    messages = [str(p) for p in failure.value.problems]
    assert any(m.startswith(expected) for m in messages), messages
    db.session.rollback()
    assert counts() == before


SIX_NAMES = [
    ("Lao PDR", "LA", "Lao People's Democratic Republic"),
    ("Korea", "KR", "Republic of Korea"),
    ("Burma", "MM", "Myanmar"),
    ("Turkey", "TR", "Türkiye"),
    ("Türkiye", "TR", None),
    ("Vietnam", "VN", "Viet Nam"),
]


def test_country_names_people_write_are_imported_and_the_preview_says_how_they_were_read(course):
    rows = [
        [f"Person{index}", "A", "", "", "", "", typed, "", "", "", ""]
        for index, (typed, _code, _name) in enumerate(SIX_NAMES)
    ]
    check = imports.check_file(course, "n.xlsx", xlsx(rows))
    assert check.ok, [str(p) for p in check.problems]
    assert [(r.data.country_code, r.country_note) for r in check.rows] == [
        (code, f"“{typed}” was read as {name}." if name else None)
        for typed, code, name in SIX_NAMES
    ]
    assert "Row 3: “Korea” was read as Republic of Korea." in check.warnings
    result = imports.import_nominations(None, course, "n.xlsx", xlsx(rows))
    assert result["countries_read"][1] == "Row 3: “Korea” was read as Republic of Korea."
    assert sorted(db.session.execute(sa.select(Enrolment.country_code)).scalars()) == sorted(
        code for _typed, code, _name in SIX_NAMES
    )


def test_seat_quota_exceeded_names_the_first_row_over(course):
    course_services.set_quotas(None, course, {"VN": 1, "KH": 1, "CN": 1, "PK": 1})
    db.session.commit()
    rows = GOOD_ROWS + [["Tran", "Thi Hoa", "", "", "Ms", "", "VN", "", "", "", ""]]
    with pytest.raises(imports.ImportFailed) as failure:
        imports.import_nominations(None, course, "n.xlsx", xlsx(rows))
    assert [str(p) for p in failure.value.problems] == [
        "Row 6, column “Country”: seat quota exceeded: Viet Nam has 1 seats, 0 already taken "
        "and this is nomination 2 in the file."
    ]
    db.session.rollback()
    assert counts() == (0, 0)


def test_missing_columns_and_wrong_files(course):
    check = imports.check_file(course, "n.xlsx", xlsx([["Nguyen"]], header=["Family name"]))
    assert str(check.problems[0]).startswith("Row 1: Missing column(s): Country.")
    assert "not an Excel workbook" in str(
        imports.check_file(course, "n.xlsx", b"hello").problems[0]
    )
    assert "not UTF-8" in str(
        imports.check_file(
            course, "n.csv", "Family name,Country\nMüller,DE".encode("latin-1")
        ).problems[0]
    )
    assert "Upload an .xlsx or .csv file" in str(
        imports.check_file(course, "n.pdf", b"%PDF").problems[0]
    )
    assert "no rows" in str(imports.check_file(course, "n.csv", csv_bytes([])).problems[0])


def known_officer():
    """Sokha Chan of the Ministry of Commerce, on record (row 3 of GOOD_ROWS is her)."""
    person = make_person(
        family_name="Chan",
        given_name="Sokha",
        country_code="KH",
        email="sokha@moc.example",
        organisation="Ministry of Commerce",
        organisation_kind="ministry",
        position="Deputy Chief",
    )
    db.session.commit()
    return person


def judge_rows():
    """GOOD_ROWS where row 3 is another Sokha Chan of Cambodia: a judge, with her own email."""
    rows = bad(
        {
            (1, "Organisation"): "Supreme Court",
            (1, "Organisation kind"): "court",
            (1, "Position"): "Judge",
            (1, "Email"): "judge.chan@court.example",
        }
    )
    return xlsx(rows)


def audit_of(person_id):
    from wipo_training.audit import AuditEntry

    return [
        e.details
        for e in db.session.execute(
            sa.select(AuditEntry).where(
                AuditEntry.action == "person.update", AuditEntry.object_id == str(person_id)
            )
        ).scalars()
    ]


def test_a_match_is_never_merged_without_an_answer(course):
    """A row with the name (or email) of a person on record is not silently merged: the
    import waits for the coordinator's answer, and the check shows both side by side."""
    known = known_officer()
    check = imports.check_file(course, "n.xlsx", judge_rows())
    assert [row.match_kind for row in check.rows] == [None, "name", None, None]
    side_by_side = {d.field: (d.on_record, d.in_row, d.offered) for d in check.rows[1].comparison}
    assert side_by_side["organisation"] == ("Ministry of Commerce", "Supreme Court", True)
    assert side_by_side["position"] == ("Deputy Chief", "Judge", True)
    assert side_by_side["email"] == ("sokha@moc.example", "judge.chan@court.example", True)
    assert side_by_side["family_name"] == ("Chan", "Chan", False)
    with pytest.raises(imports.ImportFailed) as failure:
        imports.import_nominations(None, course, "n.xlsx", judge_rows())
    assert [str(p) for p in failure.value.problems] == [
        "Row 3: may be Sokha Chan (person #1, Cambodia), already on record: choose “Same "
        "person” or “New person”."
    ]
    db.session.rollback()
    assert counts() == (1, 0)
    assert (known.position, known.organisation.name) == ("Deputy Chief", "Ministry of Commerce")


def test_a_name_match_said_to_be_someone_else_is_a_new_person(course):
    known = known_officer()
    decisions = {3: imports.RowDecision(same_person=False)}
    result = imports.import_nominations(None, course, "n.xlsx", judge_rows(), decisions)
    assert (result["created_people"], result["reused_people"]) == (4, 0)
    assert counts() == (5, 4)
    db.session.refresh(known)
    assert (known.position, known.organisation.name, known.email) == (
        "Deputy Chief",
        "Ministry of Commerce",
        "sokha@moc.example",
    )
    assert known.enrolments == [] and audit_of(known.id) == []


def test_the_same_person_takes_only_the_chosen_fields_and_the_audit_keeps_old_values(course):
    known = known_officer()
    decisions = {3: imports.RowDecision(same_person=True, update=frozenset({"position"}))}
    result = imports.import_nominations(None, course, "n.xlsx", judge_rows(), decisions)
    assert (result["created_people"], result["reused_people"]) == (3, 1)
    db.session.refresh(known)
    # The record changed only where asked; the course keeps what the row says.
    assert (known.position, known.organisation.name, known.email) == (
        "Judge",
        "Ministry of Commerce",
        "sokha@moc.example",
    )
    enrolment = known.enrolments[0]
    assert (enrolment.organisation.name, enrolment.position) == ("Supreme Court", "Judge")
    assert audit_of(known.id) == [
        {
            "position": {"old": "Deputy Chief", "new": "Judge"},
            "source": "import into ENF-2013, row 3",
        }
    ]


def test_an_email_match_is_the_same_person(course):
    known_officer()
    check = imports.check_file(course, "n.xlsx", xlsx(GOOD_ROWS))
    assert [row.match_kind for row in check.rows] == [None, "email", None, None]
    with pytest.raises(imports.ImportFailed) as failure:
        imports.import_nominations(
            None, course, "n.xlsx", xlsx(GOOD_ROWS), {3: imports.RowDecision(False)}
        )
    assert "Row 3, column “Email”: sokha@moc.example is the email of Sokha Chan" in str(
        failure.value.problems[0]
    )
    db.session.rollback()
    result = imports.import_nominations(
        None, course, "n.xlsx", xlsx(GOOD_ROWS), {3: imports.RowDecision(True)}
    )
    assert result["reused_people"] == 1 and counts() == (4, 4)


def test_someone_already_in_the_course_is_refused(course):
    person = make_person(family_name="Wang", given_name="Wei", country_code="CN")
    services.nominate(None, course, person)
    db.session.commit()
    with pytest.raises(imports.ImportFailed) as failure:
        imports.import_nominations(None, course, "n.xlsx", xlsx(GOOD_ROWS))
    assert "Row 4, column “Family name”: Wei Wang is already in this course." in [
        str(p) for p in failure.value.problems
    ]


def test_the_template_is_a_valid_import(course):
    result = imports.import_nominations(None, course, "t.xlsx", imports.template_xlsx())
    assert result["nominations"] == 1


def test_preview_then_confirm_through_the_pages(app, web_as):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    preview = submit(
        web.get("/courses/1/participants/import"),
        "Check the file",
        file=("upload", "nominations.xlsx", xlsx(GOOD_ROWS)),
    )
    assert "All 4 rows are correct. Nothing is saved until you confirm." in preview.text
    assert "ចាន់ សុខា" in preview.text
    with app.app_context():
        assert counts() == (0, 0)
    response = submit(preview, "Import these nominations")
    assert response.status_int == 302
    page = html.unescape(response.follow().text)
    assert "4 nominations imported (4 new people, 0 already known)." in page
    # Nominations are not participants: the page says who it counts and what it left out.
    assert "No participants yet." in page and "Not counted here: 4 nominated." in page
    again = submit(preview, "Import these nominations")
    assert "no longer available" in again.follow().text
    with app.app_context():
        assert counts() == (4, 4)


def test_a_bad_file_through_the_pages_shows_every_problem(app, web_as):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    page = submit(
        web.get("/courses/1/participants/import"),
        "Check the file",
        file=("upload", "nominations.xlsx", xlsx(bad({(2, "Country"): "Narnia"}))),
    ).text
    assert "Nothing was imported." in page and "Row 4, column “Country”" in page
    assert "Import these nominations" not in page


def upload_for_preview(web, data: bytes, filename="nominations.xlsx"):
    return submit(
        web.get("/courses/1/participants/import"),
        "Check the file",
        file=("upload", filename, data),
    )


def test_the_preview_shows_a_match_side_by_side_and_the_coordinator_chooses(app, web_as):
    """The import once merged a judge into a ministry officer's record because the names
    matched: the preview now shows both, and nothing happens until the coordinator answers."""
    with app.app_context():
        make_course()
        known_officer()
        hostile = bad(
            {
                (1, "Organisation"): "=1+1 <script>alert(1)</script>",
                (1, "Position"): "Judge " + "x" * 150,
                (1, "Email"): "judge.chan@court.example",
            }
        )
    web = web_as("coordinator")
    preview = upload_for_preview(web, csv_bytes(hostile), "nominations.csv")  # =1+1 as text
    text = " ".join(html.unescape(preview.text).split())
    assert "1 of them may be a person already on record" in text
    block = preview.html.find(id="match-3")
    legend = " ".join(block.find("legend").get_text(" ").split())
    assert legend == "Row 3 has the name and country of Sokha Chan (person #1), already on record."
    cells = [
        [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])][:3]
        for tr in block.find("tbody").find_all("tr")
    ]
    assert ["Organisation", "Ministry of Commerce", "=1+1 <script>alert(1)</script>"] in cells
    assert ["Position", "Deputy Chief", "Judge " + "x" * 150] in cells
    assert "<script>alert(1)</script>" not in preview.text  # escaped
    form = find_form(preview, "Import these nominations")
    assert not form["update-3-organisation"].checked  # replacing is never proposed
    # Unanswered: refused, nothing imported, the question asked again.
    refused = press(form, "Import these nominations")
    assert refused.status_int == 422
    assert "Nothing was imported yet." in refused.text and "choose “Same person”" in refused.text
    with app.app_context():
        assert counts() == (1, 0)
    # "New person": a second Sokha Chan, the record on file untouched.
    response = submit(refused, "Import these nominations", **{"person-3": "new"})
    assert response.status_int == 302, response.text
    with app.app_context():
        assert counts() == (5, 4)
        officer = db.session.get(Person, 1)
        assert (officer.position, officer.organisation.name) == (
            "Deputy Chief",
            "Ministry of Commerce",
        )
        assert officer.enrolments == []


def test_the_preview_same_person_updates_only_the_ticked_details(app, web_as):
    with app.app_context():
        make_course()
        known_officer()
    web = web_as("coordinator")
    preview = upload_for_preview(web, judge_rows())
    response = submit(
        preview,
        "Import these nominations",
        **{"person-3": "same", "update-3-position": True},
    )
    assert response.status_int == 302, response.text
    assert "4 nominations imported (3 new people, 1 already known)." in response.follow().text
    with app.app_context():
        assert counts() == (4, 4)
        officer = db.session.get(Person, 1)
        assert (officer.position, officer.organisation.name, officer.email) == (
            "Judge",
            "Ministry of Commerce",
            "sokha@moc.example",
        )
        # What the record lacked was proposed ticked (it overwrites nothing); the audit
        # keeps the old value beside each new one.
        assert audit_of(1) == [
            {
                "position": {"old": "Deputy Chief", "new": "Judge"},
                "title": {"old": "", "new": "Ms"},
                "gender": {"old": "", "new": "female"},
                "native_name": {"old": "", "new": "ចាន់ សុខា"},
                "native_name_lang": {"old": "", "new": "km"},
                "source": "import into ENF-2013, row 3",
            }
        ]
    page = web.get("/people/1").text
    assert "Supreme Court" in page  # the course's record: what the row said


def test_api_import_200_and_422(app, users):
    from tests.conftest import create_token

    with app.app_context():
        make_course()
        db.session.commit()
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    client = app.test_client()
    response = client.post(
        "/api/v1/courses/1/participants/import",
        headers=headers,
        data={"file": (io.BytesIO(xlsx(bad({(0, "Email"): "nope"}))), "n.xlsx")},
    )
    assert response.status_code == 422
    assert (
        response.json["errors"][0]["row"] == 2 and response.json["errors"][0]["column"] == "Email"
    )
    with app.app_context():
        assert counts() == (0, 0)
    response = client.post(
        "/api/v1/courses/1/participants/import",
        headers=headers,
        data={"file": (io.BytesIO(csv_bytes(GOOD_ROWS)), "n.csv")},
    )
    assert response.status_code == 200 and response.json["nominations"] == 4
    template = client.get("/participants/import-template.xlsx", headers=headers)
    assert template.status_code == 302  # pages need a browser session, not a token


def test_api_import_asks_for_an_answer_for_each_match(app, users):
    from tests.conftest import create_token

    with app.app_context():
        make_course()
        known_officer()
    headers = {"Authorization": f"Bearer {create_token(app, users['coordinator'])}"}
    client = app.test_client()

    def post(**form):
        return client.post(
            "/api/v1/courses/1/participants/import",
            headers=headers,
            data={"file": (io.BytesIO(judge_rows()), "n.xlsx"), **form},
        )

    unanswered = post()
    assert unanswered.status_code == 422
    assert unanswered.json["errors"][0]["row"] == 3
    assert "may be Sokha Chan (person #1, Cambodia)" in unanswered.json["errors"][0]["message"]
    unreadable = post(decisions="{not json")
    assert unreadable.status_code == 422 and "not readable" in unreadable.json["errors"][0]["text"]
    with app.app_context():
        assert counts() == (1, 0)
    done = post(decisions='{"3": {"person": "same", "update": ["position"]}}')
    assert done.status_code == 200, done.json
    assert (done.json["created_people"], done.json["reused_people"]) == (3, 1)
    with app.app_context():
        officer = db.session.get(Person, 1)
        assert (officer.position, officer.organisation.name) == ("Judge", "Ministry of Commerce")
