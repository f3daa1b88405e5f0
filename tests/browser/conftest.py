"""Browser fixtures: the app served on a free port with its own database, and Debian's
Chromium driven by Playwright (never a downloaded browser)."""

import os
import re
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import build_app
from wipo_training.demo import load_demo
from wipo_training.extensions import db

CHROMIUM = "/usr/bin/chromium"

#: For walks over every page that check only the HTML the browser gets (axe, narrow screens):
#: the pages are the same whatever the database, so they run once, in the SQLite pass of
#: `make test`; the PostgreSQL pass already renders every page (tests/test_access.py).
html_only = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="checks the rendered HTML only; run in the SQLite pass",
)
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_app(database_url, tmp_path):
    """The app the live server serves, with the demo data loaded."""
    app = build_app(database_url, tmp_path / "live-instance")
    with app.app_context():
        load_demo()
        db.session.commit()
    return app


@pytest.fixture
def live_server(live_app):
    """The app with the demo data, served by a real HTTP server in a thread; yields its URL."""
    app = live_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: make test installs it"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under tests/screenshots/ to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _take(name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _take


# --- the second step of sign-in ---------------------------------------------------------

#: The last time step whose code the helper typed, per (server, account): each sign-in needs a
#: code not used before, and the test settings accept codes a little ahead of the clock.
_last_step: dict[tuple[str, str], int] = {}


def type_second_factor(page, base, email):
    """When the sign-in asks for a code, type the one the demo account's authenticator app
    shows (pyotp, from the published key), as a person does; nothing for other accounts."""
    import pyotp
    from playwright.sync_api import expect

    from wipo_training.demo import DEMO_TOTP_SECRETS

    key = DEMO_TOTP_SECRETS.get(email)
    if key is None:
        return
    expect(page).to_have_url(re.compile(r"/login/code$"))
    totp = pyotp.TOTP(key)
    step = max(totp.timecode(time.time()), _last_step.get((base, email), -1) + 1)
    _last_step[(base, email)] = step
    page.get_by_label("Code").fill(totp.generate_otp(step))
    page.get_by_role("button", name="Verify code").click()


# --- for the button journeys (test_buttons_*.py) ------------------------------------------


class PageWatch:
    """What else happens on a page while a journey runs: the app's confirmations (data-confirm
    opens its <dialog>; answered with ``accept`` by clicking its buttons as a person does,
    as soon as the test's next action or expect finds it open), any browser dialog (an alert
    or confirm means script ran that should not have) and every answer of the server with a
    5xx status."""

    def __init__(self, page):
        self.accept = True
        self.confirmations: list[str] = []
        self.alerts: list[str] = []
        self.server_errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("response", self._response)
        self._confirm = page.locator("dialog.confirm-dialog[open]")
        page.add_locator_handler(self._confirm, self._answer)

    def _answer(self, dialog):
        self.confirmations.append(dialog.locator("#confirm-question").inner_text())
        if self.accept:
            dialog.locator(".confirm-yes").click()
        else:
            dialog.get_by_role("button", name="Go back").click()

    def _dialog(self, dialog):
        self.alerts.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def check(self):
        assert self.alerts == [], "a dialog the app never asks for opened"
        assert self.server_errors == [], "the server failed"


@pytest.fixture
def watch(page):
    """The PageWatch of ``page``: confirmations accepted unless ``watch.accept = False``."""
    watcher = PageWatch(page)
    yield watcher
    watcher.check()


@pytest.fixture
def screenshot_of():
    """Save a full-page screenshot of any page (a second user's) under tests/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _take(some_page, name: str):
        some_page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _take


@pytest.fixture
def other_page(browser, live_server):
    """Another browser window with its own cookies, signed in as ``email`` when one is given:
    the second person of a journey (``other_page("trainee@demo.test")``). Its PageWatch is
    ``.watch`` and is checked at the end like the main page's."""
    from tests.browser.conftest import sign_in

    opened = []

    def _open(email: str | None = None):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        other = context.new_page()
        other.watch = PageWatch(other)
        opened.append(other)
        if email:
            sign_in(other, live_server, email)
        return other

    yield _open
    for other in opened:
        other.context.close()
    for other in opened:
        other.watch.check()


@pytest.fixture
def open_course():
    """Open a course's page as a user finds it: Courses, filtered by the code, its title."""
    from playwright.sync_api import expect

    def _open(some_page, code: str):
        some_page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
        some_page.get_by_label("Title, code or city").fill(code)
        some_page.get_by_role("button", name="Filter").click()
        some_page.get_by_role("row").filter(has_text=code).get_by_role("link").click()
        expect(some_page.get_by_text(code).first).to_be_visible()

    return _open


@pytest.fixture
def course_tab():
    """Click one of a course's tabs (Participants, Timetable, ...) on any of its pages."""

    def _click(some_page, code: str, name: str):
        tabs = some_page.get_by_role("navigation", name=f"{code} pages")
        tabs.get_by_role("link", name=name, exact=True).click()

    return _click


def sign_in(page, base, email):
    """Sign in as a demo account: the password, then its app's code when asked (issue 16)."""
    from playwright.sync_api import expect

    from wipo_training.demo import DEMO_PASSWORD

    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login?next=/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    type_second_factor(page, base, email)
