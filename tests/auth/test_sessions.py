"""Issue 16, point 14: a sign-in session has an absolute lifetime (SESSION_ABSOLUTE_LIFETIME,
12 hours by default) on top of the idle timeout, and you see your own sessions (browser,
address, signed in, last seen) with "Sign out everywhere else"."""

from datetime import timedelta

import sqlalchemy as sa
import webtest

from tests.conftest import submit, web_sign_in
from wipo_training.audit import AuditEntry
from wipo_training.auth.models import LoginSession
from wipo_training.extensions import db
from wipo_training.timeutil import utcnow

HOSTILE = "<script>alert(1)</script> =1+1"


def browser(app, address="127.0.0.1", agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": address, "HTTP_USER_AGENT": agent})


def signed_in(web) -> bool:
    return web.get("/").status_int == 200


def age_sessions(app, **changes):
    """Move every session's times back, as if it had begun (or been seen) that long ago."""
    with app.app_context():
        for login_session in db.session.execute(sa.select(LoginSession)).scalars():
            for column, age in changes.items():
                setattr(login_session, column, utcnow() - age)
        db.session.commit()


def test_a_session_ends_after_its_absolute_lifetime_however_busy(app, users):
    web = browser(app)
    web_sign_in(web, users["staff"])
    age_sessions(app, created_at=timedelta(hours=11, minutes=55))
    assert signed_in(web)  # used all day, still within 12 hours
    age_sessions(app, created_at=timedelta(hours=12, minutes=1))
    response = web.get("/")
    assert response.status_int == 302 and response.headers["Location"] == "/login?next=/"
    assert web.get("/api/v1/me", expect_errors=True).status_int == 401


def test_the_lifetime_is_a_setting(app, users):
    app.config["SESSION_ABSOLUTE_LIFETIME"] = timedelta(hours=1)
    web = browser(app)
    web_sign_in(web, users["trainee"])
    age_sessions(app, created_at=timedelta(minutes=61))
    assert not signed_in(web)


def test_your_sessions_and_sign_out_everywhere_else(app, users):
    office = browser(app, "10.1.1.1", "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Office PC")
    phone = browser(app, "10.2.2.2", HOSTILE)
    web_sign_in(office, users["trainee"])
    web_sign_in(phone, users["trainee"])
    other_person = browser(app, "10.3.3.3")
    web_sign_in(other_person, users["coordinator"])

    page = office.get("/account").click("Where you are signed in")
    rows = page.html.select("tbody tr")
    assert len(rows) == 2  # the trainee's two, not the coordinator's
    texts = [" ".join(row.get_text().split()) for row in rows]
    assert any(
        "Office PC" in text and "this browser" in text and "10.1.1.1" in text for text in texts
    )
    assert any(HOSTILE in text and "10.2.2.2" in text for text in texts)
    assert HOSTILE not in page.text  # shown as text, escaped
    assert all(text.count("UTC") == 2 for text in texts)  # signed in, last seen

    response = submit(page, "Sign out everywhere else")
    assert "Signed out everywhere else (1 other session)." in response.follow().text
    assert signed_in(office)
    assert not signed_in(phone)
    assert signed_in(other_person)
    assert len(office.get("/account/sessions").html.select("tbody tr")) == 1
    with app.app_context():
        assert db.session.execute(
            sa.select(AuditEntry.details).where(AuditEntry.action == "user.end_other_sessions")
        ).scalar_one() == {"ended": 1}


def test_last_seen_follows_use_to_within_minutes(app, users):
    web = browser(app)
    web_sign_in(web, users["trainee"])
    age_sessions(app, last_seen_at=timedelta(minutes=3))
    web.get("/")
    with app.app_context():
        seen = db.session.execute(sa.select(LoginSession.last_seen_at)).scalar_one()
    assert utcnow() - seen > timedelta(minutes=2)  # not written on every request
    age_sessions(app, last_seen_at=timedelta(minutes=30))
    web.get("/")
    with app.app_context():
        seen = db.session.execute(sa.select(LoginSession.last_seen_at)).scalar_one()
    assert utcnow() - seen < timedelta(minutes=1)


def test_sessions_idle_past_the_timeout_are_not_listed(app, users):
    web, old = browser(app), browser(app, "10.9.9.9")
    web_sign_in(old, users["trainee"])
    age_sessions(app, last_seen_at=timedelta(hours=3), created_at=timedelta(hours=3))
    web_sign_in(web, users["trainee"])
    rows = web.get("/account/sessions").html.select("tbody tr")
    assert len(rows) == 1 and "this browser" in rows[0].get_text()
