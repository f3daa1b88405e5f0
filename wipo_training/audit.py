"""The audit log: who did what to which object, and when."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .timeutil import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One state change, recorded by the service that made it."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The actor's email at the time, kept even if the account is later removed.
    actor_label: Mapped[str] = mapped_column(sa.String(254), default="system")
    action: Mapped[str] = mapped_column(sa.String(80), index=True)  #: e.g. "user.deactivate"
    object_type: Mapped[str | None] = mapped_column(sa.String(80))
    object_id: Mapped[str | None] = mapped_column(sa.String(80))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", lazy="joined")

    def __repr__(self) -> str:
        return (
            f"<AuditEntry {self.action} {self.object_type}:{self.object_id} by {self.actor_label}>"
        )


def record_audit(actor, action: str, obj=None, **details: Any) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (a User or None for the system) on ``obj``."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        details=details,
    )
    db.session.add(entry)
    return entry
