"""Adding, listing, disabling and enabling cooperatives (platform operations)."""

from __future__ import annotations

import re
import zoneinfo

import sqlalchemy as sa

from tenants.db import db
from tenants.models import TENANT_ACTIVE, TENANT_DISABLED, Tenant, default_code

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
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


def create_tenant(slug: str, name: str, timezone: str = "Asia/Jakarta") -> Tenant:
    slug = validate_slug(slug)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ProvisionError("name is required (at most 200 characters)")
    validate_timezone(timezone)
    session = db.session
    if session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise ProvisionError(f"a cooperative with slug {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name, timezone=timezone, code=default_code(slug))
    session.add(tenant)
    session.flush()
    return tenant


def get_tenant(slug: str) -> Tenant:
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise ProvisionError(f"no cooperative with slug {slug!r} (see 'gerai tenants list')")
    return tenant


def list_tenants() -> list[Tenant]:
    return list(db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)))


def set_status(slug: str, enabled: bool) -> Tenant:
    tenant = get_tenant(slug)
    tenant.status = TENANT_ACTIVE if enabled else TENANT_DISABLED
    return tenant
