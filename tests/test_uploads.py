"""Hostile uploads: too large (413), the wrong type whatever the name, and a ZIP bomb dressed
as a workbook or a slide deck, honest about its size or lying about it. Each is refused with a
clear message and nothing is stored; a lying bomb is refused without inflating it."""

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import create_token, make_course, make_person, submit
from tests.participants.conftest import GOOD_ROWS, counts, xlsx
from wipo_training.auth import services as auth_services
from wipo_training.courses.models import Course
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.spreadsheets import SpreadsheetError, read_table
from wipo_training.timetable import services as timetable_services
from wipo_training.timetable.models import CountryReport
from wipo_training.uploads import UnsafeArchiveError, check_zip

LIMIT = 512 * 1024


@pytest.fixture
def app_overrides():
    return {"MAX_CONTENT_LENGTH": LIMIT}


def zip_bomb(base: bytes, member: str) -> bytes:
    """``base`` (a real XLSX or PPTX) with one more part: 60 MB of zeros, packed to ~60 KB."""
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def _deflated_padding(content: bytes, padding_mib: int) -> bytes:
    """A raw deflate stream of ``content`` and then ``padding_mib`` MiB of spaces, made
    quickly: each MiB is deflated once and its byte-aligned, history-free block repeated."""

    def block(data: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)

    last = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # the final block
    return block(content) + block(b" " * 1048576) * padding_mib + last


def lying_zip(base: bytes, member: str, padding_mib: int) -> bytes:
    """``base`` (a real XLSX or PPTX) whose part ``member`` really inflates to its content
    followed by ``padding_mib`` MiB of spaces (XML allows trailing white space), while the
    central directory and the local header declare the content's size and CRC: a reader that
    trusts them sees an honest part, after inflating all of it."""
    with zipfile.ZipFile(io.BytesIO(base)) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    content = parts.pop(member)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(member), _deflated_padding(content, padding_mib))
        for name, data in parts.items():
            archive.writestr(name, data)
    data = bytearray(out.getvalue())
    # Patch: method deflated, CRC and size of the content alone (APPNOTE 4.3.7 and 4.3.12).
    lie = struct.pack("<I", zlib.crc32(content)), struct.pack("<I", len(content))
    local = 0  # the liar was written first
    assert data[local : local + 4] == b"PK\x03\x04"
    data[local + 8 : local + 10] = struct.pack("<H", zipfile.ZIP_DEFLATED)
    data[local + 14 : local + 18], data[local + 22 : local + 26] = lie
    end = data.rindex(b"PK\x05\x06")
    central = struct.unpack("<I", data[end + 16 : end + 20])[0]
    assert data[central : central + 4] == b"PK\x01\x02"
    assert data[central + 46 : central + 46 + len(member)] == member.encode()
    data[central + 10 : central + 12] = struct.pack("<H", zipfile.ZIP_DEFLATED)
    data[central + 16 : central + 20], data[central + 24 : central + 28] = lie
    return bytes(data)


def pptx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'presentationml.presentation.main+xml"/></Types>',
        )
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return out.getvalue()


@pytest.fixture
def course_id(app):
    with app.app_context():
        course = make_course()
        db.session.commit()
        return course.id


def stored_files(app) -> list[Path]:
    instance = Path(app.instance_path)
    return [p for p in instance.rglob("*") if p.is_file() and p.parent != instance]


def post_import(web, course_id, data: bytes, name: str):
    """Choose the file on the import page and press its button, as the coordinator does."""
    page = web.get(f"/courses/{course_id}/participants/import")
    return submit(page, "Check the file", file=("upload", name, data))


