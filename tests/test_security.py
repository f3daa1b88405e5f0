"""Response headers and error pages."""

import pytest

from tests.conftest import find_form, press, submit


def test_security_headers_on_a_personal_page(web_as):
    response = web_as("staff").get("/account")
    assert response.status_int == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp  # only the app's own origin
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_are_served_locally_and_cacheable(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    assert "cdn" not in page.lower()
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200
    assert b"Bootstrap" in response.data[:200]
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_404_page_in_the_site_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not found" in page and "Skip to main content" in page
    assert "Traceback" not in page


def test_404_in_the_api_is_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and response.json["code"] == 404 and response.json["message"]


def test_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "This address does not accept that kind of request." in response.get_data(as_text=True)


def test_400_page_for_a_missing_csrf_token(web, users):
    form = find_form(web.get("/login"), "Sign in")
    form["csrf_token"].force_value("")  # a form posted from another site has no token
    response = press(form, "Sign in", email=users["staff"], password="x")
    assert response.status_int == 400
    assert "Bad request" in response.text


class TestLimits:
    @pytest.fixture
    def app_overrides(self):
        return {"MAX_CONTENT_LENGTH": 1024, "PROPAGATE_EXCEPTIONS": False}

    def test_413_for_a_too_large_upload(self, web):
        response = submit(web.get("/login"), "Sign in", email="x" * 5000, password="x")
        assert response.status_int == 413
        assert "larger than this site accepts" in response.text

    def test_500_page_never_shows_a_traceback(self, app, client):
        from wipo_training.access import public

        @public
        def explode():
            raise RuntimeError("secret internals")

        app.add_url_rule("/explode", "explode", explode)
        response = client.get("/explode")
        assert response.status_code == 500
        page = response.get_data(as_text=True)
        assert "Something went wrong" in page
        assert "secret internals" not in page and "Traceback" not in page
        api_response = client.get("/api/v1/no-such-thing")
        assert api_response.status_code == 404


def test_max_content_length_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] > 0


def test_403_page_in_the_site_layout(web_as):
    response = web_as("trainee").get("/admin/users", expect_errors=True)
    assert response.status_int == 403
    page = response.text
    assert "Not allowed" in page and "Skip to main content" in page


class TestTrustedHosts:
    @pytest.fixture
    def app_overrides(self):
        return {"TRUSTED_HOSTS": ["training.example.org"]}

    def test_an_address_not_trusted_is_a_plain_400(self, client):
        """With TRUSTED_HOSTS set, a request to another address gets 400 (the error page once
        crashed building its links from that address)."""
        response = client.get("/login", headers={"Host": "evil.example"})
        assert response.status_code == 400
        assert "does not answer at that address" in response.get_data(as_text=True)
        assert client.get("/login", headers={"Host": "training.example.org"}).status_code == 200
