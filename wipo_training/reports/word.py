"""Word copies of the course report and the evaluation report: the PDFs' templates and data
(``services.course_report``, ``services.evaluation_report``) written as .docx."""

from ..courses.models import Course
from ..evaluations import services as evaluation_services
from ..word import render_docx
from . import services


def course_report_docx(course: Course) -> bytes:
    """The course report as the PDF prints it, as a Word document."""
    return render_docx(
        "pdf/reports/course_report.html",
        {"course": course, "report": services.course_report(course)},
    )


def evaluation_report_docx(course: Course) -> bytes | None:
    """The evaluation report as a Word document; None when the course has no questionnaire."""
    questionnaire = evaluation_services.questionnaire_for(course)
    if questionnaire is None:
        return None
    return render_docx(
        "pdf/reports/evaluation_report.html",
        {"course": course, "report": services.evaluation_report(course, questionnaire)},
    )
