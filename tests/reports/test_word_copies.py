"""Word copies (issue 18): the course report, the evaluation report, the meeting report and the
press release as .docx, for staff to edit before they publish. Downloaded as a coordinator
through the links of their pages, read with python-docx (the PDF's headings, the tables, the
document's own text, the charts as pictures) and opened by LibreOffice: the four are converted
to PDF in one soffice call and their text read back with pdftotext. A trainee gets what the
PDF route gives; the API serves the same copies to a token."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
import webtest
from docx import Document
from pypdf import PdfReader

from tests.conftest import (
    POSTGRES_URL,
    _truncate_all,
    build_app,
    create_token,
    make_course,
    web_sign_in,
)
from wipo_training.courses.models import Course
from wipo_training.demo import DEMO_PASSWORD, load_demo
from wipo_training.demo.meetings import GROUP_NAME
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.meetings import services as meeting_services
from wipo_training.meetings.models import Meeting, WorkingGroup
from wipo_training.reports import services as report_services
from wipo_training.word import DOCX, html_to_docx

SOFFICE = Path("/usr/bin/soffice")
DOCUMENTS = ("course report", "evaluation report", "meeting report", "press release")


def collapsed(text: str) -> str:
    """Text as a line of words: white space collapsed, a word split at a line-end hyphen
    joined again (LibreOffice and WeasyPrint wrap "Japan-China" where they like)."""
    return re.sub(r"\s+", " ", re.sub(r"-\s+", "-", text)).strip()


def docx_parts(data: bytes) -> dict:
    """What a reader of the Word copy sees: headings, paragraphs, tables (rows of cell
    texts), the number of pictures, all of its text."""
    document = Document(io.BytesIO(data))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    tables = [[[collapsed(c.text) for c in row.cells] for row in t.rows] for t in document.tables]
    return {
        "headings": [collapsed(p.text) for p in paragraphs if p.style.name.startswith("Heading")],
        "paragraphs": [collapsed(p.text) for p in paragraphs],
        "tables": tables,
        "pictures": len(document.inline_shapes),
        "text": collapsed(
            " ".join(p.text for p in paragraphs)
            + " "
            + " ".join(" ".join(" ".join(row) for row in t) for t in tables)
        ),
    }


def pdf_headings(data: bytes) -> list[str]:
    """The PDF's bookmarks (WeasyPrint makes one per heading), in order."""

    def walk(items):
        for item in items:
            yield from walk(item) if isinstance(item, list) else [collapsed(item.title)]

    return list(walk(PdfReader(io.BytesIO(data)).outline))


@pytest.fixture(scope="module")
def downloads(migrated_database, tmp_path_factory):
    """The demo site (the 2013 course, the 6th Japan-China meeting): the four Word copies and
    their PDFs as the coordinator downloads them from the pages' links, the same copies from
    the API with a token, what a trainee gets, and the facts to find in them. Everything is
    fetched here, and a PostgreSQL database emptied again before the tests run."""
    url, seed = migrated_database
    folder = tmp_path_factory.mktemp("word-copies")
    if POSTGRES_URL:
        database = POSTGRES_URL
    else:
        shutil.copyfile(url.removeprefix("sqlite:///"), folder / "demo.sqlite")
        database = f"sqlite:///{folder / 'demo.sqlite'}"
    app = build_app(database, folder / "instance")
    try:
        with app.app_context():
            load_demo()
            db.session.commit()
            course = db.session.execute(
                sa.select(Course).where(Course.code == "ENF-2013")
            ).scalar_one()
            meeting = db.session.execute(
                sa.select(Meeting)
                .join(WorkingGroup)
                .where(WorkingGroup.name == GROUP_NAME, Meeting.number == 6)
            ).scalar_one()
            results = evaluation_services.results(evaluation_services.questionnaire_for(course))
            facts = {
                "course_id": course.id,
                "meeting_id": meeting.id,
                "course_title": course.title,
                "total": report_services.course_report(course, with_charts=False).figures.total,
                "best_session": results.ranking[0].title,
                "questions": [r.question.text for r in results.questions],
                "meeting_title": meeting_services.meeting_title(meeting),
                "chairs": [meeting.chair_a_name, meeting.chair_b_name],
                "agenda": [item.title for item in meeting.agenda],
                "press_release": meeting_services.press_release_text(meeting),
            }
        web = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        assert web_sign_in(web, "coordinator@demo.test", DEMO_PASSWORD).status_int == 302
        report_page = web.get(f"/courses/{course.id}/report")
        meeting_page = web.get(f"/meetings/{meeting.id}")
        links = {  # (page, link text, Word href, PDF link text, PDF href)
            "course report": (
                report_page,
                "Word",
                r"/courses/\d+/report\.docx$",
                "PDF",
                r"/courses/\d+/report\.pdf$",
            ),
            "evaluation report": (
                report_page,
                "Word",
                r"/evaluation/report\.docx$",
                "PDF",
                r"/evaluation/report\.pdf$",
            ),
            "meeting report": (
                meeting_page,
                "Meeting report: Word",
                None,
                r"Meeting report \(PDF",
                None,
            ),
            "press release": (
                meeting_page,
                "Press release: Word",
                None,
                r"Press release \(PDF",
                None,
            ),
        }
        word, pdf = {}, {}
        for name, (page, word_text, word_href, pdf_text, pdf_href) in links.items():
            word[name] = page.click(description=word_text, href=word_href)
            pdf[name] = page.click(description=pdf_text, href=pdf_href).body
        paths = {name: response.request.path for name, response in word.items()}

        token = create_token(app, "coordinator@demo.test")
        api = {
            name: web.get(
                f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, expect_errors=True
            )
            for name, path in paths.items()
        }
        web.reset()
        assert web_sign_in(web, "trainee@demo.test", DEMO_PASSWORD).status_int == 302
        trainee = {
            name: (
                web.get(path, expect_errors=True).status_int,
                web.get(re.sub(r"\.docx$", ".pdf", path), expect_errors=True).status_int,
            )
            for name, path in paths.items()
        }
    finally:
        with app.app_context():
            db.engine.dispose()
        if POSTGRES_URL:
            _truncate_all(POSTGRES_URL, seed)
    return {"word": word, "pdf": pdf, "api": api, "trainee": trainee, "facts": facts}