def test_a_zip_bomb_workbook_is_refused_before_it_unpacks(app, web_as, users, course_id):
    bomb = zip_bomb(xlsx(GOOD_ROWS), "xl/media/padding.bin")
    assert len(bomb) < LIMIT
    web = web_as("coordinator")
    html = post_import(web, course_id, bomb, "nominations.xlsx").text
    assert "The file would unpack to 60 MB in" in html and "Nothing was imported." in html
    api = app.test_client().post(
        f"/api/v1/courses/{course_id}/participants/import",
        headers={"Authorization": f"Bearer {create_token(app, users['coordinator'])}"},
        data={"file": (io.BytesIO(bomb), "n.xlsx")},
    )
    assert api.status_code == 422 and "would unpack to 60 MB" in api.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_the_wrong_type_is_refused_whatever_its_name(app, web_as, course_id):
    web = web_as("coordinator")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    html = post_import(web, course_id, png, "nominations.xlsx").text
    assert "The file is named .xlsx but is not an Excel workbook." in html
    html = post_import(web, course_id, b"PK\x03\x04 not a zip", "n.xlsx").text
    assert "not a readable ZIP container" in html
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_too_large_is_413_and_stores_nothing(app, web_as, users, course_id):
    big = xlsx(GOOD_ROWS) + b"\0" * LIMIT
    response = post_import(web_as("coordinator"), course_id, big, "nominations.xlsx")
    assert response.status_int == 413
    assert "at most 0.5 MB" in response.text
    api = app.test_client().post(
        f"/api/v1/courses/{course_id}/participants/import",
        headers={"Authorization": f"Bearer {create_token(app, users['coordinator'])}"},
        data={"file": (io.BytesIO(big), "n.xlsx")},
    )
    assert api.status_code == 413 and api.get_json()["code"] == 413
    assert "at most 0.5 MB" in api.get_json()["message"]
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_country_reports_refuse_bombs_wrong_types_and_oversize(app, web_as, users, course_id):
    with app.app_context():
        enrol_trainee(course_id, users["trainee"])
    web = web_as("trainee")
    url = f"/courses/{course_id}/my-report"
    for data, name, message in (
        (zip_bomb(pptx(), "ppt/media/padding.bin"), "report.pptx", "would unpack to 60 MB"),
        (b"<html><script>alert(1)</script></html>", "report.pdf", "neither, whatever its name"),
        (b"%PDF-1.4" + b"\0" * LIMIT, "report.pdf", None),
    ):
        response = submit(web.get(url), "Upload", file=("upload", name, data))
        if message:
            assert message in response.text, name
        else:
            assert response.status_int == 413
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(CountryReport.id))).scalar() == 0
    assert stored_files(app) == []
    good = submit(web.get(url), "Upload", file=("upload", "r.pptx", pptx()))
    assert good.status_int == 302  # an honest deck still goes through


# --- archives that lie about their sizes ------------------------------------------------


def test_a_lying_part_is_refused_as_it_inflates_not_after():
    """The directory says 123 bytes (with the CRC of those bytes), the part inflates to
    256 MiB more: zipfile believes the directory, check_zip counts what comes out."""
    for base in (pptx(), xlsx(GOOD_ROWS)):
        bomb = lying_zip(base, "[Content_Types].xml", 256)
        assert len(bomb) < LIMIT
        with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
            declared = archive.getinfo("[Content_Types].xml").file_size
        assert declared < 2000
        with pytest.raises(UnsafeArchiveError, match="unpacks to more than the .* it declares"):
            check_zip(bomb)
    with pytest.raises(SpreadsheetError, match="“\\[Content_Types\\].xml” of the file unpacks"):
        read_table("n.xlsx", lying_zip(xlsx(GOOD_ROWS), "[Content_Types].xml", 16))
    with pytest.raises(UnsafeArchiveError, match="it declares"):
        timetable_services.detect_report_kind(lying_zip(pptx(), "[Content_Types].xml", 16))
    check_zip(pptx())  # honest archives pass
    check_zip(xlsx(GOOD_ROWS))


def test_a_sheet_whose_entities_expand_is_refused_with_a_message():
    """Inflation by XML entities ("billion laughs") inside an honest ZIP: the parser stops at
    its amplification limit while the rows are read, and that is a clear refusal, not a 500."""
    entities = '<!ENTITY lol1 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(2, 10)
    )
    with zipfile.ZipFile(io.BytesIO(xlsx(GOOD_ROWS))) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode().split("?>", 1)[-1]
    laughs = '<row r="99"><c r="A99" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    parts["xl/worksheets/sheet1.xml"] = (
        f"<!DOCTYPE worksheet [{entities}]>" + sheet.replace("<sheetData>", "<sheetData>" + laughs)
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    check_zip(out.getvalue())  # honest about its sizes
    with pytest.raises(SpreadsheetError, match="could not be read; is it damaged"):
        read_table("n.xlsx", out.getvalue())


