"""Certificates and the course report are tagged PDFs (issue 19), read back with pikepdf: the
catalog names the language and says the document is marked, and the structure tree has the
headings, the tables with their header cells, and the images with their alternative text, in
the order the page reads."""

import io

import pikepdf
import sqlalchemy as sa
from PIL import Image

from tests.conftest import submit
from tests.documents.conftest import PEOPLE, eligible_course
from wipo_training.courses.models import Course
from wipo_training.demo import load_demo
from wipo_training.documents.models import Certificate
from wipo_training.extensions import db


def image(width: int, height: int) -> bytes:
    """A small PNG, as a coordinator uploads a signature or a logo."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(out, "PNG")
    return out.getvalue()


def elements(pdf: pikepdf.Pdf) -> list[tuple[str, str | None, int]]:
    """The structure tree, depth first (the reading order): (type, alternative text, depth)."""
    found = []

    def walk(element, depth):
        alt = str(element.Alt) if "/Alt" in element else None
        found.append((str(element.S)[1:], alt, depth))
        for kid in element.get("/K", []):
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                walk(kid, depth + 1)

    for kid in pdf.Root.StructTreeRoot.K:
        walk(kid, 0)
    return found


def assert_tagged(pdf: pikepdf.Pdf) -> list[tuple[str, str | None, int]]:
    """The catalog of a tagged PDF in English; its structure tree, depth first."""
    assert "/StructTreeRoot" in pdf.Root
    assert str(pdf.Root.Lang) == "en"
    assert pdf.Root.MarkInfo.Marked is True
    for page in pdf.pages:  # each page's marked content is mapped to its elements
        assert "/StructParents" in page.obj
    tree = elements(pdf)
    assert tree[0][0] == "Document"
    figures = [alt for kind, alt, _depth in tree if kind == "Figure"]
    assert all(figures), f"a figure without alternative text: {figures}"
    return tree


def test_a_certificate_is_a_tagged_pdf_that_reads_in_order(app, web_as):
    with app.app_context():
        eligible_course(PEOPLE[:2])
    web = web_as("coordinator")
    saved = submit(
        web.get("/courses/1/certificates/settings"),
        "Save",
        heading="Certificate of Attendance",
        signatory1_name="Kenichiro Natsume",
        signatory1_title="Head, WIPO Japan Office",
        signatory1_image=("upload", "signature.png", image(40, 12)),
        logo1=("upload", "wipo.png", image(60, 30)),
    )
    assert saved.status_int == 302
    issued = submit(web.get("/courses/1/certificates"), "Issue now", "/enrolments/1/certificate")
    assert "Certificate ENF-2013-001 issued" in issued.follow().text
    with app.app_context():
        certificate_id = db.session.execute(sa.select(Certificate.id)).scalars().first()
    downloaded = web.get(f"/certificates/{certificate_id}/pdf")
    pdf = pikepdf.open(io.BytesIO(downloaded.body))
    assert len(pdf.pages) == 1
    tree = assert_tagged(pdf)
    # The course's part (drawn under the page) and the participant's lines make one section
    # that reads as the certificate does: the logo, the fund, the heading and "This is to
    # certify that"; the participant's name, native name and affiliation; the course, its
    # dates and organisers and the signatory; then the serial and address.
    (section,) = [row for row in tree if row[0] == "Sect"]
    assert section[2] == 1
    parts = [kind for kind, _alt, depth in tree if depth == 2]
    assert parts == ["Div", "P", "P", "P", "Div", "Div"]
    read = [(kind, alt) for kind, alt, _depth in tree if kind in ("Figure", "H1")]
    assert read == [
        ("Figure", "Logo 1 of the organisers"),
        ("H1", None),
        ("Figure", "Signature of Kenichiro Natsume"),
    ]
    # The course's part is marked content of the page's form XObject: each element that
    # holds some is in the parent tree under that form's key.
    form = pdf.pages[0].Resources.XObject.Background
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    keys = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    assert len(keys[int(form.StructParents)]) > 5
    assert len(keys[int(pdf.pages[0].obj.StructParents)]) >= 3

    # The course's PDF of every certificate ("Issue and download") is tagged the same way.
    submit(web.get("/courses/1/certificates"), "Issue and download", format="pdf")
    merged = pikepdf.open(io.BytesIO(web.get("/jobs/1/download").body))
    assert len(merged.pages) == 2
    tree = assert_tagged(merged)
    assert [kind for kind, _alt, depth in tree if depth == 1] == ["Sect", "Sect"]
    assert [kind for kind, _alt, _depth in tree].count("H1") == 2


def test_the_course_report_is_a_tagged_pdf(app, login_as):
    with app.app_context():
        load_demo()
        db.session.commit()
        course_id = db.session.execute(
            sa.select(Course.id).where(Course.code == "ENF-2013")
        ).scalar_one()
    response = login_as("staff").get(f"/courses/{course_id}/report.pdf")
    assert response.status_code == 200
    pdf = pikepdf.open(io.BytesIO(response.data))
    tree = assert_tagged(pdf)
    kinds = [kind for kind, _alt, _depth in tree]
    assert kinds.count("H1") == 1 and kinds.count("H2") >= 8
    assert kinds.index("H1") < kinds.index("H2")  # the cover, then the sections
    assert kinds.count("Table") >= 5 and kinds.count("TH") >= 10
    # The charts say what they show, and that the table above has the figures.
    alts = [alt for kind, alt, _depth in tree if kind == "Figure"]
    assert "Bar chart of participants by country; the table above has the same figures." in alts
    # A header cell is tied to its data cells (scope: WeasyPrint's /Headers of each TD).
    headers = [
        element
        for element in _all(pdf.Root.StructTreeRoot.K[0])
        if element.S == "/TD" and "/Headers" in element.get("/A", {})
    ]
    assert headers and all(len(cell.A.Headers) >= 1 for cell in headers)


def _all(element):
    yield element
    for kid in element.get("/K", []):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield from _all(kid)
