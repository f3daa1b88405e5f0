"""Demo courses and participants. The 2013 course is the one in shared/seeds/003 (JPO report
on the WIPO/JPO Training Course on the Enforcement of IP Rights, APIC Tokyo, 2-13 December
2013) with exactly its per-country counts. Every name is FICTIONAL, invented to be plausible
for its country; the organisations are real kinds of office."""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ..countries import get_country
from ..courses import services as course_services
from ..courses.models import Course, CourseStatus, Fund
from ..documents.models import CertificateSettings
from ..extensions import db
from ..participants import services as participant_services
from ..participants.models import Enrolment, EnrolmentStatus
from ..timetable import services as timetable_services
from ..timetable.models import CourseSession, Lecturer, SessionLecturer
from .evaluation import load_demo_evaluation
from .timetable import load_demo_timetable

#: Said of every demo course; the 2013 course adds where its figures come from.
FICTIONAL_NOTE = "Demo data: the participants' names are fictional."
SEED_NOTE = FICTIONAL_NOTE + " The per-country numbers are those of the 2013 JPO report."

# (key, title, family, given, native name, lang, gender, country, organisation, kind, position)
PEOPLE = [
    (
        "dz1",
        "Mr",
        "Benali",
        "Karim",
        "كريم بن علي",
        "ar",
        "male",
        "DZ",
        "Institut National Algérien de la Propriété Industrielle",
        "ip_office",
        "Examiner",
    ),
    (
        "bt1",
        "Mr",
        "Wangchuk",
        "Karma",
        "ཀརྨ་དབང་ཕྱུག",
        "dz",
        "male",
        "BT",
        "Intellectual Property Division, Ministry of Economic Affairs",
        "ip_office",
        "Legal Officer",
    ),
    (
        "kh1",
        "Ms",
        "Chan",
        "Sokha",
        "ចាន់ សុខា",
        "km",
        "female",
        "KH",
        "Department of Intellectual Property, Ministry of Commerce",
        "ip_office",
        "Deputy Chief",
    ),
    (
        "kh2",
        "Judge",
        "Keo",
        "Dara",
        "កែវ ដារ៉ា",
        "km",
        "male",
        "KH",
        "Phnom Penh Court of First Instance",
        "court",
        "Judge",
    ),
    (
        "cn1",
        "Mr",
        "Wang",
        "Wei",
        "王伟",
        "zh",
        "male",
        "CN",
        "State Intellectual Property Office",
        "ip_office",
        "Division Director",
    ),
    (
        "cn2",
        "Judge",
        "Li",
        "Na",
        "李娜",
        "zh",
        "female",
        "CN",
        "Beijing Higher People's Court",
        "court",
        "Judge",
    ),
    (
        "cn3",
        "Judge",
        "Zhang",
        "Lei",
        "张磊",
        "zh",
        "male",
        "CN",
        "Shanghai No. 1 Intermediate People's Court",
        "court",
        "Judge",
    ),
    (
        "id1",
        "Mr",
        "Santoso",
        "Budi",
        "",
        "",
        "male",
        "ID",
        "Directorate General of Intellectual Property",
        "ip_office",
        "Investigator",
    ),
    (
        "id2",
        "Ms",
        "Rahmawati",
        "Siti",
        "",
        "",
        "female",
        "ID",
        "Directorate General of Intellectual Property",
        "ip_office",
        "Legal Analyst",
    ),
    (
        "id3",
        "Judge",
        "Prasetyo",
        "Agus",
        "",
        "",
        "male",
        "ID",
        "Commercial Court of Central Jakarta",
        "court",
        "Judge",
    ),
    (
        "id4",
        "Judge",
        "Lestari",
        "Dewi",
        "",
        "",
        "female",
        "ID",
        "Commercial Court of Central Jakarta",
        "court",
        "Judge",
    ),
    (
        "id5",
        "Mr",
        "Hidayat",
        "Rizky",
        "",
        "",
        "male",
        "ID",
        "Supreme Court of the Republic of Indonesia",
        "court",
        "Clerk",
    ),
    (
        "id6",
        "Ms",
        "Permata",
        "Intan",
        "",
        "",
        "female",
        "ID",
        "Directorate General of Intellectual Property",
        "ip_office",
        "Civil Service Investigator",
    ),
    (
        "la1",
        "Mr",
        "Phommachanh",
        "Somphone",
        "ສົມພອນ ພົມມະຈັນ",
        "lo",
        "male",
        "LA",
        "Department of Intellectual Property, Ministry of Science and Technology",
        "ip_office",
        "Technical Officer",
    ),
    (
        "my1",
        "Ms",
        "Ahmad",
        "Nurul Aini",
        "",
        "",
        "female",
        "MY",
        "Intellectual Property Corporation of Malaysia",
        "ip_office",
        "Enforcement Officer",
    ),
    (
        "ma1",
        "Mr",
        "El Amrani",
        "Youssef",
        "يوسف العمراني",
        "ar",
        "male",
        "MA",
        "Office Marocain de la Propriété Industrielle et Commerciale",
        "ip_office",
        "Legal Adviser",
    ),
    (
        "mm1",
        "Mr",
        "Aung",
        "Kyaw Moe",
        "အောင်ကျော်မိုး",
        "my",
        "male",
        "MM",
        "Supreme Court of the Union",
        "court",
        "Deputy Director",
    ),
    (
        "mm2",
        "Ms",
        # A Myanmar name has no family name: its parts in the order she writes them.
        "Thandar",
        "Win",
        "သန္တာဝင်း",
        "my",
        "female",
        "MM",
        "Intellectual Property Section, Ministry of Science and Technology",
        "ip_office",
        "Assistant Director",
    ),
    (
        "pk1",
        "Mr",
        "Raza",
        "Ahmed",
        "احمد رضا",
        "ur",
        "male",
        "PK",
        "Intellectual Property Organization of Pakistan",
        "ip_office",
        "Deputy Registrar",
    ),
    (
        "ph1",
        "Ms",
        "Santos",
        "Maria Cristina",
        "",
        "",
        "female",
        "PH",
        "Intellectual Property Office of the Philippines",
        "ip_office",
        "Attorney",
    ),
    (
        "ph2",
        "Judge",
        "Reyes",
        "Jose",
        "",
        "",
        "male",
        "PH",
        "Regional Trial Court of Manila",
        "court",
        "Presiding Judge",
    ),
    (
        "th1",
        "Mr",
        "Srisuk",
        "Somchai",
        "สมชาย ศรีสุข",
        "th",
        "male",
        "TH",
        "Department of Intellectual Property",
        "ip_office",
        "Legal Officer",
    ),
    (
        "th2",
        "Judge",
        "Thongdee",
        "Kanya",
        "กัญญา ทองดี",
        "th",
        "female",
        "TH",
        "Central Intellectual Property and International Trade Court",
        "court",
        "Judge",
    ),
    (
        "th3",
        "Mr",
        "Chaiyaporn",
        "Pichit",
        "พิชิต ชัยพร",
        "th",
        "male",
        "TH",
        "Central Intellectual Property and International Trade Court",
        "court",
        "Associate Judge",
    ),
    (
        "vn1",
        "Mr",
        "Nguyen",
        "Van An",
        "Nguyễn Văn An",
        "vi",
        "male",
        "VN",
        "National Office of Intellectual Property of Viet Nam",
        "ip_office",
        "Examiner",
    ),
    (
        "vn2",
        "Ms",
        "Tran",
        "Thi Hoa",
        "Trần Thị Hoa",
        "vi",
        "female",
        "VN",
        "National Office of Intellectual Property of Viet Nam",
        "ip_office",
        "Legal Officer",
    ),
    (
        "vn3",
        "Judge",
        "Le",
        "Minh Tuan",
        "Lê Minh Tuấn",
        "vi",
        "male",
        "VN",
        "People's Court of Hanoi",
        "court",
        "Judge",
    ),
    (
        "vn4",
        "Judge",
        "Pham",
        "Thu Hang",
        "Phạm Thu Hằng",
        "vi",
        "female",
        "VN",
        "Supreme People's Court",
        "court",
        "Judge",
    ),
    (
        "vn5",
        "Mr",
        "Hoang",
        "Duc Long",
        "Hoàng Đức Long",
        "vi",
        "male",
        "VN",
        "National Office of Intellectual Property of Viet Nam",
        "ip_office",
        "Inspector",
    ),
    (
        "vn6",
        "Ms",
        "Vu",
        "Thi Mai",
        "Vũ Thị Mai",
        "vi",
        "female",
        "VN",
        "People's Court of Ho Chi Minh City",
        "court",
        "Judge",
    ),
    # People of the later courses.
    (
        "gh1",
        "Ms",
        "Mensah",
        "Abena",
        "",
        "",
        "female",
        "GH",
        "Registrar-General's Department",
        "ip_office",
        "Principal Registrar",
    ),
    (
        "ke1",
        "Mr",
        "Otieno",
        "Brian",
        "",
        "",
        "male",
        "KE",
        "Kenya Industrial Property Institute",
        "ip_office",
        "Patent Examiner",
    ),
    (
        "tz1",
        "Ms",
        "Mushi",
        "Neema",
        "",
        "",
        "female",
        "TZ",
        "Business Registrations and Licensing Agency",
        "ip_office",
        "Legal Officer",
    ),
    (
        "sn1",
        "Mr",
        "Diop",
        "Mamadou",
        "",
        "",
        "male",
        "SN",
        "Agence Sénégalaise pour la Propriété Industrielle",
        "ip_office",
        "Head of Division",
    ),
    (
        "et1",
        "Ms",
        "Bekele",
        "Hanna",
        "ሃና በቀለ",
        "am",
        "female",
        "ET",
        "Ethiopian Intellectual Property Authority",
        "ip_office",
        "Examiner",
    ),
    (
        "ug1",
        "Mr",
        "Okello",
        "Samuel",
        "",
        "",
        "male",
        "UG",
        "Uganda Registration Services Bureau",
        "ip_office",
        "Registrar",
    ),
    (
        "np1",
        "Mr",
        "Shrestha",
        "Rajan",
        "राजन श्रेष्ठ",
        "ne",
        "male",
        "NP",
        "Department of Industry",
        "ip_office",
        "Section Officer",
    ),
    (
        "bd1",
        "Ms",
        "Akter",
        "Nasrin",
        "নাসরিন আক্তার",
        "bn",
        "female",
        "BD",
        "Department of Patents, Designs and Trademarks",
        "ip_office",
        "Examiner",
    ),
    (
        "lk1",
        "Mr",
        "Perera",
        "Nuwan",
        "නුවන් පෙරේරා",
        "si",
        "male",
        "LK",
        "National Intellectual Property Office of Sri Lanka",
        "ip_office",
        "Assistant Director",
    ),
    (
        "mn1",
        "Ms",
        "Bold",
        "Oyunchimeg",
        "Оюунчимэг Болд",
        "mn",
        "female",
        "MN",
        "Intellectual Property Office of Mongolia",
        "ip_office",
        "Officer",
    ),
    (
        "in1",
        "Mr",
        "Sharma",
        "Vikram",
        "विक्रम शर्मा",
        "hi",
        "male",
        "IN",
        "Office of the Controller General of Patents, Designs and Trade Marks",
        "ip_office",
        "Examiner of Trade Marks",
    ),
    (
        "ir1",
        "Ms",
        "Rahimi",
        "Maryam",
        "مریم رحیمی",
        "fa",
        "female",
        "IR",
        "Iran Intellectual Property Centre",
        "ip_office",
        "Legal Expert",
    ),
]

