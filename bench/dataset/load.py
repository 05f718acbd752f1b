"""Loading: the rows of a built coop written with ``COPY … FROM STDIN`` (one transaction per
coop, ``app.tenant_id`` set), the worker function the process pool runs (``build_and_load``), and
the platform rows (tenants) that come first; each coop's API tokens come with its users.

Why COPY as the superuser and not the ORM: see the package docstring.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import zoneinfo
from typing import Any

import psycopg
from psycopg import sql

from bench import common
from bench.dataset.sim import CoopSpec, at, uuid7_at
from bench.dataset.stories import CoopBuilder

PARTICIPANT_COLS = (
    "tenant_id", "id", "nik", "kpj", "family_card_number", "name", "sort_name", "birth_place",
    "birth_date", "sex", "phone", "email", "address", "kelurahan", "kecamatan", "occupation",
    "sector", "declared_income", "jht", "coop_role", "preferred_channel", "whatsapp_consent",
    "registered_on", "created_at", "updated_at", "registered_month", "start_month",
    "start_events", "paid_months", "covered_months", "covered_from", "paid_through_month",
    "open_run", "last_covered_month",
)
SPONSOR_COLS = (
    "tenant_id", "id", "participant_id", "name", "type", "programs", "from_month", "until_month",
    "created_at", "ended_at",
)
USER_COLS = (
    "email", "name", "role", "password_hash", "active", "session_version", "created_at",
    "last_login_at", "tenant_id", "id",
)
CLOSING_COLS = (
    "cashier_id", "closed_by", "closed_at", "expected_amount", "counted_amount", "difference",
    "payments_count", "voided_count", "note", "tenant_id", "id",
)
PAYMENT_COLS = (
    "participant_id", "method", "status", "amount", "months", "periods", "first_month",
    "last_month", "restart_month", "receipt_no", "cashier_id", "cash_received", "closing_id",
    "created_at", "paid_at", "tenant_id", "id",
)
VOID_COLS = (
    "payment_id", "reason", "voided_by", "voided_at", "refund_due", "after_closing", "tenant_id",
    "id",
)
COUNTER_COLS = ("year", "last_number", "tenant_id", "id")


def _copy(cur: psycopg.Cursor[Any], table: str, cols: tuple[str, ...], rows: Any) -> int:
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, cols))
    )
    n = 0
    with cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _participant_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for p in b.participants:
        yield (
            tid, p.id, p.nik, p.kpj, p.family_card_number, p.name, p.sort_name, p.birth_place,
            p.birth_date, p.sex, p.phone, p.email, p.address, p.kelurahan, p.kecamatan,
            p.occupation, p.sector, p.declared_income, p.jht, p.coop_role, p.preferred_channel,
            p.whatsapp_consent, p.registered_on, p.created_at, p.updated_at, p.registered_month,
            p.start_month, json.dumps(p.start_events), json.dumps(p.paid_months),
            list(p.covered_months), p.covered_from, p.paid_through_month, p.open_run,
            p.last_covered_month,
        )


def _sponsor_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for p in b.participants:
        for s in p.sponsors:
            yield (
                tid, s.id, p.id, s.name, s.type, json.dumps(s.programs), s.from_month,
                s.until_month, s.created_at, None,
            )


def _payment_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for x in b.payments:
        yield (
            x.participant_id, "cash", x.status, x.amount, len(x.periods), json.dumps(x.periods),
            x.first, x.last, x.restart, x.receipt_no, x.cashier_id, None, x.closing_id, x.when,
            x.when, tid, x.id,
        )


def _void_rows(b: CoopBuilder) -> Any:
    tid = b.spec.tenant_id
    for x in b.payments:
        if x.void is not None:
            vid, when, by = x.void
            yield (x.id, "Salah input jumlah bulan", by, when, False, False, tid, vid)


def build_and_load(job: tuple[CoopSpec, int, dt.datetime, bool, str, str]) -> dict[str, Any]:
    spec, seed, now, payments, load_url, password_hash = job
    t0 = time.perf_counter()
    b = CoopBuilder(spec, seed, now, payments)
    b.build()
    t_build = time.perf_counter() - t0
    tid = spec.tenant_id
    founded = at(spec.founded, 9 * 3600, b.tz)
    users = [
        (common.email_for(spec.slug, "admin"), f"Admin {spec.name}"[:200], "admin",
         password_hash, True, 1, founded, None, tid, spec.admin_id),
        (common.email_for(spec.slug, "cashier"), f"Kasir {spec.name}"[:200], "cashier",
         password_hash, True, 1, founded + dt.timedelta(minutes=5), None, tid, spec.cashier_id),
    ]
    rng = random.Random(f"counters-{seed}-{spec.slug}")
    counters = [
        (year, last, tid, uuid7_at(at(dt.date(year, 1, 1), 8 * 3600, b.tz), rng))
        for year, last in sorted(b.counters.items())
    ]
    counts: dict[str, int] = {}
    with psycopg.connect(load_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tid),))
        counts["users"] = _copy(cur, "users", USER_COLS, users)
        counts["api_tokens"] = _copy(cur, "api_tokens", ("id", "token_hash", "tenant_id",
                                     "user_id", "role", "label", "created_at", "revoked_at"),
                                     _token_rows(spec, founded))
        counts["participants"] = _copy(cur, "participants", PARTICIPANT_COLS,
                                       _participant_rows(b))
        counts["participant_sponsors"] = _copy(cur, "participant_sponsors", SPONSOR_COLS,
                                               _sponsor_rows(b))
        counts["cash_closings"] = _copy(cur, "cash_closings", CLOSING_COLS, b.closings)
        counts["payments"] = _copy(cur, "payments", PAYMENT_COLS, _payment_rows(b))
        counts["payment_voids"] = _copy(cur, "payment_voids", VOID_COLS, _void_rows(b))
        counts["receipt_counters"] = _copy(cur, "receipt_counters", COUNTER_COLS, counters)
        conn.commit()
    return {
        "slug": spec.slug, "counts": counts, "status": dict(b.status),
        "profiles": dict(b.profiles), "build_s": t_build,
        "load_s": time.perf_counter() - t0 - t_build,
    }


def load_platform(load_url: str, specs: list[CoopSpec]) -> None:
    tenants = []
    for s in specs:
        created = at(s.founded, 9 * 3600, zoneinfo.ZoneInfo(s.timezone))
        tenants.append((s.tenant_id, s.slug, s.name, s.timezone, "active", s.due_day,
                        s.grace_months, s.code, created))
    with psycopg.connect(load_url) as conn, conn.cursor() as cur:
        _copy(cur, "tenants", ("id", "slug", "name", "timezone", "status", "due_day",
                               "grace_months", "code", "created_at"), tenants)
        conn.commit()


def _token_rows(spec: CoopSpec, founded: dt.datetime) -> list[tuple[Any, ...]]:
    """The coop's two API tokens (tenant-owned: loaded with its users, which they point at)."""
    rng = random.Random(f"tokens-{spec.slug}")
    return [
        (uuid7_at(founded, rng), hashlib.sha256(common.token_for(spec.slug, role).encode())
         .hexdigest(), spec.tenant_id, user_id, role, f"bench {role}", founded, None)
        for role, user_id in (("admin", spec.admin_id), ("cashier", spec.cashier_id))
    ]
