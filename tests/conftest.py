"""Fixtures: an app on its own migrated database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), clients, users of every role, sign-in helpers."""

import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import webtest
from flask_migrate import upgrade

from config import TestConfig
from wipo_training import create_app
from wipo_training.auth import services as auth_services
from wipo_training.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"
ROLES = ["admin", "coordinator", "staff", "trainee"]
#: The authenticator app secret of the ``users`` whose role requires a second factor.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105  (tests only)  # nosec B105


def build_app(database_url: str, instance_path, **overrides):
    """A test app on ``database_url`` with its own instance folder."""
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_PATH=str(instance_path),
        **overrides,
    )


def reset_postgres_schema(url: str, schema: str = "public") -> None:
    """Drop and recreate ``schema`` so a run starts from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Apply the migrations once per run: into a template SQLite file, or into PostgreSQL."""
    instance = tmp_path_factory.mktemp("instance-template")
    if POSTGRES_URL:
        reset_postgres_schema(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.sqlite'}"
    app = build_app(url, instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url, _snapshot(url)


def _snapshot(url: str) -> dict[str, list[dict]]:
    """The rows the migrations themselves insert (the funds), to restore after each test."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {
            table.name: [dict(r._mapping) for r in conn.execute(sa.select(table))]
            for table in db.metadata.sorted_tables
        }
    engine.dispose()
    return {name: data for name, data in rows.items() if data}


def _truncate_all(url: str, seed: dict[str, list[dict]]) -> None:
    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for table in db.metadata.sorted_tables:
            if seed.get(table.name):
                conn.execute(sa.insert(table), seed[table.name])
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'(SELECT max(id) FROM "{table.name}"))'
                )
    engine.dispose()


@pytest.fixture
def database_url(migrated_database, tmp_path):
    """A database of this test's own: a copy of the SQLite template, or PostgreSQL emptied after."""
    url, seed = migrated_database
    if POSTGRES_URL:
        yield POSTGRES_URL
        _truncate_all(POSTGRES_URL, seed)
    else:
        template = url.removeprefix("sqlite:///")
        path = tmp_path / "test.sqlite"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app_overrides():
    """Config values a test module wants changed; override this fixture to set them."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_overrides):
    """The application. No context is pushed: requests behave as in production."""
    application = build_app(database_url, tmp_path / "instance", **app_overrides)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """An application context, for tests that call services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One active account per role, all with PASSWORD: {role: email}. Roles that must sign in
    with a second factor have one, with TOTP_SECRET; the trainee has none."""
    from wipo_training.auth import two_factor

    with app.app_context():
        for role in ROLES:
            user = auth_services.create_user(
                None, f"{role}@example.test", f"Test {role.title()}", role, PASSWORD
            )
            if two_factor.required_for(user):
                two_factor.install_secret(None, user, TOTP_SECRET)
        db.session.commit()
    return {role: f"{role}@example.test" for role in ROLES}


def totp_code(app, email) -> str:
    """The code ``email``'s authenticator app would show, for the first time step not used
    yet (each sign-in needs a fresh code; tests sign in many times a minute, and the test
    settings accept codes up to TOTP_VALID_WINDOW steps ahead)."""
    import time

    import pyotp

    with app.app_context():
        user = auth_services.user_by_email(email)
        step = max(int(time.time()) // 30, (user.totp_last_step or 0) + 1)
        return pyotp.TOTP(user.totp_secret).generate_otp(step)


def enrol_second_factor(page):
    """On a page that sets up two-factor sign-in: read the key as a person types it into an
    authenticator app, type the app's code; returns (response, secret)."""
    import pyotp

    secret = "".join(page.html.find(id="totp-key")["value"].split())
    response = submit(page, "Turn on two-factor sign-in", code=pyotp.TOTP(secret).now())
    return response, secret


def _asks_for_code(location: str | None) -> bool:
    return urlsplit(location or "").path == "/login/code"


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the form at ``path``, as a browser would read it."""
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return ""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, email, password=PASSWORD, next_url=None):
    """Sign in through the form as the page renders it, and with the code of the account's
    authenticator app when it asks for one; returns the last response."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    response = client_submit(client, url, "Sign in", email=email, password=password)
    if response.status_code == 302 and _asks_for_code(response.headers.get("Location")):
        code = totp_code(client.application, email)
        response = client_submit(client, "/login/code", "Verify code", code=code)
    return response


def logout(client):
    """Press "Sign out" in the page's header."""
    return client_submit(client, "/account", "Sign out")


def client_submit(client, path, button=None, action=None, **fields):
    """For tests that keep Flask's test client: GET ``path``, take the form holding ``button``
    as rendered (every field, hidden ones included), fill ``fields``, post what a browser
    would send for a click on that button."""
    from werkzeug.datastructures import MultiDict

    page = client.get(path)
    rendered = webtest.TestResponse(
        body=page.get_data(), status=page.status, content_type="text/html", charset="utf-8"
    )
    rendered.request = webtest.TestRequest.blank(path)
    form = find_form(rendered, button, action)
    for name, value in fields.items():
        form[name] = value
    buttons = [b for b in _buttons(form) if button is None or button in _button_text(b)]
    name = buttons[0].get("name") if buttons else None
    same_name = [b for b in _buttons(form) if name and b.get("name") == name]
    sent = form.submit_fields(name, index=same_name.index(buttons[0]) if name else None)
    target = urlsplit(form.action or path)
    url = target.path + (f"?{target.query}" if target.query else "")
    return client.open(url, method=form.method, data=MultiDict(sent))


@pytest.fixture
def login_as(client, users):
    """Sign the test client in with a role: ``login_as("coordinator")``."""

    def _login(role):
        response = login(client, users[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login


# --- pages and forms as a browser sees them (WebTest) -----------------------------------


@pytest.fixture
def web(app):
    """The app seen through WebTest: cookies kept, forms submitted as the page renders them."""
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "127.0.0.1"})


def forms_of(page) -> list[webtest.forms.Form]:
    """Every form of ``page``, in document order."""
    return [form for key, form in page.forms.items() if isinstance(key, int)]


def _buttons(form):
    return [
        tag
        for tag in form.html.find_all(["button", "input"])
        if tag.name == "button"
        and tag.get("type", "submit") == "submit"
        or tag.name == "input"
        and tag.get("type") == "submit"
    ]


def _button_text(tag) -> str:
    return " ".join((tag.get_text() if tag.name == "button" else tag.get("value", "")).split())


def find_form(page, button: str | None = None, action: str | None = None):
    """The one form of ``page`` that posts to ``action`` (a path) and has a submit button
    whose text contains ``button``. Fails when none or several match."""
    here = page.request.path
    found = []
    for form in forms_of(page):
        if action is not None and urlsplit(form.action or here).path != action:
            continue
        if button is not None and not any(button in _button_text(b) for b in _buttons(form)):
            continue
        found.append(form)
    assert len(found) == 1, (
        f"{len(found)} forms on {here} with button {button!r} and action {action!r}: "
        f"{[(f.action, [_button_text(b) for b in _buttons(f)]) for f in forms_of(page)]}"
    )
    return found[0]


def press(form, button: str | None = None, **fields):
    """Fill ``fields`` as a person would, then click the submit button whose text contains
    ``button`` (the form's only or first button when not given); the response is followed
    no further."""
    for name, value in fields.items():
        if isinstance(value, tuple) and value and value[0] == "upload":
            form[name] = webtest.Upload(*value[1:])
        else:
            form[name] = value
    buttons = _buttons(form)
    if button is not None:
        buttons = [b for b in buttons if button in _button_text(b)]
        assert buttons, f"no button {button!r} in the form posting to {form.action}"
    if not buttons or not buttons[0].get("name"):
        return form.submit(expect_errors=True)
    tag = buttons[0]
    same_name = [b for b in _buttons(form) if b.get("name") == tag.get("name")]
    return form.submit(tag["name"], index=same_name.index(tag), expect_errors=True)


def submit(page, button: str | None = None, action: str | None = None, **fields):
    """Find the form with ``button`` on ``page``, fill ``fields`` and click the button."""
    return press(find_form(page, button, action), button, **fields)


def web_sign_in(web, email, password=PASSWORD, path="/login"):
    """Sign in through the page's form, as a person does: the password, then the code of the
    account's authenticator app when it asks for one. Returns the last response."""
    response = submit(web.get(path), "Sign in", email=email, password=password)
    if response.status_int == 302 and _asks_for_code(response.headers.get("Location")):
        code = totp_code(web.app, email)
        response = submit(response.follow(), "Verify code", code=code)
    return response


@pytest.fixture
def web_as(web, users):
    """Sign the WebTest browser in with a role: ``web_as("coordinator")``."""

    def _sign_in(role):
        response = web_sign_in(web, users[role])
        assert response.status_int == 302, response.text
        return web

    return _sign_in


# --- factories --------------------------------------------------------------------------


def make_course(actor=None, **values):
    """A course under the FIT/Japan fund, modelled on the 2013 enforcement course."""
    from datetime import date

    from wipo_training.courses import services as course_services
    from wipo_training.courses.models import Fund

    fund = db.session.execute(sa.select(Fund).where(Fund.code == "FIT-JP")).scalar_one()
    defaults = dict(
        fund_id=fund.id,
        title="Training Course on the Enforcement of IP Rights",
        code="ENF-2013",
        edition_year=2013,
        organisers="JPO, WIPO, APIC",
        venue="APIC",
        city="Tokyo",
        country_code="JP",
        start_date=date(2013, 12, 2),
        end_date=date(2013, 12, 13),
        time_zone="Asia/Tokyo",
        objectives="Deepen understanding of IP enforcement.",
        target_audience="Judges and IP office officials",
        capacity=30,
        nomination_deadline=date(2013, 10, 31),
        min_attendance_pct=80,
        evaluation_required=True,
        country_report_required=True,
    )
    defaults.update(values)
    return course_services.create_course(actor, **defaults)


def make_person(
    actor=None, family_name="Nguyen", given_name="Thi Lan", country_code="VN", **values
):
    """A person (with an organisation when one is named)."""
    from wipo_training.participants import services as participant_services

    data = participant_services.PersonData(
        family_name=family_name, given_name=given_name, country_code=country_code, **values
    )
    return participant_services.create_person(actor, data)


def make_session(course, actor=None, day=None, start="09:30", end="12:00", **values):
    """A session of ``course`` (a lecture on its first day unless told otherwise)."""
    from datetime import time

    from wipo_training.timetable import services as timetable_services

    data = dict(
        kind="lecture",
        title="Border Measures against Infringing Goods",
        day=day or course.start_date,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        accept_warnings=True,
    )
    data.update(values)
    accept = data.pop("accept_warnings")
    return timetable_services.save_session(
        actor, course, timetable_services.SessionData(**data), accept_warnings=accept
    )


def create_token(app, email, name="script"):
    """An API token for the user with ``email`` (as the token page makes one)."""
    with app.app_context():
        token = auth_services.create_api_token(auth_services.user_by_email(email), name)
        db.session.commit()
    return token


# --- the access matrix ------------------------------------------------------------------

#: Routes that end the session they are called with; checked last for each role.
SESSION_ENDING = {"auth.logout"}


@pytest.fixture
def url_values(app, users):
    """A sample value for every URL argument, naming objects that exist. The trainee is
    enrolled in the course, so object-level checks let them see it. With ``rules``, used
    by the access matrix (tests/test_access.py) and the downloads (tests/test_downloads.py)."""
    from wipo_training.documents import services as document_services
    from wipo_training.evaluations import services as evaluation_services
    from wipo_training.meetings import services as meeting_services
    from wipo_training.participants import services as participant_services
    from wipo_training.timetable import services as timetable_services

    with app.app_context():
        trainee = auth_services.user_by_email(users["trainee"])
        token = auth_services.create_api_token(trainee, "matrix")
        course = make_course()
        person = make_person(email="trainee@example.test")
        enrolment = participant_services.nominate(None, course, person)
        trainee.person_id = person.id
        invitation = auth_services.create_invitation(None, trainee)
        participant_services.change_enrolment_status(None, enrolment, "accepted")
        visit = make_session(course, kind="site_visit", title="Visit to the JPO")
        report = timetable_services.store_country_report(
            None,
            enrolment,
            "report.pdf",
            b"%PDF-1.4 test",
            Path(app.instance_path) / "country_reports",
            datetime(2013, 11, 1, tzinfo=UTC),
        )
        questionnaire, _added = evaluation_services.generate_questionnaire(None, course)
        document_services.set_override(None, enrolment, True, "Sample for the access matrix")
        db.session.commit()
        certificate = document_services.issue_one(None, enrolment)
        job = document_services.start_batch(None, course, "zip")
        group = meeting_services.create_group(
            None,
            name="Japan-China Joint IP Working Group",
            side_a_country="JP",
            side_a_body="METI",
            side_b_country="CN",
            side_b_body="MOFCOM",
        )
        meeting = meeting_services.create_meeting(None, group, number=6)
        item = meeting_services.save_part(
            None, meeting, "agenda", None, {"title": "Customs cooperation"}
        )
        outcome = meeting_services.save_part(
            None, meeting, "outcomes", None, {"kind": "action", "text": "Propose dates."}
        )
        db.session.commit()
        api_token = trainee.api_tokens[0]
        return {
            "user_id": trainee.id,
            "token_id": api_token.id,
            "filename": "css/app.css",
            "course_id": course.id,
            "enrolment_id": enrolment.id,
            "person_id": person.id,
            "fund_id": course.fund_id,
            "fmt": "csv",
            "day": "2013-12-02",
            "session_id": visit.id,
            "report_id": report.id,
            "question_id": questionnaire.questions[0].id,
            "direction": "up",
            "certificate_id": certificate.id,
            "code": certificate.verification_code,
            "job_id": job.id,
            "token": invitation,
            "working_group_id": group.id,
            "meeting_id": meeting.id,
            "kind": "agenda",
            "item_id": item.id,
            "outcome_id": outcome.id,
        }, token


def rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules()),
        key=lambda rule: (rule.endpoint in SESSION_ENDING, rule.rule),
    )


