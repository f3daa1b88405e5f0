"""Word copies of the meeting report and the press release: the PDFs' templates with the
contexts ``documents`` builds for them, written as .docx.

The two contexts repeat the few lines of ``documents.meeting_report_pdf`` and
``press_release_pdf`` that build them (that module is not this one's to change); a test
compares each copy's headings with its PDF's, so the two cannot drift apart unseen."""

import re

from ..word import render_docx
from . import documents, services
from .models import Meeting, OutcomeKind, Side


def meeting_report_docx(meeting: Meeting) -> bytes:
    """The meeting report as the PDF prints it, as a Word document."""
    return render_docx(
        "pdf/meetings/meeting_report.html",
        {
            **documents._context(meeting),
            "follow_up": services.open_actions_before(meeting),
            "by_side": services.delegations_by_side(meeting),
            "agreements": [o for o in meeting.outcomes if o.kind == OutcomeKind.AGREEMENT],
            "actions": [o for o in meeting.outcomes if o.kind == OutcomeKind.ACTION],
        },
    )


def press_release_docx(meeting: Meeting) -> bytes:
    """The press release as the PDF prints it, as a Word document."""
    headline, _, body = services.press_release_text(meeting).partition("\n")
    paragraphs = [documents._heading_and_text(p) for p in re.split(r"\n\s*\n", body.strip()) if p]
    return render_docx(
        "pdf/meetings/press_release.html",
        {
            **documents._context(meeting),
            "publisher": services.body_name(meeting, Side.A),
            "headline": headline,
            "paragraphs": paragraphs,
            "notes": services.RELEASE_NOTES,
        },
    )
