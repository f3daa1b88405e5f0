"""The course report: the page, the PDF, the coordinator's texts and chosen comments."""

import html
import re
import subprocess

import sqlalchemy as sa

from tests.conftest import find_form, press, submit
from tests.reports.conftest import pdf_pages, pdf_text
from wipo_training.evaluations.models import Answer
from wipo_training.extensions import db

SEED_SENTENCE = (
    "Algeria (1 person), Bhutan (1), Cambodia (2), China (3), Indonesia (6), "
    "Lao People's Democratic Republic (1), Malaysia (1), Morocco (1), Myanmar (2), Pakistan (1), "
    "Philippines (2), Thailand (3), Viet Nam (6)"
)
TOP_LECTURE = "Training scenario: IP Awareness-Raising as a Non-Punitive Measure"


def test_the_pdf_prints_the_seed_reports_figures(demo, login_as):
    client = login_as("staff")
    response = client.get(f"/courses/{demo}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="ENF-2013-report.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "Report on the Training Course on the Enforcement of Intellectual Property" in text
    assert f"Participating countries: {SEED_SENTENCE}" in text
    assert "Viet Nam Asia" in text and "Vietnam" not in text  # the table says the same name
    assert "30 from 13 countries" in text and "Total 30" in text
    assert "Contents" in text and "Overview" in text
    # The ranking: the seed's top lecture first, then the others.
    assert f"highest overall evaluation was “{TOP_LECTURE}”" in text
    assert re.search(
        r"1 Training scenario: IP Awareness-Raising as a Non-Punitive Measure 4\.\d+", text
    )
    assert (
        "100.0% of those who answered found the objectives of the course achieved (30 of 30)"
        in text
    )
    assert "30 of 30 participants answered the evaluation (response rate 100.0%)" in text
    assert "Japan Patent Office" in text and "Tokyo Customs" in text  # the site visits
    assert "Welcome greeting" in text  # the timetable
    # Running headers and page numbers on every page.
    pages = pdf_pages(response.data)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert text.count("ENF-2013 · course report") == pages


#: The 2013 report's sentences that state facts the data holds (shared/seeds/003, quoted), each
#: as the seed words it and as the report writes it from the data. Where they differ, the data
#: says more: Morocco (in Africa, by UN M49) came with Algeria; the lecture's title is spelled
#: as the timetable has it.
SEED_FACTS = [
    (
        "The WIPO/JF Training Course on Enforcement of Intellectual Property was held at APIC "
        "(Asia-Pacific Industrial Property Center) in Tokyo from December 2 to 13, 2013.",
    )
    * 2,
    (
        "There were 30 participants, from the national courts and IP offices of the following "
        "countries.",
    )
    * 2,
    (
        "invitations were also sent to Africa for this year’s course for the first time, and a "
        "person from Algeria joined the participants from Asia.",
        "Invitations were also sent to Africa for this year's course for the first time, and "
        "participants from Algeria and Morocco joined the participants from Asia.",
    ),
    (
        "The lecture that received the highest overall evaluation from the trainees was the "
        "“Training scenario: IP Awareness- Raising as a Non-Punitive Measure”",
        "The lecture that received the highest overall evaluation from the trainees was the "
        "“Training scenario: IP Awareness-Raising as a Non-Punitive Measure”.",
    ),
    ("there were visits to the Japan Patent Office on Dec. 2 and to Tokyo Customs on Dec. 4.",) * 2,
    (
        "Looking at the evaluations of this course, all trainees replied that the overall goals "
        "of the course were achieved",
    )
    * 2,
]


def test_the_report_says_what_the_seed_says_sentence_by_sentence(demo, login_as):
    """Each fact sentence of the 2013 report (seed 003) is in the generated report, written
    from the data: the page and the PDF."""
    client = login_as("staff")
    text = pdf_text(client.get(f"/courses/{demo}/report.pdf").data)
    page = html.unescape(client.get(f"/courses/{demo}/report").get_data(as_text=True))
    for _in_seed, in_report in SEED_FACTS:
        assert in_report in text, in_report
        assert in_report in re.sub(r"\s+", " ", page), in_report


def test_the_generated_sentences_follow_the_data(demo, app):
    """Change the data and the sentences change: a goal not achieved by everyone gives the
    share; no earlier edition, no "first time"; a course without site visits says none."""
    from wipo_training.courses.models import Course
    from wipo_training.evaluations.models import Question
    from wipo_training.reports import services

    with app.app_context():
        course = db.session.get(Course, demo)
        objectives = db.session.execute(
            sa.select(Question).where(
                Question.questionnaire.has(course_id=demo), Question.key == "course:objectives"
            )
        ).scalar_one()
        answers = db.session.execute(
            sa.select(Answer).where(Answer.question_id == objectives.id).limit(3)
        ).scalars()
        for answer in answers:
            answer.number = 0
        course.previous_edition = None
        db.session.flush()
        story = " ".join(services.course_report(course, with_charts=False).story)
        assert "27 of 30 trainees (90.0%) replied that the overall goals" in story
        assert "for the first time" not in story
        db.session.rollback()


def test_the_page_shows_what_the_pdf_prints(demo, login_as):
    page = html.unescape(login_as("staff").get(f"/courses/{demo}/report").get_data(as_text=True))
    assert SEED_SENTENCE in page
    assert "<td>Viet Nam</td>" in page and "Vietnam" not in page  # one name per country
    assert TOP_LECTURE in page
    assert "Download the report (PDF)" in page
    assert "Introduction and conclusion" not in page  # staff read; coordinators write


def test_the_coordinator_writes_the_introduction_and_conclusion(demo, web_as):
    web = web_as("coordinator")
    url = f"/courses/{demo}/report"
    response = submit(
        web.get(url),
        "Save the texts",
        introduction="The course was held at APIC.\r\n\r\nInvitations went to Africa.",
        conclusion="We expect much of these trainees. <script>alert(1)</script> =1+1",
    )
    assert response.status_int == 302
    text = pdf_text(web.get(f"{url}.pdf").body)
    assert "Introduction The course was held at APIC. Invitations went to Africa." in text
    assert "Conclusion We expect much of these trainees. <script>alert(1)</script> =1+1" in text
    assert "<script>alert(1)</script>" not in web.get(url).text  # escaped on the page
    # Too long: refused with a message, what was typed is shown again, nothing changes.
    typed = "x" * 20001
    refused = submit(web.get(url), "Save the texts", introduction=typed, conclusion="New")
    assert refused.status_int == 422
    assert "Field cannot be longer than 20000 characters." in refused.text
    assert typed in refused.text
    assert "We expect much of these trainees." in pdf_text(web.get(f"{url}.pdf").body)


def test_only_the_chosen_comments_are_quoted(app, demo, web_as):
    web = web_as("coordinator")
    url = f"/courses/{demo}/report"
    form = find_form(web.get(url), "Quote the ticked comments")
    boxes = form.fields["comment"]
    assert boxes, "the coordinator is offered the comments"
    for box in boxes:
        box.checked = False
    boxes[0].checked = True
    key = form.html.find("input", attrs={"name": "comment"})["value"]
    with app.app_context():
        chosen = db.session.get(Answer, tuple(key.split(":"))).text
        others = {
            a.text
            for a in db.session.execute(sa.select(Answer).where(Answer.text.is_not(None))).scalars()
        } - {chosen}
    response = press(form, "Quote the ticked comments")
    assert response.status_int == 302
    assert "1 comment(s) will be quoted in the report." in response.follow().text
    text = pdf_text(web.get(f"{url}.pdf").body)
    assert f"“{chosen}”" in text
    assert not any(f"“{other}”" in text for other in others)


def test_a_course_without_data_says_so(app, login_as, users):
    from tests.conftest import make_course

    with app.app_context():
        course = make_course()
        db.session.commit()
        course_id = course.id
    text = pdf_text(login_as("staff").get(f"/courses/{course_id}/report.pdf").data)
    assert "No participants yet." in text
    assert "No sessions in the timetable yet." in text
    assert "This course has no evaluation questionnaire." in text
    assert "0 certificates issued." in text


def test_nominations_are_not_reported_as_participants(app, login_as):
    """Three undecided nominations once made "There were 3 participants from 3 countries"."""
    from tests.conftest import make_course, make_person
    from wipo_training.participants import services as participant_services

    with app.app_context():
        course = make_course()
        for family, country in (("Keo", "KH"), ("Srisuk", "TH"), ("Tran", "VN")):
            person = make_person(family_name=family, country_code=country)
            participant_services.nominate(None, course, person)
        db.session.commit()
        course_id = course.id
    client = login_as("staff")
    text = pdf_text(client.get(f"/courses/{course_id}/report.pdf").data)
    assert "There were" not in text and "No participants yet." in text
    assert "Participants 0 from 0 countries" in text
    assert "Participants are the people who attended: confirmed for a course that has" in text
    assert "Not counted here: 3 nominated." in text
    page = html.unescape(client.get(f"/courses/{course_id}/report").get_data(as_text=True))
    assert "There were" not in page and "Not counted here: 3 nominated." in page


def test_running_headers_name_the_section_each_page_starts_in(demo, login_as, tmp_path):
    """The section named at the top of a page is the one its first line belongs to (a
    section beginning lower down is named on the next page), read back with pdftotext."""
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(login_as("staff").get(f"/courses/{demo}/report.pdf").data)
    titles = {"Contents", "The course", "Overview", "Participants", "Timetable", "Site visits"}
    titles |= {"Attendance", "Evaluation", "Certificates"}
    current = None
    for number in range(2, pdf_pages(pdf.read_bytes()) + 1):
        layout = subprocess.run(
            ["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        lines = [line.strip() for line in layout.splitlines() if line.strip()]
        header, body = lines[0], lines[1:-1]
        expected = body[0] if body[0] in titles else current
        assert header.endswith(expected), (number, header, body[0])
        current = next((line for line in reversed(body) if line in titles), current)
