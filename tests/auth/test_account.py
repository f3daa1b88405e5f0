"""The account page: API tokens, shown to trainees only when they ask for them."""

from tests.conftest import submit


def token_section(page):
    return page.html.find(id="tokens-heading").find_parent("section")


def test_trainees_see_api_tokens_only_when_they_ask(web_as):
    """Issue 15, point 12: a trainee needs no token to use the site; the section is a closed
    disclosure until opened (or until they hold a token)."""
    web = web_as("trainee")
    page = web.get("/account")
    disclosure = token_section(page).find("details")
    assert disclosure is not None and not disclosure.has_attr("open")
    assert "For scripts: API tokens" in disclosure.find("summary").get_text()
    assert disclosure.find("button", string="Create token") is not None
    # Asked for: the form inside works as rendered, and the section then stays open.
    response = submit(page, "Create token", name="<script>alert(1)</script>")
    assert response.status_int == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    page = web.get("/account")
    assert token_section(page).find("details").has_attr("open")
    submit(page, "Revoke")
    assert not token_section(web.get("/account")).find("details").has_attr("open")


def test_other_roles_see_api_tokens_at_once(web_as):
    web = web_as("coordinator")
    page = web.get("/account")
    section = token_section(page)
    assert section.find("details") is None
    assert section.find("h2").get_text() == "API tokens"
    response = submit(page, "Create token", name="=1+1 nightly export")
    assert "Copy it now" in response.text
    assert "=1+1 nightly export" in web.get("/account").text
