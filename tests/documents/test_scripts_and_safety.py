"""Names in every script, and hostile input that must be printed, not obeyed."""

import io

import pytest
from pypdf import PdfReader

from tests.conftest import Recorder
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training.documents import services
from wipo_training.extensions import db
from wipo_training.pdf import ALLOWED_ROOTS, fetcher, html_to_pdf

#: The font that must carry each script (Debian fonts-noto-core / fonts-noto-cjk).
FONTS = {
    "vi": "Noto-Serif",
    "zh": "Noto-Serif-CJK-SC",
    "ja": "Noto-Serif-CJK-JP",
    "ar": "Noto-Naskh-Arabic",
    "ur": "Noto-Naskh-Arabic",
    "th": "Noto-Serif-Thai",
    "km": "Noto-Serif-Khmer",
    "lo": "Noto-Serif-Lao",
    "my": "Noto-Serif-Myanmar",
    "dz": "Noto-Serif-Tibetan",
}


def fonts_of(pdf: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return {
        str(font["/BaseFont"]).split("+", 1)[-1]
        for font in page["/Resources"]["/Font"].get_object().values()
    }


@pytest.mark.parametrize("person", PEOPLE, ids=[p[3] for p in PEOPLE])
def test_each_script_is_embedded_and_extracts_to_the_name(app_ctx, person):
    _course, [enrolment] = eligible_course([person])
    certificate = services.issue_one(None, enrolment)
    pdf = services.pdf_path(certificate).read_bytes()
    native, lang = person[2], person[3]
    assert FONTS[lang] in fonts_of(pdf)
    lines = [
        line.strip() for line in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()
    ]
    assert native in lines, lines[:8]


def test_hostile_values_are_printed_not_fetched(app_ctx, listener):
    hostile = {
        "family": '<img src="file:///etc/passwd">',
        "given": '<link rel="attachment" href="file:///etc/hostname">',
        "native": f"<style>@import url({listener}/import.css); "
        f"p {{ background: url({listener}/bg.png) }}</style>",
        "org": f'<svg><image href="file:///etc/passwd"/><image href="{listener}/svg.png"/></svg>',
        "title": f"../../../../etc/passwd {listener}/title <script>alert(1)</script>",
    }
    course, [enrolment] = eligible_course(
        [(hostile["family"], hostile["given"], hostile["native"], "en", "VN")]
    )
    course.title = hostile["title"]
    enrolment.organisation.name = hostile["org"]
    db.session.commit()
    certificate = services.issue_one(None, enrolment)
    pdf = services.pdf_path(certificate).read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    text = " ".join(reader.pages[0].extract_text().split())
    for value in hostile.values():
        assert " ".join(value.split()) in text, value
    assert Recorder.hits == []
    assert b"root:x:0:0" not in pdf


def test_the_fetcher_refuses_everything_but_data_and_app_files(listener):
    safe = fetcher()
    for url in (
        "file:///etc/passwd",
        f"{listener}/x.png",
        "https://example.org/x.css",
        "file:///work/../etc/passwd",
        "ftp://127.0.0.1/x",
    ):
        with pytest.raises(ValueError, match="Refused"):
            safe.fetch(url)

    css = (ALLOWED_ROOTS[1] / "documents" / "certificate.css").as_uri()
    assert b"@page" in safe.fetch(css).read()
    escaped = (ALLOWED_ROOTS[1] / ".." / ".." / "config.py").as_uri()
    with pytest.raises(ValueError, match="outside the document folders"):
        safe.fetch(escaped)
    assert safe.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    pdf = html_to_pdf(
        f'<p>Hi</p><img src="{listener}/img.png"><link rel="attachment" '
        'href="file:///etc/hostname">'
    )
    assert Recorder.hits == [] and PdfReader(io.BytesIO(pdf)).attachments == {}


def test_document_templates_escape_what_they_print_and_reach_no_request(app):
    """render_pdf's templates are autoescaped and see no request, user or url_for: a
    document prints the same whoever asks for it, and only what its context holds."""
    from wipo_training.pdf import environment, render_html

    assert "url_for" not in environment().globals
    assert "current_user" not in environment().globals
    html = render_html(
        "pdf/documents/certificate.html",
        {
            "shared": {},
            "pages": [{"name": "<b>x</b>", "affiliation": "", "serial": "S", "url": ""}],
        },
    )
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_weasyprint_is_imported_by_the_first_pdf_not_at_start_up(tmp_path):
    """The web app starts without WeasyPrint (half a second of every start); the first PDF
    imports it. A fresh interpreter, as a server process starts."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "from config import TestConfig\n"
        "from wipo_training import create_app\n"
        "create_app(TestConfig)\n"
        "print('weasyprint' in sys.modules)\n"
        "from wipo_training.pdf import html_to_pdf\n"
        "html_to_pdf('<p>x</p>')\n"
        "print('weasyprint' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "WIPO_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        check=True,
    )
    assert result.stdout.split() == ["False", "True"]
