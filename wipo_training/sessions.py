"""The session cookie, re-signed at most once a minute.

Flask re-signs and re-sends a permanent session's cookie on every response, which slides the
idle timeout (``PERMANENT_SESSION_LIFETIME``: a cookie not used for that long is refused).
Doing it once a minute keeps the same timeout to the minute and saves the signing and the
``Set-Cookie`` header on almost every request. A changed session is saved at once, as before.
"""

import time

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER_SECONDS = 60


class TimedSession(SecureCookieSession):
    #: When the cookie this session came from was signed (None: a new session).
    signed_at: float | None = None


class SessionInterface(SecureCookieSessionInterface):
    session_class = TimedSession

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or time.time() - signed_at >= REFRESH_AFTER_SECONDS
