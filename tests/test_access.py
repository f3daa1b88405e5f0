"""Every route declares who may use it, and the declaration holds for every role.

The rules are walked from ``app.url_map``: a new route without a policy, or without a sample
value for its URL arguments, fails here.
"""

import pytest
import sqlalchemy as sa

from tests.conftest import ROLES, login, rules
from wipo_training.access import PUBLIC, SIGNED_IN, policy_for
from wipo_training.extensions import db

ALL_ROLES = ["anonymous", *ROLES]


@pytest.fixture
def app_overrides():
    # The matrix checks access, not CSRF (tested on its own below); throttling would
    # count the many sign-ins here.
    return {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}


def test_every_route_declares_a_policy(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules() if policy_for(rule.endpoint, app) is None
    ]
    assert undeclared == [], f"routes without an access policy: {undeclared}"


def expected_outcome(policy, role):
    """'allowed', 'login' (sent to sign in) or 'forbidden'."""
    if policy == PUBLIC:
        return "allowed"
    if role == "anonymous":
        return "login"
    if policy == SIGNED_IN or role in policy:
        return "allowed"
    return "forbidden"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_route_for_every_role(app, users, url_values, role):
    values, _ = url_values
    checked = 0
    for rule in rules(app):
        missing = set(rule.arguments) - set(values)
        assert not missing, f"add a sample value for {missing} ({rule.rule}) in url_values"
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        expected = expected_outcome(policy_for(rule.endpoint, app), role)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = app.test_client()
            if role != "anonymous":
                assert login(client, users[role]).status_code == 302
            response = client.open(url, method=method)
            status = response.status_code
            where = f"{method} {url} as {role}: {status}"
            if expected == "allowed":
                assert status not in (401, 403), where
                assert not response.headers.get("Location", "").startswith("/login?next="), where
            elif expected == "login":
                if url.startswith("/api/"):
                    assert status == 401, where
                else:
                    assert status == 302, where
                    assert response.headers["Location"].startswith("/login?next="), where
            else:
                assert status == 403, where
            checked += 1
    assert checked >= 10


def _row_counts():
    return {
        table.name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
        if table.name != "login_sessions"
    }


def test_no_get_route_changes_anything(app, users, url_values):
    """GET every route as an admin: not a single row appears, changes or disappears."""
    values, _ = url_values
    client = app.test_client()
    login(client, users["admin"])
    with app.app_context():
        before = _row_counts()
        audit_before = db.session.execute(sa.text("SELECT max(id) FROM audit_entries")).scalar()
    for rule in rules(app):
        if "GET" in rule.methods:
            url = rule.build({name: values[name] for name in rule.arguments})[1]
            client.get(url)
    with app.app_context():
        assert _row_counts() == before
        assert (
            db.session.execute(sa.text("SELECT max(id) FROM audit_entries")).scalar()
            == audit_before
        )


class TestCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": False}

    def test_every_form_post_needs_a_csrf_token(self, app, users, url_values):
        """Every non-API POST route refuses a request without the token (400), as an admin."""
        values, _ = url_values
        client = app.test_client()
        assert login(client, users["admin"]).status_code == 302
        posts = [r for r in rules(app) if "POST" in r.methods and not r.rule.startswith("/api/")]
        assert posts
        for rule in posts:
            url = rule.build({name: values[name] for name in rule.arguments})[1]
            response = client.post(url, data={"email": "x@example.test", "password": "y"})
            assert response.status_code == 400, (
                f"POST {url} without CSRF token: {response.status_code}"
            )
            assert "Bad request" in response.get_data(as_text=True)


def test_admin_pages_are_for_admins_only(app):
    admin_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    assert admin_rules
    for rule in admin_rules:
        assert policy_for(rule.endpoint, app) == frozenset({"admin"}), rule.rule


#: Routes that answer with a file, not a page (no forms to read).
DOWNLOADS = (".pdf", ".xlsx", ".csv", ".zip", ".ics", ".svg", ".png", ".json")


def duplicated_fields(form) -> list[str]:
    """Names a form sends more than once where one value is expected: a name on two controls
    that are always sent (hidden, text, select, textarea ...), or on one of those and a submit
    button. Radio groups, checkbox lists and same-named submit buttons (only the pressed one is
    sent) are what several controls with one name are for."""
    always, buttons = {}, {}
    for tag in form.find_all(["input", "select", "textarea", "button"]):
        name = tag.get("name")
        if not name or tag.has_attr("disabled"):
            continue
        kind = tag.get("type", "submit" if tag.name == "button" else "text").lower()
        if tag.name in ("select", "textarea"):
            kind = tag.name
        if kind in ("radio", "checkbox", "reset", "button", "image"):
            continue
        target = buttons if kind == "submit" else always
        target[name] = target.get(name, 0) + 1
    return sorted(name for name, count in always.items() if count > 1 or name in buttons)


class TestForms:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": False}

    @pytest.mark.parametrize("role", ROLES + ["anonymous"])
    def test_no_form_renders_a_field_twice(self, app, users, url_values, role):
        """Every form on every page the access matrix reaches, for every role: a field rendered
        twice sends two values, and the server reads the first (an empty hidden one, once)."""
        from bs4 import BeautifulSoup

        values, _ = url_values
        client = app.test_client()
        if role != "anonymous":
            assert login(client, users[role]).status_code == 302
        forms_seen, problems = 0, []
        for rule in rules(app):
            if (
                "GET" not in rule.methods
                or rule.endpoint == "static"
                or (rule.rule.endswith(DOWNLOADS))
            ):
                continue
            url = rule.build({name: values[name] for name in rule.arguments})[1]
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in BeautifulSoup(response.get_data(as_text=True), "html.parser")("form"):
                forms_seen += 1
                if duplicated := duplicated_fields(form):
                    problems.append(f"{url} form → {form.get('action')}: {duplicated}")
        assert forms_seen >= {"anonymous": 2, "trainee": 10}.get(role, 20)
        assert problems == []
