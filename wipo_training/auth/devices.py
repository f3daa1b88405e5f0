"""Device cookies: a browser that has signed in to an account is known to it.

OWASP's answer to "anyone can lock a user out" ("Slow Down Online Guessing Attacks with
Device Cookies"): a full sign-in (password and second factor) leaves a signed cookie naming
the account and a random nonce. Failed sign-ins from browsers without such a cookie for the
account count towards the account's lockout; a browser with one meets only a limit of its
own (per nonce). A stranger can lock the account for unknown devices, never for its owner's.

The cookie holds the normalised email and a nonce per account signed in on this browser (a
shared computer keeps several, the newest first), signed with the secret key, sent only to
the sign-in pages (``path=/login``). It is no key to anything: the password and second
factor are still asked for.
"""

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .emails import normalise_email

COOKIE_NAME = "device"
COOKIE_PATH = "/login"
#: How long a device stays known without signing in again.
MAX_AGE_SECONDS = 365 * 24 * 3600
#: Accounts remembered per browser.
MAX_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="device-cookie")


def _entries() -> list[list[str]]:
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return []
    try:
        entries = _serializer().loads(value, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, list) and len(entry) == 2]


def device_nonce(email: str) -> str | None:
    """The nonce of this browser's device cookie for the account ``email``, if it holds one."""
    email = normalise_email(email)
    return next((nonce for known, nonce in _entries() if known == email), None)


def remember_device(response, email: str):
    """Set the device cookie on ``response`` after a full sign-in to ``email``."""
    email = normalise_email(email)
    nonce = device_nonce(email) or secrets.token_urlsafe(16)
    entries = [[email, nonce]] + [e for e in _entries() if e[0] != email]
    response.set_cookie(
        COOKIE_NAME,
        _serializer().dumps(entries[:MAX_ACCOUNTS]),
        max_age=MAX_AGE_SECONDS,
        path=COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response
