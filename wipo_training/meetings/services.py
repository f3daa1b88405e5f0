"""Working groups and meetings: the series, the follow-up of action items from one meeting
to the next, planning the next meeting, and the press release drafted from the data."""

import sqlalchemy as sa

from ..audit import record_audit
from ..countries import get_country
from ..extensions import db
from ..templating import date_range
from .models import (
    ActionStatus,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeKind,
    Side,
    WorkingGroup,
)

ORDINALS = (
    "First Second Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Eleventh Twelfth "
    "Thirteenth Fourteenth Fifteenth Sixteenth Seventeenth Eighteenth Nineteenth Twentieth"
).split()


class MeetingError(ValueError):
    """A meeting that cannot be saved as asked; the message says why."""


def ordinal(number: int) -> str:
    """6 -> "Sixth"; past the twentieth, "21st", "22nd", ..."""
    if 1 <= number <= len(ORDINALS):
        return ORDINALS[number - 1]
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def meeting_title(meeting: Meeting) -> str:
    """ "Sixth Meeting of the Japan-China Joint IP Working Group"."""
    return f"{ordinal(meeting.number)} Meeting of the {meeting.working_group.name}"


def side_name(group: WorkingGroup, side: str) -> str:
    """ "Japanese side" style names are the source's; we say the country: "Japan"."""
    return get_country(group.country(side)).short_name


def when(meeting: Meeting) -> str:
    """The dates, or the fiscal year when only that is agreed."""
    if meeting.dates_text:
        return meeting.dates_text
    if meeting.start_date:
        return date_range(meeting.start_date, meeting.end_date or meeting.start_date)
    if meeting.fiscal_year:
        return f"FY{meeting.fiscal_year}"
    return "date to be agreed"


def delegations_by_side(meeting: Meeting) -> dict[str, list]:
    """Each side's delegations in protocol order: members first, then observers."""
    by_side = {Side.A: [], Side.B: []}
    for delegation in sorted(meeting.delegations, key=lambda d: (d.observer, d.position)):
        by_side[Side(delegation.side)].append(delegation)
    return by_side


def open_actions_before(meeting: Meeting) -> list[Outcome]:
    """Action items of earlier meetings of the series that are still open: the follow-up
    the next meeting's page shows."""
    return list(
        db.session.execute(
            sa.select(Outcome)
            .join(Meeting)
            .where(
                Meeting.working_group_id == meeting.working_group_id,
                Meeting.number < meeting.number,
                Outcome.kind == OutcomeKind.ACTION,
                Outcome.status == ActionStatus.OPEN,
            )
            .order_by(Meeting.number, Outcome.position)
        ).scalars()
    )


def series_outcomes(group: WorkingGroup) -> list[tuple[Meeting, list[Outcome]]]:
    """Every agreement and action item over time, meeting by meeting (two queries)."""
    outcomes = db.session.execute(
        sa.select(Outcome)
        .join(Meeting)
        .where(Meeting.working_group_id == group.id)
        .order_by(Meeting.number, Outcome.position)
    ).scalars()
    by_meeting: dict[int, list[Outcome]] = {}
    for outcome in outcomes:
        by_meeting.setdefault(outcome.meeting_id, []).append(outcome)
    return [(m, by_meeting.get(m.id, [])) for m in group.meetings]


def plan_next(actor, meeting: Meeting) -> Meeting:
    """Turn "the next meeting in Japan in FY2018" into a planned meeting (once)."""
    if (
        meeting.next_host_side is None
        and meeting.next_fiscal_year is None
        and not meeting.next_date
    ):
        raise MeetingError("Record where and when the next meeting was agreed first.")
    number = meeting.number + 1
    existing = db.session.execute(
        sa.select(Meeting).where(
            Meeting.working_group_id == meeting.working_group_id, Meeting.number == number
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise MeetingError(f"The {ordinal(number)} Meeting is already in the series.")
    planned = Meeting(
        working_group_id=meeting.working_group_id,
        number=number,
        status=MeetingStatus.PLANNED,
        host_side=meeting.next_host_side or meeting.host_side,
        fiscal_year=meeting.next_fiscal_year,
        start_date=meeting.next_date,
        end_date=meeting.next_date,
    )
    db.session.add(planned)
    db.session.flush()
    record_audit(actor, "meeting.plan", planned, number=number)
    return planned


def press_release_draft(meeting: Meeting) -> str:
    """A press release drafted from the meeting, in the shape of the source document: title,
    date and place, co-chairs, what was discussed and agreed, the participating organisations
    per side, the side events. The coordinator edits it before publishing."""
    group = meeting.working_group
    host = side_name(group, meeting.host_side)
    title = meeting_title(meeting)
    events = meeting.side_events
    headline = title + " Held" if not events else f"{title} and {events[0].title} Held"
    lines = [headline, ""]
    opening = f"On {when(meeting)}, the {title} was held in {meeting.city or host}"
    if meeting.city and host:
        opening += f", {host}"
    lines.append(opening + ".")
    if group.framework:
        lines.append(f"The meeting is part of the efforts under the {group.framework}.")
    chairs = [
        f"{name}, {title_}" + (f", {org}" if org else "")
        for name, title_, org in (
            (meeting.chair_a_name, meeting.chair_a_title, meeting.chair_a_organisation),
            (meeting.chair_b_name, meeting.chair_b_title, meeting.chair_b_organisation),
        )
        if name
    ]
    if chairs:
        lines += [
            "",
            "Under the co-chairmanship of " + " and ".join(chairs) + ", "
            "officials of both sides exchanged views on the following.",
        ]
    for number, item in enumerate(meeting.agenda, 1):
        lines.append(f"{number}. {item.title}" + (f": {item.summary}" if item.summary else ""))
    agreements = [o for o in meeting.outcomes if o.kind == OutcomeKind.AGREEMENT]
    if agreements:
        lines += ["", "Both sides agreed:"] + [f"- {o.text}" for o in agreements]
    if meeting.next_host_side or meeting.next_fiscal_year or meeting.next_date:
        place = side_name(group, meeting.next_host_side) if meeting.next_host_side else ""
        moment = (
            date_range(meeting.next_date, meeting.next_date)
            if meeting.next_date
            else f"FY{meeting.next_fiscal_year}"
            if meeting.next_fiscal_year
            else ""
        )
        lines.append(
            f"They agreed to hold the {ordinal(meeting.number + 1).lower()} meeting"
            + (f" in {place}" if place else "")
            + (f" in {moment}" if moment else "")
            + "."
        )
    lines += ["", "Participating organisations"]
    for side, delegations in delegations_by_side(meeting).items():
        members = [_delegation_text(d) for d in delegations if not d.observer]
        observers = [_delegation_text(d) for d in delegations if d.observer]
        text = "; ".join(members) + (f" (Observer: {'; '.join(observers)})" if observers else "")
        lines.append(f"{side_name(group, side)} side: {text}")
    for event in events:
        lines += ["", event.title]
        lines.append(
            f"On {date_range(event.day, event.day)}"
            + (f", {event.co_organisers} jointly held" if event.co_organisers else ", was held")
            + f" the {event.title}"
            + (f" in {event.venue}" if event.venue else "")
            + (
                f", bringing together {event.audience[:1].lower()}{event.audience[1:]}"
                if event.audience
                else "."
            )
        )
    if meeting.release_date:
        lines += ["", f"Release date: {date_range(meeting.release_date, meeting.release_date)}"]
    return "\n".join(lines)


def _delegation_text(delegation) -> str:
    return delegation.organisation + (f" ({delegation.units})" if delegation.units else "")
