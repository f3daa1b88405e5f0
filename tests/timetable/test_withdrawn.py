"""A withdrawn or rejected trainee loses the course: its pages, timetable, country report
upload, evaluation and calendar feeds (issue 16, point 16). Each is reached first while the
enrolment holds a place, so every refusal below is the change of status, not a wrong URL."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.conftest import create_token, find_form, make_course, make_person, make_session, press
from tests.evaluations.conftest import full_answers, open_questionnaire
from wipo_training.auth.services import user_by_email
from wipo_training.courses.models import Course
from wipo_training.evaluations.models import Submission, SubmissionReceipt
from wipo_training.extensions import db
from wipo_training.participants import services as participant_services
from wipo_training.timetable import services
from wipo_training.timetable.models import CountryReport
from wipo_training.timeutil import utcnow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def two_courses(app, users):
    """The test trainee accepted in ENF-2013 (no report deadline, evaluation open) and in
    ENF-2014; a session in each."""
    with app.app_context():
        person = make_person(email=users["trainee"])
        user_by_email(users["trainee"]).person_id = person.id
        ids = {}
        for code, start in (("ENF-2013", date(2013, 12, 2)), ("ENF-2014", date(2014, 12, 1))):
            course = make_course(
                code=code,
                start_date=start,
                end_date=start + timedelta(days=11),
                nomination_deadline=None,
                edition_year=start.year,
                country_report_deadline=None,
            )
            make_session(course, title=f"Border Measures {code}")
            enrolment = participant_services.nominate(None, course, person)
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            ids[code] = (course.id, enrolment.id)
        questionnaire = open_questionnaire(db.session.get(Course, ids["ENF-2013"][0]))
        answers = {f"q{k}": str(v) for k, v in full_answers(questionnaire).items()}
        db.session.commit()
    return ids, answers


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def feed_events(app, feed: str) -> list[str]:
    response = app.test_client().get(feed.replace("http://localhost", ""))
    assert response.status_code == 200
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]


@pytest.mark.parametrize("status", ["withdrawn", "rejected"])
def test_a_withdrawn_or_rejected_trainee_loses_the_course(app, users, web_as, two_courses, status):
    ids, answers = two_courses
    course_id, enrolment_id = ids["ENF-2013"]
    web = web_as("trainee")
    token = {"Authorization": f"Bearer {create_token(app, users['trainee'])}"}
    api = app.test_client()
    pages = [
        f"/courses/{course_id}",
        f"/courses/{course_id}/timetable",
        f"/courses/{course_id}/calendar.ics",
        f"/courses/{course_id}/my-report",
        f"/courses/{course_id}/evaluation/answer",
    ]
    api_urls = [
        f"/api/v1/courses/{course_id}",
        f"/api/v1/courses/{course_id}/sessions",
        f"/api/v1/courses/{course_id}/calendar.ics",
        f"/api/v1/courses/{course_id}/evaluation",
    ]
    # While the place is held: everything opens, and the forms are on the pages.
    assert all(web.get(url).status_int == 200 for url in pages)
    assert all(api.get(url, headers=token).status_code == 200 for url in api_urls)
    assert "ENF-2013" in web.get("/courses/").text
    my_timetable = web.get("/my/timetable")
    assert "Border Measures ENF-2013" in my_timetable.text
    feed = my_timetable.html.find("input", {"aria-label": "Your calendar address"})["value"]
    assert sorted(feed_events(app, feed)) == [
        "Border Measures ENF-2013 (ENF-2013)",
        "Border Measures ENF-2014 (ENF-2014)",
    ]
    upload_form = find_form(web.get(f"/courses/{course_id}/my-report"), "Upload")
    evaluation_form = find_form(web.get(f"/courses/{course_id}/evaluation/answer"), "Submit")

    with app.app_context():
        enrolment = db.session.get(participant_services.Enrolment, enrolment_id)
        participant_services.change_enrolment_status(None, enrolment, status, reason="test")
        db.session.commit()

    for url in pages:
        assert web.get(url, expect_errors=True).status_int == 404, url
    for url in api_urls:
        assert api.get(url, headers=token).status_code == 404, url
    assert "ENF-2013" not in web.get("/courses/").text
    listed = api.get("/api/v1/courses", headers=token).json
    assert "ENF-2013" not in str(listed) and "ENF-2014" in str(listed)
    my_timetable = web.get("/my/timetable").text
    assert "ENF-2013" not in my_timetable and "Border Measures ENF-2014" in my_timetable
    assert feed_events(app, feed) == ["Border Measures ENF-2014 (ENF-2014)"]
    # Forms rendered while the place was held are refused once it is not, and store nothing.
    upload = press(upload_form, "Upload", file=("upload", "report.pdf", PDF))
    assert upload.status_int == 404
    sent = press(evaluation_form, "Submit", **answers)
    assert sent.status_int == 404
    submitted = api.post(
        f"/api/v1/courses/{course_id}/evaluation/submissions",
        headers=token,
        json={"answers": {k[1:]: v for k, v in answers.items()}},
    )
    assert submitted.status_code == 404
    with app.app_context():
        assert (count(CountryReport), count(Submission), count(SubmissionReceipt)) == (0, 0, 0)
        # The service refuses too, whoever calls it.
        enrolment = db.session.get(participant_services.Enrolment, enrolment_id)
        with pytest.raises(services.TimetableError, match=f"is {status}: it takes no country"):
            services.store_country_report(
                None, enrolment, "r.pdf", PDF, Path(app.instance_path) / "reports", utcnow()
            )
    # The other course is still theirs.
    other_id = ids["ENF-2014"][0]
    assert web.get(f"/courses/{other_id}/timetable").status_int == 200
    assert web.get(f"/courses/{other_id}/my-report").status_int == 200
