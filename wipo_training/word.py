"""Word copies of the documents, for staff to edit before they publish: ``render_docx(template,
context)`` takes the same template and context as ``pdf.render_pdf`` and writes the HTML it
renders as a .docx (python-docx), so the copy has the PDF's headings, paragraphs, lists and
tables, and its charts as PNG pictures (cairosvg draws the SVG the page shows).

The walk knows the elements the document templates use: h1–h4, p, ul/ol, table (caption,
thead, tbody, tfoot, colspan), figure/img, blockquote, and inline strong/b, em/i, br, span and
a; sections and other containers are walked through. Classes the PDF stylesheet gives a
meaning keep it: ``running`` and ``issued`` become the page header and footer, text-end and
num are right-aligned, prewrap keeps line breaks, visually-hidden is left out, the cover is
centred and followed by a page break, as the contents are.

User text arrives escaped in the HTML and leaves as XML text (python-docx escapes it);
characters XML cannot hold are dropped. Pictures come only from ``data:`` URLs (the charts);
nothing is fetched, and cairosvg runs in its safe mode (no external files or entities).
python-docx and cairosvg are imported by the first copy made. This module imports no domain
package.
"""

import base64
import io
import re

from .pdf import render_html

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: What XML 1.0 cannot hold (control characters, lone surrogates, non-characters).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
CONTAINERS = {"body", "section", "article", "div", "nav", "figure", "header", "footer", "main"}
RIGHT = {"text-end", "num"}
#: A4 portrait with the PDF stylesheet's margins (report.css): 20 mm top, 16 mm sides.
PAGE_MM, MARGINS_MM = (210, 297), (20, 16, 18, 16)
MUTED = (0x55, 0x55, 0x55)
#: The PDF stylesheet's type: Noto Sans 10 pt; headings in its blue at its sizes.
FONT, FONT_PT, HEADING_RGB = "Noto Sans", 10, (0x1F, 0x3A, 0x68)
HEADING_PT = {1: 20, 2: 14, 3: 11, 4: 10}
#: A character's width at 10 pt (about half an em), and a cell's padding: for column widths.
CHAR_MM, CELL_PADDING_MM = 2.5, 4


def render_docx(template: str, context: dict) -> bytes:
    """A document template of templates/pdf/ with ``context``, as a Word document."""
    return html_to_docx(render_html(template, context))


def html_to_docx(html: str) -> bytes:
    """A document's HTML (already escaped) as .docx bytes."""
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(NOT_XML.sub("", html))
    writer = _Writer(root.findtext(".//title") or "")
    writer.blocks(root.body)
    return writer.save()


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _children(element):
    """The element children (comments and processing instructions left out)."""
    return [child for child in element if isinstance(child.tag, str)]


