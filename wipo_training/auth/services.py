"""Sign-in, sessions, passwords, users and API tokens. Services add and flush; callers commit."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import AuditEntry, record_audit
from ..extensions import db
from ..rules import RuleError
from ..timeutil import utcnow
from .emails import email_skeleton, normalise_email
from .models import ApiToken, Invitation, LoginSession, Role, User, hash_secret

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
API_TOKEN_PREFIX = "wt_"  # noqa: S105  (a marker, not a secret)  # nosec B105
#: How stale a session's "last seen" may get: it is written at most this often.
LAST_SEEN_EVERY = timedelta(minutes=5)


class AuthError(RuleError):
    """A request the rules refuse; the message is for the user."""


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


def _hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


@cache
def _dummy_hash(method: str) -> str:
    """A hash made the way real ones are (same method and cost), made once per method: an
    unknown email is checked against it, so it takes as long as a known one."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def check_password_rules(password: str) -> None:
    """Raise AuthError when ``password`` is too short or too long."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AuthError(f"The password must have at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AuthError(f"The password must have at most {PASSWORD_MAX_LENGTH} characters.")


def user_by_email(email: str) -> User | None:
    """The user with this email, however it is written (case, fullwidth letters, ligatures:
    see auth.emails), or None."""
    return db.session.execute(
        sa.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def create_user(actor, email: str, display_name: str, role: str, password: str | None) -> User:
    """Create an account; the email must be new, look like no other account's, and the role
    must be known."""
    email = normalise_email(email)
    if role not in set(Role):
        raise AuthError(f"Unknown role {role!r}.")
    if not display_name.strip():
        raise AuthError("A display name is required.")
    if user_by_email(email) is not None:
        raise AuthError(f"An account with the email {email} already exists.")
    skeleton = email_skeleton(email)
    look_alike = db.session.execute(
        sa.select(User.email).where(User.email_skeleton == skeleton)
    ).scalar()
    if look_alike is not None:
        raise AuthError(
            f"The email {email} looks like that of an existing account ({look_alike}): "
            "letters of another alphabet that look the same are not allowed beside it."
        )
    user = User(
        email=email,
        email_skeleton=skeleton,
        display_name=display_name.strip(),
        role=role,
        active=True,
    )
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
        check_password_hash(_dummy_hash(_hash_method()), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def start_login_session(user: User, ip_address: str | None, user_agent: str | None) -> str:
    """Open a new server-side session for ``user`` and return its secret for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        LoginSession(
            user=user,
            token_hash=hash_secret(token),
            created_at=now,
            last_seen_at=now,
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
        sa.select(User, LoginSession.id, LoginSession.last_seen_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == sa.bindparam("token_hash"),
            LoginSession.revoked_at.is_(None),
            LoginSession.created_at > sa.bindparam("signed_in_after"),
        )
    )


def _absolute_start(now: datetime) -> datetime:
    """Sessions that began before this have lived their SESSION_ABSOLUTE_LIFETIME."""
    return now - current_app.config["SESSION_ABSOLUTE_LIFETIME"]


def user_for_login_token(token: str) -> User | None:
    """The active user whose open session has this secret, or None. A session older than
    SESSION_ABSOLUTE_LIFETIME is over, however recently it was used."""
    now = utcnow()
    found = db.session.execute(
        _login_statement(),
        {"token_hash": hash_secret(token), "signed_in_after": _absolute_start(now)},
    ).first()
    if found is None or not found.User.active:
        return None
    if found.last_seen_at is None or found.last_seen_at < now - LAST_SEEN_EVERY:
        _touch_login_session(found.id, now)
    user = found.User
    user.login_token = token
    return user


def _touch_login_session(login_session_id: int, now: datetime) -> None:
    """Note that a session was used: the one write a page view makes, at most every
    LAST_SEEN_EVERY, in a short transaction of its own (outside the request's, which may be
    read-only) and unseen by the page cache (it changes no page but the sessions list, which
    says "to within a few minutes")."""
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(LoginSession.__table__)
            .where(LoginSession.__table__.c.id == login_session_id)
            .values(last_seen_at=now)
        )


