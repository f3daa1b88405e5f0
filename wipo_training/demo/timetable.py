"""The demo timetable of the 2013 enforcement course (shared/seeds/003): the welcome greeting
by the Head of the WIPO Japan Office, lectures, country report presentation meetings, the
visits to the Japan Patent Office (2 December) and to Tokyo Customs (4 December), the lecture
the trainees rated highest, and the closing ceremony. Lecturers other than the Head of the
WIPO Japan Office named in the source are fictional."""

from datetime import date, time

from ..timetable import services as timetable_services
from ..timetable.models import AttendanceStatus

NATSUME = ("Mr", "Kenichiro Natsume", "Head, WIPO Japan Office")
#: Invented lecturers are marked so wherever their names are shown: none of them is a real
#: official of the body named.
FICTIONAL = " (fictional)"
WIPO = ("Ms", "Anna Keller" + FICTIONAL, "Building Respect for IP Division, WIPO")
JPO = (
    "Mr",
    "Takeshi Yamada" + FICTIONAL,
    "International Cooperation Division, Japan Patent Office",
)
CUSTOMS = ("Mr", "Hiroshi Sato" + FICTIONAL, "Intellectual Property Center, Tokyo Customs")
JUDGE = ("Judge", "Akiko Tanaka" + FICTIONAL, "Intellectual Property High Court")
POLICE = ("Mr", "Kenji Ito" + FICTIONAL, "Life Safety Division, National Police Agency")
ATTORNEY = ("Ms", "Yuko Suzuki" + FICTIONAL, "Attorney at Law, Tokyo")
INDUSTRY = (
    "Mr",
    "Daisuke Kobayashi" + FICTIONAL,
    "Anti-Counterfeiting Committee, Japan IP Association",
)
APIC = ("Ms", "Mariko Watanabe" + FICTIONAL, "Course Coordinator, APIC")

ROOM = "APIC Lecture Room 1"

