"""The main pages of every role at 320 CSS pixels wide (a 1280-pixel window at 400% zoom,
WCAG 1.4.10 Reflow): the page itself never scrolls sideways; a wide table may scroll inside
its own container (.table-responsive). Screenshots under tests/screenshots/narrow-*.png."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.browser.conftest import SCREENSHOTS, html_only, sign_in
from wipo_training.courses.models import Course
from wipo_training.evaluations import services
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting
from wipo_training.timetable.models import CourseSession
from wipo_training.timeutil import utcnow

pytestmark = [pytest.mark.browser, html_only]

#: What sticks out past the right edge of the window, outside any scrolling container: the
#: elements to fix when the page scrolls sideways.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden") return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (typeof el.className === "string" && el.className ? "." + el.className.trim() : "")
      + " " + JSON.stringify((el.textContent || "").trim().slice(0, 40)));
}"""


def pages_to_see(app) -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the main pages, by the demo account that opens them."""
    with app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2014")).scalar_one()
        # Its evaluation open, for the trainee's form (the demo trainee is in this course).
        questionnaire, _ = services.generate_questionnaire(None, course)
        questionnaire.opens_at = utcnow() - timedelta(days=1)
        questionnaire.closes_at = utcnow() + timedelta(days=1)
        db.session.commit()
        held = (
            db.session.execute(
                sa.select(CourseSession)
                .where(CourseSession.course_id == course.id, CourseSession.kind == "lecture")
                .order_by(CourseSession.starts_at)
            )
            .scalars()
            .first()
        )
        meeting = db.session.execute(sa.select(Meeting).order_by(Meeting.id)).scalars().first()
        # ENF-2013: held, evaluated and closed (charts, rankings, 30 certificates to issue).
        held_2013 = db.session.execute(sa.select(Course.id).where(Course.code == "ENF-2013"))
        c, s, m, c2013 = course.id, held.id, meeting.id, held_2013.scalar_one()
        group = meeting.working_group_id
    course_pages = [
        ("course", f"/courses/{c}"),
        ("participants", f"/courses/{c}/participants"),
        ("by-country", f"/courses/{c}/participants/by-country"),
        ("timetable", f"/courses/{c}/timetable"),
        ("session", f"/sessions/{s}"),
        ("attendance", f"/courses/{c}/attendance"),
        ("evaluation", f"/courses/{c}/evaluation"),
        ("evaluation-results", f"/courses/{c}/evaluation/results"),
        ("certificates", f"/courses/{c}/certificates"),
        ("report", f"/courses/{c}/report"),
    ]
    return {
        "coordinator@demo.test": [
            ("dashboard", "/"),
            ("courses", "/courses/"),
            *course_pages,
            ("mark-attendance", f"/sessions/{s}/attendance"),
            ("evaluation-results-2013", f"/courses/{c2013}/evaluation/results"),
            ("certificates-2013", f"/courses/{c2013}/certificates"),
            ("report-2013", f"/courses/{c2013}/report"),
            ("people", "/people/"),
            ("groups", "/working-groups/"),
            ("group", f"/working-groups/{group}"),
            ("meeting", f"/meetings/{m}"),
            ("statistics", "/statistics"),
            ("statistics-participants", "/statistics/participants"),
            ("account", "/account"),
        ],
        "staff@demo.test": [("dashboard", "/"), *course_pages[:3]],
        "admin@demo.test": [
            ("dashboard", "/"),
            ("users", "/admin/users"),
            ("audit", "/admin/audit"),
        ],
        "trainee@demo.test": [
            ("dashboard", "/"),
            ("courses", "/courses/"),
            ("course", f"/courses/{c}"),
            ("my-timetable", "/my/timetable"),
            ("my-name", "/my/name"),
            ("evaluation", f"/courses/{c}/evaluation/answer"),
            ("my-report", f"/courses/{c}/my-report"),
        ],
    }


#: Boxes wider inside than out (tables scrolling in .table-responsive) that Tab cannot reach
#: or that have no name.
UNREACHABLE_SCROLLERS = """() => [...document.querySelectorAll('.table-responsive')]
    .filter(b => b.scrollWidth > b.clientWidth + 1)
    .filter(b => b.tabIndex !== 0 || b.getAttribute('role') !== 'region'
                 || !b.getAttribute('aria-label'))
    .map(b => b.outerHTML.slice(0, 120))"""


def test_no_page_scrolls_sideways_at_320_pixels(live_app, live_server, browser):
    SCREENSHOTS.mkdir(exist_ok=True)
    wide = []
    for email, pages in pages_to_see(live_app).items():
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        sign_in(page, live_server, email)
        for name, path in pages:
            response = page.goto(f"{live_server}{path}")
            assert response.ok, f"{email} {path}: {response.status}"
            scroll, client = page.evaluate(
                "() => [document.scrollingElement.scrollWidth,"
                " document.scrollingElement.clientWidth]"
            )
            role = email.split("@")[0]
            page.screenshot(path=str(SCREENSHOTS / f"narrow-{role}-{name}.png"), full_page=True)
            if scroll > client + 1:
                wide.append(f"{role} {path}: {scroll} > {client}: {page.evaluate(STICKING_OUT)}")
            # A table that scrolls in its own box: the box takes focus and has a name.
            for box in page.evaluate(UNREACHABLE_SCROLLERS):
                wide.append(f"{role} {path}: a table scrolls but its box cannot be reached: {box}")
        context.close()
    assert wide == [], "\n".join(wide)
