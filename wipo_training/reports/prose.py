"""The course report's sentences written from the data, as the 2013 JPO report words them
(shared/seeds/003): where the course was held, who came and from where, the regions taking part
for the first time in the series, the country reports, the site visits, the lecture rated
highest and whether the goals were achieved. They follow the data: the coordinator writes the
introduction and the conclusion around them, not these."""

from collections import Counter
from datetime import date

import sqlalchemy as sa

from ..countries import get_country
from ..courses.models import Course
from ..extensions import db
from ..participants import services as participant_services
from ..participants.models import Enrolment
from ..people.models import OrganisationKind
from ..timetable.models import ATTENDED, Attendance, CourseSession, Presentation, SessionKind

#: How the report names the participants' organisations, in the order it lists them.
KIND_PHRASES = {
    OrganisationKind.COURT.label: "national courts",
    OrganisationKind.IP_OFFICE.label: "IP offices",
    OrganisationKind.MINISTRY.label: "ministries",
    OrganisationKind.CUSTOMS.label: "customs administrations",
    OrganisationKind.POLICE.label: "police forces",
    OrganisationKind.OTHER.label: "other organisations",
}
#: Month names as the report abbreviates them ("Dec. 2"; AP style: the short ones in full).
MONTHS = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()


def and_list(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def day_span(start: date, end: date) -> str:
    """ "December 2 to 13, 2013"; across months or years, each end in full."""
    if start == end:
        return f"{start:%B} {start.day}, {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B} {start.day} to {end.day}, {end.year}"
    if start.year == end.year:
        return f"{start:%B} {start.day} to {end:%B} {end.day}, {end.year}"
    return f"{start:%B} {start.day}, {start.year} to {end:%B} {end.day}, {end.year}"


def short_day(day: date) -> str:
    """ "Dec. 2"."""
    return f"{MONTHS[day.month - 1]} {day.day}"


#: Words that make an organisation's name a common noun phrase ("the Japan Patent Office"),
#: unlike a name such as "Tokyo Customs".
NEEDS_THE = ("Office", "Agency", "Ministry", "Court", "Center", "Centre", "Institute", "Bureau")


def with_article(name: str) -> str:
    """ "the Japan Patent Office", "Tokyo Customs"."""
    if name.lower().startswith("the ") or not any(word in name.split() for word in NEEDS_THE):
        return name
    return "the " + name


def held(course: Course) -> str:
    """ "The WIPO/JF Training Course on ... was held at APIC in Tokyo from December 2 to 13,
    2013."""
    name = course.short_title or course.title
    place = " ".join(
        part for part in (f"at {course.venue}" if course.venue else "", f"in {course.city}"
                          if course.city else "") if part
    )  # fmt: skip
    return f"The {name} was held {place + ' ' if place else ''}from " + (
        f"{day_span(course.start_date, course.end_date)}."
    )


def participants(figures: participant_services.ByCountry) -> str | None:
    """ "There were 30 participants, from the national courts and IP offices of the following
    countries." (None without participants)."""
    if not figures.total:
        return None
    kinds = [KIND_PHRASES[label] for label in KIND_PHRASES if label in dict(figures.kinds)]
    were = (
        "There was 1 participant"
        if figures.total == 1
        else f"There were {figures.total} participants"
    )
    whence = f", from the {and_list(kinds)} of the following countries" if kinds else ""
    return f"{were}{whence}."


def firsts(course: Course, figures: participant_services.ByCountry) -> str | None:
    """The regions that take part for the first time in the course's series (its earlier
    editions), beside those that came before: "Invitations were also sent to Africa for this
    year's course for the first time, and participants from Algeria and Morocco joined the
    participants from Asia." None without earlier editions with participants, or nothing new."""
    earlier = []
    edition = course.previous_edition
    while edition is not None and len(earlier) < 100:
        earlier.append(edition.id)
        edition = edition.previous_edition
    if not earlier:
        return None
    before = {
        get_country(code).region
        for code in db.session.execute(
            participant_services.participating(
                sa.select(Enrolment.country_code).where(Enrolment.course_id.in_(earlier))
            ).distinct()
        ).scalars()
    }
    if not before:
        return None
    new = Counter()
    for row in figures.countries:
        region = get_country(row.code).region
        if region not in before:
            new[(region, row.name)] += row.count
    if not new:
        return None
    regions = and_list(sorted({region for region, _name in new}))
    people = sum(new.values())
    who = (
        f"a person from {and_list([name for _region, name in new])}"
        if people == 1
        else f"participants from {and_list([name for _region, name in new])}"
    )
    seen = and_list(sorted(r for r in before if r))
    return (
        f"Invitations were also sent to {regions} for this year's course for the first time, "
        f"and {who} joined the participants from {seen}."
    )


def country_reports(course: Course) -> str | None:
    """How many country reports were presented in class (in a session the presenter attended),
    in how many presentation meetings."""
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(Presentation.enrolment_id)),
            sa.func.count(sa.distinct(Presentation.session_id)),
        )
        .join(CourseSession, CourseSession.id == Presentation.session_id)
        .join(
            Attendance,
            sa.and_(
                Attendance.session_id == Presentation.session_id,
                Attendance.enrolment_id == Presentation.enrolment_id,
            ),
        )
        .where(CourseSession.course_id == course.id, Attendance.status.in_(ATTENDED))
    ).one()
    reports, meetings = row
    if not reports:
        return None
    return (
        f"Country reports were presented to the class: {reports} trainee"
        f"{'s' if reports != 1 else ''} presented the situation in their countries in "
        f"{meetings} country report presentation meeting{'s' if meetings != 1 else ''}."
    )


