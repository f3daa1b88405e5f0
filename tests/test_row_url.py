"""row_url: a table's links built once are the links url_for builds for each row."""

import pytest
from flask import url_for

from wipo_training.templating import row_url


@pytest.mark.parametrize(
    ("endpoint", "key", "values"),
    [
        ("documents.issue", "enrolment_id", {}),
        ("documents.download", "certificate_id", {}),
        ("documents.approve_name", "person_id", {"course_id": 7}),
        ("courses.course_detail", "course_id", {}),
    ],
)
def test_row_url_is_url_for_with_the_rows_id(app, endpoint, key, values):
    with app.test_request_context("/"):
        pattern = row_url(endpoint, key, **values)
        for row_id in (1, 7, 10, 2_147_480_011, 99_999_999):
            assert pattern.format(row_id) == url_for(endpoint, **values, **{key: row_id})
