"""The meeting's documents: report, press release and participants by side, printed by the
app's one ``render_pdf`` (same fetcher and safety rules as the certificates)."""

import re

from ..pdf import render_pdf
from . import services
from .models import Meeting, OutcomeKind, Side


def meeting_file_stem(meeting: Meeting) -> str:
    """ "Japan-China-Joint-IP-Working-Group-6": ASCII, safe in a file name."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", meeting.working_group.name).strip("-")
    return f"{name or 'working-group'}-{meeting.number}"


def _context(meeting: Meeting) -> dict:
    return {
        "meeting": meeting,
        "group": meeting.working_group,
        "title": services.meeting_title(meeting),
        "when": services.when(meeting),
        "side_name": lambda side: services.side_name(meeting.working_group, side),
    }


def meeting_report_context(meeting: Meeting) -> dict:
    """What the meeting report prints (the PDF and the Word copy)."""
    return {
        **_context(meeting),
        "follow_up": services.open_actions_before(meeting),
        "by_side": services.delegations_by_side(meeting),
        "agreements": [o for o in meeting.outcomes if o.kind == OutcomeKind.AGREEMENT],
        "actions": [o for o in meeting.outcomes if o.kind == OutcomeKind.ACTION],
    }


def meeting_report_pdf(meeting: Meeting) -> bytes:
    return render_pdf("pdf/meetings/meeting_report.html", meeting_report_context(meeting))


def press_release_context(meeting: Meeting) -> dict:
    """What the press release prints (the PDF and the Word copy): its headline and its
    paragraphs, each with its heading when it has one."""
    headline, _, body = services.press_release_text(meeting).partition("\n")
    paragraphs = [_heading_and_text(p) for p in re.split(r"\n\s*\n", body.strip()) if p]
    return {
        **_context(meeting),
        "publisher": services.body_name(meeting, Side.A),
        "headline": headline,
        "paragraphs": paragraphs,
        "notes": services.RELEASE_NOTES,
    }


def press_release_pdf(meeting: Meeting) -> bytes:
    return render_pdf("pdf/meetings/press_release.html", press_release_context(meeting))


def _heading_and_text(paragraph: str) -> tuple[str, str]:
    """A paragraph whose first line is short and unpunctuated starts with its heading
    ("Participating organisations"); the PDF sets it in bold."""
    first, _, rest = paragraph.strip("\n").partition("\n")
    if rest and len(first) < 90 and first[-1:] not in ".:;,":
        return first, rest
    return "", paragraph.strip("\n")


def participants_pdf(meeting: Meeting) -> bytes:
    return render_pdf(
        "pdf/meetings/participants.html",
        {**_context(meeting), "rows": services.participant_rows(meeting)},
    )
