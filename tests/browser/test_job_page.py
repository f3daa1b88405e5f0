"""The page of a batch job follows it without reloading itself (no meta refresh, which sends
a screen reader back to the top every two seconds): the status, then the Download link."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from wipo_training.courses.models import Course
from wipo_training.documents import services as document_services
from wipo_training.extensions import db

pytestmark = pytest.mark.browser


def test_the_job_page_shows_the_job_ending_without_a_reload(live_app, live_server, page):
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2013")).scalar_one()
        job = document_services.start_batch(None, course, "pdf")
        db.session.commit()
        job_id = job.id  # queued: no worker runs in the tests until the test runs it below
    sign_in(page, live_server, "coordinator@demo.test")
    page.goto(f"{live_server}/jobs/{job_id}")
    expect(page.get_by_text("Status: queued.")).to_be_visible()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    page.evaluate("window.sameDocument = true")
    with live_app.app_context():
        document_services.run_batch(job_id)
    expect(page.get_by_text("Status: done.")).to_be_visible()
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    assert page.evaluate("window.sameDocument === true"), "the page reloaded itself"
