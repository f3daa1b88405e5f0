"""Sign-in, sessions, passwords, users and API tokens. Services add and flush; callers commit."""

import secrets
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import record_audit
from ..extensions import db
from ..timeutil import utcnow
from .models import ApiToken, Invitation, LoginSession, Role, User, hash_secret

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
API_TOKEN_PREFIX = "wt_"  # noqa: S105  (a marker, not a secret)  # nosec B105

# A hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt:1024:8:1")


class AuthError(ValueError):
    """A request the rules refuse; the message is for the user."""


def _hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def check_password_rules(password: str) -> None:
    """Raise AuthError when ``password`` is too short or too long."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AuthError(f"The password must have at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AuthError(f"The password must have at most {PASSWORD_MAX_LENGTH} characters.")


def user_by_email(email: str) -> User | None:
    """The user with this email (any case), or None."""
    return db.session.execute(
        sa.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def create_user(actor, email: str, display_name: str, role: str, password: str | None) -> User:
    """Create an account; the email must be new and the role known."""
    email = email.strip().lower()
    if role not in set(Role):
        raise AuthError(f"Unknown role {role!r}.")
    if not display_name.strip():
        raise AuthError("A display name is required.")
    if user_by_email(email) is not None:
        raise AuthError(f"An account with the email {email} already exists.")
    user = User(email=email, display_name=display_name.strip(), role=role, active=True)
    if password is not None:
        check_password_rules(password)
        user.password_hash = _hash_password(password)
    db.session.add(user)
    db.session.flush()
    record_audit(actor, "user.create", user, email=email, role=role)
    return user


def update_user(actor, user: User, display_name: str, role: str, active: bool) -> User:
    """Change name, role or active flag; deactivation ends every session of the user."""
    if role not in set(Role):
        raise AuthError(f"Unknown role {role!r}.")
    if actor is not None and actor.id == user.id and (not active or role != user.role):
        raise AuthError("You cannot deactivate yourself or change your own role.")
    changes = {}
    for field, value in (
        ("display_name", display_name.strip()),
        ("role", role),
        ("active", active),
    ):
        if getattr(user, field) != value:
            changes[field] = [getattr(user, field), value]
            setattr(user, field, value)
    if not changes:
        return user
    if "active" in changes and not active:
        revoke_all_sessions(user)
    if "role" in changes:
        revoke_all_sessions(user)  # a role change takes effect at the next sign-in
    record_audit(actor, "user.update", user, **changes)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same time either way)."""
    user = user_by_email(email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def start_login_session(user: User, ip_address: str | None, user_agent: str | None) -> str:
    """Open a new server-side session for ``user`` and return its secret for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user=user,
            token_hash=hash_secret(token),
            ip_address=(ip_address or "")[:45] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    db.session.flush()
    user.login_token = token
    record_audit(user, "user.login", user)
    return token


@cache
def _login_statement():
    """The session's user: built once (building it cost more than running it)."""
    return (
        sa.select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == sa.bindparam("token_hash"),
            LoginSession.revoked_at.is_(None),
        )
    )


def user_for_login_token(token: str) -> User | None:
    """The active user whose open session has this secret, or None."""
    user = db.session.execute(
        _login_statement(), {"token_hash": hash_secret(token)}
    ).scalar_one_or_none()
    if user is None or not user.active:
        return None
    user.login_token = token
    return user


def end_login_session(user: User, token: str | None) -> None:
    """Revoke the session with this secret (sign-out)."""
    if not token:
        return
    record_audit(user, "user.logout", user)
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == hash_secret(token), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_sessions(user: User) -> None:
    """Revoke every open session of ``user``, on every browser."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; every session of the user ends."""
    if user.password_hash is None or not check_password_hash(user.password_hash, current_password):
        raise AuthError("The current password is not correct.")
    check_password_rules(new_password)
    user.password_hash = _hash_password(new_password)
    revoke_all_sessions(user)
    record_audit(user, "user.change_password", user)
    db.session.flush()


def set_password(actor, user: User, new_password: str) -> None:
    """Set a password without the current one (admins, the CLI); every session ends."""
    check_password_rules(new_password)
    user.password_hash = _hash_password(new_password)
    revoke_all_sessions(user)
    record_audit(actor, "user.set_password", user)
    db.session.flush()


def create_api_token(user: User, name: str) -> str:
    """Create a bearer token for ``user`` and return it; only its hash is stored."""
    if not user.active:
        raise AuthError(f"{user.email} is deactivated.")
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        user=user, name=name.strip() or "token", token_hash=hash_secret(token), prefix=token[:10]
    )
    db.session.add(api_token)
    db.session.flush()
    record_audit(user, "api_token.create", api_token, name=api_token.name)
    return token


def revoke_api_token(actor, api_token: ApiToken) -> None:
    """Revoke a token; later requests with it are refused."""
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        record_audit(actor, "api_token.revoke", api_token, name=api_token.name)
        db.session.flush()


def user_for_api_token(token: str) -> User | None:
    """The active user owning this unrevoked token, or None."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    return db.session.execute(
        sa.select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_secret(token),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).scalar_one_or_none()


INVITATION_LIFETIME = timedelta(days=14)


def create_invitation(actor, user: User) -> str:
    """A new single-use link secret for ``user``; earlier open invitations stop working."""
    now = utcnow()
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=hash_secret(token),
            expires_at=now + INVITATION_LIFETIME,
            created_by_id=getattr(actor, "id", None),
        )
    )
    record_audit(actor, "user.invite", user)
    db.session.flush()
    return token


def open_invitation(token: str) -> Invitation:
    """The unused, unexpired invitation with this secret; AuthError otherwise."""
    invitation = db.session.execute(
        sa.select(Invitation).where(Invitation.token_hash == hash_secret(token))
    ).scalar_one_or_none()
    if invitation is None or invitation.used_at is not None:
        raise AuthError("This invitation link is not valid or has been used already.")
    if invitation.expires_at < utcnow():
        raise AuthError("This invitation link has expired. Ask the coordinator for a new one.")
    if not invitation.user.active:
        raise AuthError("This account is deactivated.")
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """Set the password of the invited user and use up the invitation."""
    invitation = open_invitation(token)
    check_password_rules(password)
    invitation.used_at = utcnow()
    user = invitation.user
    user.password_hash = _hash_password(password)
    revoke_all_sessions(user)
    record_audit(user, "user.accept_invitation", user)
    db.session.flush()
    return user
