"""Which course a person may see, for the HTML pages and the API of every domain above."""

from flask import abort
from flask_login import current_user

from ..extensions import db
from .models import Course
from .services import can_see_course


def visible_course_or_404(course_id: int) -> Course:
    """The course, or 404 when it does not exist or the caller may not see it (a course one
    may not see answers as if it did not exist)."""
    course = db.session.get(Course, course_id)
    if course is None or not can_see_course(current_user, course):
        abort(404)
    return course
