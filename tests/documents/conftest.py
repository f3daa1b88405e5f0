"""Fixtures: a course whose participants meet the certificate rules."""

from datetime import date

from tests.conftest import make_course, make_person, make_session
from wipo_training.auth import services as auth_services
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable import services as timetable_services
from wipo_training.timeutil import utcnow

#: (family, given, native name, language, country)
PEOPLE = [
    ("Nguyen", "Van An", "Nguyễn Văn An", "vi", "VN"),
    ("Wang", "Wei", "王伟", "zh", "CN"),
    ("Yamada", "Taro", "山田太郎", "ja", "JP"),
    ("Benali", "Karim", "كريم بن علي", "ar", "DZ"),
    ("Raza", "Ahmed", "احمد رضا", "ur", "PK"),
    ("Srisuk", "Somchai", "สมชาย ศรีสุข", "th", "TH"),
    ("Chan", "Sokha", "ចាន់ សុខា", "km", "KH"),
    ("Phommachanh", "Somphone", "ສົມພອນ ພົມມະຈັນ", "lo", "LA"),
    ("Aung", "Kyaw Moe", "အောင်ကျော်မိုး", "my", "MM"),
    ("Wangchuk", "Karma", "ཀརྨ་དབང་ཕྱུག", "dz", "BT"),
]


def eligible_course(people=PEOPLE, code="ENF-2013", trainee_email=None):
    """A course where everyone attended, presented and submitted the evaluation."""
    course = make_course(code=code)
    lecture = make_session(course, title="Border Measures")
    report_session = make_session(
        course, kind="country_report", title="Country reports", start="13:30", end="17:00"
    )
    enrolments = []
    for index, (family, given, native, lang, country) in enumerate(people):
        email = trainee_email if index == 0 and trainee_email else None
        person = make_person(
            family_name=family,
            given_name=given,
            native_name=native,
            native_name_lang=lang,
            country_code=country,
            email=email,
            organisation=f"IP Office of {country}",
            organisation_kind="ip_office",
        )
        enrolment = participant_services.nominate(None, course, person, override_reason="test")
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        enrolments.append(enrolment)
        if email:
            auth_services.user_by_email(email).person_id = person.id
    marks = {e.id: ("present", "") for e in enrolments}
    timetable_services.record_attendance(None, lecture, marks)
    timetable_services.record_attendance(None, report_session, marks)
    timetable_services.assign_presenters(None, report_session, [e.id for e in enrolments])
    questionnaire, _ = evaluation_services.generate_questionnaire(None, course)
    questionnaire.opens_at = utcnow().replace(year=2000)
    questionnaire.closes_at = utcnow().replace(year=2100)
    for enrolment in enrolments:
        answers = {
            q.id: (4 if q.kind == "rating" else "yes")
            for q in questionnaire.questions
            if q.required
        }
        evaluation_services.submit(questionnaire, enrolment, answers, utcnow())
    db.session.commit()
    return course, enrolments


__all__ = ["eligible_course", "date"]
