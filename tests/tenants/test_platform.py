"""Platform tables: the application role reads them and never writes them; API tokens are
tenant-owned; every write that must touch a platform row goes through an owner function that acts
only on the coop entered in the transaction."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

import app.models  # noqa: F401 - the whole registry
from app.auth import services as auth
from tenants.audit import AuditEvent
from tenants.context import NoTenantError, tenant_context
from tenants.db import db
from tenants.door import enter_by_token, hash_token
from tenants.roles import PLATFORM_TABLES
from tests.settings import APP_ROLE, OWNER_ROLE


def _tables_with_tenant_id(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text(
        "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t"
        " USING (table_schema, table_name) WHERE c.table_schema = 'public'"
        " AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' ORDER BY 1"
    )).scalars())


def _forced(conn: sa.Connection, table: str) -> bool:
    return conn.execute(
        sa.text("SELECT relrowsecurity AND relforcerowsecurity FROM pg_class"
                " WHERE oid = ('public.' || :t)::regclass"),
        {"t": table},
    ).scalar_one()


def _app_writes(conn: sa.Connection, table: str) -> list[str]:
    return [
        priv for priv in ("INSERT", "UPDATE", "DELETE", "TRUNCATE")
        if conn.execute(
            sa.text("SELECT has_table_privilege(:role, 'public.' || :t, :p)"),
            {"role": APP_ROLE, "t": table, "p": priv},
        ).scalar_one()
    ]


def test_every_table_with_a_tenant_id_is_forced_rls_or_a_listed_platform_table(
    owner_engine,
) -> None:
    """A new table with a ``tenant_id`` must be under forced RLS or listed (with its reason) in
    ``tenants.roles.PLATFORM_TABLES``, where the application role may not write."""
    with owner_engine.connect() as conn:
        tables = _tables_with_tenant_id(conn)
        assert {"api_tokens", "users", "scheduled_runs"} <= set(tables)
        neither = [t for t in tables if not _forced(conn, t) and t not in PLATFORM_TABLES]
        assert neither == [], "tenant_id but neither forced RLS nor a listed platform table"
        assert all(len(reason) > 20 for reason in PLATFORM_TABLES.values())
        writable = {t: _app_writes(conn, t) for t in PLATFORM_TABLES}
        assert writable == {t: [] for t in PLATFORM_TABLES}
        assert _forced(conn, "api_tokens")


def test_the_token_function_is_the_owners_definer_with_a_fixed_path_for_the_app_only(
    owner_engine,
) -> None:
    with owner_engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT p.proname, pg_get_userbyid(p.proowner) AS owner, p.prosecdef, p.proconfig,"
            " coalesce(p.proacl::text[], '{}') AS acl FROM pg_proc p"
            " WHERE p.proname LIKE 'gerai%' ORDER BY 1"
        )).all()
        grants = {
            r.proname: conn.execute(
                sa.text("SELECT has_function_privilege(:role, p.oid, 'EXECUTE') FROM pg_proc p"
                        " WHERE p.proname = :f"), {"role": APP_ROLE, "f": r.proname},
            ).scalar_one()
            for r in rows
        }
    assert "gerai_token_owner" in {r.proname for r in rows}
    for row in rows:
        assert row.owner == OWNER_ROLE and row.prosecdef, row.proname
        assert any(c.startswith("search_path=") for c in row.proconfig or []), row.proname
        assert not any(entry.startswith("=") for entry in row.acl), f"{row.proname}: PUBLIC"
        assert grants[row.proname] is True


def _in(coop, sql: str, **params: object) -> None:
    """Run one raw statement as the application role with ``coop`` entered."""
    with tenant_context(coop):
        try:
            db.session.execute(sa.text(sql), params)
        finally:
            db.session.rollback()


def test_as_the_app_role_in_coop_a_the_database_refuses_bs_platform_rows(
    ctx, make_tenant, make_user
) -> None:
    a, b = make_tenant(), make_tenant()
    admin_a, admin_b = make_user(a, "admin"), make_user(b, "admin")
    token = {"i": uuid.uuid4(), "h": "f" * 64, "role": "admin"}
    insert_token = (
        "INSERT INTO api_tokens (tenant_id, id, token_hash, user_id, role, label, created_at)"
        " VALUES (:t, :i, :h, :u, :role, '', now())"
    )
    # A token for B (an admin of B, a hash of our choosing): RLS refuses the row.
    with pytest.raises(DBAPIError, match="row-level security"):
        _in(a, insert_token, t=b.id, u=admin_b, **token)
    # A token in A's name for B's admin: the composite foreign key refuses it.
    with pytest.raises(DBAPIError, match="foreign key"):
        _in(a, insert_token, t=a.id, u=admin_b, **token)
    _in(a, insert_token, t=a.id, u=admin_a, **token)  # A's own admin: fine (rolled back)
    # B's tenants row: no UPDATE, no INSERT, no DELETE for the app role; the function refuses B.
    for sql in (
        "UPDATE tenants SET name = 'pwned', status = 'disabled' WHERE id = :b",
        "DELETE FROM tenants WHERE id = :b",
        "INSERT INTO tenants (id, slug, name, timezone, status, due_day, grace_months, code,"
        " created_at) VALUES (gen_random_uuid(), 'evil-coop', 'x', 'UTC', 'active', 1, 1, 'EV',"
        " now())",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            _in(a, sql, b=b.id)
    for sql in (
        "SELECT gerai_rename_tenant(:b, 'pwned', 'x')",
        "SELECT gerai_set_tenant_status(:b, 'disabled', 'x')",
        "SELECT gerai_set_receipt_code(:b, 'PWN', NULL, 'x')",
    ):
        with pytest.raises(DBAPIError, match="not the one entered"):
            _in(a, sql, b=b.id)
    # B's scheduled run: no direct write; the claim function refuses another coop.
    today = dt.date(2026, 12, 1)
    with pytest.raises(DBAPIError, match="permission denied"):
        _in(a, "INSERT INTO scheduled_runs (kind, tenant_id, local_date, job_id, claimed_at)"
               " VALUES ('maintenance', :b, :d, 'x', now())", b=b.id, d=today)
    for sql in (
        "SELECT gerai_claim_scheduled_run('maintenance', :b, :d, 'x')",
        "SELECT gerai_prune_scheduled_runs(:b, :d)",
    ):
        with pytest.raises(DBAPIError, match="not the one entered"):
            _in(a, sql, b=b.id, d=today)
    with tenant_context(b):
        db.session.execute(sa.text("SELECT 1"))
        assert db.session.execute(
            sa.text("SELECT name, status FROM tenants WHERE id = :b"), {"b": b.id}
        ).one() == (b.name, "active")
        assert db.session.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar() == 0
        db.session.rollback()


def test_no_coop_entered_reads_no_tokens_and_the_function_finds_only_live_ones(
    ctx, make_tenant, make_user
) -> None:
    a = make_tenant()
    uid = make_user(a, "cashier")
    with tenant_context(a):
        token = auth.create_api_token(auth.get_user(uid), auth.SYSTEM)
        db.session.commit()
    assert db.session.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar() == 0
    db.session.rollback()
    owner = enter_by_token(token)
    assert owner is not None
    assert (owner.tenant.id, owner.user_id, owner.role) == (a.id, uid, "cashier")
    db.session.rollback()
    from tenants.context import clear_tenant

    clear_tenant()
    with tenant_context(a):
        auth.revoke_api_token(auth.get_user(uid), owner.token_id, auth.SYSTEM)
        db.session.commit()
    assert enter_by_token(token) is None
    assert db.session.execute(
        sa.text("SELECT count(*) FROM gerai_token_owner(:h)"), {"h": hash_token(token)}
    ).scalar() == 0
    setting = sa.text("SELECT current_setting('app.tenant_id', true)")
    assert db.session.execute(setting).scalar() in ("", None)
    db.session.rollback()


def test_coop_writes_go_through_the_functions_and_are_audited(backend) -> None:
    from tenants.provision import rename_tenant, set_status

    a = backend.tenant("kud-audit")
    with backend.app.app_context():
        set_status(a.slug, False, actor="operator")
        set_status(a.slug, True, actor="operator")
        assert rename_tenant(a.slug, "KUD Baru", actor="operator").name == "KUD Baru"
        db.remove()
    logged = backend.in_coop(a, lambda: db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor, AuditEvent.target).order_by(AuditEvent.at)
    ).all())
    assert [row.action for row in logged] == [
        "tenant.create", "tenant.disable", "tenant.enable", "tenant.rename"
    ]
    assert all(row.target == "kud-audit" for row in logged)


def test_a_coops_platform_write_is_refused_from_inside_another_coop(backend) -> None:
    from tenants.provision import set_status

    a, b = backend.tenant(), backend.tenant()
    with backend.app.app_context(), tenant_context(a):
        with pytest.raises(NoTenantError):
            set_status(b.slug, False)
        db.session.rollback()
        db.remove()
