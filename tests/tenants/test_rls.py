"""Row-level security is the boundary: proved as the non-owner application role on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

import app.models  # noqa: F401 - the whole registry
from app.auth.models import User
from tenants.context import NoTenantError, tenant_context
from tenants.db import db, tenant_owned_tables
from tests.settings import APP_ROLE


def _raw(sql: str, **params: object) -> list:
    """Raw SQL through the app session (RLS applies, ORM criteria do not)."""
    return list(db.session.execute(sa.text(sql), params))


def test_app_role_is_not_privileged(ctx, database) -> None:
    row = db.session.execute(
        sa.text(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    assert row.current_user == APP_ROLE
    assert row.rolsuper is False and row.rolbypassrls is False
    owned = db.session.execute(
        sa.text(
            "SELECT count(*) FROM pg_tables WHERE schemaname='public' AND tableowner=current_user"
        )
    ).scalar_one()
    assert owned == 0
    from tenants.roles import role_problems

    assert role_problems(db.session.connection()) == []


def test_every_tenant_owned_table_has_forced_rls_and_policies(ctx, owner_engine) -> None:
    tables = tenant_owned_tables()
    assert {"users", "audit_events", "password_links"} <= {t.name for t in tables}
    with owner_engine.connect() as conn:
        for table in tables:
            flags = conn.execute(
                sa.text(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname=:t"
                ),
                {"t": table.name},
            ).one()
            assert flags == (True, True), f"{table.name}: RLS must be enabled and forced"
            commands = set(
                conn.execute(
                    sa.text("SELECT cmd FROM pg_policies WHERE tablename=:t"), {"t": table.name}
                ).scalars()
            )
            assert commands == {"SELECT", "INSERT", "UPDATE", "DELETE"}, table.name
            pk = [c.name for c in table.primary_key.columns]
            assert pk == ["tenant_id", "id"], f"{table.name}: primary key must be (tenant_id, id)"


def test_no_tenant_sees_nothing_and_cannot_insert(ctx, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin")
    with tenant_context(a):
        assert _raw("SELECT count(*) FROM users")[0][0] == 1
        db.session.commit()
    for table in tenant_owned_tables():
        assert _raw(f"SELECT count(*) FROM {table.name}")[0][0] == 0, table.name  # noqa: S608
    db.session.rollback()
    with pytest.raises(DBAPIError, match="row-level security"):
        _raw(
            "INSERT INTO users (tenant_id, id, email, name, role, active, session_version,"
            " created_at)"
            " VALUES (:t, :i, 'x@y.id', '', 'admin', true, 1, now())",
            t=a.id,
            i=uuid.uuid4(),
        )
    db.session.rollback()


def test_tenant_a_sees_none_of_b_also_through_raw_sql(ctx, make_tenant, make_user) -> None:
    a, b = make_tenant(), make_tenant()
    make_user(a, "admin", email="a@a.id")
    make_user(b, "admin", email="b@b.id")
    with tenant_context(a):
        assert [u.email for u in db.session.scalars(sa.select(User))] == ["a@a.id"]
        assert [r.email for r in _raw("SELECT email FROM users")] == ["a@a.id"]
        assert _raw("SELECT count(*) FROM users WHERE tenant_id = :b", b=b.id)[0][0] == 0
        # Updating or deleting B's rows by raw SQL touches nothing.
        assert (
            db.session.execute(sa.text("UPDATE users SET name='x' WHERE email='b@b.id'")).rowcount
            == 0
        )
        assert db.session.execute(sa.text("DELETE FROM users WHERE email='b@b.id'")).rowcount == 0
        db.session.rollback()
    with tenant_context(b):
        assert [r.email for r in _raw("SELECT email FROM users")] == ["b@b.id"]
        db.session.rollback()


def test_raw_insert_into_another_tenant_is_refused(ctx, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    with tenant_context(a):
        with pytest.raises(DBAPIError, match="row-level security"):
            _raw(
                "INSERT INTO users (tenant_id, id, email, name, role, active, session_version,"
                " created_at) VALUES (:t, :i, 'x@y.id', '', 'admin', true, 1, now())",
                t=b.id,
                i=uuid.uuid4(),
            )
        db.session.rollback()


def test_pool_of_one_does_not_leak_tenant(app, database, make_tenant, make_user) -> None:
    from tenants.db import Database

    a = make_tenant()
    make_user(a, "admin")
    single = Database()
    from config.settings import normalise_db_url

    single.configure(normalise_db_url(database["app"]), pool_size=1, max_overflow=0)
    try:
        for finish in ("commit", "rollback"):
            with tenant_context(a):
                s = single.session
                assert s.execute(sa.text("SELECT count(*) FROM users")).scalar_one() == 1
                getattr(s, finish)()
                single.remove()
            s = single.session
            assert s.execute(sa.text("SELECT current_setting('app.tenant_id', true)")).scalar() in (
                "",
                None,
            )
            assert s.execute(sa.text("SELECT count(*) FROM users")).scalar_one() == 0
            single.remove()
    finally:
        single.engine.dispose()


def test_entering_a_resolved_coop_raises_the_platform_transaction_only(
    ctx, make_tenant, make_user
) -> None:
    from tenants.door import enter_resolved, resolve_slug

    a, b = make_tenant(), make_tenant()
    make_user(a, "admin", email="a@a.id")
    make_user(b, "admin", email="b@b.id")
    ref = resolve_slug(a.slug)  # a platform read opens the transaction with no coop
    assert _raw("SELECT count(*) FROM users")[0][0] == 0
    enter_resolved(ref)
    assert [r.email for r in _raw("SELECT email FROM users")] == ["a@a.id"]
    with pytest.raises(NoTenantError, match="one cooperative to another"):
        enter_resolved(b)
    assert _raw("SELECT count(*) FROM users")[0][0] == 1  # still coop A, nothing of B
    db.session.rollback()
