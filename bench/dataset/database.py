"""The bench database as the operator sees it: the two roles, a fresh ``gerai_bench``, its schema
(``app.migrate`` as the owner) and, after loading, a check through the app as the application
role (``verify``).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from app.participants import coverage_state
from bench import common
from bench.dataset.sim import CoopSpec, covered_at


def ensure_roles(admin_url: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for role in (common.OWNER_ROLE, common.APP_ROLE):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE").format(
                        sql.Identifier(role)
                    )
                )


def recreate_database(admin_url: str, name: str) -> None:
    if not name.startswith("gerai_bench"):
        raise SystemExit(f"refusing to drop {name!r}: a bench database's name starts gerai_bench")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(common.OWNER_ROLE)
            )
        )
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(name), sql.Identifier(common.APP_ROLE)
            )
        )


def migrate(admin_url: str, name: str) -> None:
    from app import migrate as app_migrate
    from config import load_settings

    app_migrate.upgrade(load_settings(common.app_env(admin_url, name)))


def verify(admin_url: str, name: str, specs: list[CoopSpec], per_coop: int = 60) -> str:
    """Through the app as the application role: stored state = recompute, SQL = Python, receipts."""
    import sqlalchemy as sa

    from app import clock
    from app.participants import listing
    from app.participants.models import Participant
    from app.payments.models import Payment, ReceiptCounter
    from tenants.context import tenant_context
    from tenants.db import db
    from tenants.door import resolve_tenant_id

    app = common.make_app(admin_url, name)
    checked = 0
    sample = specs[:2] + specs[-2:]
    with app.app_context():
        for spec in sample:
            ref = resolve_tenant_id(spec.tenant_id)
            db.session.rollback()
            assert ref is not None, spec.slug
            with tenant_context(ref):
                today = clock.today()
                rows = db.session.execute(
                    sa.select(Participant.id).order_by(Participant.id).limit(per_coop)
                ).scalars().all()
                page = listing.list_participants(limit=200, today=today)
                sql_status = {r.participant.id: r for r in page.rows}
                for pid in rows:
                    p = db.session.get(Participant, (ref.id, pid))
                    assert p is not None
                    stored = (p.start_month, list(p.covered_months), p.covered_from,
                              p.paid_through_month, p.open_run, p.last_covered_month)
                    fast = covered_at(p, today)  # type: ignore[arg-type]
                    assert fast == coverage_state.covered_set(p, today)
                    coverage_state.recompute(p)
                    again = (p.start_month, list(p.covered_months), p.covered_from,
                             p.paid_through_month, p.open_run, p.last_covered_month)
                    assert stored == again, (spec.slug, pid, stored, again)
                    checked += 1
                for r in page.rows:
                    cov, _amount = coverage_state.coverage_of(r.participant, today)
                    assert (cov.status, cov.arrears_months, cov.paid_through) == (
                        r.status, r.arrears_months, r.paid_through
                    ), (spec.slug, r.participant.id)
                    checked += 1
                db.session.rollback()
                for counter in db.session.scalars(sa.select(ReceiptCounter)):
                    numbers = sorted(
                        int(x.rsplit("-", 1)[1]) for x in db.session.scalars(
                            sa.select(Payment.receipt_no).where(
                                Payment.receipt_no.like(f"%-{counter.year}-%")
                            )
                        )
                    )
                    assert numbers == list(range(1, counter.last_number + 1)), spec.slug
                db.session.rollback()
                del sql_status
        db.remove()
    return f"verify: ok ({checked} participant checks in {len(sample)} coops, receipts gapless)"
