"""The current cooperative of this request or job, kept in a ContextVar.

Set once per request from the URL (or per job from its explicit ``tenant_id``) and always cleared
afterwards, also after errors, so nothing carries over to the next unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class TenantRef:
    """Plain values of a tenant, safe to keep after a session is closed or rolled back."""

    id: uuid.UUID
    slug: str
    name: str
    timezone: str = "Asia/Jakarta"
    status: str = "active"
    due_day: int = 15
    grace_months: int = 3
    code: str = ""

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class NoTenantError(RuntimeError):
    """A tenant-owned query or write was attempted with no cooperative set: fail closed."""


_current: ContextVar[TenantRef | None] = ContextVar("gerai_current_tenant", default=None)


def current_tenant() -> TenantRef | None:
    return _current.get()


def current_tenant_id() -> uuid.UUID | None:
    ref = _current.get()
    return ref.id if ref else None


def require_tenant() -> TenantRef:
    ref = _current.get()
    if ref is None:
        raise NoTenantError("no cooperative is set for this unit of work")
    return ref


def set_tenant(ref: TenantRef | None) -> None:
    """Set the tenant for the rest of this context; callers pair it with ``clear_tenant``."""
    _current.set(ref)


def clear_tenant() -> None:
    _current.set(None)


@contextmanager
def tenant_context(ref: TenantRef | None) -> Iterator[TenantRef | None]:
    """Run a block as ``ref`` and restore what was there before, whatever happens inside."""
    token = _current.set(ref)
    try:
        yield ref
    finally:
        _current.reset(token)
