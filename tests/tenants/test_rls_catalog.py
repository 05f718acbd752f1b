"""Every tenant-owned table's policies, one by one, as the application role with raw SQL.

The ORM's own tenant filter would hide a weak policy, so nothing here goes through it: for each
table under forced RLS (found in the catalog, not in the model registry), coop A entered, plain SQL
tries to read, insert, update and delete coop B's rows and must be refused. Setting any one policy
of any table to ``true`` fails this test (checked by weakening policies one at a time).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

import app.models  # noqa: F401 - the whole registry
from app.auth import services as auth
from app.auth import throttle
from app.jobrecords import JobRun
from app.participants.demo import seed_demo_participants
from app.participants.imports_model import ALL_OR_NOTHING, ParticipantImport
from app.participants.models import Participant
from app.payments import idempotency
from app.payments.closing import close_day
from app.payments.models import Payment
from app.payments.receipts import record_print
from app.payments.services import record_cash_payment, void_payment
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tests.conftest import PASSWORD
from tests.settings import ADMIN_URL

PAYMENT_GUARD = "a payment's person, months, amount and receipt number never change"


@pytest.fixture
def superuser(database) -> Iterator[sa.Engine]:
    """Sees every row (RLS does not apply): to count and copy B's rows, never to test with."""
    url = make_url(ADMIN_URL).set(database=database["name"], drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


def _fill(app, ref: TenantRef) -> None:
    """At least one row of ``ref`` in every tenant-owned table, through the app's own services."""
    with app.app_context(), tenant_context(ref):
        admin = auth.create_user(f"admin@{ref.slug}.id", "admin", auth.SYSTEM, password=PASSWORD)
        cashier = auth.create_user(f"kasir@{ref.slug}.id", "cashier", auth.SYSTEM)
        db.session.flush()
        seed_demo_participants()
        cash = auth.Actor(user_id=cashier.id, label="kasir")
        paid = []
        for person in db.session.scalars(sa.select(Participant.id).order_by(Participant.sort_name)):
            try:
                with db.session.begin_nested():
                    paid.append(record_cash_payment(person, 1, cash))
            except Exception:  # noqa: BLE001 - fully sponsored people have nothing to pay
                continue
            if len(paid) == 2:
                break
        record_print(paid[0], cash, "html", counts=True)
        void_payment(paid[1].id, "salah orang", auth.Actor(user_id=admin.id, label="admin"))
        close_day(cashier.id, 0, cash)
        idempotency.claim("test", f"key-{ref.slug}", "hash")
        db.session.add(JobRun(rq_id=f"job-{ref.slug}", func="x", payload={}, title="t",
                              queue="default", timeout=60))
        db.session.add(ParticipantImport(mode=ALL_OR_NOTHING, filename="a.xlsx",
                                         file_format="xlsx", size_bytes=1,
                                         as_of=dt.date(2026, 12, 1)))
        auth.issue_password_link(cashier, auth.SYSTEM)
        auth.create_api_token(admin, auth.SYSTEM)
        db.session.commit()
        throttle.reserve(f"salah@{ref.slug}.id", "10.0.0.1")  # a sign-in counter (commits)
        db.remove()


def _tenant_owned(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relforcerowsecurity"
        " AND relnamespace = 'public'::regnamespace ORDER BY 1"
    )).scalars())


def _count(conn: sa.Connection, table: str, tenant: uuid.UUID) -> int:
    return conn.execute(
        sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"), {"t": tenant}  # noqa: S608
    ).scalar_one()


def _as_app(coop: TenantRef, sql: str, **params: object) -> int:
    """One raw statement as the application role with ``coop`` entered; rolled back."""
    with tenant_context(coop):
        try:
            return db.session.execute(sa.text(sql), params).rowcount
        finally:
            db.session.rollback()


def _can(table: str, privilege: str) -> bool:
    try:
        return db.session.execute(
            sa.text("SELECT has_table_privilege('public.' || :t, :p)"),
            {"t": table, "p": privilege},
        ).scalar_one()
    finally:
        db.session.rollback()