def body_lines(page: str, docx: bytes) -> str:
    """A printed page's text without its running header and footer (a paragraph split by a
    page break reads on)."""
    section = Document(io.BytesIO(docx)).sections[0]
    header, footer = (
        collapsed(part.paragraphs[0].text.partition("\t")[0])
        for part in (section.header, section.footer)
    )
    lines = [collapsed(line) for line in page.splitlines()]
    return " ".join(
        line
        for line in lines
        if line != header and not re.fullmatch(rf"{re.escape(footer)} ?Page \d+ of \d+", line)
    )


@pytest.fixture(scope="module")
def read_back(downloads, tmp_path_factory):
    """The four copies as LibreOffice reads them: converted to PDF in one soffice call (it
    takes seconds to start), with a profile of its own, and their text from pdftotext."""
    if not SOFFICE.exists():
        pytest.skip("LibreOffice is not installed (/usr/bin/soffice): make setup-test installs it")
    folder = tmp_path_factory.mktemp("libreoffice")
    files = []
    for number, name in enumerate(DOCUMENTS):
        files.append(folder / f"{number}.docx")
        files[-1].write_bytes(downloads["word"][name].body)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            folder / "pdf",
            *files,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    texts = {}
    for number, name in enumerate(DOCUMENTS):
        converted = folder / "pdf" / f"{number}.pdf"
        assert converted.exists(), f"LibreOffice did not convert the {name}"
        printed = subprocess.run(
            ["pdftotext", "-raw", converted, "-"], check=True, capture_output=True, text=True
        ).stdout
        texts[name] = collapsed(
            " ".join(body_lines(page, downloads["word"][name].body) for page in printed.split("\f"))
        )
    return texts


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_word_copy_has_the_pdfs_headings_and_tables(downloads, name):
    response = downloads["word"][name]
    assert response.status_int == 200
    assert response.content_type == DOCX
    assert response.headers["Content-Disposition"].endswith('.docx"')
    parts = docx_parts(response.body)
    assert parts["headings"] == pdf_headings(downloads["pdf"][name])
    facts = downloads["facts"]
    if name == "course report":
        assert parts["headings"][0] == f"Report on the {facts['course_title']}"
        by_country = next(t for t in parts["tables"] if t[0][0] == "Country")
        assert by_country[0] == ["Country", "Region", "Organisations", "Participants"]
        assert by_country[-1] == ["Total", "Total", "Total", str(facts["total"])]  # colspan
        ranking = next(t for t in parts["tables"] if t[0][:2] == ["#", "Session"])
        assert ranking[1][:2] == ["1", facts["best_session"]]
        assert any(t[0] == ["Day", "Time", "Session", "Speakers"] for t in parts["tables"])
        assert parts["pictures"] == 2  # participants by country, sessions by rating
    elif name == "evaluation report":
        assert parts["headings"][:3] == [
            "Evaluation report",
            "Ranking of sessions",
            "Every question",
        ]
        assert all(question in parts["text"] for question in facts["questions"])
        assert parts["tables"][0][1][:2] == ["1", facts["best_session"]]
        assert parts["pictures"] >= len(facts["questions"]) // 2
    elif name == "meeting report":
        assert parts["headings"][0] == facts["meeting_title"]
        co_chairs = parts["tables"][0]
        assert co_chairs[0] == ["Side", "Name", "Title", "Organisation"]
        assert [row[1] for row in co_chairs[1:]] == facts["chairs"]
        assert all(title in parts["text"] for title in facts["agenda"])
    else:
        release = facts["press_release"]
        assert parts["headings"][0] == collapsed(release.partition("\n")[0])
        for line in filter(None, map(collapsed, release.splitlines())):
            assert line in parts["text"], line