# (day, start, end, kind, title, lecturers, extra)
SESSIONS = [
    (2, "09:30", "10:00", "opening", "Welcome greeting", [NATSUME], {}),
    (2, "10:00", "10:30", "opening", "Orientation", [APIC], {}),
    (
        2,
        "10:45",
        "12:15",
        "lecture",
        "International Framework for the Enforcement of IP Rights: the TRIPS Agreement",
        [WIPO],
        {},
    ),
    (
        2,
        "14:00",
        "17:00",
        "site_visit",
        "Visit to the Japan Patent Office (including the Appeal courtroom)",
        [JPO],
        {
            "host_organisation": "Japan Patent Office",
            "address": "3-4-3 Kasumigaseki, Chiyoda-ku, Tokyo 100-8915",
            "meeting_point": "APIC entrance hall",
            "departure": "13:15",
            "transport": "Chartered bus",
            "contact_person": "Mr Takeshi Yamada (fictional), +81 3 3581 1101",
            "notes": "Passports are checked at the entrance.",
            "room": "",
        },
    ),
    (3, "09:30", "12:00", "lecture", "Outline of the Japanese IP System", [JPO], {}),
    (
        3,
        "13:30",
        "15:00",
        "lecture",
        "Civil Remedies against Infringement in Japan",
        [ATTORNEY],
        {},
    ),
    (3, "15:15", "17:30", "country_report", "Country report presentation meeting I", [], {}),
    (4, "09:30", "11:30", "lecture", "Border Measures against Infringing Goods", [CUSTOMS], {}),
    (
        4,
        "13:30",
        "16:30",
        "site_visit",
        "Visit to Tokyo Customs",
        [CUSTOMS],
        {
            "host_organisation": "Tokyo Customs",
            "address": "2-7-11 Aomi, Koto-ku, Tokyo 135-8615",
            "meeting_point": "APIC entrance hall",
            "departure": "12:45",
            "transport": "Chartered bus",
            "contact_person": "Mr Hiroshi Sato",
            "notes": "Photography inside the inspection area is not allowed.",
            "room": "",
        },
    ),
    (5, "09:30", "12:00", "lecture", "Criminal Enforcement of IP Rights", [POLICE], {}),
    (
        5,
        "13:30",
        "16:00",
        "lecture",
        "Training scenario: IP Awareness-Raising as a Non-Punitive Measure",
        [WIPO],
        {},
    ),
    (6, "09:30", "12:00", "lecture", "WIPO's Work on Building Respect for IP", [WIPO], {}),
    (6, "13:30", "17:00", "country_report", "Country report presentation meeting II", [], {}),
    (9, "09:30", "12:00", "lecture", "IP Litigation in Japan and the IP High Court", [JUDGE], {}),
    (
        9,
        "13:30",
        "16:00",
        "lecture",
        "Anti-Counterfeiting Measures by Rights Holders",
        [INDUSTRY],
        {},
    ),
    (10, "09:30", "12:00", "lecture", "Online Infringement and Digital Piracy", [ATTORNEY], {}),
    (10, "13:30", "17:00", "country_report", "Country report presentation meeting III", [], {}),
    (
        11,
        "09:30",
        "12:30",
        "workshop",
        "Case study: Coordinating Enforcement Agencies",
        [APIC, POLICE],
        {},
    ),
    (
        11,
        "14:00",
        "16:30",
        "panel",
        "Cooperation among Enforcement Authorities in Asia",
        [WIPO, CUSTOMS, JUDGE],
        {},
    ),
    (12, "09:30", "12:00", "lecture", "Damages and Evidence in IP Infringement Cases", [JUDGE], {}),
    (12, "13:30", "16:30", "workshop", "Preparing an Action Plan", [APIC], {}),
    (13, "09:30", "12:00", "workshop", "Presentation of Action Plans", [APIC, WIPO], {}),
    (13, "15:00", "16:00", "ceremony", "Closing ceremony", [NATSUME], {}),
]

# A few exceptions to "everyone present", as a real course has them: (session index, key).
EXCEPTIONS = {
    (4, "id5"): ("late", "Train delay"),
    (9, "mm1"): ("excused", "Embassy appointment"),
    (15, "th3"): ("absent", ""),
    (15, "pk1"): ("late", ""),
}


def load_demo_timetable(course, people: dict, enrolment_of) -> None:
    """Create the 2013 timetable, assign the presenters and record attendance."""
    sessions = []
    for day, start, end, kind, title, lecturers, extra in SESSIONS:
        extra = dict(extra)
        departure = extra.pop("departure", None)
        sessions.append(
            timetable_services.save_session(
                None,
                course,
                timetable_services.SessionData(
                    kind=kind,
                    title=title,
                    day=date(2013, 12, day),
                    start=time.fromisoformat(start),
                    end=time.fromisoformat(end),
                    room=extra.pop("room", ROOM),
                    lecturers=lecturers,
                    departure=time.fromisoformat(departure) if departure else None,
                    **extra,
                ),
                accept_warnings=True,
            )
        )
    # Three presentation meetings, countries in alphabetical order as in the source's list.
    enrolments = timetable_services.expected_enrolments(course)
    report_sessions = [s for s in sessions if s.kind == "country_report"]
    for index, report_session in enumerate(report_sessions):
        timetable_services.assign_presenters(
            None, report_session, [e.id for e in enrolments[index :: len(report_sessions)]]
        )
    keys = {enrolment_of(people[key]).id: key for key in people if enrolment_of(people[key])}
    for index, course_session in enumerate(sessions):
        marks = {}
        for enrolment in enrolments:
            status, note = EXCEPTIONS.get((index, keys.get(enrolment.id)), ("present", ""))
            marks[enrolment.id] = (AttendanceStatus(status), note)
        timetable_services.record_attendance(None, course_session, marks)
