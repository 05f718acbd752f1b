"""Both backends for the isolation tests: PostgreSQL (RLS behind the ORM criteria) and SQLite (the
embedded demo default, where the criteria and the composite keys are the only guard)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from app.auth import services as auth
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tenants.provision import create_tenant
from tests.conftest import PASSWORD


@dataclass
class Backend:
    """An app on one backend with helpers that make coops and staff in short app contexts."""

    name: str
    app: Flask

    def tenant(self, slug: str | None = None) -> TenantRef:
        slug = slug or f"coop-{uuid.uuid4().hex[:8]}"
        with self.app.app_context():
            ref = create_tenant(slug, f"Koperasi {slug}").ref()
            db.session.commit()
            db.remove()
        return ref

    def user(self, tenant: TenantRef, role: str = "admin", email: str | None = None) -> uuid.UUID:
        with self.app.app_context(), tenant_context(tenant):
            user = auth.create_user(
                email or f"{role}-{uuid.uuid4().hex[:6]}@example.id", role, auth.SYSTEM,
                password=PASSWORD,
            )
            user_id = user.id
            db.session.commit()
            db.remove()
        return user_id

    def in_coop(self, tenant: TenantRef, work: Callable[[], object]) -> object:
        with self.app.app_context(), tenant_context(tenant):
            try:
                return work()
            finally:
                db.session.rollback()
                db.remove()


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request: pytest.FixtureRequest, database: dict[str, str]) -> Iterator[Backend]:
    """``database`` is asked for by name so the suite's cleanup empties PostgreSQL afterwards."""
    fixture = "app" if request.param == "postgresql" else "sqlite_app"
    yield Backend(request.param, request.getfixturevalue(fixture))