@pytest.mark.parametrize("name", DOCUMENTS)
def test_libreoffice_opens_the_word_copy_and_reads_it_back(downloads, read_back, name):
    """Every heading, paragraph and table cell of the copy is in what LibreOffice printed
    (the press release has no table, in the PDF either)."""
    text, parts = read_back[name], docx_parts(downloads["word"][name].body)
    assert parts["headings"]
    for paragraph in parts["paragraphs"]:
        assert paragraph in text, paragraph
    cells = {cell for table in parts["tables"] for row in table for cell in row if cell}
    assert bool(cells) == (name != "press release")
    assert not [cell for cell in cells if cell not in text]


def test_the_api_serves_the_same_copies_to_a_token(downloads):
    for name in DOCUMENTS:
        response = downloads["api"][name]
        assert response.status_int == 200, name
        assert response.content_type == DOCX
        assert docx_parts(response.body) == docx_parts(downloads["word"][name].body), name


def test_a_trainee_gets_for_the_copy_what_the_pdf_route_gives(downloads):
    for name, (word_status, pdf_status) in downloads["trainee"].items():
        assert word_status == pdf_status, name
        assert word_status in (403, 404), name


def test_the_evaluation_copy_of_a_course_without_questionnaire_is_404(app, login_as):
    with app.app_context():
        course_id = make_course().id
        db.session.commit()
    client = login_as("staff")
    for path in ("/courses/{}/evaluation/report.docx", "/api/v1/courses/{}/evaluation/report.docx"):
        assert client.get(path.format(course_id)).status_code == 404, path


HOSTILE = (
    "<w:p>\"Fin\" & </w:t> <script>alert(1)</script> =cmd|' /C calc'!A0 "
    "\u202eevil\u202c 東京 \x01\x0b\x1f\ufffe"
)


def test_user_text_reaches_the_copy_as_text(app, web_as):
    """Markup, XML and spreadsheet formulas typed into the report stay text; characters XML
    cannot hold are dropped, not a reason for a broken file."""
    with app.app_context():
        course = make_course()
        report_services.save_report_text(None, course, HOSTILE, "Line one\nline two\n\nNext")
        db.session.commit()
        course_id = course.id
    page = web_as("coordinator").get(f"/courses/{course_id}/report")
    parts = docx_parts(page.click(description="Word", href=r"/courses/\d+/report\.docx$").body)
    assert collapsed(re.sub("[\x00-\x1f\ufffe]", "", HOSTILE)) in parts["paragraphs"]
    assert "Conclusion" in parts["headings"]
    assert "Line one line two" in parts["paragraphs"] and "Next" in parts["paragraphs"]


def test_pictures_come_only_from_data_urls():
    """A chart (SVG in a data: URL) becomes a PNG picture; a file or a web address is never
    fetched, and the picture left out."""
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        b'<rect width="40" height="20" fill="blue"/></svg>'
    )
    import base64

    chart = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    html = (
        f'<html><body><h1>Title</h1><img src="{chart}" alt="A chart">'
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:5061/x.png">'
        '<img src="data:text/html;base64,PGI+"></body></html>'
    )
    document = Document(io.BytesIO(html_to_docx(html)))
    assert len(document.inline_shapes) == 1
    blob = document.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert document.part.related_parts[blob].content_type == "image/png"
    assert document.inline_shapes[0]._inline.docPr.get("descr") == "A chart"