def test_every_policy_of_every_tenant_owned_table_refuses_another_coops_rows(
    app, make_tenant, superuser
) -> None:
    a, b, c = make_tenant(), make_tenant(), make_tenant()  # c: no rows but its creation's audit
    _fill(app, a)
    _fill(app, b)
    with superuser.connect() as conn:
        tables = _tenant_owned(conn)
        assert len(tables) >= 14
        empty = [t for t in tables if not (_count(conn, t, a.id) and _count(conn, t, b.id))]
        assert empty == [], f"add rows for {empty} to _fill: every policy needs something to guard"
        counts = {t: _count(conn, t, a.id) for t in tables}
        counts_c = {t: _count(conn, t, c.id) for t in tables}
        assert {t: n for t, n in counts_c.items() if n} == {"audit_events": 1}
        rows_of_b = {
            t: conn.execute(
                sa.text(f"SELECT row_to_json(x)::text FROM {t} x WHERE tenant_id = :b LIMIT 1"),  # noqa: S608
                {"b": b.id},
            ).scalar_one()
            for t in tables
        }
        writable = {  # generated columns (participants.nik_tail) cannot be inserted
            t: conn.execute(sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position"
            ), {"t": t}).scalars().all()
            for t in tables
        }
    refused: dict[str, list[str]] = {t: [] for t in tables}
    with app.app_context():
        for t in tables:
            # SELECT: A sees its own rows and none of B's.
            seen = _as_app(a, f"SELECT 1 FROM {t}")  # noqa: S608
            of_b = _as_app(a, f"SELECT 1 FROM {t} WHERE tenant_id = :b", b=b.id)  # noqa: S608
            if seen == counts[t] and of_b == 0:
                refused[t].append("select")
            # INSERT: a copy of B's row (new id) from inside A violates the policy.
            row = json.loads(rows_of_b[t])
            row["id"] = str(uuid.uuid4())
            cols = ", ".join(writable[t])
            try:
                _as_app(a, f"INSERT INTO {t} ({cols}) SELECT {cols} FROM"  # noqa: S608
                           f" json_populate_record(NULL::{t}, CAST(:row AS json))",
                        row=json.dumps(row))
            except DBAPIError as exc:
                if "row-level security" in str(exc.orig):
                    refused[t].append("insert")
            # UPDATE: from the empty coop C nothing is visible to update (USING) ...
            if not _can(t, "UPDATE"):
                refused[t] += ["update using", "update check"]  # append-only: no UPDATE at all
            else:
                try:
                    if _as_app(c, f"UPDATE {t} SET tenant_id = :c", c=c.id) == 0:  # noqa: S608
                        refused[t].append("update using")
                except DBAPIError:
                    pass
                # ... and from A, no row may be moved into B (WITH CHECK; a payment's own
                # trigger refuses first: its coop, like its amount, never changes).
                try:
                    _as_app(a, f"UPDATE {t} SET tenant_id = :b", b=b.id)  # noqa: S608
                except DBAPIError as exc:
                    if any(m in str(exc.orig) for m in ("row-level security", PAYMENT_GUARD)):
                        refused[t].append("update check")
            # DELETE: from the empty coop C nothing is visible to delete.
            if not _can(t, "DELETE"):
                refused[t].append("delete")  # money records and the audit log: never deleted
            else:
                try:
                    if _as_app(c, f"DELETE FROM {t}") == 0:  # noqa: S608
                        refused[t].append("delete")
                except DBAPIError:
                    pass
        db.remove()
    every = ["select", "insert", "update using", "update check", "delete"]
    assert refused == {t: every for t in tables}
    with superuser.connect() as conn:  # and nothing of A or B changed
        assert {t: _count(conn, t, a.id) for t in tables} == counts
        assert {t: _count(conn, t, c.id) for t in tables} == counts_c


def test_payment_rows_of_the_fill_are_real(app, make_tenant) -> None:
    """The fill goes through the services (a sanity check of the helper above)."""
    a = make_tenant()
    _fill(app, a)
    with app.app_context(), tenant_context(a):
        statuses = sorted(db.session.scalars(sa.select(Payment.status)))
        db.session.rollback()
        db.remove()
    assert statuses == ["paid", "voided"]
