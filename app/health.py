"""Reaching the database and Redis: what counts as "unavailable", the production role check, health.

- Booting never needs the database: a gunicorn worker restarted while PostgreSQL is down must come
  up and answer 503 until the database is back, not exit and take the master down with it.
- Any failure to *reach* the database (refused, starting up, shutting down, too many connections,
  a connection cut under a request, a pool with no free connection) is an outage, not a bug: the
  error handlers answer 503 with ``Retry-After`` and log one line (``unavailable_reason``).
- In production every new database connection first checks that the role is one RLS binds (not a
  superuser, no BYPASSRLS, owns no table); a privileged role is refused on that connection
  (``RoleRefused``: a 503 and a critical log line per request) until an operator fixes it. The
  same check runs in ``gerai check`` and after ``gerai db upgrade``, where it fails the command.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from tenants.db import db
from tenants.roles import ROLE_SQL, problems_of

log = logging.getLogger("gerai.health")

# SQLSTATEs that mean "the server cannot serve you now": admin shutdown, crash shutdown, cannot
# connect now (starting up / shutting down), too many connections. Class 08: connection errors.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


class RoleRefused(RuntimeError):
    """The database role is one row-level security does not bind: the app will not use it."""


def unavailable_reason(exc: BaseException) -> str | None:
    """A short reason if ``exc`` means the database cannot be reached now; None for a real error."""
    if isinstance(exc, RoleRefused):
        return "database role refused"
    if isinstance(exc, sa.exc.TimeoutError):
        return "no free database connection in the pool"
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    if exc.connection_invalidated:
        return "database connection lost"
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        if sqlstate in UNAVAILABLE_SQLSTATES or sqlstate.startswith("08"):
            return f"database unavailable (SQLSTATE {sqlstate})"
        return None
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    # psycopg's own connection failures (refused, reset, "server closed the connection") carry no
    # SQLSTATE; its server-side errors always do (a statement timeout is 57014, not an outage).
    if type(orig) is psycopg.OperationalError or isinstance(orig, psycopg.InterfaceError):
        first = str(orig).strip().splitlines()[:1] or [""]
        return f"database unreachable ({first[0][:160]})"
    return None


def role_problems_raw(dbapi_conn: Any) -> list[str]:
    """``tenants.roles.role_problems`` on a raw DBAPI connection (the pool's connect event)."""
    cur = dbapi_conn.cursor()
    try:
        cur.execute(ROLE_SQL)
        superuser, bypass, owned = cur.fetchone()
    finally:
        cur.close()
        dbapi_conn.rollback()
    return problems_of(superuser, bypass, owned)


def refusal(problems: list[str]) -> str:
    return (
        "DATABASE_URL must use the application role: " + "; ".join(problems)
        + " (create a plain LOGIN role and let 'gerai db upgrade' grant it)"
    )


_guarded: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def guard_role_on_connect() -> None:
    """Production: check the role on every new connection and refuse a privileged one.

    New connections are rare (the pool keeps them), so the check costs one round trip per
    connection, and a role fixed by the operator is accepted on the next connection.
    """
    engine = db.engine
    if engine is None or engine.dialect.name != "postgresql" or engine in _guarded:
        return
    _guarded.add(engine)

    @event.listens_for(engine, "connect")
    def _check_role(dbapi_conn: Any, _record: Any) -> None:
        problems = role_problems_raw(dbapi_conn)
        if problems:
            raise RoleRefused(refusal(problems))


def check_database() -> str | None:
    """None if the database answers as an acceptable role; otherwise a one-line reason."""
    try:
        assert db.engine is not None
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is a reason, never a traceback here
        if isinstance(exc, RoleRefused):
            return str(exc)
        return unavailable_reason(exc) or f"{exc.__class__.__name__}: {str(exc)[:160]}"
    return None


def check_schema(settings: Any) -> str | None:
    """None if the database is at the latest migration; otherwise what to run."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())
    assert db.engine is not None
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current != heads:
        return (
            f"the database is at revision {', '.join(sorted(current)) or 'none'}, not the latest "
            f"({', '.join(sorted(heads))}): run 'gerai db upgrade'"
        )
    return None


def check_redis(url: str | None) -> str | None:
    """None if Redis answers (or is not configured); otherwise a one-line reason."""
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"redis unreachable ({exc.__class__.__name__})"
    return None


def report(redis_url: str | None) -> tuple[dict[str, Any], bool]:
    """The health report ``/healthz`` answers: each dependency ok or error, and which are down."""
    reasons = {"database": check_database()}
    if redis_url:
        reasons["redis"] = check_redis(redis_url)
    down = [name for name, reason in reasons.items() if reason]
    for name in down:
        log.warning("health: %s is down: %s", name, reasons[name])
    checks = {name: "error" if reason else "ok" for name, reason in reasons.items()}
    body: dict[str, Any] = {"status": "error" if down else "ok", "checks": checks}
    if down:
        body["down"] = down
    return body, not down