# --- a server that records what a PDF fetched -------------------------------------------


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records the path of every GET: ``Recorder.hits`` stays empty when nothing was fetched."""

    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """The URL of a local server that records what is fetched from it (``Recorder.hits``)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


# --- an empty database, for the migrations' tests ---------------------------------------


@pytest.fixture
def empty_database_url(tmp_path):
    """An empty database: a new SQLite file, or a fresh schema of its own on PostgreSQL."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    schema = f"migration_test_{uuid.uuid4().hex[:8]}"
    reset_postgres_schema(POSTGRES_URL, schema)
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


# --- the app served by gunicorn, and requests sent at the same moment -------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def kill(self) -> None:
        """kill -9 the master and its workers at once (they share a process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_gunicorn(database_url: str, instance: Path) -> Server:
    """gunicorn with 4 worker processes x 8 threads on ``database_url``, once it answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "WIPO_INSTANCE_PATH": str(instance)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "4",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wipo_training:create_app()",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=2)  # noqa: S310 (loopback)
            return Server(base, process)
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)


@pytest.fixture
def server(app, database_url, tmp_path):
    """The app served by gunicorn on the test database; stopped after the test."""
    started = start_gunicorn(database_url, tmp_path / "srv")
    yield started
    if started.process.poll() is None:
        os.killpg(started.process.pid, signal.SIGTERM)
        started.process.wait(timeout=30)


@pytest.fixture
def served(server):
    """The served app's URL."""
    return server.url


def post_json(url, token, body, with_body=False):
    """POST ``body``; the status, or (status, the JSON answer) ``with_body``."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            status, data = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, data = error.code, error.read()
    return (status, json.loads(data or b"null")) if with_body else status


def all_at_once(calls):
    """Run the calls in threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
