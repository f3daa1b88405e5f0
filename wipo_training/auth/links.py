"""Sign-in links as addresses people open, emailed or shown to copy. Shared by the auth and
admin pages (a module of its own: no module imports a routes.py)."""

from dataclasses import dataclass

from flask import current_app, request, url_for

from ..mail import (
    MailError,
    mail_configured,
    send_after_response,
    send_message,
    sign_in_link_message,
)
from .services import SignInLink


def _trusted_base() -> str | None:
    """PUBLIC_BASE_URL, or the address of this request when Flask checks the Host header
    against TRUSTED_HOSTS; None when neither is configured."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if current_app.config.get("TRUSTED_HOSTS"):
        return request.host_url.rstrip("/")
    return None


def can_email_requested_links() -> bool:
    """Whether a link asked for on the sign-in page can be emailed: an SMTP server, and an
    address for the link that the person asking cannot choose (see ``link_url``)."""
    return mail_configured() and _trusted_base() is not None


def link_url(link: SignInLink, asked_by_them: bool = False) -> str:
    """The address of ``link``. One asked for by an anonymous visitor is built only on a
    trusted base: the Host header is theirs to write, and a link to their own server, sent
    from ours to the account's owner, would hand them the secret (reset link poisoning). A
    link an admin or coordinator makes may use the address they reached us at."""
    endpoint = "auth.accept_invitation" if link.new_account else "auth.reset_password"
    base = _trusted_base()
    if base is None:
        if asked_by_them:
            raise RuntimeError("set PUBLIC_BASE_URL (or TRUSTED_HOSTS) to email reset links")
        base = request.host_url.rstrip("/")
    return base + url_for(endpoint, token=link.token)


@dataclass(frozen=True)
class Delivery:
    """A link made by an admin or coordinator: its address, and whether it was emailed."""

    url: str
    sent: bool
    error: str | None = None


def deliver_link(link: SignInLink) -> Delivery:
    """Email a link an admin or coordinator made, when email is set up; they see it either way."""
    url = link_url(link)
    message = sign_in_link_message(
        link.user.email,
        link.user.display_name,
        url,
        new_account=link.new_account,
        expires_at=link.expires_at,
        asked_by_them=False,
    )
    try:
        return Delivery(url, send_message(message))
    except MailError as exc:
        return Delivery(url, False, str(exc))


def send_requested_link(link: SignInLink) -> None:
    """Email a link asked for on the sign-in page, after the response has gone out."""
    send_after_response(
        sign_in_link_message(
            link.user.email,
            link.user.display_name,
            link_url(link, asked_by_them=True),
            new_account=link.new_account,
            expires_at=link.expires_at,
            asked_by_them=True,
        )
    )
