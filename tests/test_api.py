"""The JSON API base: OpenAPI document, bearer tokens, the session cookie, JSON errors."""

import sqlalchemy as sa

from tests.conftest import create_token, login
from wipo_training.auth import services as auth_services
from wipo_training.auth.models import ApiToken
from wipo_training.extensions import db


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["info"]["title"] == "wipo_training API"
    assert "/api/v1/me" in document["paths"]


def test_me_with_a_bearer_token(app, client, users):
    token = create_token(app, users["coordinator"])
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {
        "email": "coordinator@example.test",
        "display_name": "Test Coordinator",
        "role": "coordinator",
    }
    assert "Set-Cookie" not in response.headers  # a script gets no session


def test_me_without_credentials_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Bearer" in response.json["message"]


def test_a_wrong_or_revoked_token_is_refused(app, client, users):
    token = create_token(app, users["staff"])
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wt_wrong"}).status_code == 401
    with app.app_context():
        api_token = db.session.execute(sa.select(ApiToken)).scalar_one()
        auth_services.revoke_api_token(None, api_token)
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_deactivated_users_token_is_refused(app, client, users):
    token = create_token(app, users["staff"])
    with app.app_context():
        staff = auth_services.user_by_email(users["staff"])
        auth_services.update_user(None, staff, staff.display_name, staff.role, False)
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_tokens_are_stored_hashed(app, users):
    token = create_token(app, users["staff"])
    with app.app_context():
        stored = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert token not in (stored.token_hash, stored.prefix)
    assert token.startswith(stored.prefix)


def test_the_browser_session_works_for_the_api(client, users):
    login(client, users["trainee"])
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json["role"] == "trainee"


def test_cli_tokens_create_prints_the_token_on_its_last_line(app, users):
    result = app.test_cli_runner().invoke(args=["tokens", "create", users["coordinator"]])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json["email"] == users["coordinator"]


def test_account_page_creates_and_revokes_tokens(app, client, users):
    from tests.conftest import client_submit

    login(client, users["staff"])
    page = client_submit(client, "/account", "Create token", name="nightly export").get_data(
        as_text=True
    )
    assert "cannot be shown again" in page
    token = page.split("readonly")[0].rsplit('value="', 1)[1].split('"')[0]
    assert (
        client.application.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )
    with app.app_context():
        token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    client_submit(client, "/account", "Revoke", action=f"/account/tokens/{token_id}/revoke")
    assert "revoked" in client.get("/account").get_data(as_text=True)
    assert (
        app.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )


def test_nobody_revokes_another_users_token(app, client, users):
    """An attacker's hand-made request with someone else's token id (no page shows one)."""
    from tests.conftest import csrf_token

    create_token(app, users["staff"])
    login(client, users["trainee"])
    with app.app_context():
        token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    response = client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None
