"""The door's one-statement entry (resolve + enter), coop-less transactions and read-only reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.auth import services as auth
from tenants.context import NoTenantError, clear_tenant, current_tenant, tenant_context
from tenants.db import TX_TENANT_KEY, db
from tenants.door import enter_by_slug, enter_by_token

ROOT = Path(__file__).resolve().parents[2]


def _setting() -> str | None:
    return db.session.execute(sa.text("SELECT current_setting('app.tenant_id', true)")).scalar()


def _emails() -> list[str]:
    return sorted(db.session.execute(sa.text("SELECT email FROM users")).scalars())


def test_enter_by_slug_resolves_and_enters_in_the_same_transaction(
    ctx, make_tenant, make_user
) -> None:
    a, b = make_tenant(), make_tenant()
    make_user(a, "admin", email="a@a.id")
    make_user(b, "admin", email="b@b.id")
    try:
        ref = enter_by_slug(a.slug)
        assert ref is not None and ref.id == a.id and current_tenant() == ref
        assert db.session.info[TX_TENANT_KEY] == a.id
        assert _setting() == str(a.id)
        assert _emails() == ["a@a.id"]  # RLS now shows coop A, nothing of B
    finally:
        db.session.rollback()
        clear_tenant()


def test_unknown_slug_or_token_enters_nothing(ctx, make_tenant, make_user) -> None:
    a = make_tenant()
    make_user(a, "admin", email="a@a.id")
    assert enter_by_slug("no-such-coop") is None
    assert enter_by_token("gerai_not-a-token") is None
    assert current_tenant() is None
    assert _setting() in ("", None)
    assert _emails() == []
    db.session.rollback()


def test_enter_by_token_gives_the_tokens_user_role_and_coop(ctx, make_tenant, make_user) -> None:
    a = make_tenant()
    kasir_id = make_user(a, "cashier", email="kasir@a.id")
    with tenant_context(a):
        token = auth.create_api_token(auth.get_user(kasir_id), auth.SYSTEM)
        db.session.commit()
    try:
        owner = enter_by_token(token)
        assert owner is not None
        assert (owner.user_id, owner.role, owner.tenant.id) == (kasir_id, "cashier", a.id)
        assert _setting() == str(a.id) and _emails() == ["kasir@a.id"]
    finally:
        db.session.rollback()
        clear_tenant()


def test_the_door_refuses_to_enter_from_a_unit_of_work_that_has_a_coop(
    ctx, make_tenant
) -> None:
    a, b = make_tenant(), make_tenant()
    with tenant_context(a):
        db.session.execute(sa.text("SELECT 1"))  # a transaction begun for coop A
        with pytest.raises(NoTenantError):
            enter_by_slug(b.slug)
        assert _setting() == str(a.id)
        db.session.rollback()


def test_a_read_only_transaction_refuses_writes_and_ends_with_commit(
    ctx, make_tenant
) -> None:
    a = make_tenant()
    db.begin_read_only()
    assert enter_by_slug(a.slug) is not None
    assert db.session.execute(sa.text("SHOW transaction_read_only")).scalar() == "on"
    with pytest.raises(DBAPIError, match="read-only transaction"):
        db.session.execute(
            sa.text("INSERT INTO audit_events (tenant_id, id, action, actor, target, ip,"
                    " request_id, details, at) VALUES (:t, gen_random_uuid(), 'x', '',"
                    " '', '', '', '{}', now())"),
            {"t": a.id},
        )
    db.session.rollback()
    clear_tenant()
    db.begin_read_only()
    db.session.execute(sa.text("SELECT 1"))
    db.end_read_only()
    assert not db.session.in_transaction()
    # The next transaction on the same session is an ordinary read-write one again.
    assert db.session.execute(sa.text("SHOW transaction_read_only")).scalar() == "off"
    db.session.rollback()


def test_no_code_sets_the_tenant_for_a_whole_connection() -> None:
    """``app.tenant_id`` is only ever set transaction-locally: a coop-less transaction relies on it.

    (``after_begin`` sends nothing for a transaction with no coop and the connection's timeout.)
    """
    session_wide = re.compile(
        r"set_config\(\s*['\"]app\.tenant_id['\"][^)]*,\s*(false|False)\s*\)"
        r"|SET\s+(SESSION\s+)?app\.tenant_id",
        re.IGNORECASE,
    )
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("app", "tenants", "worker", "migrations", "config")
        for path in (ROOT / folder).rglob("*.py")
        if session_wide.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
