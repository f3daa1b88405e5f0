"""The second factor: codes from an authenticator app (TOTP, RFC 6238, with pyotp) and ten
single-use recovery codes (stored as hashes). Services add and flush; callers commit.

Which roles must have one is a setting (TWO_FACTOR_REQUIRED_ROLES); anyone else may turn it
on. A code is accepted once: the time step of the last accepted code is kept, and a code of
that step or an earlier one is refused (RFC 6238, section 5.2), claimed in one UPDATE so that
two requests with the same code cannot both pass.
"""

import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from werkzeug.security import check_password_hash

from ..audit import record_audit
from ..extensions import db
from ..timeutil import utcnow
from .models import RecoveryCode, User, hash_secret
from .services import AuthError, revoke_all_sessions

#: The name authenticator apps show beside the account.
ISSUER = "WIPO Training"
RECOVERY_CODE_COUNT = 10
#: Recovery codes: 16 characters of Crockford's base 32 (80 random bits), in groups of four.
_RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RECOVERY_READ_AS = str.maketrans({"o": "0", "i": "1", "l": "1"})

#: What a code typed at sign-in turned out to be.
ACCEPTED, USED, WRONG = "accepted", "used", "wrong"


def required_for(user: User) -> bool:
    """Whether ``user``'s role must sign in with a second factor."""
    return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


def second_step(user: User) -> str | None:
    """What ``user`` must do after the right password: "code" (type one), "enrol" (set up an
    authenticator app first, their role requires one), or None (nothing more)."""
    if user.has_second_factor:
        return "code"
    if required_for(user):
        return "enrol"
    return None


def new_secret() -> str:
    """A new random TOTP secret (160 bits, base 32), to be confirmed with a code."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (segno), with a title for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, title="QR code for your authenticator app", dark="#000", light="#fff"
    )
    # segno's own drawing: path data and the fixed title, no text of the user's.
    return Markup(svg)  # noqa: S704  # nosec B704


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _window() -> int:
    return current_app.config["TOTP_VALID_WINDOW"]


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The earliest time step within the window, after ``after``, whose code is ``code``."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    first = now - _window() if after is None else max(now - _window(), after + 1)
    for step in range(first, now + _window() + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _is_totp_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def check_code(user: User, code: str) -> str:
    """ACCEPTED when ``code`` is a code of ``user``'s authenticator app not used before, or
    one of their unused recovery codes (which is then used up); USED for an app code of an
    earlier sign-in; WRONG otherwise."""
    code = _clean(code)
    if user.totp_secret is None or not code:
        return WRONG
    if not _is_totp_code(code):
        return _use_recovery_code(user, code)
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        earlier = _matching_step(user.totp_secret, code, None)
        return USED if earlier is not None else WRONG
    claimed = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another request took this step (or a later one) first
        return USED
    user.totp_last_step = step
    return ACCEPTED


def _use_recovery_code(user: User, code: str) -> str:
    code_hash = hash_secret(code.translate(_RECOVERY_READ_AS))
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    ).rowcount
    if used != 1:
        return WRONG
    record_audit(user, "user.recovery_code_used", user, left=recovery_codes_left(user))
    return ACCEPTED


def recovery_codes_left(user: User) -> int:
    """How many of ``user``'s recovery codes are unused."""
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for ``user`` (returned to show once); the old ones stop working."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_secret(code.replace("-", "")))
        for code in codes
    )
    record_audit(user, "user.recovery_codes_new", user)
    db.session.flush()
    return codes


@dataclass(frozen=True)
class Enrolment:
    """A second factor just turned on: the recovery codes to show once."""

    recovery_codes: list[str]


def turn_on(user: User, secret: str, code: str) -> Enrolment:
    """Turn on the second factor with ``secret``, once ``code`` shows the app has it; ten
    recovery codes come with it. AuthError when the code is not the app's code of now."""
    code = _clean(code)
    step = _matching_step(secret, code, None) if _is_totp_code(code) else None
    if step is None:
        raise AuthError(
            "That is not the code your app shows now. Check that the app has the key below "
            "and that the clock of your phone is right, then type the code it shows."
        )
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step  # the code just typed cannot sign in again
    record_audit(user, "user.two_factor_on", user)
    db.session.flush()
    return Enrolment(new_recovery_codes(user))


def install_secret(actor, user: User, secret: str) -> None:
    """Give ``user`` a second factor with a secret chosen beforehand (the demo accounts,
    whose secrets are published; and tests), without recovery codes."""
    pyotp.TOTP(secret).now()  # a secret that is not base 32 fails here, not at sign-in
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    record_audit(actor, "user.two_factor_on", user)
    db.session.flush()


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def turn_off(user: User, password: str) -> None:
    """The user turns their second factor off, with their password; not when their role
    requires one."""
    if required_for(user):
        raise AuthError(f"Your role ({user.role_label}) must sign in with a second factor.")
    if user.password_hash is None or not check_password_hash(user.password_hash, password):
        raise AuthError("The password is not correct.")
    _clear(user)
    record_audit(user, "user.two_factor_off", user)
    db.session.flush()


def reset(actor, user: User) -> None:
    """An admin removes ``user``'s second factor (a lost phone): every session of the user
    ends, and at the next sign-in they set up a new one if their role requires it."""
    if actor is not None and actor.id == user.id:
        raise AuthError("You cannot reset your own second factor: ask another administrator.")
    if not user.has_second_factor:
        raise AuthError(f"{user.email} has no second factor to reset.")
    _clear(user)
    revoke_all_sessions(user)
    record_audit(actor, "user.two_factor_reset", user)
    db.session.flush()