ENF_2013 = [
    "dz1",
    "bt1",
    "kh1",
    "kh2",
    "cn1",
    "cn2",
    "cn3",
    "id1",
    "id2",
    "id3",
    "id4",
    "id5",
    "id6",
    "la1",
    "my1",
    "ma1",
    "mm1",
    "mm2",
    "pk1",
    "ph1",
    "ph2",
    "th1",
    "th2",
    "th3",
    "vn1",
    "vn2",
    "vn3",
    "vn4",
    "vn5",
    "vn6",
]
# The next edition: three of the 2013 trainees come back (with new positions).
ENF_2012 = ["in1", "ir1", "lk1", "mn1"]  # the invented edition before the seed's: Asia only
ENF_2014 = ["kh1", "vn3", "th1", "np1", "bd1", "lk1", "mn1", "in1", "ir1", "id2", "ph1", "cn1"]
LDC_2016 = ["gh1", "ke1", "tz1", "sn1", "et1", "ug1", "kh2", "la1", "mm2", "bd1", "np1"]
OPEN_2027 = ["vn2", "th2", "id3"]

DEMO_TRAINEE = "kh1"  # the demo trainee account is Sokha Chan of Cambodia


def _head_of_the_wipo_japan_office_after_2015(course: Course) -> None:
    """Since February 2015 the Head of the WIPO Japan Office is Mr Yuji Okuma (seed 002): a
    timetable copied from an earlier edition greets with him, not with Mr Natsume."""
    okuma = Lecturer(title="Mr", name="Yuji Okuma", affiliation="Head, WIPO Japan Office")
    db.session.add(okuma)
    db.session.flush()
    links = db.session.execute(
        sa.select(SessionLecturer)
        .join(CourseSession, CourseSession.id == SessionLecturer.session_id)
        .join(Lecturer, Lecturer.id == SessionLecturer.lecturer_id)
        .where(CourseSession.course_id == course.id, Lecturer.name == "Kenichiro Natsume")
    ).scalars()
    for link in links:
        link.lecturer_id = okuma.id
    db.session.flush()


