"""Issue 16 point 5: a file's name never carries user text raw into Content-Disposition.

Every download is named by ``wipo_training.downloads``: a safe name (letters of any script,
digits, ``-``, ``_``, ``.``), a quoted ASCII ``filename`` and the full name as ``filename*``
(RFC 6266 / RFC 8187), so the header is ASCII whatever the course code, group or file name.
"""

import re

import pytest
import sqlalchemy as sa
from werkzeug.http import parse_options_header
from werkzeug.routing import AnyConverter

from tests.conftest import SESSION_ENDING, login, rules
from wipo_training.downloads import content_disposition, safe_filename
from wipo_training.extensions import db

#: Bypasses the validation of course codes (issue 16 point 3): older rows, imports, the API.
HOSTILE_CODE = '東京-"2026";x'
HOSTILE_GROUP = 'Japan "JP"; 日中 <script>alert(1)</script>\r\nX-Evil: 1'
HOSTILE_FILE = 'report"; filename=evil.exe; 東京\r\nSet-Cookie: a=1 =1+1.pdf'
HOSTILE_PERSON = ('O"Brien; 田中', '=HYPERLINK("x")\r\nX-Evil: 1')
#: Never seen raw in a header.
RAW = [
    '"2026"',
    '"JP"',
    "; filename=evil",
    "東京",
    "日中",
    "<script",
    "\r",
    "\n",
    "X-Evil:",
    "=1+1",
]
#: The header as this application writes it, and nothing else.
HEADER = re.compile(
    r"(attachment|inline); filename=\"[A-Za-z0-9._-]+\""
    r"(; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+)?"
)
#: Still named by send_file(download_name=...), as safely, with a name made of ASCII only.
SEND_FILE = {"documents.job_download", "documents_api.job_result"}
#: Downloads that must be among those walked (each answers 200 with a safe name).
EXPECTED = {
    "reports.course_report_pdf",
    "reports.participant_list_pdf",
    "reports.attendance_summary_xlsx",
    "reports.attendance_sheet_pdf",
    "reports.visitor_list_pdf",
    "reports.statistics_pdf",
    "reports.statistics_xlsx",
    "participants.protocol_list_export",
    "participants.import_template",
    "timetable.course_calendar",
    "timetable.visitor_list",
    "timetable.download_report",
    "meetings.meeting_report",
    "meetings.participants_file",
    "documents.download",
    "reports_api.course_report_pdf",
    "reports_api.participant_list",
    "meetings_api.meeting_report",
    "documents_api.certificate_pdf",
}


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def assert_safe(header: str, where: str, *, ours: bool = True) -> str:
    """The header parses back to one safe file name, and holds nothing raw; the name.
    ``ours``: written by wipo_training.downloads (else by werkzeug's send_file)."""
    assert header.isascii(), where
    assert HEADER.fullmatch(header) if ours else "\r" not in header and "\n" not in header, where
    for raw in RAW:
        assert raw not in header, f"{raw!r} raw in {where}"
    kind, options = parse_options_header(header)
    assert kind in ("attachment", "inline"), where
    name = options["filename"]  # filename* when given, decoded
    assert name == safe_filename(name), where
    assert not set(name) & set('/\\"<>:|?*;\r\n') and not name.startswith("."), where
    return name


@pytest.mark.parametrize(
    "text",
    [
        f"{HOSTILE_CODE}-report.pdf",
        HOSTILE_FILE,
        f"{HOSTILE_GROUP}-participants.xlsx",
        "../../../instance/secret_key",
        "..\\..\\boot.ini",
        "\u202etxt.exe.pdf",  # right-to-left override: shows as "fdp.exe.txt"
        "CON.txt",
        "<script>alert(1)</script>.csv",
        "=1+1.csv",
        "x" * 5000 + ".pdf",
        "",
        "   .  ",
        "Müller, José.xlsx",
        "ｆｕｌｌ\u200bwidth.ics",
    ],
)
def test_any_text_gives_a_header_that_parses_back_to_a_safe_name(text):
    header = content_disposition(text)
    name = assert_safe(header, repr(text))
    assert 0 < len(name) <= 130
    extension = text.rpartition(".")[2]
    if extension in ("pdf", "xlsx", "csv", "txt", "ics"):
        assert name.endswith(f".{extension}")


def test_names_in_other_scripts_survive_as_filename_star():
    header = content_disposition(f"{HOSTILE_CODE}-report.pdf")
    assert parse_options_header(header)[1]["filename"] == "東京-2026-x-report.pdf"
    assert 'filename="2026-x-report.pdf"' in header  # for clients without filename*
    assert (
        content_disposition("ENF-2013-report.pdf") == 'attachment; filename="ENF-2013-report.pdf"'
    )
    assert content_disposition("timetable.ics", inline=True).startswith("inline; ")


def _make_hostile(app, values):
    """Rename, in the database directly, the course, the person, the group and the uploaded
    report of the access matrix's sample objects."""
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE courses SET code = :code WHERE id = :id"),
            {"code": HOSTILE_CODE, "id": values["course_id"]},
        )
        db.session.execute(
            sa.text("UPDATE working_groups SET name = :name WHERE id = :id"),
            {"name": HOSTILE_GROUP, "id": values["working_group_id"]},
        )
        db.session.execute(
            sa.text("UPDATE country_reports SET filename = :name WHERE id = :id"),
            {"name": HOSTILE_FILE, "id": values["report_id"]},
        )
        db.session.execute(
            sa.text("UPDATE people SET family_name = :family, given_name = :given WHERE id = :id"),
            {"family": HOSTILE_PERSON[0], "given": HOSTILE_PERSON[1], "id": values["person_id"]},
        )
        db.session.commit()


def _urls(rule, values):
    """The rule's URLs: one for each value of an ``any(...)`` argument."""
    choices = [
        (name, sorted(converter.items))
        for name, converter in rule._converters.items()
        if isinstance(converter, AnyConverter)
    ]
    variants = [{}]
    for name, items in choices:
        variants = [{**variant, name: item} for variant in variants for item in items]
    for variant in variants:
        arguments = {name: values[name] for name in rule.arguments} | variant
        yield rule.build(arguments, append_unknown=False)[1]


@pytest.mark.parametrize("role", ["admin", "trainee"])
def test_every_download_of_a_hostile_course_meeting_and_person_is_named_safely(
    app,
    users,
    url_values,
    role,
):
    values, _token = url_values
    _make_hostile(app, values)
    client = app.test_client()
    assert login(client, users[role]).status_code == 302
    downloads = {}
    for rule in rules(app):
        if "GET" not in rule.methods or rule.endpoint in SESSION_ENDING | {"static"}:
            continue
        for url in _urls(rule, values):
            response = client.get(url)
            assert response.status_code < 500, f"GET {url}: {response.status_code}"
            headers = response.headers.getlist("Content-Disposition")
            if not headers:
                continue
            where = f"GET {url} as {role}"
            assert response.status_code == 200 and len(headers) == 1, where
            name = assert_safe(headers[0], where, ours=rule.endpoint not in SEND_FILE)
            if {"course_id", "session_id"} & rule.arguments:
                assert name.startswith("東京-2026-x-"), where
            downloads.setdefault(rule.endpoint, []).append(name)
    if role == "admin":
        assert EXPECTED <= set(downloads), EXPECTED - set(downloads)
        assert any("東京" in name for name in downloads["timetable.download_report"])
    else:  # the trainee's own report, course files and calendar
        assert {"timetable.download_report", "timetable.course_calendar"} <= set(downloads)
