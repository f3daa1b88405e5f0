"""Word copies of the meeting report and the press release: the PDFs' templates with the
contexts ``documents`` builds for them, written as .docx."""

from ..word import render_docx
from . import documents
from .models import Meeting


def meeting_report_docx(meeting: Meeting) -> bytes:
    """The meeting report as the PDF prints it, as a Word document."""
    return render_docx(
        "pdf/meetings/meeting_report.html", documents.meeting_report_context(meeting)
    )


def press_release_docx(meeting: Meeting) -> bytes:
    """The press release as the PDF prints it, as a Word document."""
    return render_docx("pdf/meetings/press_release.html", documents.press_release_context(meeting))
