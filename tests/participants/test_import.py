"""The nomination spreadsheet import: preview, all or nothing, a clear message per bad row."""

import html
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tests.conftest import make_course, make_person, submit
from wipo_training.courses import services as course_services
from wipo_training.extensions import db
from wipo_training.participants import imports, services
from wipo_training.participants.models import Enrolment, Person

HEADER = [
    "Family name",
    "Given name",
    "Name in native script",
    "Native script language",
    "Title",
    "Gender",
    "Country",
    "Organisation",
    "Organisation kind",
    "Position",
    "Email",
]
GOOD_ROWS = [
    [
        "Nguyen",
        "Van An",
        "Nguyễn Văn An",
        "vi",
        "Mr",
        "male",
        "Viet Nam",
        "National Office of Intellectual Property",
        "ip_office",
        "Examiner",
        "an@noip.example",
    ],
    [
        "Chan",
        "Sokha",
        "ចាន់ សុខា",
        "km",
        "Ms",
        "female",
        "KH",
        "Ministry of Commerce",
        "ministry",
        "Deputy Chief",
        "sokha@moc.example",
    ],
    ["Wang", "Wei", "王伟", "zh", "Mr", "", "China", "CNIPA", "ip_office", "Director", ""],
    [
        "Raza",
        "Ahmed",
        "احمد رضا",
        "ur",
        "Mr",
        "male",
        "Pakistan",
        "IPO-Pakistan",
        "ip_office",
        "Deputy Registrar",
        "ahmed@ipo.example",
    ],
]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER, delimiter=",", bom=True) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def counts():
    return (
        db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar(),
        db.session.execute(sa.select(sa.func.count()).select_from(Enrolment)).scalar(),
    )


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
    assert any("5 row(s) name the country another way" in w for w in check.warnings)
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


def test_known_people_are_reused_not_duplicated(course):
    make_person(
        family_name="Chan", given_name="Sokha", country_code="KH", email="sokha@moc.example"
    )
    db.session.commit()
    check = imports.check_file(course, "n.xlsx", xlsx(GOOD_ROWS))
    assert [row.match is not None for row in check.rows] == [False, True, False, False]
    result = imports.import_nominations(None, course, "n.xlsx", xlsx(GOOD_ROWS))
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


def test_api_import_200_and_422(app, users):
    from tests.test_api import create_token

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
