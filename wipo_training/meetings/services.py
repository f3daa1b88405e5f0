"""Working groups and meetings: the series, the follow-up of action items from one meeting
to the next, planning the next meeting, and the press release drafted from the data."""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..audit import record_audit
from ..countries import CountryError, get_country
from ..extensions import db
from ..participants import services as participant_services
from ..participants.services import PersonData
from ..people.models import Person
from ..rules import RuleError, StaleError
from ..templating import date_range
from ..versioning import conflict_message, count_change, is_stale
from .models import (
    ActionStatus,
    AgendaItem,
    Delegate,
    Delegation,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeKind,
    Side,
    SideEvent,
    WorkingGroup,
)

ORDINALS = (
    "First Second Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Eleventh Twelfth "
    "Thirteenth Fourteenth Fifteenth Sixteenth Seventeenth Eighteenth Nineteenth Twentieth"
).split()


class MeetingError(RuleError):
    """A working group or meeting that cannot be saved as asked; the message says why and
    ``field`` names the field at fault, when there is one."""


class ConflictError(MeetingError, StaleError):
    """Someone else saved the group, the meeting or the part since this edit started."""


def whole_meeting() -> tuple:
    """Loader options for everything a meeting's page, documents and API show: a statement
    per kind of part, whatever their number."""
    return (
        joinedload(Meeting.working_group),
        selectinload(Meeting.delegations).selectinload(Delegation.delegates),
        selectinload(Meeting.agenda),
        selectinload(Meeting.outcomes),
        selectinload(Meeting.side_events),
    )


def get_meeting(meeting_id: int) -> Meeting | None:
    """The meeting with all its parts."""
    return (
        db.session.execute(_meeting_statement(), {"meeting_id": meeting_id})
        .unique()
        .scalar_one_or_none()
    )


@cache
def _meeting_statement():
    """``get_meeting``'s query, built once (with its loader options and their cache key)."""
    by_id = Meeting.id == sa.bindparam("meeting_id")
    return sa.select(Meeting).where(by_id).options(*whole_meeting())


def following(meeting: Meeting) -> tuple | None:
    """The next meeting of the series, if planned: (id, number, status)."""
    values = {"group_id": meeting.working_group_id, "number": meeting.number + 1}
    return db.session.execute(_following_statement(), values).first()


@cache
def _following_statement():
    return sa.select(Meeting.id, Meeting.number, Meeting.status).where(
        Meeting.working_group_id == sa.bindparam("group_id"),
        Meeting.number == sa.bindparam("number"),
    )


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
    return get_country(group.country(side)).name


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
    values = {"group_id": meeting.working_group_id, "number": meeting.number}
    return list(db.session.execute(_open_actions_statement(), values).scalars())


