"""Users, their sign-in sessions and API tokens."""

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a user may do. A trainee is later linked to a person record."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    STAFF = "staff"
    TRAINEE = "trainee"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def hash_secret(secret: str) -> str:
    """SHA-256 of a random secret (session or API token): enough for 256-bit random values."""
    return hashlib.sha256(secret.encode()).hexdigest()


class User(UserMixin, db.Model):
    """Someone who can sign in."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin', 'coordinator', 'staff', 'trainee')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored normalised (NFKC case fold, see auth.emails); sign-in normalises what is typed.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: The UTS #39 skeleton of the email: no two accounts look alike (auth.emails). None only
    #: for an account that looked like an older one when the column was added (migration 0013).
    email_skeleton: Mapped[str | None] = mapped_column(sa.String(1024), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    #: Werkzeug scrypt hash; None means the account cannot sign in with a password yet.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A trainee's own person record (their courses, their certificates).
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), unique=True
    )

    #: Bumped to reset the secret address of the user's calendar feed (see timetable.calendars).
    calendar_version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    #: Second factor: the base32 secret shared with the user's authenticator app (TOTP,
    #: RFC 6238); None when the user has none.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The 30-second time step of the last code accepted: no code is accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    person = relationship("Person")
    login_sessions: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    api_tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: The secret of the sign-in session this request belongs to (not stored; see get_id).
    login_token = None

    def __repr__(self) -> str:
        return f"<User {self.email} ({self.role})>"

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        """Flask-Login keeps this in the cookie: the login session's secret, not the user id,
        so that ending that session on the server makes every copy of the cookie useless."""
        return self.login_token

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None


class LoginSession(db.Model):
    """One sign-in from one browser. The cookie carries its secret; the table its hash."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Sign-in time: the session ends SESSION_ABSOLUTE_LIFETIME after it, however busy.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the session was last used, to within a few minutes (services.LAST_SEEN_EVERY).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship(back_populates="login_sessions")

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"


class ApiToken(db.Model):
    """A bearer token for scripts, shown once and stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the token, so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app, shown once, stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"


class Invitation(db.Model):
    """A single-use, expiring link with which a new user sets a password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Invitation for user {self.user_id}>"
