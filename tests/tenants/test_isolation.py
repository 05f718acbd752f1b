"""Cross-coop isolation through the session, on PostgreSQL and on SQLite (the demo default, where
the ORM criteria, the flush guard and the composite keys are the only guard)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.auth.models import PasswordLink, User
from tenants.audit import AuditEvent
from tenants.context import NoTenantError, tenant_context
from tenants.db import db


def test_no_coop_refuses_tenant_owned_reads_and_writes(backend) -> None:
    backend.tenant()
    with backend.app.app_context():
        with pytest.raises(NoTenantError):
            db.session.scalars(sa.select(User)).all()
        db.session.rollback()
        db.session.add(User(email="a@b.id", role="admin"))
        with pytest.raises(NoTenantError):
            db.session.flush()
        db.session.rollback()
        db.remove()


def test_coop_a_reads_and_writes_none_of_bs_users(backend) -> None:
    a, b = backend.tenant(), backend.tenant()
    backend.user(a, email="a@a.id")
    user_b = backend.user(b, email="b@b.id")

    def as_a() -> tuple:
        emails = db.session.scalars(sa.select(User.email)).all()
        got = db.session.get(User, (b.id, user_b))
        updated = db.session.execute(
            sa.update(User).where(User.email == "b@b.id").values(name="x")
        ).rowcount
        deleted = db.session.execute(sa.delete(User).where(User.id == user_b)).rowcount
        db.session.commit()
        return emails, got, updated, deleted

    assert backend.in_coop(a, as_a) == (["a@a.id"], None, 0, 0)
    names = backend.in_coop(b, lambda: db.session.scalars(sa.select(User.name)).all())
    assert names == [""]  # B's user is there, unchanged


def test_composite_fk_refuses_a_reference_to_another_coops_row(backend) -> None:
    a, b = backend.tenant(), backend.tenant()
    user_b = backend.user(b)

    def link() -> None:
        db.session.add(PasswordLink(user_id=user_b, token_hash="x" * 64, expires_at=sa.func.now()))
        with pytest.raises(IntegrityError, match="(?i)foreign key"):
            db.session.flush()

    backend.in_coop(a, link)


def test_the_session_refuses_switching_coops_mid_transaction(backend) -> None:
    a, b = backend.tenant(), backend.tenant()
    with backend.app.app_context(), tenant_context(a):
        db.session.scalars(sa.select(AuditEvent)).all()
        with tenant_context(b):
            with pytest.raises(NoTenantError, match="changed inside a transaction"):
                db.session.scalars(sa.select(AuditEvent)).all()
        db.session.rollback()
        db.remove()


def test_a_row_stamped_for_another_coop_is_refused(backend) -> None:
    a, b = backend.tenant(), backend.tenant()

    def write() -> None:
        db.session.add(User(tenant_id=b.id, email="x@y.id", role="admin"))
        with pytest.raises(NoTenantError):
            db.session.flush()

    backend.in_coop(a, write)
