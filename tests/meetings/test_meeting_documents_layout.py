"""The meeting report's pages, whatever the length of what comes before its last sections: no
page holds only "Next meeting — Not agreed yet.", and no heading (nor the sentence that
introduces a table) is left alone at the bottom of a page. The planned seventh meeting's agenda
grows an item at a time, so the page breaks fall at every place near the end."""

import io
import re

from pypdf import PdfReader

from tests.meetings.conftest import meeting
from wipo_training.extensions import db
from wipo_training.meetings import documents
from wipo_training.meetings.models import AgendaItem

HEADINGS = {
    "Co-chairs",
    "Participating organisations",
    "Japan side",
    "China side",
    "Agenda and discussion",
    "Outcomes",
    "Agreements",
    "Action items",
    "Follow-up of earlier action items",
    "Next meeting",
    "Side events",
}


def _bodies(pdf: bytes) -> list[list[str]]:
    """Each page's lines, without the running header and footer (the last two lines pypdf
    reads) and the list markers (read after the text)."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lines = [line.strip() for line in page.extract_text().splitlines()[:-2]]
        pages.append([line for line in lines if line and not re.fullmatch(r"•|\d+\.", line)])
    return pages


def test_no_page_holds_only_the_next_meeting_nor_ends_with_a_heading(group):
    seventh = meeting(group, 7)
    summary = (
        "Both sides will report on the cases of the year, the seizures at the border and the "
        "cooperation of their customs and police agencies against counterfeit products sold "
        "online. "
    )
    pages_seen = set()
    for number in range(1, 16):
        seventh.agenda.append(
            AgendaItem(position=number, title=f"Topic {number}", summary=summary * 2)
        )
        db.session.flush()
        pages = _bodies(documents.meeting_report_pdf(seventh))
        pages_seen.add(len(pages))
        for body in pages:
            assert body != ["Next meeting", "Not agreed yet."], number
        for body in pages[:-1]:
            # Neither a heading nor the sentence that introduces a table ends a page.
            assert body[-1] not in HEADINGS and not body[-1].endswith(":"), (number, body[-3:])
    assert len(pages_seen) > 1  # the breaks moved through the document
