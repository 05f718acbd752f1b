"""The per-coop audit log: who did what, when and from where — never a password, token or secret."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, TenantOwned, db, utcnow

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
_FORBIDDEN_KEYS = ("password", "token", "secret", "key", "hash")


class AuditEvent(TenantOwned, Base):
    __tablename__ = "audit_events"

    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(64))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    actor: Mapped[str] = mapped_column(sa.String(200), default="")
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (sa.Index("ix_audit_events_tenant_at", "tenant_id", "at"),)


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    """Drop anything that looks like a secret, so a careless caller cannot log one."""
    return {
        k: v for k, v in details.items() if not any(word in k.lower() for word in _FORBIDDEN_KEYS)
    }


def record(
    action: str,
    *,
    actor_user_id: uuid.UUID | None = None,
    actor: str = "",
    target: str = "",
    ip: str = "",
    request_id: str = "",
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current coop's log in the caller's transaction."""
    event = AuditEvent(
        action=action,
        actor_user_id=actor_user_id,
        actor=actor[:200],
        target=target[:200],
        ip=ip[:64],
        request_id=request_id[:64],
        details=_clean(details),
    )
    db.session.add(event)
    return event
