"""The tenant registry: a platform table, free of personal data, read by the door.

The application role may read it but never write it: creating, renaming, disabling and enabling a
coop and setting its receipt code go through owner-owned functions (``tenants.provision``).
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenants.context import TenantRef
from tenants.db import Base, new_id, utcnow

TENANT_ACTIVE = "active"
TENANT_DISABLED = "disabled"


class Tenant(Base):
    """A cooperative: the unit of isolation."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Jakarta")
    status: Mapped[str] = mapped_column(sa.String(16), default=TENANT_ACTIVE)
    due_day: Mapped[int] = mapped_column(sa.SmallInteger, default=15)
    grace_months: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    # Short code printed on receipts and exports (e.g. KMP-2026-000123): unique across the
    # deployment, so no two coops print the same receipt number.
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'disabled')", name="status"),
        sa.CheckConstraint("due_day BETWEEN 1 AND 28", name="due_day"),
    )

    def ref(self) -> TenantRef:
        return TenantRef(
            id=self.id,
            slug=self.slug,
            name=self.name,
            timezone=self.timezone,
            status=self.status,
            due_day=self.due_day,
            grace_months=self.grace_months,
            code=self.code or default_code(self.slug),
        )


def default_code(slug: str) -> str:
    """``kmp-sungai-lumpur`` → ``KMP``; ``kopdes-merah-putih-penuba`` → ``KMPP``."""
    parts = [p for p in slug.split("-") if p]
    first = parts[0] if parts else slug
    if 2 <= len(first) <= 5 or len(parts) == 1:
        return first[:8].upper()
    return "".join(p[0] for p in parts)[:8].upper()