def open_login_sessions(user: User) -> list[LoginSession]:
    """The sessions of ``user`` that can still be used, the most recently used first: not
    ended, within their absolute lifetime, and not idle past the idle timeout."""
    now = utcnow()
    idle_since = now - current_app.permanent_session_lifetime - LAST_SEEN_EVERY
    last_seen = sa.func.coalesce(LoginSession.last_seen_at, LoginSession.created_at)
    return list(
        db.session.execute(
            sa.select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.revoked_at.is_(None),
                LoginSession.created_at > _absolute_start(now),
                last_seen > idle_since,
            )
            .order_by(last_seen.desc(), LoginSession.id.desc())
        ).scalars()
    )


def end_other_login_sessions(user: User, token: str | None) -> int:
    """Sign ``user`` out everywhere but the session with this secret; how many ended."""
    ended = db.session.execute(
        sa.update(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.revoked_at.is_(None),
            LoginSession.token_hash != hash_secret(token or ""),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    record_audit(user, "user.end_other_sessions", user, ended=ended)
    db.session.flush()
    return ended


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
    _close_open_links(user, utcnow())  # a link sent earlier must not undo this password
    record_audit(user, "user.change_password", user)
    db.session.flush()


def set_password(actor, user: User, new_password: str) -> None:
    """Set a password without the current one (admins, the CLI); every session ends."""
    check_password_rules(new_password)
    user.password_hash = _hash_password(new_password)
    revoke_all_sessions(user)
    _close_open_links(user, utcnow())
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


#: A link made for a new account (no password yet) by an admin or coordinator.
INVITATION_LIFETIME = timedelta(days=14)
#: A link to choose a new password, made by an admin or coordinator for someone who asked.
RESET_LINK_LIFETIME = timedelta(days=3)
#: A link asked for on the sign-in page and sent to the address at once.
REQUESTED_LINK_LIFETIME = timedelta(hours=1)
#: Audit actions: someone asked for a link; and what settles such a request.
LINK_REQUEST_ACTION = "user.password_reset_request"
_SETTLES_REQUEST = (
    "user.invite",
    "user.password_link",
    "user.set_password",
    "user.change_password",
    "user.accept_invitation",
    "user.reset_password",
)
#: A request older than this is no longer shown to the administrators.
LINK_REQUEST_SHOWN_FOR = timedelta(days=14)


@dataclass(frozen=True)
class SignInLink:
    """A secret for a sign-in link (only its hash is stored), when it expires, and whether it
    sets the first password of an account (an invitation) or replaces one (a reset)."""

    token: str
    expires_at: datetime
    new_account: bool
    user: User


def _close_open_links(user: User, now: datetime) -> None:
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )


def _link_lifetime(user: User) -> timedelta:
    """How long a link made by the course team works: a new account's longer than a reset."""
    return INVITATION_LIFETIME if user.password_hash is None else RESET_LINK_LIFETIME


def _new_link(actor, user: User, lifetime: timedelta | None) -> SignInLink:
    """A new single-use link for ``user``; earlier open links stop working."""
    now = utcnow()
    new_account = user.password_hash is None
    lifetime = lifetime or _link_lifetime(user)
    _close_open_links(user, now)
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=hash_secret(token),
            expires_at=now + lifetime,
            created_by_id=getattr(actor, "id", None),
        )
    )
    record_audit(actor, "user.invite" if new_account else "user.password_link", user)
    db.session.flush()
    return SignInLink(token, now + lifetime, new_account, user)


def create_invitation(actor, user: User) -> str:
    """A new single-use link secret for ``user``; earlier open invitations stop working."""
    return _new_link(actor, user, INVITATION_LIFETIME).token


def create_account(
    actor, email: str, display_name: str, role: str, password: str | None, active: bool = True
) -> tuple[User, SignInLink | None]:
    """An admin creates an account. Without a password, an active account gets an invitation
    link (the second value) to choose one; None when a password was given or it is inactive."""
    user = create_user(actor, email, display_name, role, password)
    if not active:
        update_user(actor, user, user.display_name, user.role, False)
    if password is not None or not active:
        return user, None
    return user, _new_link(actor, user, INVITATION_LIFETIME)


def make_sign_in_link(actor, user: User) -> SignInLink:
    """An admin's or coordinator's link for ``user`` to copy or send: an invitation when the
    account has no password yet, a password reset otherwise. Earlier links stop working."""
    if not user.active:
        raise AuthError(f"{user.email} is deactivated: reactivate the account first.")
    return _new_link(actor, user, None)


