"""axe-core (npm, package.json) on every page the access matrix reaches, for every role, with
the demo data; and on the pages a failed form submission shows, and the trainee's evaluation
form before and after an incomplete submission. Every violation of the WCAG 2.0, 2.1 and 2.2
A and AA rules is listed at the end, with its page, role, rule and element."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import html_only, type_second_factor
from tests.conftest import rules
from tests.test_access import DOWNLOADS
from wipo_training.access import PUBLIC, SIGNED_IN, policy_for
from wipo_training.auth import services as auth_services
from wipo_training.courses.models import Course
from wipo_training.demo import DEMO_PASSWORD
from wipo_training.documents import services as document_services
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting
from wipo_training.participants.models import Enrolment
from wipo_training.timetable.models import CourseSession
from wipo_training.timeutil import utcnow

pytestmark = [pytest.mark.browser, html_only]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ROLES = ["admin", "coordinator", "staff", "trainee", "signed out"]
RUN_AXE = """async tags => {
  // What a disclosure hides (a chart's numbers) is checked too, as when it is open.
  document.querySelectorAll('details').forEach(details => { details.open = true; });
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html})),
  }));
}"""


@pytest.fixture
def demo_values(live_app):
    """A value for every URL argument, naming demo objects the roles can see: the 2013
    enforcement course (the demo trainee's), its sessions, evaluation and a certificate; the
    demo working group's meeting. Also an evaluation open for the trainee (the 2014 course), and
    the course taking nominations (2027)."""
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2013")).scalar_one()
        trainee = auth_services.user_by_email("trainee@demo.test")
        enrolment = db.session.execute(
            sa.select(Enrolment).where(
                Enrolment.course_id == course.id, Enrolment.person_id == trainee.person_id
            )
        ).scalar_one()
        document_services.set_override(None, enrolment, True, "For the accessibility walk")
        db.session.commit()
        certificate = document_services.issue_one(None, enrolment)
        job = document_services.start_batch(None, course, "zip")
        invited = auth_services.create_user(None, "invited@demo.test", "Invited", "trainee", None)
        token = auth_services.create_invitation(None, invited)
        meeting = db.session.execute(
            sa.select(Meeting).where(Meeting.agenda.any(), Meeting.outcomes.any()).limit(1)
        ).scalar_one()
        questionnaire = evaluation_services.questionnaire_for(course)
        visit = db.session.execute(
            sa.select(CourseSession)
            .where(CourseSession.course_id == course.id, CourseSession.kind == "site_visit")
            .order_by(CourseSession.starts_at)
            .limit(1)
        ).scalar_one()
        later = db.session.execute(sa.select(Course).where(Course.code == "ENF-2014")).scalar_one()
        open_one, _ = evaluation_services.generate_questionnaire(None, later)
        open_one.opens_at = utcnow() - timedelta(days=1)
        open_one.closes_at = utcnow() + timedelta(days=1)
        db.session.commit()
        nominating = db.session.execute(sa.select(Course).where(Course.code == "ENF-2027"))
        return {
            "open_course_id": nominating.scalar_one().id,
            "user_id": trainee.id,
            "token_id": 1,
            "filename": "css/app.css",
            "course_id": course.id,
            "enrolment_id": enrolment.id,
            "person_id": trainee.person_id,
            "fund_id": course.fund_id,
            "fmt": "csv",
            "day": course.start_date.isoformat(),
            "session_id": visit.id,
            "report_id": 1,
            "question_id": questionnaire.questions[0].id,
            "direction": "up",
            "certificate_id": certificate.id,
            "code": certificate.verification_code,
            "job_id": job.id,
            "token": token,
            "working_group_id": meeting.working_group_id,
            "meeting_id": meeting.id,
            "kind": "agenda",
            "item_id": meeting.agenda[0].id,
            "outcome_id": meeting.outcomes[0].id,
            "evaluated_course_id": later.id,
        }


def page_urls(app, values, role):
    """The GET pages (not files, not the API) the access policy lets ``role`` open."""
    urls = []
    for rule in rules(app):
        if (
            "GET" not in rule.methods
            or rule.endpoint == "static"
            or rule.rule.startswith("/api/")
            or rule.rule.endswith(DOWNLOADS)
        ):
            continue
        policy = policy_for(rule.endpoint, app)
        if not (
            policy == PUBLIC or role != "signed out" and (policy == SIGNED_IN or role in policy)
        ):
            continue
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        if url not in urls:
            urls.append(url)
    return urls


class Walk:
    """axe-core run on pages; every violation kept as one line of the final message."""

    def __init__(self):
        self.found: list[str] = []
        self.pages = 0

    def check(self, page, role, what=""):
        page.add_script_tag(path=str(AXE))
        self.pages += 1
        where = urlsplit(page.url)
        url = where.path + (f"?{where.query}" if where.query else "")
        for violation in page.evaluate(RUN_AXE, TAGS):
            for node in violation["nodes"]:
                snippet = " ".join(node["html"].split())[:160]
                self.found.append(
                    f"{url}{what} as {role}: {violation['id']} ({violation['impact']}) "
                    f"at {node['target']}: {snippet}"
                )


def new_page(browser):
    # The injected engine is an inline script: the Content-Security-Policy would refuse it.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


#: The fields a person types into.
TYPED = ", ".join(
    [f"input[type={kind}]" for kind in ("text", "email", "number", "date", "tel", "url")]
    + ["input:not([type])", "textarea"]
)


def submit_empty(page, base, url):
    """Open the form at ``url``, empty its text fields and submit it: the page with errors."""
    page.goto(base + url)
    typed = page.locator(TYPED)
    form = page.locator("main form[method=post]").filter(has=typed).first
    for field in form.locator(TYPED).all():
        if field.is_visible():
            field.fill("")
    form.locator("[type=submit]").last.click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()


def test_no_wcag_violation_on_any_page_for_any_role(live_app, live_server, browser, demo_values):
    assert AXE.exists(), "axe-core is missing: make setup-test runs npm ci"
    base, values, walk = live_server, demo_values, Walk()
    for role in ROLES:
        page = new_page(browser)
        if role == "signed out":
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill("admin@demo.test")
            page.get_by_label("Password").fill("not the password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.locator(".alert-danger, .invalid-feedback").first).to_be_visible()
            walk.check(page, role, " (wrong password)")
        else:
            email = f"{role}@demo.test"
            page.goto(f"{base}/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            if role != "trainee":
                expect(page.get_by_label("Code")).to_be_visible()
                walk.check(page, role)
            type_second_factor(page, base, email)
            expect(page).to_have_url(f"{base}/")
        for url in page_urls(live_app, values, role):
            try:
                # Styles are in (the scripts at the end wait for them); images need not be.
                response = page.goto(base + url, wait_until="domcontentloaded")
            except PlaywrightError as error:  # a file: not a page
                if "Download is starting" in error.message:
                    continue
                raise
            if response.status in (403, 404) or urlsplit(page.url).path != urlsplit(url).path:
                continue  # refused, or sent elsewhere (a page of its own in the walk)
            assert response.status == 200, f"{url} as {role}: {response.status}"
            if response.headers.get("content-type", "").startswith("text/html"):
                walk.check(page, role)
        if role in ("admin", "coordinator", "staff"):
            # The course taking nominations: its participants still to accept, confirm.
            for url in (
                f"/courses/{values['open_course_id']}",
                f"/courses/{values['open_course_id']}/participants",
            ):
                page.goto(base + url)
                walk.check(page, role)
        if role in ("admin", "coordinator"):
            c, m = values["course_id"], values["meeting_id"]
            forms = [
                "/courses/new",
                f"/working-groups/{values['working_group_id']}/meetings/new",
                f"/meetings/{m}/edit",
                f"/courses/{c}/participants/new",
                f"/people/{values['person_id']}/edit",
                f"/courses/{c}/evaluation/questions/new",
            ]
            if role == "admin":
                forms.append(f"/funds/{values['fund_id']}/edit")
            for url in forms:
                submit_empty(page, base, url)
                walk.check(page, role, " (errors shown)")
        if role == "trainee":
            page.goto(f"{base}/courses/{values['evaluated_course_id']}/evaluation/answer")
            walk.check(page, role, " (evaluation form)")
            page.get_by_role("button", name="Submit").click()
            # The confirmation (a modal dialog, app.js) is a page state of its own.
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible()
            walk.check(page, role, " (confirmation dialog)")
            dialog.get_by_role("button", name="Submit").click()
            expect(page.get_by_text("Nothing was submitted")).to_be_visible()
            walk.check(page, role, " (incomplete evaluation)")
        page.context.close()
    assert walk.pages > 100
    assert walk.found == [], f"{len(walk.found)} WCAG violations:\n" + "\n".join(walk.found)
