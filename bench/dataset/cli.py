"""The command line: the options, the steps in order (roles, database, schema, platform rows, the
coops in a process pool, ``VACUUM ANALYZE``, the check) and the printed report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import time
from collections import Counter

import psycopg

from bench import common
from bench.dataset.database import ensure_roles, migrate, recreate_database, verify
from bench.dataset.load import build_and_load, load_platform
from bench.dataset.sim import coop_specs


def main(argv: list[str] | None = None) -> int:
    from bench import dataset  # the package: its docstring is the usage text

    parser = argparse.ArgumentParser(
        prog="python -m bench.dataset", description=dataset.__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database-url", default=common.ADMIN_URL,
                        help="a superuser URL on the server (default: %(default)s)")
    parser.add_argument("--name", default=common.DB_NAME, help="database name (gerai_bench…)")
    parser.add_argument("--small", action="store_true",
                        help="20 coops × 100 + 1 × 2.000 (a smoke run)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-payments", action="store_true", help="participants only")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv)
    admin = common.plain(args.database_url)

    t0 = time.perf_counter()
    ensure_roles(admin)
    recreate_database(admin, args.name)
    migrate(admin, args.name)
    t_schema = time.perf_counter() - t0
    owner = common.plain(common.owner_url(admin, args.name))
    loader = common.plain(common.admin_db_url(admin, args.name))
    specs = coop_specs(args.small, args.seed)
    from argon2 import PasswordHasher

    password_hash = PasswordHasher().hash(common.STAFF_PASSWORD)
    load_platform(loader, specs)
    now = dt.datetime.now(dt.UTC)
    jobs = [(s, args.seed, now, not args.no_payments, loader, password_hash)
            for s in sorted(specs, key=lambda s: -s.size)]
    totals: Counter[str] = Counter({"tenants": len(specs)})
    status: Counter[str] = Counter()
    profiles: Counter[str] = Counter()
    build_s = load_s = 0.0
    with mp.get_context("fork").Pool(args.jobs) as pool:
        for done, result in enumerate(pool.imap_unordered(build_and_load, jobs), start=1):
            totals.update(result["counts"])
            status.update(result["status"])
            profiles.update(result["profiles"])
            build_s += result["build_s"]
            load_s += result["load_s"]
            if done % 25 == 0 or done == len(jobs):
                print(f"  {done}/{len(jobs)} coops loaded ({time.perf_counter() - t0:.0f} s)",
                      flush=True)
    t_load = time.perf_counter() - t0 - t_schema
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    elapsed = time.perf_counter() - t0
    print(f"dataset {args.name}: {'small' if args.small else 'full'}, seed {args.seed}, "
          f"{args.jobs} jobs; COPY as the superuser, one transaction per coop; VACUUM ANALYZE as "
          f"{common.OWNER_ROLE}")
    print(f"elapsed {elapsed:.1f} s (schema {t_schema:.1f} s, build+COPY {t_load:.1f} s "
          f"[worker time: build {build_s:.1f} s, COPY {load_s:.1f} s], "
          f"VACUUM ANALYZE {elapsed - t_schema - t_load:.1f} s)")
    for table in ("tenants", "users", "api_tokens", "participants", "participant_sponsors",
                  "payments", "payment_voids", "cash_closings", "receipt_counters"):
        print(f"  {table:<22}{totals[table]:>10,}")
    n = sum(status[s] for s in ("new", "active", "grace", "lapsed"))
    mix = ", ".join(f"{s} {status[s]:,} ({100 * status[s] / max(n, 1):.1f}%)"
                    for s in ("new", "active", "grace", "lapsed", "sponsored"))
    print(f"coverage today: {mix}")
    print("stories: " + ", ".join(f"{k} {v:,}" for k, v in profiles.most_common()))
    if not args.no_verify:
        print(verify(admin, args.name, specs))
    return 0
