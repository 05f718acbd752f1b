"""Staff users belong to exactly one coop; their id is only meaningful inside it."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, TenantOwned, tenant_fk, utcnow

ROLES = ("admin", "cashier", "pengawas", "mentor")


class User(TenantOwned, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on deactivation or password change: every session cookie made before stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "email"),
        sa.CheckConstraint("role IN ('admin', 'cashier', 'pengawas', 'mentor')", name="role"),
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class PasswordLink(TenantOwned, Base):
    """A one-time, expiring link to set a password (new staff, or a reset by the admin)."""

    __tablename__ = "password_links"

    user_id: Mapped[uuid.UUID] = mapped_column()
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[dt.datetime] = mapped_column()
    used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        tenant_fk(["user_id"], "users"),
        sa.UniqueConstraint("tenant_id", "token_hash"),
    )


class LoginThrottle(TenantOwned, Base):
    """One sign-in counter (email + address, email, or address; keyed by a hash) and its window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64))
    window_start: Mapped[dt.datetime] = mapped_column()
    count: Mapped[int] = mapped_column()

    __table_args__ = (sa.UniqueConstraint("tenant_id", "key"),)


class ApiToken(TenantOwned, Base):
    """The hash of an API token with its user and role; the token is shown once, never kept.

    Tenant-owned under forced RLS like any other row, so no statement of the app can mint a token
    for another coop. The one read before the coop is known, bearer token → coop, user and role, is
    the owner's ``gerai_token_owner`` function (``tenants.door.enter_by_token``).

    The role is the holder's role when the token was made: changing the role or deactivating the
    user revokes the token, so a live token's role is always right and an API request needs no
    read of the user.
    """

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column()
    role: Mapped[str] = mapped_column(sa.String(16))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        tenant_fk(["user_id"], "users"),
        sa.Index("ix_api_tokens_tenant_user", "tenant_id", "user_id"),
        sa.CheckConstraint("role IN ('admin', 'cashier', 'pengawas', 'mentor')", name="role"),
    )