def test_parts_packed_as_office_never_does_are_refused():
    """bzip2 inflates without a bound per call: refused whatever its sizes say."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
    with pytest.raises(UnsafeArchiveError, match="packed in a way Office documents never are"):
        check_zip(out.getvalue())


LIE = "“[Content_Types].xml” of the file unpacks to more than"


def test_a_lying_workbook_is_refused_on_the_page_and_in_the_api(app, web_as, users, course_id):
    bomb = lying_zip(xlsx(GOOD_ROWS), "[Content_Types].xml", 256)
    message = LIE
    html = post_import(web_as("coordinator"), course_id, bomb, "nominations.xlsx").text
    assert message in html and "Nothing was imported." in html
    api = app.test_client().post(
        f"/api/v1/courses/{course_id}/participants/import",
        headers={"Authorization": f"Bearer {create_token(app, users['coordinator'])}"},
        data={"file": (io.BytesIO(bomb), "n.xlsx")},
    )
    assert api.status_code == 422 and message in api.get_json()["errors"][0]["message"]
    with app.app_context():
        assert counts() == (0, 0)
    assert stored_files(app) == []


def test_a_lying_deck_is_refused_as_a_country_report(app, web_as, users, course_id):
    with app.app_context():
        enrol_trainee(course_id, users["trainee"])
    web = web_as("trainee")
    url = f"/courses/{course_id}/my-report"
    deck = lying_zip(pptx(), "[Content_Types].xml", 256)
    response = submit(web.get(url), "Upload", file=("upload", "report.pptx", deck))
    assert LIE in response.text
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(CountryReport.id))).scalar() == 0
    assert stored_files(app) == []


def enrol_trainee(course_id: int, email: str) -> None:
    """The trainee account becomes an accepted participant of the course (in an app context)."""
    trainee = auth_services.user_by_email(email)
    person = make_person(email="trainee@example.test")
    course = db.session.get_one(Course, course_id)
    enrolment = participant_services.nominate(None, course, person)
    trainee.person_id = person.id
    participant_services.change_enrolment_status(None, enrolment, "accepted")
    db.session.commit()


#: Run in a child process of its own, so that its peak memory is the upload's: the app on the
#: test's database, the browser's cookies, one upload; prints what the memory grew by.
MEMORY_CHILD = """
import json, sys, webtest
from http.cookiejar import Cookie
from tests.conftest import build_app, submit

def kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

args = json.loads(sys.argv[1])
app = build_app(args["database_url"], args["instance"])
web = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
for name, value, domain in args["cookies"]:  # as the parent's jar holds them
    web.cookiejar.set_cookie(Cookie(0, name, value, None, False, domain, False, False, "/",
                                    True, False, None, False, None, None, {}))
data = open(args["file"], "rb").read()
api = args["page"].startswith("/api/")
page = None if api else web.get(args["page"])
before = kib("VmRSS")
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # peak RSS starts again from the current RSS
if api:
    response = web.post(args["page"], upload_files=[("file", "n.xlsx", data)],
                        headers={"Authorization": "Bearer " + args["token"]}, expect_errors=True)
else:
    response = submit(page, "Upload", file=("upload", "report.pptx", data))
grew = kib("VmHWM") - before
print(json.dumps({"status": response.status_int, "text": response.text, "grew_kib": grew}))
"""


@pytest.mark.parametrize("where", ["country report page", "import API"])
def test_a_1_gib_lying_bomb_leaves_memory_flat(app, web_as, users, course_id, tmp_path, where):
    """The reported attack: a 1 MB archive whose part declares its real content's size but
    inflates to 1 GiB more. Uploaded through the app in a child process, it is refused and
    the process's peak memory grows by far less than the 1 GiB (the whole inflation)."""
    if where == "country report page":
        with app.app_context():
            enrol_trainee(course_id, users["trainee"])
        page, base, token = f"/courses/{course_id}/my-report", pptx(), ""
        web = web_as("trainee")
    else:
        page, base = f"/api/v1/courses/{course_id}/participants/import", xlsx(GOOD_ROWS)
        token, web = create_token(app, users["coordinator"]), app
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(lying_zip(base, "[Content_Types].xml", 1024))
    assert bomb.stat().st_size < 1.1 * 1048576
    cookies = [(c.name, c.value, c.domain) for c in web.cookiejar] if web is not app else []
    args = {
        "database_url": app.config["SQLALCHEMY_DATABASE_URI"],
        "instance": app.instance_path,
        "cookies": cookies,
        "file": str(bomb),
        "page": page,
        "token": token,
    }
    child = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, json.dumps(args)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["grew_kib"] < 64 * 1024, result["grew_kib"]  # 1 GiB is 1,048,576 KiB
    assert "unpacks to more than" in result["text"], result["text"][-6000:]
    assert result["status"] in (200, 422)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(CountryReport.id))).scalar() == 0
        assert counts() == ((1, 1) if where == "country report page" else (0, 0))