class _Writer:
    """One document being written, block by block."""

    def __init__(self, title: str):
        from docx import Document
        from docx.shared import Mm

        self.document = Document()
        properties = self.document.core_properties
        properties.title, properties.author, properties.last_modified_by = title.strip(), "", ""
        properties.comments = properties.keywords = properties.subject = ""
        section = self.document.sections[0]
        section.page_width, section.page_height = (Mm(size) for size in PAGE_MM)
        top, side, bottom, _ = MARGINS_MM
        section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
        section.left_margin = section.right_margin = Mm(side)
        self.text_width = section.page_width - 2 * Mm(side)
        self.set_type()

    def set_type(self) -> None:
        """The PDF's font and heading sizes on the styles the copy uses (an editor who
        restyles a heading restyles them all)."""
        from docx.shared import Pt, RGBColor

        styles = self.document.styles
        for style in styles:
            if style.type == 1 and style.name in {
                "Normal",
                "No Spacing",
                "Title",
                "Caption",
                "Quote",
            }:
                style.font.name = FONT
        styles["Normal"].font.size = Pt(FONT_PT)
        for level, size in HEADING_PT.items():
            font = styles[f"Heading {level}"].font
            font.name, font.size, font.color.rgb = FONT, Pt(size), RGBColor(*HEADING_RGB)

    def save(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()

    # --- blocks ---------------------------------------------------------------------------

    def blocks(self, parent, style: str | None = None, centred: bool = False) -> None:
        """Every block inside ``parent``; loose text becomes a paragraph of its own."""
        if (parent.text or "").strip():
            self.paragraph_of([(parent.text, frozenset())], style, centred)
        for child in _children(parent):
            self.block(child, style, centred)
            if (child.tail or "").strip():
                self.paragraph_of([(child.tail, frozenset())], style, centred)

    def block(self, element, style: str | None, centred: bool) -> None:
        tag, classes = element.tag, _classes(element)
        if "visually-hidden" in classes:
            return
        if "running" in classes or "issued" in classes:
            self.margin_text(element, header="running" in classes)
        elif tag in HEADINGS:
            self.paragraph(element, f"Heading {HEADINGS[tag]}", centred)
        elif tag == "p":
            self.paragraph(element, style, centred)
        elif tag in ("ul", "ol"):
            list_style = style or ("List Number" if tag == "ol" else "List Bullet")
            for item in element.iterchildren("li"):
                self.paragraph(item, list_style, centred)
        elif tag == "table":
            self.table(element)
        elif tag == "img":
            self.picture(element)
        elif tag == "blockquote":
            self.blocks(element, "Quote", centred)
        elif tag in CONTAINERS:
            inner = "No Spacing" if "toc" in classes else style  # the contents: a plain list
            self.blocks(element, inner, centred or "cover" in classes)
            if classes & {"cover", "toc"}:
                self.document.add_page_break()
        elif tag not in ("br", "hr", "script", "style"):
            self.paragraph(element, style, centred)

    def paragraph(self, element, style: str | None, centred: bool):
        return self.paragraph_of(_runs(element), style, centred, _classes(element))

    def paragraph_of(self, runs, style, centred: bool, classes: set[str] = frozenset()):
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = self.document.add_paragraph(style=style)
        _write_runs(paragraph, runs, _classes_style(classes))
        if classes & RIGHT:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif centred:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def margin_text(self, element, header: bool) -> None:
        """The PDF's running header (the document's title) and footer (what it is), with
        "Page n of m" at the right of the footer as in the PDF."""
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Pt, RGBColor, Twips

        section = self.document.sections[0]
        paragraph = (section.header if header else section.footer).paragraphs[0]
        paragraph.style.font.size = Pt(8)
        paragraph.style.font.color.rgb = RGBColor(*MUTED)
        _write_runs(paragraph, _runs(element))
        if not header:
            tabs = paragraph.paragraph_format.tab_stops
            for inherited in (4680, 9360):  # the style's centre and right stops (Letter)
                tabs.add_tab_stop(Twips(inherited), WD_TAB_ALIGNMENT.CLEAR)
            tabs.add_tab_stop(self.text_width, WD_TAB_ALIGNMENT.RIGHT)
            paragraph.add_run("\tPage ")
            _field(paragraph, "PAGE")
            paragraph.add_run(" of ")
            _field(paragraph, "NUMPAGES")

    def table(self, element) -> None:
        """The table's caption as a caption above it, then its rows (head rows repeated on
        every page, th in bold, colspan merged)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement

        caption = element.find("caption")
        if caption is not None and "visually-hidden" not in _classes(caption):
            self.paragraph(caption, "Caption", False)
        rows = element.xpath("./thead/tr | ./tbody/tr | ./tfoot/tr | ./tr")
        if not rows:
            return
        widths = [sum(_span(cell) for cell in row.xpath("./th | ./td")) for row in rows]
        table = self.document.add_table(rows=len(rows), cols=max(widths))
        table.style = "Table Grid"
        table.autofit = False
        column_widths = self.column_widths(rows, max(widths))
        for column, width in zip(table.columns, column_widths, strict=True):
            column.width = width
        for row_number, row in enumerate(rows):
            column = 0
            for cell_element in row.xpath("./th | ./td"):
                span = _span(cell_element)
                cell = table.cell(row_number, column)
                if span > 1:
                    cell = cell.merge(table.cell(row_number, column + span - 1))
                cell.width = sum(column_widths[column : column + span])
                paragraph = cell.paragraphs[0]
                base = {"bold"} if cell_element.tag == "th" else set()
                _write_runs(paragraph, _runs(cell_element), base | _classes(cell_element))
                if _classes(cell_element) & RIGHT:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                column += span
            if row.getparent().tag == "thead":
                table.rows[row_number]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        self.document.add_paragraph()  # Word joins two tables that touch

    def column_widths(self, rows, count: int) -> list[int]:
        """Widths sharing the page as the text asks: each column first gets room for its
        longest word (a date, a number, a heading), then the rest of the line goes to the
        columns with longer texts, up to 40 characters each."""
        from docx.shared import Mm

        words, texts = [1] * count, [1] * count
        for row in rows:
            column = 0
            for cell in row.xpath("./th | ./td"):
                span = _span(cell)
                if span == 1:
                    text = " ".join(cell.text_content().split())
                    longest = max((len(word) for word in text.split()), default=0)
                    words[column] = max(words[column], longest)
                    texts[column] = max(texts[column], min(len(text), 40))
                column += span
        least = [Mm(CHAR_MM * n + CELL_PADDING_MM) for n in words]
        wanted = [
            max(Mm(CHAR_MM * n + CELL_PADDING_MM) - low, 0)
            for n, low in zip(texts, least, strict=True)
        ]
        spare = self.text_width - sum(least)
        if spare <= 0:
            return [int(self.text_width * low / sum(least)) for low in least]
        share = min(1, spare / sum(wanted)) if sum(wanted) else 0
        extra = spare - share * sum(wanted)
        return [
            int(low + share * want + extra / count) for low, want in zip(least, wanted, strict=True)
        ]

    def picture(self, element) -> None:
        """A chart (SVG drawn as PNG) or a PNG/JPEG picture from a data: URL, the page's
        width, its alternative text kept; any other source is left out."""
        data = _picture_data(element.get("src") or "")
        if data is None:
            return
        self.document.add_picture(io.BytesIO(data), width=self.text_width)
        shape = self.document.inline_shapes[-1]
        shape._inline.docPr.set("descr", NOT_XML.sub("", element.get("alt") or ""))


def _span(cell) -> int:
    value = cell.get("colspan") or "1"
    return min(int(value), 50) if value.isdigit() and int(value) > 0 else 1


def _picture_data(src: str) -> bytes | None:
    head, comma, payload = src.partition(",")
    if not comma or not head.startswith("data:image/") or not head.endswith(";base64"):
        return None
    kind = head.removeprefix("data:image/").removesuffix(";base64")
    data = base64.b64decode(payload)
    if kind == "svg+xml":
        import cairosvg

        return cairosvg.svg2png(bytestring=data, scale=2, unsafe=False)
    return data if kind in ("png", "jpeg") else None


# --- text runs ----------------------------------------------------------------------------


def _runs(element, styles: frozenset = frozenset()) -> list[tuple[str, frozenset]]:
    """The text inside ``element`` as (text, styles) pieces in order; styles are bold,
    italic, pre (line breaks kept), small and muted; a <br> is a "\\n" piece."""
    classes = _classes(element)
    if "visually-hidden" in classes:
        return []
    styles = styles | {name for name in ("small", "muted") if name in classes}
    if element.tag in ("strong", "b"):
        styles |= {"bold"}
    elif element.tag in ("em", "i"):
        styles |= {"italic"}
    if "prewrap" in classes:
        styles |= {"pre"}
    if element.tag == "br":
        return [("\n", styles | {"pre"})]
    pieces = [(element.text or "", styles)]
    for child in _children(element):
        pieces += _runs(child, styles)
        pieces.append((child.tail or "", styles))
    return [(text, style) for text, style in pieces if text]


def _collapse(runs) -> list[tuple[str, frozenset]]:
    """HTML's white space: runs of it are one space outside prewrap, none at the start or
    end of a line."""
    out, at_line_start = [], True
    for text, styles in runs:
        if "pre" not in styles:
            text = re.sub(r"\s+", " ", text)
            if at_line_start:
                text = text.lstrip(" ")
        if text:
            out.append((text, styles))
            at_line_start = text.endswith((" ", "\n"))
    while out and "pre" not in out[-1][1] and out[-1][0].endswith(" "):
        text, styles = out.pop()
        if text.rstrip(" "):
            out.append((text.rstrip(" "), styles))
    return out


def _classes_style(classes) -> set[str]:
    return {name for name in ("small", "muted", "bold") if name in classes}


def _write_runs(paragraph, runs, base: set[str] = frozenset()) -> None:
    from docx.shared import Pt, RGBColor

    for text, styles in _collapse(runs):
        styles = styles | _classes_style(base)
        run = paragraph.add_run(text)  # "\n" is a line break, "\t" a tab
        run.bold = "bold" in styles or None
        run.italic = "italic" in styles or None
        if "small" in styles:
            run.font.size = Pt(8.5)
        if "muted" in styles:
            run.font.color.rgb = RGBColor(*MUTED)


def _field(paragraph, instruction: str) -> None:
    """A field Word and LibreOffice compute (PAGE, NUMPAGES), "1" until they do."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
