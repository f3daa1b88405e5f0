"""iCalendar (RFC 5545) feeds: a course's timetable, and a trainee's own at a secret address."""

import hashlib
import hmac

from flask import current_app
from icalendar import Calendar, Event, vText

from .models import CourseSession, SessionKind

PRODID = "-//wipo_training//Course timetable//EN"


def build_calendar(name: str, sessions: list[CourseSession], host: str) -> bytes:
    """A VCALENDAR with one VEVENT per session, in each course's time zone (VTIMEZONEs
    included). UIDs are stable; DTSTAMP is when the session last changed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for course_session in sessions:
        course = course_session.course
        from .services import to_local

        event = Event()
        event.add("uid", f"session-{course_session.id}@{host}")
        event.add("dtstamp", course_session.updated_at)
        event.add("dtstart", to_local(course, course_session.starts_at))
        event.add("dtend", to_local(course, course_session.ends_at))
        event.add("summary", f"{course_session.title} ({course.code})")
        if course_session.location:
            event.add("location", vText(course_session.location))
        lines = [course_session.kind_label]
        if course_session.lecturers:
            lines.append(
                "Lecturers: " + "; ".join(lect.display for lect in course_session.lecturers)
            )
        if course_session.kind == SessionKind.SITE_VISIT:
            if course_session.departure_at:
                lines.append(
                    f"Departure {to_local(course, course_session.departure_at):%H:%M}"
                    + (
                        f" from {course_session.meeting_point}"
                        if course_session.meeting_point
                        else ""
                    )
                )
            if course_session.transport:
                lines.append(f"Transport: {course_session.transport}")
            if course_session.contact_person:
                lines.append(f"Contact: {course_session.contact_person}")
        if course_session.description:
            lines.append(course_session.description)
        event.add("description", "\n".join(lines))
        event.add("categories", [course_session.kind_label])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_token(user) -> str:
    """The secret in a user's calendar address: an HMAC of the user and their calendar
    version, so nothing secret is stored and a reset (version + 1) changes it."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"calendar:{user.id}:{user.calendar_version}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def check_feed_token(user, token: str) -> bool:
    return user is not None and user.active and hmac.compare_digest(feed_token(user), token)
