"""A post that leaves out the edit page's version is an outdated page: refused, and what was
typed is kept (WTForms used to fill the missing field from the object, so nothing was
checked). Seen from outside on five edit pages."""

import pytest

from tests.conftest import find_form, make_course, press
from wipo_training.courses.models import Course
from wipo_training.extensions import db


@pytest.mark.parametrize("keep_version", [True, False])
def test_a_course_edit_without_its_version_is_refused(app, web_as, keep_version):
    with app.app_context():
        make_course()
        db.session.commit()
    web = web_as("coordinator")
    form = find_form(web.get("/courses/1/edit"), "Save")
    if not keep_version:  # what a crafted request does: the page's form, its version taken out
        del form.fields["version"]
        form.field_order = [(name, f) for name, f in form.field_order if name != "version"]
    response = press(form, "Save", venue="Typed by hand")
    with app.app_context():
        venue = db.session.get(Course, 1).venue
    if keep_version:
        assert response.status_int == 302 and venue == "Typed by hand"
    else:
        assert response.status_int == 200 and venue != "Typed by hand"
        assert "Someone else saved this course" in response.text
        assert 'value="Typed by hand"' in response.text
