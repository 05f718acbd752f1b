"""The benchmark dataset: 200 village coops × 1.000 participants + 5 coops × 10.000, a year of cash.

    .venv/bin/python -m bench.dataset [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                      [--small] [--jobs 2] [--seed 1] [--no-payments]

``--database-url`` is a superuser on the server (like ``TEST_DATABASE_URL``); it is used as the
operator is: to create the two roles (``gerai_bench_owner``, ``gerai_bench_app``: LOGIN,
NOSUPERUSER, NOBYPASSRLS) once and to (re)create the database ``gerai_bench`` owned by the owner
role. The schema is then migrated as the owner through ``app.migrate`` (as ``tests/conftest.py``
does), which also grants the application role its row access.

Loading: every row goes in with psycopg 3 ``COPY … FROM STDIN``, **as the superuser of
``--database-url``, for loading only**. PostgreSQL refuses ``COPY FROM`` to any role that row-level
security applies to ("COPY FROM not supported with row-level security"), and the owner role is
bound by FORCE ROW LEVEL SECURITY, so the owner cannot COPY into tenant-owned tables (it could only
INSERT row by row, which is what "COPY, not the ORM" rules out). Each coop is still loaded in its
own transaction with ``app.tenant_id`` set to that coop, foreign keys and checks stay on, and
nothing is measured as the superuser: the benchmarks connect as the application role.
Two worker processes (``--jobs``) build and load coops in parallel.

What is made, per coop (names and places of Kabupaten Lingga):
- the tenant (village coops founded in 2025, the big ones years ago; a few in WITA/WIT, some with
  due day 10 or 20), an admin and a cashier (password ``bench-password-123``, one Argon2 hash)
  each with an API token (``bench.common.token_for(slug, role)``; only the hash is stored);
- participants with valid NIKs (``2104`` + kecamatan + DDMMYY of the birth date, day + 40 for women,
  serial), E.164 phones ``+628…``, KPJ and family-card numbers for most, realistic names and
  ``sort_name = search_key(name)`` exactly as the service writes it;
- coverage histories: monthly, quarterly, half-yearly and yearly payers, people in grace, lapsed,
  lapsed-and-restarted, never paid, new this month, fishers sponsored by the regency's APBD
  (open-ended, some paying JHT themselves) and people whose CSR sponsorship ended;
- a year of cash payments (the last 12 months, plus coverage from before as an *opening balance*,
  the import's way of saying "insured before Gerai", so no payment is missing for any paid month);
  every payment is planned with ``app.dues.plan_payment`` and priced with ``app.dues.quote`` on
  its own date, and the stored coverage columns are written by ``coverage_state`` itself
  (``set_opening_balance``, ``apply_payment_months``, ``remove_payment_months``, ``recompute``),
  so the rows are exactly what the app would have written; a few payments are voided at the
  counter and paid again; gapless receipt numbers per coop and year (coop's time zone) with
  matching ``receipt_counters``; one cash closing per cashier and day (today's drawer stays open).

Not made: audit events, idempotency keys, reminders, jobs. The run ends with ``VACUUM ANALYZE``,
row counts, the status mix and a check through the app as the application role (``--verify``).
"""

from bench.dataset.cli import main
from bench.dataset.database import ensure_roles, migrate, recreate_database, verify
from bench.dataset.load import build_and_load, load_platform
from bench.dataset.sim import (
    CoopSpec,
    Pay,
    SimParticipant,
    SimSponsor,
    at,
    coop_specs,
    covered_at,
    uuid7_at,
)
from bench.dataset.stories import CoopBuilder

__all__ = [
    "CoopBuilder",
    "CoopSpec",
    "Pay",
    "SimParticipant",
    "SimSponsor",
    "at",
    "build_and_load",
    "coop_specs",
    "covered_at",
    "ensure_roles",
    "load_platform",
    "main",
    "migrate",
    "recreate_database",
    "uuid7_at",
    "verify",
]