def request_password_reset(email: str, address: str | None, make_link: bool) -> SignInLink | None:
    """Someone asked for a new password for ``email`` on the sign-in page. The request is
    recorded for the administrators when the account exists and is active; with ``make_link``
    (email is configured) a short-lived link is made to send to that address. None when
    there is no such account, or no link to send: the caller answers the same either way."""
    user = user_by_email(email)
    if user is None or not user.active:
        return None
    record_audit(None, LINK_REQUEST_ACTION, user, address=(address or "")[:45])
    db.session.flush()
    if not make_link:
        return None
    return _new_link(None, user, REQUESTED_LINK_LIFETIME)


def open_invitation(token: str) -> Invitation:
    """The unused, unexpired invitation with this secret; AuthError otherwise."""
    invitation = db.session.execute(
        sa.select(Invitation).where(Invitation.token_hash == hash_secret(token))
    ).scalar_one_or_none()
    if invitation is None or invitation.used_at is not None:
        raise AuthError("This link is not valid or has been used already.")
    if invitation.expires_at < utcnow():
        raise AuthError(
            "This link has expired. Ask for a new one on the sign-in page "
            "(“Forgot your password?”) or ask the coordinator."
        )
    if not invitation.user.active:
        raise AuthError("This account is deactivated.")
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """Set the password of the link's user and use up the link (and any other open one of
    theirs); every session of the user ends."""
    invitation = open_invitation(token)
    check_password_rules(password)
    now = utcnow()
    # Two submissions of the same link at once: only the one that marks it used goes on.
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise AuthError("This link is not valid or has been used already.")
    user = invitation.user
    new_account = user.password_hash is None
    _close_open_links(user, now)
    user.password_hash = _hash_password(password)
    revoke_all_sessions(user)
    record_audit(user, "user.accept_invitation" if new_account else "user.reset_password", user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class SignInState:
    """What an admin or coordinator needs to know to help someone sign in."""

    has_password: bool
    last_sign_in: datetime | None
    #: The open link's dates (it cannot be shown again: only its hash is stored).
    open_link_made: datetime | None
    open_link_expires: datetime | None
    #: When they asked for a new password on the sign-in page, if nothing answered it since.
    asked_at: datetime | None
    #: How long a link made now for them would work.
    next_link_lifetime: timedelta


def password_requests(user_ids) -> dict[int, datetime]:
    """For the given users: when each asked for a new password, when no link was made and no
    password set since (within LINK_REQUEST_SHOWN_FOR)."""
    ids = [str(user_id) for user_id in user_ids]
    if not ids:
        return {}

    def latest(actions, since=None):
        stmt = (
            sa.select(AuditEntry.object_id, sa.func.max(AuditEntry.at))
            .where(
                AuditEntry.object_type == "User",
                AuditEntry.object_id.in_(ids),
                AuditEntry.action.in_(actions),
            )
            .group_by(AuditEntry.object_id)
        )
        if since is not None:
            stmt = stmt.where(AuditEntry.at >= since)
        return dict(db.session.execute(stmt).all())

    asked = latest([LINK_REQUEST_ACTION], utcnow() - LINK_REQUEST_SHOWN_FOR)
    if not asked:
        return {}
    settled = latest(_SETTLES_REQUEST)
    return {
        int(user_id): at
        for user_id, at in asked.items()
        if user_id not in settled or settled[user_id] < at
    }


def sign_in_state(user: User) -> SignInState:
    """Whether ``user`` has a password, signed in, holds an open link, asked for one."""
    open_link = db.session.execute(
        sa.select(Invitation.created_at, Invitation.expires_at)
        .where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
        .limit(1)
    ).first()
    last_sign_in = db.session.execute(
        sa.select(sa.func.max(LoginSession.created_at)).where(LoginSession.user_id == user.id)
    ).scalar()
    return SignInState(
        has_password=user.password_hash is not None,
        last_sign_in=last_sign_in,
        open_link_made=open_link.created_at if open_link else None,
        open_link_expires=open_link.expires_at if open_link else None,
        asked_at=password_requests([user.id]).get(user.id),
        next_link_lifetime=_link_lifetime(user),
    )


def trainee_account(person_id: int) -> User | None:
    """The trainee account linked to a person record, if any (never another role's)."""
    return db.session.execute(
        sa.select(User).where(User.person_id == person_id, User.role == Role.TRAINEE)
    ).scalar_one_or_none()