def site_visits(course: Course, visits: list[CourseSession]) -> str | None:
    """ "In addition to classroom sessions, there were visits to the Japan Patent Office on
    Dec. 2 and to Tokyo Customs on Dec. 4."""
    if not visits:
        return None
    from ..timetable.services import to_local

    places = [
        f"to {with_article(visit.host_organisation or visit.title)} on "
        f"{short_day(to_local(course, visit.starts_at).date())}"
        for visit in visits
        if visit.kind == SessionKind.SITE_VISIT
    ]
    noun = "visits" if len(places) > 1 else "a visit"
    return f"In addition to classroom sessions, there {'were' if len(places) > 1 else 'was'} " + (
        f"{noun} {and_list(places)}."
    )


def top_lecture(results) -> str | None:
    """ "The lecture that received the highest overall evaluation from the trainees was the
    “Training scenario: ...”."""
    if results is None or results.hidden or not results.ranking:
        return None
    return (
        "The lecture that received the highest overall evaluation from the trainees was the "
        f"“{results.ranking[0].title}”."
    )


def goals(results) -> str | None:
    """ "All trainees replied that the overall goals of the course were achieved" when every
    answer says so; the share otherwise."""
    objectives = results.objectives if results is not None and not results.hidden else None
    if objectives is None or objectives.hidden or not objectives.count:
        return None
    yes = objectives.distribution[0][1]
    if yes == objectives.count:
        return (
            "Looking at the evaluations of this course, all trainees replied that the overall "
            + ("goals of the course were achieved.")
        )
    return (
        f"Looking at the evaluations of this course, {yes} of {objectives.count} trainees "
        f"({objectives.yes_share}%) replied that the overall goals of the course were achieved."
    )


def story(course: Course, figures, sessions: list[CourseSession], results) -> list[str]:
    """The report's generated paragraphs, in the order of the 2013 report."""
    sentences = [
        held(course),
        " ".join(filter(None, [participants(figures), figures.sentence and (
            f"Participating countries: {figures.sentence}.")])),
        firsts(course, figures),
        country_reports(course),
        top_lecture(results),
        site_visits(course, [s for s in sessions if s.kind == SessionKind.SITE_VISIT]),
        goals(results),
    ]  # fmt: skip
    return [sentence for sentence in sentences if sentence]
