"""JSON API for evaluations (under /api/v1)."""

from flask import abort as flask_abort
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from ..access import roles, signed_in
from ..courses.access import visible_course_or_404
from ..extensions import db
from ..participants.services import trainee_enrolment
from ..rest import Integer
from ..timetable.services import EXPECTED
from ..timeutil import utcnow
from ..versioning import set_etag
from . import services

blp = Blueprint(
    "evaluations_api",
    __name__,
    url_prefix="/api/v1",
    description="Evaluations: the questionnaire, submissions and results.",
)


class QuestionSchema(Schema):
    id = Integer()
    key = fields.String()
    section = fields.String()
    session_id = Integer(allow_none=True)
    text = fields.String()
    kind = fields.String()
    required = fields.Boolean()
    choices = fields.List(fields.String())


class QuestionnaireSchema(Schema):
    course_id = Integer()
    opens_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)
    anonymous = fields.Boolean()
    questions = fields.List(fields.Nested(QuestionSchema))


class SubmissionSchema(Schema):
    #: {question id: value}: 1–5 for ratings, "yes"/"no", a choice, a list of choices, a text.
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)


class SubmittedSchema(Schema):
    message = fields.String()


class QuestionResultSchema(Schema):
    question_id = Integer(attribute="question.id")
    key = fields.String(attribute="question.key")
    text = fields.String(attribute="question.text")
    kind = fields.String(attribute="question.kind")
    count = Integer()
    mean = fields.Float(allow_none=True)
    median = fields.Float(allow_none=True)
    yes_share = fields.Float(allow_none=True)
    distribution = fields.List(fields.Tuple((fields.String(), Integer())))
    texts = fields.List(fields.String())
    hidden = fields.Boolean()


class RankSchema(Schema):
    title = fields.String()
    session_id = Integer(allow_none=True)
    mean = fields.Float()
    count = Integer()


class ResultsSchema(Schema):
    submissions = Integer()
    expected = Integer()
    response_rate = fields.Float(allow_none=True)
    hidden = fields.Boolean()
    #: Why the answers are not given yet (open, or fewer than 3 answers); null once they are.
    withheld = fields.String(allow_none=True)
    ranking = fields.List(fields.Nested(RankSchema))
    questions = fields.List(fields.Nested(QuestionResultSchema))


def _questionnaire(course):
    questionnaire = services.questionnaire_for(course)
    if questionnaire is None:
        flask_abort(404)
    return questionnaire


@blp.route("/courses/<int:course_id>/evaluation")
@signed_in
@blp.etag
@blp.response(200, QuestionnaireSchema)
def get_questionnaire(course_id):
    """The questionnaire of a course the caller may see; the ETag follows its version and its
    questions'."""
    questionnaire = _questionnaire(visible_course_or_404(course_id))
    set_etag(blp, questionnaire, questionnaire.questions)
    return questionnaire


@blp.route("/courses/<int:course_id>/evaluation/submissions", methods=["POST"])
@roles("trainee")
@blp.arguments(SubmissionSchema)
@blp.response(201, SubmittedSchema)
def submit(values, course_id):
    """Submit the signed-in trainee's answers: 201; 409 when already submitted; 422 when an
    answer is wrong or missing (nothing is stored then)."""
    course = visible_course_or_404(course_id)
    questionnaire = _questionnaire(course)
    enrolment = trainee_enrolment(current_user, course, EXPECTED) or flask_abort(404)
    try:
        services.submit(questionnaire, enrolment, values["answers"], utcnow())
    except services.AnswerErrors as exc:
        # Its problems are {question id: message}, answered under their ids (not "json").
        db.session.rollback()
        abort(
            422,
            message="Nothing was stored: some answers are not acceptable.",
            errors={str(k): v for k, v in exc.by_question.items()},
        )
    db.session.commit()
    return {"message": "Submitted. Thank you."}


@blp.route("/courses/<int:course_id>/evaluation/results")
@roles("admin", "coordinator", "staff")
@blp.response(200, ResultsSchema)
def get_results(course_id):
    """The results: ranking, every question, the response rate. While the questionnaire is
    open, or with fewer than 3 answers, only the counts (``hidden``, and ``withheld`` says
    why), as on the page."""
    return services.results(_questionnaire(visible_course_or_404(course_id)), utcnow())
