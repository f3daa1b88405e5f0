"""30 trainees submit at the same moment to the app served by gunicorn (several processes
and threads, on this run's database): exactly 30 submissions, no error responses."""

import sqlalchemy as sa

from tests.conftest import all_at_once, post_json
from tests.evaluations.conftest import build_course, full_answers, open_questionnaire
from wipo_training.auth import services as auth_services
from wipo_training.evaluations.models import Submission, SubmissionReceipt
from wipo_training.extensions import db

TRAINEES = 30


def test_thirty_trainees_at_the_same_moment(app, served):
    with app.app_context():
        course, enrolments = build_course(trainees=TRAINEES)
        questionnaire = open_questionnaire(course)
        answers = {str(k): v for k, v in full_answers(questionnaire).items()}
        tokens = [
            auth_services.create_api_token(auth_services.user_by_email(e.person.email), "load")
            for e in enrolments
        ]
        db.session.commit()
        course_id = course.id
    url = f"{served}/api/v1/courses/{course_id}/evaluation/submissions"
    statuses = all_at_once([lambda t=t: post_json(url, t, {"answers": answers}) for t in tokens])
    assert statuses == [201] * TRAINEES
    # A double click: the same trainee twice at once gives one submission and one 409.
    double = all_at_once([lambda: post_json(url, tokens[0], {"answers": answers})] * 2)
    assert sorted(double) == [409, 409]  # both refused: that trainee submitted above
    with app.app_context():
        count = db.session.execute(sa.select(sa.func.count()).select_from(Submission)).scalar()
        receipts = db.session.execute(
            sa.select(sa.func.count()).select_from(SubmissionReceipt)
        ).scalar()
    assert (count, receipts) == (TRAINEES, TRAINEES)


def test_two_tabs_submitting_at_once_store_one(app, served):
    with app.app_context():
        course, enrolments = build_course(trainees=1)
        questionnaire = open_questionnaire(course)
        answers = {str(k): v for k, v in full_answers(questionnaire).items()}
        token = auth_services.create_api_token(
            auth_services.user_by_email(enrolments[0].person.email), "tabs"
        )
        db.session.commit()
        course_id = course.id
    url = f"{served}/api/v1/courses/{course_id}/evaluation/submissions"
    statuses = all_at_once([lambda: post_json(url, token, {"answers": answers})] * 4)
    assert sorted(statuses) == [201, 409, 409, 409]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Submission)).scalar() == 1
