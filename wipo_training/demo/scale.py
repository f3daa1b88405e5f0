"""Synthetic history for measuring the product at size: ``flask demo --scale N``.

At scale 1: 20 years of courses (20 a year, 400 in all) of 30 participants (12,000
enrolments), each with its timetable, attendance and evaluation (25 answers of 15 questions a
course, 150,000 answers), and five working groups of 20 meetings each (100 meetings). Larger or
smaller scales multiply the courses and meetings. The rows are written with bulk inserts; the
names are fictional and the course codes start with "H" (history) so they never meet the demo's
own. No certificates: an issued certificate always has its PDF, and 12,000 PDFs would measure
WeasyPrint, not the app (bench/certificates.py does that)."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from ..courses.models import Course, Fund
from ..evaluations.models import Answer, Question, Questionnaire, Submission, SubmissionReceipt
from ..evaluations.services import COURSE_QUESTIONS, SESSION_ASPECTS, session_key
from ..extensions import db
from ..meetings.models import AgendaItem, Delegation, Meeting, Outcome, WorkingGroup
from ..participants.models import Enrolment
from ..people.models import Organisation, Person
from ..timetable.models import Attendance, CourseSession

FIRST_YEAR = 2006
YEARS = 20
COURSES_PER_YEAR = 20
PARTICIPANTS = 30
RESPONDENTS = 25
EVALUABLE_SESSIONS = 5
GROUPS = 5
MEETINGS_PER_GROUP = 20

COUNTRIES = (
    "BD BT KH CN IN ID IR LA MY MV MN MM NP PK PH LK TH VN DZ EG KE NG GH ET TZ UG ZA MA TN "
    "BR MX PE CO CL AR EC BO PY UY CR PA GT HN JM TT FJ PG WS TO SA AE JO OM"
).split()
FAMILY = (
    "Nguyen Tran Chan Sok Khan Rahman Singh Sharma Wang Li Zhang Kim Park Santos Reyes Cruz "
    "Silva Souza Garcia Lopez Mensah Okafor Abebe Mwangi Haddad Nasser Perera Fernando "
    "Tshering Dorji Phiri Banda Sithole Mahlangu Yilmaz Hassan Ali Ahmed Suzuki Rossi"
).split()
GIVEN = (
    "An Binh Sokha Dara Amina Farah Ravi Priya Wei Min Jin Seo Ana Maria Jose Luis Kofi Ama "
    "Chinedu Ngozi Tigist Wanjiru Omar Layla Nuwan Dilani Karma Pema Chikondi Thandi Mehmet "
    "Aisha Yusuf Fatima Haruto Giulia Carlos Lucia Tomas Elena"
).split()
SUBJECTS = (
    "the Enforcement of Intellectual Property Rights",
    "Patent Examination",
    "Trademark Examination",
    "Industrial Designs",
    "Copyright and Related Rights",
    "IP Office Automation",
    "Border Measures against Counterfeits",
    "Patent Information and Search",
    "IP and Innovation Policy",
    "Geographical Indications",
)
LECTURES = (
    "Overview of the IP system of Japan",
    "Border measures",
    "Civil remedies",
    "Criminal enforcement",
    "Case study: counterfeit goods",
    "Online infringement",
    "Examination practice",
    "Search strategies",
    "IP and SMEs",
    "International cooperation",
)
COMMENTS = (
    "The site visits were the most useful part.",
    "More time for the case studies, please.",
    "Excellent lecturers and materials.",
    "I will share what I learned with my office.",
    "",
)


def history_loaded() -> bool:
    return (
        db.session.execute(
            sa.select(Course.id).where(Course.code.like("H____-%")).limit(1)
        ).scalar()
        is not None
    )


def _insert(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(model), rows)


def _ids_after(model, last_id: int) -> list[int]:
    return list(
        db.session.execute(sa.select(model.id).where(model.id > last_id).order_by(model.id))
        .scalars()
        .all()
    )


def _last_id(model) -> int:
    return db.session.execute(sa.select(sa.func.max(model.id))).scalar() or 0


def load_history(scale: float = 1.0, seed: int = 2026, prefix: str = "H") -> dict[str, int]:
    """Add the synthetic history; returns how many of each thing were added. ``prefix``
    starts the course codes and group names, so a second history (tests) can be added."""
    rng = random.Random(seed)  # the same history every time  # nosec B311
    per_year = max(1, round(COURSES_PER_YEAR * scale))
    groups = max(1, round(GROUPS * min(scale, 1)))
    meetings_per_group = max(1, round(MEETINGS_PER_GROUP * scale * GROUPS / groups))

    # Organisations: an IP office, a court and a customs service per country.
    wanted = {
        (f"{kind} of {code}", code, key)
        for code in COUNTRIES
        for kind, key in (
            ("Intellectual Property Office", "ip_office"),
            ("High Court", "court"),
            ("Customs Administration", "customs"),
        )
    }
    names = {name for name, _code, _key in wanted}
    existing = set(
        db.session.execute(
            sa.select(Organisation.name, Organisation.country_code).where(
                Organisation.name.in_(names)
            )
        ).all()
    )
    _insert(
        Organisation,
        [
            {"name": name, "acronym": "", "country_code": code, "kind": key}
            for name, code, key in sorted(wanted)
            if (name, code) not in existing
        ],
    )
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.country_code).where(Organisation.name.in_(names))
    ).all()
    by_country: dict[str, list[int]] = {}
    for org_id, code in organisations:
        by_country.setdefault(code, []).append(org_id)

    # People: fewer than the enrolments, so some came to more than one course.
    total_courses = per_year * YEARS
    people_count = int(total_courses * PARTICIPANTS * 0.75)
    last = _last_id(Person)
    people_rows = []
    for _ in range(people_count):
        code = rng.choice(COUNTRIES)
        people_rows.append(
            {
                "family_name": rng.choice(FAMILY),
                "given_name": rng.choice(GIVEN),
                "native_name": "",
                "native_name_lang": "",
                "title": rng.choice(("Mr", "Ms", "Dr")),
                "gender": rng.choice(("female", "male")),
                "country_code": code,
                "organisation_id": rng.choice(by_country.get(code) or [None]),
                "position": rng.choice(("Examiner", "Judge", "Customs Officer", "Director")),
                "created_at": datetime(FIRST_YEAR, 1, 1, tzinfo=UTC),
            }
        )
    _insert(Person, people_rows)
    people = list(zip(_ids_after(Person, last), people_rows, strict=True))

    # Courses, one year after another.
    funds = db.session.execute(sa.select(Fund.id)).scalars().all()
    last = _last_id(Course)
    course_rows = []
    for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
        for number in range(1, per_year + 1):
            start = date(year, 1, 8) + timedelta(days=(number - 1) * 360 // per_year)
            course_rows.append(
                {
                    "fund_id": rng.choice(funds),
                    "title": f"WIPO/JPO Training Course on {rng.choice(SUBJECTS)}",
                    "code": f"{prefix}{year}-{number:03d}",
                    "edition_year": year,
                    "organisers": "JPO, WIPO, APIC",
                    "venue": "APIC Training Center",
                    "city": "Tokyo",
                    "country_code": "JP",
                    "start_date": start,
                    "end_date": start + timedelta(days=11),
                    "time_zone": "Asia/Tokyo",
                    "objectives": "",
                    "target_audience": "",
                    "capacity": PARTICIPANTS,
                    "status": "completed",
                    "min_attendance_pct": 80,
                    "evaluation_required": True,
                    "country_report_required": False,
                    "version": 1,
                }
            )
    _insert(Course, course_rows)
    courses = list(zip(_ids_after(Course, last), course_rows, strict=True))

    # Enrolments, sessions, attendance, questionnaires.
    last_enrolment, last_session = _last_id(Enrolment), _last_id(CourseSession)
    enrolment_rows, session_rows = [], []
    for course_id, course in courses:
        for person_id, person in rng.sample(people, PARTICIPANTS):
            enrolment_rows.append(
                {
                    "course_id": course_id,
                    "person_id": person_id,
                    "status": "completed",
                    "country_code": person["country_code"],
                    "organisation_id": person["organisation_id"],
                    "position": person["position"],
                    "nominated_by": "",
                    "quota_override_reason": "",
                    "version": 1,
                }
            )
        day = datetime.combine(course["start_date"], datetime.min.time(), tzinfo=UTC)
        titles = rng.sample(LECTURES, EVALUABLE_SESSIONS)
        for index, title in enumerate(["Opening ceremony", *titles, "Site visit", "Closing"]):
            starts = day + timedelta(days=index, hours=0 if index % 2 else 4)
            session_rows.append(
                {
                    "course_id": course_id,
                    "kind": "lecture" if title in titles else "ceremony",
                    "title": title,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2, minutes=30),
                    "evaluable": title in titles,
                }
            )
    _insert(Enrolment, enrolment_rows)
    _insert(CourseSession, session_rows)
    enrolments = _ids_after(Enrolment, last_enrolment)
    sessions = list(zip(_ids_after(CourseSession, last_session), session_rows, strict=True))
    sessions_of: dict[int, list] = {}
    for session_id, row in sessions:
        sessions_of.setdefault(row["course_id"], []).append((session_id, row))
    enrolments_of: dict[int, list[int]] = {}
    for enrolment_id, row in zip(enrolments, enrolment_rows, strict=True):
        enrolments_of.setdefault(row["course_id"], []).append(enrolment_id)

    attendance_rows = [
        {
            "session_id": session_id,
            "enrolment_id": enrolment_id,
            "status": "present" if rng.random() < 0.95 else "absent",
            "note": "",
            "recorded_at": row["ends_at"],
        }
        for course_id, _course in courses
        for session_id, row in sessions_of[course_id]
        for enrolment_id in enrolments_of[course_id]
    ]
    _insert(Attendance, attendance_rows)

    last = _last_id(Questionnaire)
    _insert(
        Questionnaire,
        [
            {
                "course_id": course_id,
                "opens_at": datetime.combine(course["end_date"], datetime.min.time(), tzinfo=UTC),
                "closes_at": datetime.combine(course["end_date"], datetime.min.time(), tzinfo=UTC)
                + timedelta(days=7),
                "anonymous": True,
            }
            for course_id, course in courses
        ],
    )
    questionnaires = list(zip(_ids_after(Questionnaire, last), courses, strict=True))
    last = _last_id(Question)
    question_rows = []
    for questionnaire_id, (course_id, _course) in questionnaires:
        position = 0
        for session_id, row in sessions_of[course_id]:
            if not row["evaluable"]:
                continue
            for aspect, text in SESSION_ASPECTS:
                position += 1
                question_rows.append(
                    {
                        "questionnaire_id": questionnaire_id,
                        "position": position,
                        "key": session_key(row["title"], aspect),
                        "section": f"{row['starts_at']:%A %d %B %Y}",
                        "session_id": session_id,
                        "session_title": row["title"],
                        "text": text.format(title=row["title"]),
                        "kind": "rating",
                        "required": True,
                        "choices": [],
                    }
                )
        for key, text, kind, required in COURSE_QUESTIONS:
            position += 1
            question_rows.append(
                {
                    "questionnaire_id": questionnaire_id,
                    "position": position,
                    "key": key,
                    "section": "The course as a whole",
                    "session_id": None,
                    "session_title": "",
                    "text": text,
                    "kind": str(kind),
                    "required": required,
                    "choices": [],
                }
            )
    _insert(Question, question_rows)
    questions_of: dict[int, list] = {}
    for question_id, row in zip(_ids_after(Question, last), question_rows, strict=True):
        questions_of.setdefault(row["questionnaire_id"], []).append((question_id, row))

    submission_rows, receipt_rows, answer_rows = [], [], []
    for questionnaire_id, (course_id, course) in questionnaires:
        submitted_at = datetime.combine(course["end_date"], datetime.min.time(), tzinfo=UTC)
        for enrolment_id in rng.sample(enrolments_of[course_id], RESPONDENTS):
            submission_id = uuid.UUID(int=rng.getrandbits(128)).hex
            submission_rows.append(
                {"id": submission_id, "questionnaire_id": questionnaire_id, "enrolment_id": None}
            )
            receipt_rows.append(
                {
                    "questionnaire_id": questionnaire_id,
                    "enrolment_id": enrolment_id,
                    "submitted_at": submitted_at,
                }
            )
            for question_id, question in questions_of[questionnaire_id]:
                number, text = _answer(rng, question["kind"])
                answer_rows.append(
                    {
                        "submission_id": submission_id,
                        "question_id": question_id,
                        "number": number,
                        "text": text,
                        "choices": None,
                        "in_report": False,
                    }
                )
    _insert(Submission, submission_rows)
    _insert(SubmissionReceipt, receipt_rows)
    _insert(Answer, answer_rows)

    meetings = _working_groups(rng, groups, meetings_per_group, prefix)
    db.session.flush()
    return {
        "courses": len(courses),
        "people": len(people),
        "enrolments": len(enrolment_rows),
        "sessions": len(session_rows),
        "attendance": len(attendance_rows),
        "answers": len(answer_rows),
        "meetings": meetings,
    }


def _answer(rng: random.Random, kind: str) -> tuple[int | None, str | None]:
    """(number, text) as the evaluation stores them: a rating 1-5, yes = 1 and no = 0."""
    if kind == "rating":
        return rng.choice((3, 4, 4, 5, 5)), None
    if kind == "yes_no":
        return (1 if rng.random() < 0.9 else 0), None
    return None, rng.choice(COMMENTS) or None


PARTNERS = (("KR", "KIPO"), ("VN", "IP Viet Nam"), ("TH", "DIP"), ("IN", "CGPDTM"), ("BR", "INPI"))


def _working_groups(rng: random.Random, groups: int, per_group: int, prefix: str) -> int:
    added = 0
    for code, body in PARTNERS[:groups]:
        group = WorkingGroup(
            name=f"Japan-{code} IP Working Group (history {prefix})",
            side_a_country="JP",
            side_a_body="JPO",
            side_b_country=code,
            side_b_body=body,
            framework="Memorandum of Cooperation",
        )
        db.session.add(group)
        db.session.flush()
        for number in range(1, per_group + 1):
            year = FIRST_YEAR + (number - 1) * YEARS // per_group
            day = date(year, rng.randint(1, 12), rng.randint(1, 28))
            db.session.add(
                Meeting(
                    working_group_id=group.id,
                    number=number,
                    status="held",
                    start_date=day,
                    end_date=day,
                    city="Tokyo" if number % 2 else "Seoul",
                    host_side="a" if number % 2 else "b",
                    chair_a_name="Mr. Ken Sato",
                    chair_b_name="Ms. Ji-won Park",
                    delegations=[
                        Delegation(side=side, organisation=f"{org} ({side})", position=i)
                        for i, (side, org) in enumerate(
                            [
                                ("a", "JPO"),
                                ("a", "METI"),
                                ("a", "Japan Customs"),
                                ("b", body),
                                ("b", "Ministry of Justice"),
                                ("b", "Customs"),
                            ]
                        )
                    ],
                    agenda=[
                        AgendaItem(position=i, title=title)
                        for i, title in enumerate(rng.sample(LECTURES, 3))
                    ],
                    outcomes=[
                        Outcome(position=0, kind="agreement", text="Continue the exchange."),
                        Outcome(
                            position=1,
                            kind="action",
                            text="Share examination statistics.",
                            owner_side="b",
                            status="done" if number < per_group else "open",
                        ),
                    ],
                )
            )
            added += 1
    return added
