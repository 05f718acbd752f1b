"""Adding, listing, renaming, disabling and enabling cooperatives, and their receipt codes.

``tenants`` is a platform table the application role may read but never write. On PostgreSQL
every write here calls one of the owner's ``SECURITY DEFINER`` functions (migration 0009), which
checks its preconditions and writes the coop's audit log; the onboarding flow calls the same
``gerai_create_tenant``. Renaming, disabling, enabling and the receipt code act only on the coop
entered in the transaction: called from outside it, these functions commit the caller's work and
enter the coop for their own transaction, as ``door.switch_to`` does. SQLite (the demo) has no
functions: the same writes and audit rows are made directly.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tenants.audit import AuditEvent
from tenants.context import NoTenantError, current_tenant_id, require_tenant, tenant_context
from tenants.db import TX_TENANT_KEY, db, new_id, utcnow
from tenants.models import TENANT_ACTIVE, TENANT_DISABLED, Tenant, default_code

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
CODE_RE = re.compile(r"^[A-Z0-9]{2,8}$")
RESERVED_SLUGS = frozenset(
    {
        "api",
        "pay",
        "webhooks",
        "static",
        "login",
        "logout",
        "admin",
        "healthz",
        "assets",
        "platform",
        "operator",
        "new",
        "help",
        "docs",
        "favicon.ico",
        "robots.txt",
        "lang",
        "www",
        "mail",
        "password",
        "tenants",
        "sandbox",
    }
)


class ProvisionError(ValueError):
    """Bad input for a platform operation; the message is safe to show an operator."""


class CodeTaken(ProvisionError):
    """Another coop prints its receipts with this code."""


class ReceiptsExist(ProvisionError):
    """The coop has given receipt numbers: its receipt code can no longer change."""


def validate_slug(slug: str) -> str:
    if not SLUG_RE.match(slug or "") or "--" in slug:
        raise ProvisionError(
            "slug must be 3-40 lowercase letters, digits and single hyphens, "
            "not starting or ending with a hyphen"
        )
    if slug in RESERVED_SLUGS:
        raise ProvisionError(f"slug {slug!r} is reserved for the app's own routes; choose another")
    return slug


def validate_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ProvisionError(
            f"unknown time zone {name!r} (e.g. Asia/Jakarta, Asia/Makassar)"
        ) from exc
    return name


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ProvisionError("name is required (at most 200 characters)")
    return name


def validate_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ProvisionError("receipt code must be 2-8 letters A-Z or digits")
    return code


def code_taken(code: str, but: uuid.UUID | None = None) -> bool:
    query = sa.select(Tenant.id).where(Tenant.code == code)
    if but is not None:
        query = query.where(Tenant.id != but)
    return db.session.scalar(query) is not None


def choose_code(slug: str) -> str:
    """The slug's short form (``kmp-sungai-lumpur`` → ``KMP``), with a digit if it is taken."""
    base = re.sub(r"[^A-Z0-9]", "", default_code(slug))[:8].ljust(2, "0")
    code, n = base, 1
    while code_taken(code):
        n += 1
        code = f"{base[: 8 - len(str(n))]}{n}"
    return code


def create_tenant(
    slug: str, name: str, timezone: str = "Asia/Jakarta", *, code: str | None = None,
    actor: str = "",
) -> Tenant:
    """A new coop in the caller's transaction (which must have no coop), audited in its log."""
    slug = validate_slug(slug)
    name = validate_name(name)
    validate_timezone(timezone)
    session = db.session
    if session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise ProvisionError(f"a cooperative with slug {slug!r} already exists")
    code = validate_code(code) if code else choose_code(slug)
    if code_taken(code):
        raise CodeTaken(f"receipt code {code!r} is taken by another cooperative")
    tenant_id = new_id()
    if db.is_postgres:
        _call(
            "SELECT gerai_create_tenant(:t, :slug, :name, :zone, :code, :actor)",
            t=tenant_id, slug=slug, name=name, zone=timezone, code=code, actor=actor,
        )
    else:
        session.add(Tenant(id=tenant_id, slug=slug, name=name, timezone=timezone, code=code))
        session.flush()
        _audit_plain(tenant_id, "tenant.create", actor, slug,
                     {"name": name, "timezone": timezone, "code": code})
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    return tenant


def get_tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise ProvisionError(f"no cooperative with slug {slug!r} (see 'gerai tenants list')")
    return tenant


def list_tenants() -> list[Tenant]:
    return list(db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)))


