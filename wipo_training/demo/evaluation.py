"""The demo evaluation of the 2013 course, consistent with shared/seeds/003: all 30 trainees
answered that the course's objectives were achieved, and "Training scenario: IP
Awareness-Raising as a Non-Punitive Measure" received the highest overall evaluation.
The individual answers are invented (with a fixed seed, so the demo is always the same)."""

import random
from datetime import UTC, datetime

from ..evaluations import services as evaluation_services
from ..evaluations.models import QuestionKind
from ..timetable import services as timetable_services

TOP_LECTURE = "Training scenario: IP Awareness-Raising as a Non-Punitive Measure"
MOST_USEFUL = [
    "The country report presentations: we learned how other offices fight counterfeiting.",
    "The visit to Tokyo Customs and the demonstration of the inspection of goods.",
    "The awareness-raising scenario, which I will use with our consumers.",
    "The lecture on the IP High Court and the discussion with the judge.",
]
SUGGESTIONS = [
    "More time for questions after each lecture.",
    "Send the lecture materials before the course.",
    "A session on online marketplaces would help.",
]


def load_demo_evaluation(course) -> None:
    """Generate the questionnaire and the 30 submissions of the 2013 course."""
    questionnaire, _added = evaluation_services.generate_questionnaire(None, course)
    questionnaire.opens_at = datetime(2013, 12, 12, 0, 0, tzinfo=UTC)
    questionnaire.closes_at = datetime(2013, 12, 20, 9, 0, tzinfo=UTC)
    rng = random.Random(2013)  # demo answers, seeded to be the same every time  # nosec B311
    answered_at = datetime(2013, 12, 13, 6, 0, tzinfo=UTC)
    for index, enrolment in enumerate(timetable_services.expected_enrolments(course)):
        answers = {}
        for question in questionnaire.questions:
            if question.kind == QuestionKind.RATING and question.session_title == TOP_LECTURE:
                answers[question.id] = 5 if rng.random() < 0.9 else 4
            elif question.kind == QuestionKind.RATING:
                answers[question.id] = rng.choice([3, 4, 4, 4, 5, 5])
            elif question.key == "course:objectives":
                answers[question.id] = "yes"
            elif question.key == "course:most_useful" and index % 3 == 0:
                answers[question.id] = MOST_USEFUL[index % len(MOST_USEFUL)]
            elif question.key == "course:suggestions" and index % 4 == 1:
                answers[question.id] = SUGGESTIONS[index % len(SUGGESTIONS)]
        evaluation_services.submit(questionnaire, enrolment, answers, answered_at)
