"""The one audited door for anything that crosses from one cooperative to another.

Resolving a URL slug reads the platform table ``tenants``. Resolving an API token reads the
tenant-owned ``api_tokens`` through the owner's ``gerai_token_owner`` function on PostgreSQL (the
application role cannot read another coop's tokens, nor write any). Switching a unit of work into
a coop that is not the caller's own goes through ``switch_to``, which checks the right first and
writes the switch to that coop's audit log.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tenants import audit
from tenants.context import NoTenantError, TenantRef, current_tenant_id, set_tenant
from tenants.db import TX_TENANT_KEY, db
from tenants.models import Tenant, default_code


def hash_token(token: str) -> str:
    """API tokens are long random strings, so a plain SHA-256 is the right, fast index key."""
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_slug(slug: str) -> TenantRef | None:
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    return tenant.ref() if tenant else None


def resolve_tenant_id(tenant_id: uuid.UUID) -> TenantRef | None:
    tenant = db.session.get(Tenant, tenant_id)
    return tenant.ref() if tenant else None


@dataclass(frozen=True)
class TokenOwner:
    tenant: TenantRef
    user_id: uuid.UUID
    token_id: uuid.UUID
    role: str


# Plain columns and statements built once: these run on every request.
_TENANT = (
    Tenant.id.label("tenant_id"), Tenant.slug, Tenant.name, Tenant.timezone, Tenant.status,
    Tenant.due_day, Tenant.grace_months, Tenant.code,
)
_BY_SLUG = sa.select(*_TENANT).where(Tenant.slug == sa.bindparam("slug"))
# SQLite (the demo) has no functions and no RLS: the token is read as plain columns there.
_TOKENS = sa.table(
    "api_tokens", sa.column("id"), sa.column("tenant_id"), sa.column("user_id"),
    sa.column("role"), sa.column("token_hash"), sa.column("revoked_at"),
)
_BY_TOKEN = (
    sa.select(_TOKENS.c.id, _TOKENS.c.user_id, _TOKENS.c.role, *_TENANT)
    .join(Tenant, Tenant.id == _TOKENS.c.tenant_id)
    .where(_TOKENS.c.token_hash == sa.bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None))
)
# The same statements that also set the coop for the transaction (PostgreSQL RLS reads it): the
# select list is evaluated only for the row found, so an unknown slug enters nothing. The token's
# function enters the coop itself, only when it finds an unrevoked token.
_ENTER = sa.func.set_config("app.tenant_id", sa.cast(Tenant.id, sa.Text), True).label("entered")
_ENTER_BY_SLUG = _BY_SLUG.add_columns(_ENTER)
_ENTER_BY_TOKEN = sa.text(
    "SELECT token_id AS id, user_id, role, tenant_id, slug, name, timezone, status, due_day,"
    " grace_months, code FROM gerai_token_owner(:token_hash)"
)


def _ref(row: sa.Row[Any]) -> TenantRef:
    return TenantRef(
        id=row.tenant_id, slug=row.slug, name=row.name, timezone=row.timezone, status=row.status,
        due_day=row.due_day, grace_months=row.grace_months, code=row.code or default_code(row.slug),
    )


def _resolve_and_enter(
    plain: sa.Executable, entering: sa.Executable, **params: str
) -> tuple[sa.Row[Any], TenantRef] | None:
    """Resolve a platform row and enter its coop in one statement of a coop-less transaction.

    Saves the round trip of a separate ``set_config`` on every request. The transaction must have
    begun with no coop (it could only read platform tables), so nothing read before is exposed.
    """
    session = db.session
    if current_tenant_id() is not None or session.info.get(TX_TENANT_KEY) is not None:
        raise NoTenantError("resolve a coop only from a unit of work that has none yet")
    conn = session.connection()
    row = conn.execute(entering if db.is_postgres else plain, params).first()
    if row is None:
        return None
    ref = _ref(row)
    set_tenant(ref)
    session.info[TX_TENANT_KEY] = ref.id
    return row, ref


def enter_by_slug(slug: str) -> TenantRef | None:
    """The coop of a URL slug, entered for the rest of this transaction; None when unknown."""
    found = _resolve_and_enter(_BY_SLUG, _ENTER_BY_SLUG, slug=slug)
    return found[1] if found is not None else None


def enter_by_token(token: str) -> TokenOwner | None:
    """The coop and user of an API token, the coop entered; None when unknown or revoked."""
    found = _resolve_and_enter(_BY_TOKEN, _ENTER_BY_TOKEN, token_hash=hash_token(token))
    if found is None:
        return None
    row, ref = found
    return TokenOwner(tenant=ref, user_id=row.user_id, token_id=row.id, role=row.role)


def enter_resolved(ref: TenantRef) -> None:
    """Enter the coop a slug or token resolved to, inside the transaction that resolved it.

    That transaction began with no coop (it could only read platform tables), so raising it to
    ``ref`` exposes nothing it read before; it saves a second transaction on every request. A
    transaction already begun for another coop is refused.
    """
    session = db.session
    if session.info.get(TX_TENANT_KEY) not in (None, ref.id):
        raise NoTenantError("refusing to move a transaction from one cooperative to another")
    set_tenant(ref)
    if TX_TENANT_KEY not in session.info:
        return  # no transaction yet: the next one begins for ``ref``
    if db.is_postgres:
        session.connection().exec_driver_sql(
            "SELECT set_config('app.tenant_id', %s, true)", (str(ref.id),)
        )
    session.info[TX_TENANT_KEY] = ref.id


@dataclass(frozen=True)
class Right:
    """Why a unit of work may enter a coop: checked by ``check`` before the switch."""

    kind: str  # "platform" (operator, cron) or "mentor" (an accepted supervision link)
    reason: str
    actor: str = ""
    check: Callable[[TenantRef], bool] | None = None


class DoorRefused(PermissionError):
    pass


def switch_to(target: TenantRef, right: Right) -> TenantRef:
    """End the current transaction, check the right, enter ``target`` and audit the switch there."""
    session = db.session
    session.commit()
    if right.kind not in ("platform", "mentor"):
        raise DoorRefused(f"unknown right {right.kind!r}")
    if right.check is not None and not right.check(target):
        raise DoorRefused(f"{right.kind} right refused for {target.slug}")
    set_tenant(target)
    audit.record(f"door.{right.kind}", actor=right.actor, target=target.slug, reason=right.reason)
    session.flush()
    return target