def set_status(slug: str, enabled: bool, actor: str = "") -> Tenant:
    """Disable or enable a coop (a platform operation, audited in the coop's log)."""
    ref = get_tenant(slug).ref()
    status = TENANT_ACTIVE if enabled else TENANT_DISABLED
    _in_coop(
        ref, "SELECT gerai_set_tenant_status(:t, :status, :actor)",
        {"status": status}, "tenant.enable" if enabled else "tenant.disable", actor, {},
        {"t": ref.id, "status": status, "actor": actor},
    )
    return get_tenant(slug)


def rename_tenant(slug: str, name: str, actor: str = "") -> Tenant:
    ref = get_tenant(slug).ref()
    name = validate_name(name)
    _in_coop(
        ref, "SELECT gerai_rename_tenant(:t, :name, :actor)",
        {"name": name}, "tenant.rename", actor, {"from": ref.name, "to": name},
        {"t": ref.id, "name": name, "actor": actor},
    )
    return get_tenant(slug)


def set_receipt_code(code: str, actor_user_id: uuid.UUID | None = None, actor: str = "") -> str:
    """Change the current coop's receipt code in the caller's transaction, while it has none.

    Raises ``CodeTaken`` when another coop has it and ``ReceiptsExist`` once a receipt number
    was given (printed receipts must keep meaning what they say).
    """
    ref = require_tenant()
    code = validate_code(code)
    if code == ref.code:
        return code
    if code_taken(code, but=ref.id):
        raise CodeTaken(f"receipt code {code!r} is taken by another cooperative")
    if db.is_postgres:
        _call(
            "SELECT gerai_set_receipt_code(:t, :code, :user, :actor)",
            t=ref.id, code=code, user=actor_user_id, actor=actor,
        )
        return code
    if _has_receipts(ref.id):
        raise ReceiptsExist("the cooperative has receipts; its receipt code is fixed")
    db.session.execute(sa.update(Tenant).where(Tenant.id == ref.id).values(code=code))
    _audit_plain(ref.id, "tenant.receipt_code", actor, ref.slug,
                 {"from": ref.code, "to": code}, actor_user_id)
    return code


def has_receipts() -> bool:
    """Whether the current coop has given a receipt number (its code is then fixed)."""
    return _has_receipts(require_tenant().id)


def _has_receipts(tenant_id: uuid.UUID) -> bool:
    counters = sa.table("receipt_counters", sa.column("tenant_id"))
    found = db.session.connection().execute(
        sa.select(sa.literal(1)).select_from(counters).where(counters.c.tenant_id == tenant_id)
    )
    return found.first() is not None


def _in_coop(
    ref: Any, sql: str, values: dict[str, Any], action: str, actor: str,
    details: dict[str, Any], params: dict[str, Any],
) -> None:
    """Run a coop's platform write inside that coop: in the current transaction if it is the
    coop's, otherwise after committing the caller's work, in a transaction of its own."""
    session = db.session
    if current_tenant_id() == ref.id and session.info.get(TX_TENANT_KEY, ref.id) == ref.id:
        _write(ref, sql, values, action, actor, details, params)
        return
    if current_tenant_id() is not None:
        raise NoTenantError("a coop's platform write from inside another coop")
    session.commit()
    with tenant_context(ref):
        _write(ref, sql, values, action, actor, details, params)
        session.commit()


def _write(
    ref: Any, sql: str, values: dict[str, Any], action: str, actor: str,
    details: dict[str, Any], params: dict[str, Any],
) -> None:
    if db.is_postgres:
        _call(sql, **params)
        return
    db.session.execute(sa.update(Tenant).where(Tenant.id == ref.id).values(**values))
    _audit_plain(ref.id, action, actor, ref.slug, details)


def _call(sql: str, **params: Any) -> None:
    """Call an owner function in a savepoint, its refusals turned into ``ProvisionError``s."""
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text(sql), params)
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state == "23505":
            raise CodeTaken("the slug or receipt code is taken by another cooperative") from None
        if state == "GR003":
            raise ReceiptsExist("the cooperative has receipts; its receipt code is fixed") from None
        if state == "GR002":
            raise ProvisionError(str(getattr(exc.orig, "diag", exc).message_primary)) from None
        if state == "GR001":
            raise NoTenantError(str(exc.orig)) from None
        raise


def _audit_plain(
    tenant_id: uuid.UUID, action: str, actor: str, target: str, details: dict[str, Any],
    actor_user_id: uuid.UUID | None = None,
) -> None:
    """SQLite only: the audit row the PostgreSQL function writes, as a plain insert."""
    db.session.connection().execute(
        sa.insert(AuditEvent.__table__).values(
            tenant_id=tenant_id, id=new_id(), at=utcnow(), action=action,
            actor_user_id=actor_user_id, actor=actor[:200], target=target[:200], ip="",
            request_id="", details=details,
        )
    )