@cache
def _open_actions_statement():
    return (
        sa.select(Outcome)
        .join(Meeting)
        .where(
            Meeting.working_group_id == sa.bindparam("group_id"),
            Meeting.number < sa.bindparam("number"),
            Outcome.kind == OutcomeKind.ACTION,
            Outcome.status == ActionStatus.OPEN,
        )
        .order_by(Meeting.number, Outcome.position)
        .options(joinedload(Outcome.meeting))
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


def plan_next(
    actor, meeting: Meeting, copy_chairs: bool = False, copy_delegations: bool = False
) -> Meeting:
    """Turn "the next meeting in Japan in FY2018" into a planned meeting (once), starting,
    when asked, from this meeting's co-chairs and its delegations with their delegates (a
    draft the coordinator then edits)."""
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
    copied = {}
    if copy_chairs:
        for side in Side:
            for part in ("name", "title", "organisation"):
                name = f"chair_{side}_{part}"
                setattr(planned, name, getattr(meeting, name))
        copied["chairs"] = len(meeting_chairs(meeting))
    if copy_delegations:
        planned.delegations = [
            Delegation(
                side=d.side,
                organisation=d.organisation,
                units=d.units,
                observer=d.observer,
                position=d.position,
                delegates=[
                    Delegate(name=p.name, title=p.title, person_id=p.person_id, position=p.position)
                    for p in d.delegates
                ],
            )
            for d in meeting.delegations
        ]
        copied["delegations"] = len(planned.delegations)
    db.session.add(planned)
    db.session.flush()
    record_audit(actor, "meeting.plan", planned, number=number, copied_from=meeting.id, **copied)
    return planned


def _mentions(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` as whole words, whatever the case."""
    return bool(name) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) is not None


def chair_text(name: str, title: str, organisation: str) -> str:
    """ "Mr. Hiroshi Tsuchida, Deputy Director-General, METI". The organisation is left out
    when the title already names it (or the acronym in its brackets): a title typed
    "Deputy Director-General, METI" printed METI twice."""
    organisation = (organisation or "").strip()
    parts = [part.strip() for part in (name, title) if part and part.strip()]
    names = [organisation] + re.findall(r"\(([^()]+)\)", organisation)
    if organisation and not any(_mentions(title or "", n.strip()) for n in names):
        parts.append(organisation)
    return ", ".join(parts)


def meeting_chairs(meeting: Meeting) -> list[tuple[str, str]]:
    """The co-chairs recorded, as (side, "name, title, organisation")."""
    return [
        (
            side,
            chair_text(
                getattr(meeting, f"chair_{side}_name"),
                getattr(meeting, f"chair_{side}_title"),
                getattr(meeting, f"chair_{side}_organisation"),
            ),
        )
        for side in Side
        if getattr(meeting, f"chair_{side}_name").strip()
    ]


#: How a release names each side's delegation ("Japanese side"); other countries are named as
#: they are ("Thailand side").
DEMONYMS = {
    "CN": "Chinese",
    "DE": "German",
    "FR": "French",
    "GB": "British",
    "ID": "Indonesian",
    "IN": "Indian",
    "JP": "Japanese",
    "KR": "Korean",
    "MY": "Malaysian",
    "TH": "Thai",
    "US": "United States",
    "VN": "Vietnamese",
}


def us_date(day: date, with_year: bool = True) -> str:
    """ "December 13, 2017" ("December 14" within the year), as the ministry's releases
    write dates."""
    return f"{day:%B} {day.day}, {day.year}" if with_year else f"{day:%B} {day.day}"


def _release_when(meeting: Meeting) -> str:
    """ "On December 13, 2017", "On December 13–14, 2017", "In June 2016", "In FY2018" or ""."""
    if meeting.dates_text:
        return f"In {meeting.dates_text}"
    start, end = meeting.start_date, meeting.end_date or meeting.start_date
    if start and start == end:
        return f"On {us_date(start)}"
    if start and (start.year, start.month) == (end.year, end.month):
        return f"On {start:%B} {start.day}–{end.day}, {end.year}"
    if start:
        return f"From {us_date(start, start.year != end.year)} to {us_date(end)}"
    return f"In FY{meeting.fiscal_year}" if meeting.fiscal_year else ""


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The last meeting of the series held before this one."""
    return db.session.execute(
        sa.select(Meeting)
        .where(
            Meeting.working_group_id == meeting.working_group_id,
            Meeting.number < meeting.number,
            Meeting.status == MeetingStatus.HELD,
        )
        .order_by(Meeting.number.desc())
        .limit(1)
    ).scalar_one_or_none()


def _since(previous: Meeting) -> str:
    """ "the Tokyo meeting in June 2016"."""
    name = f"the {previous.city or ordinal(previous.number).lower()} meeting"
    if previous.dates_text:
        return f"{name} in {previous.dates_text}"
    if previous.start_date:
        return f"{name} in {previous.start_date:%B %Y}"
    return f"{name} in FY{previous.fiscal_year}" if previous.fiscal_year else name


def _names(organisation: str) -> set[str]:
    """An organisation's names: "Ministry of Commerce (MOFCOM)" is also "MOFCOM"."""
    names = [organisation, *re.findall(r"\(([^()]+)\)", organisation)]
    return {n.strip().lower() for n in names if n.strip()}


def same_organisation(one: str, other: str) -> bool:
    """Whether two names are one organisation: "METI" and "Ministry of Economy, Trade and
    Industry (METI)" are."""
    return bool(_names(one or "") & _names(other or ""))


def body_name(meeting: Meeting, side: str) -> str:
    """The side's lead body in full, as its delegation names it ("Ministry of Economy, Trade
    and Industry (METI)"), or as the group names it ("METI")."""
    body = meeting.working_group.body(side)
    return next(
        (
            d.organisation
            for d in meeting.delegations
            if d.side == side and same_organisation(d.organisation, body)
        ),
        body,
    )


def _the(name: str) -> str:
    """ "the Ministry of Commerce (MOFCOM)", but "METI" and "The Supreme Court of Japan"."""
    first = name.split(" ", 1)[0]
    return name if first.isupper() or first.lower() == "the" else f"the {name}"


def _a(title: str) -> str:
    return ("an " if title[:1] in "AEIOU" else "a ") + title


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _full_stop(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _clause(text: str) -> str:
    """A sentence as it follows "agreed that": "The two sides ..." becomes "the two sides ..."
    (a name such as "Japan" keeps its capital)."""
    text = _full_stop(text)
    return text[:1].lower() + text[1:] if re.match(r"(The|A|An|Both|Each) ", text) else text


def side_label(group: WorkingGroup, side: str) -> str:
    """ "Japanese side"."""
    code = group.country(side)
    return f"{DEMONYMS.get(code) or side_name(group, side)} side"


def press_release_draft(meeting: Meeting) -> str:
    """The release of the first side's lead body (METI's own), drafted from the meeting in
    the shape of the source document: headline; who held which meeting when and where, under
    which framework, the first since which meeting, and the side events; the outline under the
    co-chairs with the topics, agreements and next meeting as prose; the participating
    organisations per side; each side event; the release date and the division in charge. A
    held meeting is reported in the past tense, a planned one announced in the future, a
    cancelled one said to be cancelled. The coordinator edits it before publishing."""
    group = meeting.working_group
    host = side_name(group, meeting.host_side)
    title = meeting_title(meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        lines = [f"{title} Cancelled", ""]
        place = (meeting.city + ", " if meeting.city else "") + host
        planned = _release_when(meeting).partition(" ")[2] or "a date to be agreed"
        lines.append(f"The {title}, planned for {planned} in {place}, has been cancelled.")
        return "\n".join(lines + _release_end_lines(meeting))
    held = meeting.status == MeetingStatus.HELD
    events = meeting.side_events
    suffix = " Held" if held else " to be Held"
    headline = title + suffix if not events else f"{title} and {events[0].title}{suffix}"
    opening = [_opening(meeting, held)]
    for event in events:
        start = meeting.start_date
        when_ = _event_moment(event, not start or start.year != event.day.year)
        when_ = when_[:1].lower() + when_[1:]
        countries = f"{side_name(group, Side.A)} and {side_name(group, Side.B)}"
        opening.append(
            f"Taking this opportunity, {when_}, {countries} {'held' if held else 'will hold'} "
            f"{_a(event.title)}."
        )
    lines = [headline, "", " ".join(opening[:1]), *opening[1:]]
    lines += ["", "1. Outline of the meeting" if events else "Outline of the meeting"]
    lines.append(_outline(meeting, held))
    discussion = _discussion(meeting, held)
    if discussion:
        lines += ["", " ".join(discussion)]
    by_side = {side: ds for side, ds in delegations_by_side(meeting).items() if ds}
    if by_side:
        countries = " and ".join(side_name(group, side) for side in by_side)
        lines += ["", f"Participating organizations in {countries}"]
    written = "\n".join(lines)
    for side, delegations in by_side.items():
        body = group.body(side)
        names = [
            body + (f" ({d.units})" if d.units else "")
            if same_organisation(d.organisation, body) and d.organisation in written
            else _delegation_text(d)
            for d in delegations
        ]
        members = [n for n, d in zip(names, delegations, strict=True) if not d.observer]
        observers = [n for n, d in zip(names, delegations, strict=True) if d.observer]
        text = "; ".join(members) + (f" (Observer: {'; '.join(observers)})" if observers else "")
        lines.append(f"{side_label(group, side)}: {text.strip()}")
    for number, event in enumerate(events, 2):
        lines += ["", f"{number}. {event.title}", _side_event_sentence(event, held, meeting)]
    return "\n".join(lines + _release_end_lines(meeting))


def _opening(meeting: Meeting, held: bool) -> str:
    """ "On December 13, 2017, the Ministry of Economy, Trade and Industry (METI) held the Sixth
    Meeting of ... in Beijing, China. This meeting is part of the efforts in accordance with the
    "Memorandum ..." concluded in June 2009 between METI and the Ministry of Commerce (MOFCOM),
    China, and was held for the first time since the Tokyo meeting in June 2016." """
    group = meeting.working_group
    place = ", ".join(p for p in (meeting.city, side_name(group, meeting.host_side)) if p)
    sentence = (
        f"{_the(body_name(meeting, Side.A))} {'held' if held else 'will hold'} the "
        f"{meeting_title(meeting)} in {place}."
    )
    moment = _release_when(meeting)
    sentences = [f"{moment}, {sentence}" if moment else _upper_first(sentence)]
    framework = group.framework.strip().strip('"“”')
    if framework:
        framework = f'This meeting is part of the efforts in accordance with the "{framework}"'
        if group.framework_date:
            framework += f" concluded in {group.framework_date:%B %Y}"
        framework += (
            f" between {group.side_a_body} and {_the(body_name(meeting, Side.B))}, "
            f"{side_name(group, Side.B)}"
        )
    previous = previous_meeting(meeting)
    since = (
        f"{'was' if held else 'will be'} held for the first time since {_since(previous)}"
        if previous
        else ""
    )
    if framework and since:
        sentences.append(f"{framework}, and {since}.")
    elif framework or since:
        sentences.append(f"{framework}." if framework else f"The meeting {since}.")
    return " ".join(sentences)


def _outline(meeting: Meeting, held: bool) -> str:
    """ "Under the co-chairmanship of A, and B, the meeting brought together ..." (the
    meeting's summary) or "..., officials of both sides exchanged views." """
    group = meeting.working_group
    chairs = meeting_chairs(meeting)
    views = f"officials of both sides {'exchanged' if held else 'will exchange'} views"
    summary = meeting.summary.strip()
    joins = bool(re.match(r"(The|A|An) ", summary))
    what = summary[:1].lower() + summary[1:] if joins else views
    if len(chairs) == 2:
        text = f"Under the co-chairmanship of {chairs[0][1]}, and {chairs[1][1]}, {what}"
    elif chairs:  # the other side's co-chair is not recorded (yet)
        side, chair = chairs[0]
        verb = "co-chaired" if held else "will co-chair"
        text = f"{chair}, {verb} the meeting for {side_name(group, side)}; {what}"
    else:
        text = _upper_first(what)
    text = _full_stop(text)
    return text if joins or not summary else f"{text} {_full_stop(summary)}"


def _discussion(meeting: Meeting, held: bool) -> list[str]:
    """The topics (each agenda item's summary, or its title), the agreements and the next
    meeting, as the sentences of one paragraph."""
    group = meeting.working_group
    sentences = [_full_stop(item.summary) for item in meeting.agenda if item.summary.strip()]
    untold = [item.title for item in meeting.agenda if not item.summary.strip()]
    if untold:
        verb = "included" if held else "includes"
        sentences.append(f"The agenda {verb}: {'; '.join(untold)}.")
    agreements = [o.text for o in meeting.outcomes if o.kind == OutcomeKind.AGREEMENT]
    agreed, also = (
        ("agreed", "also agreed")
        if held
        else ("are expected to agree", "are also expected to agree")
    )
    for number, text in enumerate(agreements):
        if number:
            lead = f"They {also} that"
        else:
            lead = (
                f"Moreover, both sides {agreed} that" if sentences else f"Both sides {agreed} that"
            )
        sentences.append(f"{lead} {_clause(text)}")
    if meeting.next_host_side or meeting.next_fiscal_year or meeting.next_date:
        place = side_name(group, meeting.next_host_side) if meeting.next_host_side else ""
        where = f" in {place}" if place else ""
        if meeting.next_date:
            where += f" on {us_date(meeting.next_date)}"
        elif meeting.next_fiscal_year:
            where += f" in FY{meeting.next_fiscal_year}"
        following = f"the next, {ordinal(meeting.number + 1).lower()} meeting"
        sentence = (
            f"they agreed to hold {following}{where}."
            if held
            else f"{following} is proposed to be held{where}."
        )
        sentences.append(f"Finally, {sentence}" if sentences else _upper_first(sentence))
    return sentences


def _event_moment(event: SideEvent, with_year: bool = True) -> str:
    """ "In the afternoon of December 14, 2017" ("On December 14" without the year)."""
    day = us_date(event.day, with_year)
    return f"In the {event.part_of_day} of {day}" if event.part_of_day else f"On {day}"


def _side_event_sentence(event: SideEvent, held: bool, meeting: Meeting) -> str:
    """ "In the afternoon of December 14, 2017, METI, JETRO and MOFCOM jointly held a
    Japan-China Joint Seminar on IPR Enforcement in Beijing, bringing together ..." (or "will
    jointly hold" before the meeting)."""
    moment = _event_moment(event)  # with its year: the section stands on its own
    venue = f" in {event.venue}" if event.venue else ""
    if event.co_organisers:
        verb = "jointly held" if held else "will jointly hold"
        sentence = f"{moment}, {event.co_organisers} {verb} {_a(event.title)}{venue}"
    else:
        verb = "was held" if held else "will be held"
        sentence = f"{moment}, {_a(event.title)} {verb}{venue}"
    audience = event.audience.strip()
    if audience:
        sentence += f", bringing together {audience[:1].lower()}{audience[1:]}"
    return _full_stop(sentence)


#: The headings of the release's last lines, which the PDF sets as notes.
RELEASE_NOTES = ("Release date", "Division in Charge")


def _release_end_lines(meeting: Meeting) -> list[str]:
    """ "Release date" and "Division in Charge", each a heading with its line, as the
    source ends."""
    lines = []
    if meeting.release_date:
        lines += ["", RELEASE_NOTES[0], us_date(meeting.release_date)]
    if meeting.release_division:
        lines += ["", RELEASE_NOTES[1], meeting.release_division]
    return lines


def _delegation_text(delegation) -> str:
    return delegation.organisation + (f" ({delegation.units})" if delegation.units else "")


# --- saving working groups and meetings (the forms and the API share these) -----------------

GROUP_FIELDS = (
    "name",
    "side_a_country",
    "side_a_body",
    "side_b_country",
    "side_b_body",
    "framework",
    "framework_date",
    "description",
)

MEETING_FIELDS = (
    "number",
    "status",
    "start_date",
    "end_date",
    "fiscal_year",
    "dates_text",
    "city",
    "host_side",
    "chair_a_name",
    "chair_a_title",
    "chair_a_organisation",
    "chair_b_name",
    "chair_b_title",
    "chair_b_organisation",
    "summary",
    "next_host_side",
    "next_fiscal_year",
    "next_date",
    "release_date",
    "release_division",
)


#: Meeting fields that are text (empty, never None).
MEETING_TEXT_FIELDS = tuple(
    name
    for name in MEETING_FIELDS
    if name.startswith("chair_") or name in ("dates_text", "city", "summary", "release_division")
)


def _strip(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _apply(actor, obj, action: str, values: dict) -> None:
    """Set the changed attributes and audit them (old and new values)."""
    changes = {}
    for name, value in values.items():
        if getattr(obj, name, None) != value:
            changes[name] = [str(getattr(obj, name, None)), str(value)]
            setattr(obj, name, value)
    if changes:
        db.session.flush()
        record_audit(actor, action, obj, **changes)


def _check_group(values: dict, group: WorkingGroup | None) -> dict:
    clean = _strip(values)
    for side in ("a", "b"):
        name = f"side_{side}_country"
        try:
            clean[name] = get_country(clean.get(name) or "").code
        except CountryError as exc:
            raise MeetingError(str(exc), name) from exc
        if not clean.get(f"side_{side}_body"):
            raise MeetingError("Name the lead body of each side, e.g. METI.", f"side_{side}_body")
    if clean["side_a_country"] == clean["side_b_country"]:
        raise MeetingError("The two sides must be different countries.", "side_b_country")
    if not clean.get("name"):
        raise MeetingError("Give the working group a name.", "name")
    taken = db.session.execute(
        sa.select(WorkingGroup.id).where(
            sa.func.lower(WorkingGroup.name) == clean["name"].lower(),
            WorkingGroup.id != (group.id if group else -1),
        )
    ).first()
    if taken:
        raise MeetingError(f"There is already a working group called {clean['name']}.", "name")
    clean["framework"] = clean.get("framework") or ""
    clean["description"] = clean.get("description") or ""
    return clean


def create_group(actor, **values) -> WorkingGroup:
    clean = _check_group({name: values.get(name) for name in GROUP_FIELDS}, None)
    group = WorkingGroup(**clean)
    db.session.add(group)
    db.session.flush()
    record_audit(actor, "working_group.create", group, name=group.name)
    return group


def update_group(
    actor, group: WorkingGroup, expected_version: int | None = None, **values
) -> WorkingGroup:
    """Change the group's fields; refused when it changed since ``expected_version``."""
    if is_stale(group, expected_version):
        raise ConflictError(conflict_message("working group"))
    merged = {name: values.get(name, getattr(group, name)) for name in GROUP_FIELDS}
    _apply(actor, group, "working_group.update", _check_group(merged, group))
    return group


def _check_meeting(group: WorkingGroup, values: dict, meeting: Meeting | None) -> dict:
    clean = _strip(values)
    number = clean.get("number")
    if not isinstance(number, int) or not 1 <= number <= 1000:
        raise MeetingError("The number in the series is a whole number from 1.", "number")
    taken = db.session.execute(
        sa.select(Meeting.id).where(
            Meeting.working_group_id == group.id,
            Meeting.number == number,
            Meeting.id != (meeting.id if meeting else -1),
        )
    ).first()
    if taken:
        raise MeetingError(f"The {ordinal(number)} Meeting is already in the series.", "number")
    if clean.get("status") not in set(MeetingStatus):
        raise MeetingError("The status is planned, held or cancelled.", "status")
    for name in ("host_side", "next_host_side"):
        if clean.get(name) in ("", None) and name == "next_host_side":
            clean[name] = None
        elif clean.get(name) not in set(Side):
            raise MeetingError("A side is a (the first side) or b (the second).", name)
    start, end = clean.get("start_date"), clean.get("end_date")
    if end and not start:
        raise MeetingError("Give the first day as well as the last.", "start_date")
    if start and end and end < start:
        raise MeetingError("The meeting cannot end before it starts.", "end_date")
    if start and not end:
        clean["end_date"] = start
    for name in ("fiscal_year", "next_fiscal_year"):
        year = clean.get(name)
        if year is not None and not 1950 <= year <= 2100:
            raise MeetingError("A fiscal year is a year such as 2018.", name)
    if clean["status"] == MeetingStatus.HELD and not (start or clean.get("dates_text")):
        raise MeetingError("A meeting that was held needs its date.", "start_date")
    for name in MEETING_TEXT_FIELDS:
        clean[name] = clean.get(name) or ""
    return clean


def create_meeting(actor, group: WorkingGroup, **values) -> Meeting:
    values.setdefault("status", MeetingStatus.PLANNED)
    values.setdefault("host_side", Side.A)
    clean = _check_meeting(group, {name: values.get(name) for name in MEETING_FIELDS}, None)
    meeting = Meeting(working_group_id=group.id, **clean)
    db.session.add(meeting)
    db.session.flush()
    record_audit(actor, "meeting.create", meeting, number=meeting.number)
    return meeting


def update_meeting(actor, meeting: Meeting, expected_version: int | None = None, **values):
    """Change meeting fields; refused when the meeting changed since ``expected_version``."""
    if is_stale(meeting, expected_version):
        raise ConflictError(conflict_message("meeting"))
    merged = {name: values.get(name, getattr(meeting, name)) for name in MEETING_FIELDS}
    _apply(actor, meeting, "meeting.update", _check_meeting(meeting.working_group, merged, meeting))
    return meeting


# --- the parts of a meeting: delegations, agenda, outcomes, side events ----------------------

#: What a side event's part of the day may say ("" when the source does not say).
PARTS_OF_DAY = ("", None, "morning", "afternoon", "evening")

#: URL name -> (model, fields, label). The forms and the API share them.
PARTS = {
    "delegations": (Delegation, ("side", "organisation", "units", "observer"), "Delegation"),
    "agenda": (AgendaItem, ("title", "summary"), "Agenda item"),
    "outcomes": (
        Outcome,
        ("kind", "text", "owner_side", "responsible", "due_date", "status"),
        "Outcome",
    ),
    "side-events": (
        SideEvent,
        ("title", "day", "part_of_day", "venue", "co_organisers", "audience", "programme"),
        "Side event",
    ),
}


def _check_part(kind: str, values: dict) -> dict:
    clean = _strip(values)
    required = {
        "delegations": ("organisation", "Name the organisation."),
        "agenda": ("title", "Give the agenda item a title."),
        "outcomes": ("text", "Say what was agreed or what is to be done."),
        "side-events": ("title", "Give the event a title."),
    }[kind]
    if not clean.get(required[0]):
        raise MeetingError(required[1], required[0])
    if "side" in clean and clean["side"] not in set(Side):
        raise MeetingError("Choose the side.", "side")
    if kind == "outcomes":
        if clean.get("kind") not in set(OutcomeKind):
            raise MeetingError("An outcome is an agreement or an action item.", "kind")
        if clean.get("owner_side") in ("", None):
            clean["owner_side"] = None
        elif clean["owner_side"] not in set(Side):
            raise MeetingError("Choose the side that owns it, or both.", "owner_side")
        clean["status"] = clean.get("status") or ActionStatus.OPEN
        if clean["status"] not in set(ActionStatus):
            raise MeetingError("The status is open, done or dropped.", "status")
    if kind == "side-events" and not isinstance(clean.get("day"), date):
        raise MeetingError("Give the day of the event.", "day")
    if kind == "side-events" and clean.get("part_of_day") not in PARTS_OF_DAY:
        raise MeetingError(
            "The part of the day is the morning, the afternoon or the evening.", "part_of_day"
        )
    model, fields, _label = PARTS[kind]
    for name in fields:
        if clean.get(name) is None and model.__table__.c[name].nullable is False:
            clean[name] = False if name == "observer" else ""
    return clean


#: Words before a name that are a form of address, not part of it: "Ms. Yuki Sato".
HONORIFICS = {"mr", "mrs", "ms", "miss", "mme", "dr", "prof", "professor", "h.e", "judge"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class DelegateLine:
    """One typed line of a delegation: name, position and the email that links it to a
    person under People (``person_id`` when someone has it)."""

    number: int
    name: str
    title: str = ""
    email: str = ""
    person_id: int | None = None


@dataclass
class NewPerson:
    """A person the delegation form offers to add under People, as the record would read,
    and the person already on record with the same name and country, if any."""

    line: int
    data: PersonData
    namesake: Person | None = None


class UnknownPeopleError(MeetingError):
    """Delegate lines whose email nobody under People has; ``people`` are the records the
    form offers to add."""

    def __init__(self, message: str, people: list[NewPerson]):
        super().__init__(message, "delegates")
        self.people = people


def read_delegates(text: str) -> list[DelegateLine]:
    """Delegates typed one per line, "Name; position" with an optional "; email" that links
    the line to the person with that email. Every wrong line is named at once, and nothing
    is cut to fit."""
    lines, problems, seen = [], [], {}
    for number, raw in enumerate((text or "").splitlines(), 1):
        if not raw.strip():
            continue
        cells = [cell.strip() for cell in raw.replace("\t", ";").split(";")]
        if not cells[0] or len(cells) > 3:
            problems.append(
                f"Line {number}: write a name, then “;” and the position, and optionally "
                "“;” and the person's email."
            )
            continue
        line = DelegateLine(number, cells[0], *(cells[1:2] or [""]), (cells[2:3] or [""])[0])
        line.email = line.email.lower()
        for what, value, limit in (("name", line.name, 200), ("position", line.title, 300)):
            if len(value) > limit:
                problems.append(
                    f"Line {number}: the {what} has {len(value)} characters; at most {limit} "
                    "are kept, shorten it."
                )
        if line.email and not EMAIL.fullmatch(line.email):
            problems.append(f"Line {number}: “{cells[2]}” is not an email address.")
        elif line.email in seen:
            problems.append(f"Line {number}: {line.email} is already on line {seen[line.email]}.")
        elif line.email:
            seen[line.email] = number
        lines.append(line)
    if problems:
        raise MeetingError(" ".join(problems), "delegates")
    if seen:
        found = dict(
            db.session.execute(
                sa.select(Person.email, Person.id).where(Person.email.in_(list(seen)))
            ).all()
        )
        for line in lines:
            line.person_id = found.get(line.email)
    return lines


def split_name(name: str) -> tuple[str, str, str]:
    """(form of address, given name, family name) of a delegate's name as typed. The family
    name is the word (or words) written in capitals, as protocol lists write it
    ("Mr. CHEN Fuli", "Ms. Yuki SATO"); else the last word."""
    words = name.split()
    address = []
    while len(words) > 1 and words[0].rstrip(".").lower() in HONORIFICS:
        address.append(words.pop(0))
    capitals = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) > 1 and w.isupper()]
    if capitals and len(capitals) < len(words):
        family = [words[i].title() for i in capitals]
        given = [w for i, w in enumerate(words) if i not in capitals]
    else:
        family, given = words[-1:], words[:-1]
    return " ".join(address), " ".join(given), " ".join(family)


def propose_person(line: DelegateLine, country_code: str, organisation: str) -> NewPerson:
    """The person record a delegate line would make: the line's name, position and email,
    the delegation's organisation and its side's country."""
    address, given, family = split_name(line.name)
    data = PersonData(
        family_name=family,
        given_name=given,
        title=address,
        country_code=country_code,
        email=line.email,
        position=line.title,
        organisation=organisation,
    )
    namesake = participant_services.find_matching_person(None, family, given, country_code)
    return NewPerson(line.number, data, namesake)


def _check_new_people(people: list[NewPerson]) -> None:
    """A person's record holds shorter texts than a delegate line: say which line is too
    long rather than cut it."""
    limits = (
        ("family name", "family_name", 150),
        ("given name", "given_name", 150),
        ("form of address", "title", 40),
        ("position", "position", 200),
    )
    problems = [
        f"Line {p.line}: the {label} “{getattr(p.data, name)[:40]}…” is longer than the "
        f"{limit} characters a person's record holds."
        for p in people
        for label, name, limit in limits
        if len(getattr(p.data, name)) > limit
    ]
    if problems:
        raise MeetingError(" ".join(problems), "delegates")


def parse_delegates(
    actor,
    text: str,
    country_code: str,
    organisation: str,
    add_people: bool = False,
) -> list[Delegate]:
    """The delegation's delegates from the typed lines. A line whose email nobody under
    People has is refused (UnknownPeopleError, with the records it would make) unless
    ``add_people``: then each becomes a new person, linked to the line."""
    lines = read_delegates(text)
    unknown = [line for line in lines if line.email and line.person_id is None]
    if unknown:
        people = [propose_person(line, country_code, organisation) for line in unknown]
        _check_new_people(people)
        if not add_people:
            numbers = [str(line.number) for line in unknown]
            numbers = ", ".join(numbers[:-1]) + " and " * (len(numbers) > 1) + numbers[-1]
            raise UnknownPeopleError(
                f"Nobody under People has the email on line{'s' if len(unknown) > 1 else ''} "
                f"{numbers}. Tick “Add the people not yet under People” to add them as shown "
                "below, or leave the email out.",
                people,
            )
        for line, person in zip(unknown, people, strict=True):
            try:
                line.person_id = participant_services.create_person(actor, person.data).id
            except participant_services.ParticipantError as exc:
                raise MeetingError(f"Line {line.number}: {exc}", "delegates") from exc
    return [
        Delegate(name=line.name, title=line.title, person_id=line.person_id, position=i)
        for i, line in enumerate(lines)
    ]


def delegates_text(delegation: Delegation) -> str:
    """The delegates as the form shows them (what read_delegates reads)."""
    ids = [d.person_id for d in delegation.delegates if d.person_id]
    emails = dict(
        db.session.execute(sa.select(Person.id, Person.email).where(Person.id.in_(ids))).all()
        if ids
        else []
    )
    lines = []
    for delegate in delegation.delegates:
        cells = [delegate.name, delegate.title, emails.get(delegate.person_id) or ""]
        lines.append("; ".join(cells).rstrip("; "))
    return "\n".join(lines)


def save_part(
    actor,
    meeting: Meeting,
    kind: str,
    item,
    values: dict,
    delegates: str | None = None,
    add_people: bool = False,
    expected_version: int | None = None,
):
    """Add (``item`` None) or change a part of the meeting; delegates (for a delegation) as
    typed, one per line, ``add_people`` adding those whose email nobody under People has.
    ConflictError when the part changed since ``expected_version`` was read."""
    model, fields, label = PARTS[kind]
    if item is not None and is_stale(item, expected_version):
        raise ConflictError(conflict_message(label.lower()))
    clean = _check_part(kind, {name: values.get(name) for name in fields})
    people = None
    if kind == "delegations" and delegates is not None:
        country = meeting.working_group.country(clean["side"])
        people = parse_delegates(actor, delegates, country, clean["organisation"], add_people)
    if item is None:
        siblings = getattr(meeting, _collection(kind))
        item = model(**clean)
        if hasattr(model, "position"):  # side events are ordered by their day
            item.position = max((p.position for p in siblings), default=-1) + 1
        siblings.append(item)
        action = "create"
    else:
        for name, value in clean.items():
            setattr(item, name, value)
        action = "update"
    if people is not None:
        if action == "update":
            count_change(item)  # its delegates are rows of their own
        item.delegates = people
    db.session.flush()
    record_audit(actor, f"meeting.{kind}.{action}", meeting, item=item.id, **_summary(clean))
    return item


def replace_parts(actor, meeting: Meeting, kind: str, items: list[dict]) -> None:
    """Replace all the meeting's parts of one kind (the API sends whole lists); every item is
    checked before anything changes."""
    model, fields, _label = PARTS[kind]
    new = []
    for number, values in enumerate(items, 1):
        try:
            clean = _check_part(kind, {name: values.get(name) for name in fields})
        except MeetingError as exc:
            raise MeetingError(f"{kind} item {number}: {exc}", kind) from exc
        item = model(**clean)
        if hasattr(model, "position"):
            item.position = len(new)
        for i, person in enumerate(values.get("delegates") or []):
            if person.get("person_id") and db.session.get(Person, person["person_id"]) is None:
                raise MeetingError(
                    f"{kind} item {number}: there is no person {person['person_id']}.", kind
                )
            item.delegates.append(Delegate(**person, position=i))
        new.append(item)
    setattr(meeting, _collection(kind), new)
    db.session.flush()
    record_audit(actor, f"meeting.{kind}.replace", meeting, count=len(new))


def delete_part(
    actor, meeting: Meeting, kind: str, item, expected_version: int | None = None
) -> None:
    """Remove a part; ConflictError when it changed since ``expected_version`` was read."""
    if is_stale(item, expected_version):
        raise ConflictError(
            f"Someone else changed this {PARTS[kind][2].lower()} since you opened it, so it was "
            "not deleted. Check it below, then delete it if it should still go."
        )
    getattr(meeting, _collection(kind)).remove(item)
    db.session.flush()
    record_audit(actor, f"meeting.{kind}.delete", meeting, item=item.id)


def move_part(actor, meeting: Meeting, kind: str, item, step: int) -> bool:
    """Move a delegation (within its side, members and observers apart) or an agenda item or
    outcome one place up (-1) or down (+1); False at the end of the list."""
    siblings = [
        p
        for p in getattr(meeting, _collection(kind))
        if kind != "delegations" or (p.side, p.observer) == (item.side, item.observer)
    ]
    siblings.sort(key=lambda p: (p.position, p.id))
    index = siblings.index(item) + step
    if not 0 <= index < len(siblings):
        return False
    siblings.insert(index, siblings.pop(index - step))
    for position, part in enumerate(siblings):
        part.position = position
    db.session.flush()
    record_audit(actor, f"meeting.{kind}.move", meeting, item=item.id, step=step)
    return True


def find_part(meeting: Meeting, kind: str, item_id: int):
    """The part of this meeting with this id, or None."""
    return next((p for p in getattr(meeting, _collection(kind)) if p.id == item_id), None)


def _collection(kind: str) -> str:
    return {"side-events": "side_events"}.get(kind, kind)


def _summary(values: dict) -> dict:
    return {k: str(v)[:80] for k, v in values.items() if v not in (None, "")}


def set_action_status(
    actor, outcome: Outcome, status: str, expected_version: int | None = None
) -> None:
    """Mark an action item open, done or dropped; ConflictError when it changed since
    ``expected_version`` was read."""
    if is_stale(outcome, expected_version):
        raise ConflictError(
            "Someone else changed this action item since you opened the page, so it was not "
            "marked. Check it below, then mark it again if it still needs it."
        )
    if status not in set(ActionStatus):
        raise MeetingError("The status is open, done or dropped.", "status")
    if outcome.status != status:
        record_audit(
            actor,
            "meeting.outcome.status",
            outcome.meeting,
            item=outcome.id,
            status=[outcome.status, status],
        )
        outcome.status = status


# --- the press release ------------------------------------------------------------------------


def press_release_text(meeting: Meeting) -> str:
    """The edited press release, or the draft from the meeting while none is saved."""
    return meeting.press_release or press_release_draft(meeting)


def save_press_release(
    actor,
    meeting: Meeting,
    text: str,
    release_date: date | None,
    expected_version: int | None = None,
) -> None:
    """Save the edited press release; ConflictError when the meeting (its press release
    included) changed since ``expected_version`` was read."""
    if meeting.release_published:
        raise MeetingError(
            "This press release is published and kept as released. Reopen it to edit it.",
            "text",
        )
    if is_stale(meeting, expected_version):
        raise ConflictError(conflict_message("meeting or its press release"))
    text = (text or "").strip()
    if not text:
        raise MeetingError("The press release is empty. Draft it again from the meeting.", "text")
    _apply(
        actor,
        meeting,
        "meeting.press_release",
        {"press_release": text, "release_date": release_date},
    )


def publish_press_release(actor, meeting: Meeting, published: bool, today: date) -> None:
    """Publish (the text is fixed; the release date defaults to today) or reopen it."""
    if published and not meeting.press_release:
        meeting.press_release = press_release_draft(meeting)
    values = {"release_published": published}
    if published and meeting.release_date is None:
        values["release_date"] = today
    _apply(
        actor,
        meeting,
        "meeting.press_release.publish" if published else "meeting.press_release.reopen",
        values,
    )


# --- the people ---------------------------------------------------------------------------------


def participant_rows(meeting: Meeting) -> list[tuple]:
    """The list of participants by side in protocol order: the co-chair heads each side, then
    the member organisations and then the observers, each with its delegates. One row per
    delegate (or per organisation without named delegates):
    (side, role, organisation, units, name, position). The co-chair's row stands for their
    organisation's delegation ("METI" is "Ministry of Economy, Trade and Industry (METI)"),
    which is not listed a second time without delegates."""
    group = meeting.working_group
    rows = []
    for side, delegations in delegations_by_side(meeting).items():
        country = side_name(group, side)
        chair = getattr(meeting, f"chair_{side}_name")
        organisation = getattr(meeting, f"chair_{side}_organisation")
        home = next(
            (
                d
                for d in delegations
                if chair and not d.observer and same_organisation(d.organisation, organisation)
            ),
            None,
        )
        if chair:
            rows.append(
                (
                    country,
                    "Co-chair",
                    home.organisation if home else organisation,
                    home.units if home else "",
                    chair,
                    getattr(meeting, f"chair_{side}_title"),
                )
            )
        for d in delegations:
            role = "Observer" if d.observer else "Member"
            if not d.delegates and d is not home:
                rows.append((country, role, d.organisation, d.units, "", ""))
            rows += [(country, role, d.organisation, d.units, p.name, p.title) for p in d.delegates]
    return rows


def meetings_of_person(person_id: int) -> list[tuple[Meeting, Delegation, Delegate]]:
    """The meetings a person took part in as a delegate, oldest first."""
    rows = db.session.execute(
        sa.select(Meeting, Delegation, Delegate)
        .join(Delegation, Delegation.meeting_id == Meeting.id)
        .join(Delegate, Delegate.delegation_id == Delegation.id)
        .where(Delegate.person_id == person_id)
        .options(joinedload(Meeting.working_group))
        .order_by(Meeting.start_date, Meeting.number)
    ).all()
    return [tuple(row) for row in rows]


def overdue_actions(today: date, limit: int = 5) -> tuple[list[Outcome], int]:
    """Action items still open after their due date, the longest overdue first (with their
    meeting and working group loaded), and how many there are in all. One query."""
    rows = db.session.execute(
        sa.select(Outcome, sa.func.count().over().label("overdue"))
        .join(Meeting, Meeting.id == Outcome.meeting_id)
        .where(
            Outcome.kind == OutcomeKind.ACTION,
            Outcome.status == ActionStatus.OPEN,
            Outcome.due_date < today,
        )
        .order_by(Outcome.due_date, Outcome.id)
        .limit(limit)
        .options(joinedload(Outcome.meeting).joinedload(Meeting.working_group))
    ).all()
    return [row.Outcome for row in rows], rows[0].overdue if rows else 0


@dataclass
class GroupMeetings:
    """What the list of working groups shows of each group's meetings."""

    latest: sa.Row | None = None  #: the last held meeting (id, number, city)
    next: sa.Row | None = None  #: the first planned one


def latest_and_next(group_ids: list[int]) -> dict[int, GroupMeetings]:
    """Each group's last held and first planned meeting, in one query (two rows a group at
    most, whatever the number of meetings)."""
    held = Meeting.status == MeetingStatus.HELD
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(Meeting.working_group_id, Meeting.status),
            order_by=sa.case((held, -Meeting.number), else_=Meeting.number),
        )
        .label("rank")
    )
    ranked = (
        sa.select(
            Meeting.working_group_id, Meeting.status, Meeting.id, Meeting.number, Meeting.city
        )
        .add_columns(rank)
        .where(
            Meeting.working_group_id.in_(group_ids),
            Meeting.status.in_((MeetingStatus.HELD, MeetingStatus.PLANNED)),
        )
        .subquery()
    )
    found = {group_id: GroupMeetings() for group_id in group_ids}
    for row in db.session.execute(sa.select(ranked).where(ranked.c.rank == 1)):
        if row.status == MeetingStatus.HELD:
            found[row.working_group_id].latest = row
        else:
            found[row.working_group_id].next = row
    return found