def _course(code: str, fund_code: str, **values) -> Course:
    fund = db.session.execute(sa.select(Fund).where(Fund.code == fund_code)).scalar_one()
    return course_services.create_course(None, fund_id=fund.id, code=code, **values)


def _enrol(course: Course, people: dict, keys: list[str], final: EnrolmentStatus) -> None:
    flow = [EnrolmentStatus.ACCEPTED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED]
    steps = flow[: flow.index(final) + 1] if final in flow else []
    for key in keys:
        enrolment = participant_services.nominate(
            None,
            course,
            people[key],
            nominated_by=f"Government of {get_country(people[key].country_code).name}",
        )
        for status in steps:
            participant_services.change_enrolment_status(None, enrolment, status)
        # Date the history as it would have happened, not today.
        deadline = course.nomination_deadline or course.start_date - timedelta(days=45)
        moments = [
            deadline - timedelta(days=30),
            deadline,
            deadline + timedelta(days=7),
            course.end_date,
        ]
        for change, moment in zip(enrolment.history, moments, strict=False):
            change.at = datetime.combine(moment, time(9), tzinfo=UTC)


def load_demo_courses(trainee_email: str) -> bool:
    """The demo courses; False when they are there already."""
    if db.session.execute(sa.select(Course.id).where(Course.code == "ENF-2013")).first():
        return False
    people = {}
    for key, title, family, given, native, lang, gender, country, org, kind, position in PEOPLE:
        people[key] = participant_services.create_person(
            None,
            participant_services.PersonData(
                family_name=family,
                given_name=given,
                native_name=native,
                native_name_lang=lang,
                title=title,
                gender=gender,
                country_code=country,
                organisation=org,
                organisation_kind=kind,
                position=position,
                email=trainee_email if key == DEMO_TRAINEE else None,
            ),
        )

    # The edition before the seed's (demo data, invented): participants from Asia only, so
    # the 2013 report finds Africa taking part for the first time, as the seed says.
    enf_2012 = _course(
        "ENF-2012",
        "FIT-JP",
        title="Training Course on the Enforcement of Intellectual Property Rights under the "
        "WIPO Funds-in-Trust/JAPAN",
        short_title="WIPO/JF Training Course on Enforcement of Intellectual Property",
        edition_year=2012,
        organisers="JPO, WIPO, APIC",
        venue="APIC (Asia-Pacific Industrial Property Center)",
        city="Tokyo",
        country_code="JP",
        start_date=date(2012, 12, 3),
        end_date=date(2012, 12, 14),
        time_zone="Asia/Tokyo",
        objectives="Demo data: an invented earlier edition, with fictional participants.",
        capacity=20,
        nomination_deadline=date(2012, 10, 15),
    )
    course_services.set_quotas(None, enf_2012, {"IN": 1, "IR": 1, "LK": 1, "MN": 1})
    enf_2012.status = CourseStatus.NOMINATIONS_OPEN
    _enrol(enf_2012, people, ENF_2012, EnrolmentStatus.COMPLETED)
    enf_2012.status = CourseStatus.COMPLETED

    enf_2013 = _course(
        "ENF-2013",
        "FIT-JP",
        # As the 2013 report (seed 003) names it, and its short form.
        title="Training Course on the Enforcement of Intellectual Property Rights under the "
        "WIPO Funds-in-Trust/JAPAN",
        short_title="WIPO/JF Training Course on Enforcement of Intellectual Property",
        edition_year=2013,
        organisers="JPO, WIPO, APIC",
        venue="APIC (Asia-Pacific Industrial Property Center)",
        city="Tokyo",
        country_code="JP",
        start_date=date(2013, 12, 2),
        end_date=date(2013, 12, 13),
        time_zone="Asia/Tokyo",
        objectives="To deepen understanding of international frameworks for the protection of "
        "intellectual property, measures against infringement of IP rights, the strategies of "
        "WIPO and Japan to combat infringement and its ill effects, and to improve the "
        "capability to enforce IP rights.\n\n" + SEED_NOTE,
        target_audience="Officials of national courts and IP offices in charge of enforcement.",
        capacity=30,
        nomination_deadline=date(2013, 10, 15),
    )
    counts = {}
    for key in ENF_2013:
        counts[people[key].country_code] = counts.get(people[key].country_code, 0) + 1
    course_services.set_quotas(None, enf_2013, counts)
    enf_2013.previous_edition = enf_2012
    enf_2013.status = CourseStatus.NOMINATIONS_OPEN
    _enrol(enf_2013, people, ENF_2013, EnrolmentStatus.COMPLETED)
    enf_2013.status = CourseStatus.COMPLETED
    enf_2013.country_report_deadline = date(2013, 11, 22)

    def enrolment_of(person):
        return db.session.execute(
            sa.select(Enrolment).where(
                Enrolment.course_id == enf_2013.id, Enrolment.person_id == person.id
            )
        ).scalar_one_or_none()

    load_demo_timetable(enf_2013, {k: people[k] for k in ENF_2013}, enrolment_of)
    load_demo_evaluation(enf_2013)
    db.session.add(
        CertificateSettings(
            course_id=enf_2013.id,
            # The Head of the WIPO Japan Office in 2013, as seed 003 names him.
            signatory1_name="Kenichiro Natsume",
            signatory1_title="Head, WIPO Japan Office",
            # The source does not name APIC's director: the function, not an invented name.
            signatory2_name="Director",
            signatory2_title="Asia-Pacific Industrial Property Center (APIC)",
        )
    )

    enf_2014 = course_services.copy_as_next_edition(None, enf_2013, date(2014, 12, 1), "ENF-2014")
    enf_2014.objectives = enf_2013.objectives.replace(SEED_NOTE, FICTIONAL_NOTE)
    course_services.set_quotas(
        None,
        enf_2014,
        {
            "KH": 1,
            "VN": 1,
            "TH": 1,
            "NP": 1,
            "BD": 1,
            "LK": 1,
            "MN": 1,
            "IN": 1,
            "IR": 1,
            "ID": 1,
            "PH": 1,
            "CN": 1,
        },
    )
    people["kh1"].position = "Chief of Enforcement Bureau"
    people["th1"].position = "Senior Legal Officer"
    _enrol(enf_2014, people, ENF_2014, EnrolmentStatus.COMPLETED)
    timetable_services.copy_timetable(None, enf_2013, enf_2014)
    enf_2014.status = CourseStatus.COMPLETED

    ldc_2016 = _course(
        "LDC-2016",
        "FIT-AFLDC",
        title="WIPO/JPO Training Course on IP Administration for Africa and LDCs",
        edition_year=2016,
        organisers="JPO, WIPO, APIC",
        venue="APIC",
        city="Tokyo",
        country_code="JP",
        start_date=date(2016, 10, 17),
        end_date=date(2016, 10, 28),
        time_zone="Asia/Tokyo",
        capacity=15,
        nomination_deadline=date(2016, 9, 1),
        objectives="Modern administration of industrial property offices.\n\n" + FICTIONAL_NOTE,
        target_audience="Managers of IP offices of African countries and LDCs.",
    )
    _enrol(ldc_2016, people, LDC_2016, EnrolmentStatus.COMPLETED)
    ldc_2016.status = CourseStatus.COMPLETED

    enf_2027 = course_services.copy_as_next_edition(None, enf_2014, date(2027, 2, 1), "ENF-2027")
    enf_2027.country_report_deadline = date(2027, 1, 22)
    timetable_services.copy_timetable(None, enf_2014, enf_2027)
    _head_of_the_wipo_japan_office_after_2015(enf_2027)
    enf_2027.status = CourseStatus.NOMINATIONS_OPEN
    course_services.set_quotas(
        None,
        enf_2027,
        {"VN": 3, "TH": 3, "ID": 3, "KH": 2, "LA": 2, "MM": 2, "PH": 2, "BT": 1, "NP": 1, "MN": 1},
    )
    _enrol(enf_2027, people, OPEN_2027, EnrolmentStatus.NOMINATED)
    db.session.flush()
    return True
