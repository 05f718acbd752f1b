"""What the benchmarks share: where the bench database is, its roles, tokens, the app, percentiles.

The bench database (``gerai_bench``) is made by ``python -m bench.dataset`` the way the test
harness makes its databases: an owner role migrates (``app.migrate``), a plain application role
(not superuser, not BYPASSRLS, not owner) is what the app connects as. Every figure is measured
through the app as that application role, so row-level security is in the path.

The API tokens of the bench coops are derived from the slug (``token_for``): the benchmarks need
no file to find them. That is fine for a throwaway database on loopback and nothing else.
"""

from __future__ import annotations

import hashlib
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_URL",
    os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
DB_NAME = os.environ.get("BENCH_DB_NAME", "gerai_bench")
OWNER_ROLE = os.environ.get("BENCH_OWNER_ROLE", "gerai_bench_owner")
APP_ROLE = os.environ.get("BENCH_APP_ROLE", "gerai_bench_app")
STAFF_PASSWORD = "bench-password-123"  # noqa: S105 - throwaway bench database only
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105
ROLES = ("admin", "cashier")


def url_for(admin_url: str, database: str, role: str) -> str:
    """The admin URL's server with another database and role (trust auth on loopback)."""
    url = make_url(admin_url).set(username=role, password=None, database=database)
    return url.render_as_string(hide_password=False)


def app_url(admin_url: str = ADMIN_URL, database: str = DB_NAME) -> str:
    return url_for(admin_url, database, APP_ROLE)


def owner_url(admin_url: str = ADMIN_URL, database: str = DB_NAME) -> str:
    return url_for(admin_url, database, OWNER_ROLE)


def admin_db_url(admin_url: str = ADMIN_URL, database: str = DB_NAME) -> str:
    """The superuser on the bench database: used only to pick samples, never to measure."""
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def plain(url: str) -> str:
    """``postgresql+psycopg://`` → ``postgresql://`` for psycopg.connect."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def email_for(slug: str, role: str) -> str:
    return f"{'kasir' if role == 'cashier' else role}@{slug}.bench.example.id"


def token_for(slug: str, role: str) -> str:
    """The API token of that coop's admin or cashier (only its SHA-256 is stored)."""
    return "gb_" + hashlib.sha256(f"gerai-bench|{slug}|{role}".encode()).hexdigest()[:40]


def app_env(admin_url: str = ADMIN_URL, database: str = DB_NAME, **extra: str) -> dict[str, str]:
    """Environment for the app under test: production profile, the application role."""
    env = {
        "GERAI_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": app_url(admin_url, database),
        "MIGRATION_DATABASE_URL": owner_url(admin_url, database),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def make_app(admin_url: str = ADMIN_URL, database: str = DB_NAME, **extra: str) -> Any:
    from app import create_app
    from config import load_settings

    return create_app(load_settings(app_env(admin_url, database, **extra)))


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest-rank on the sorted samples), mean and max, in milliseconds."""
    data = sorted(samples_ms)
    if not data:
        return {"n": 0}

    def rank(p: float) -> float:
        k = max(0, min(len(data) - 1, int(round(p / 100 * len(data) + 0.5)) - 1))
        return data[k]

    return {
        "n": len(data),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "mean": statistics.fmean(data),
        "max": data[-1],
    }


def fmt(stats: dict[str, float]) -> str:
    if not stats.get("n"):
        return "n=0"
    return (
        f"n={stats['n']:<5} p50={stats['p50']:6.2f} ms  p95={stats['p95']:6.2f} ms  "
        f"p99={stats['p99']:6.2f} ms  mean={stats['mean']:6.2f} ms  max={stats['max']:7.2f} ms"
    )


def machine() -> str:
    """One line: CPUs, RAM, Python, PostgreSQL server version."""
    import psycopg

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            total_kb = int(fh.readline().split()[1])
        mem = f"{total_kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        with psycopg.connect(plain(ADMIN_URL), autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            pg = f"PostgreSQL {row[0]}" if row else "PostgreSQL ?"
    except psycopg.Error:
        pg = "PostgreSQL unreachable"
    cpu = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPU ({cpu or platform.processor()}), {mem}, "
        f"Python {platform.python_version()}, {pg}; {load()}"
    )


def load() -> str:
    """The load average: other work on the machine shows up in every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"
