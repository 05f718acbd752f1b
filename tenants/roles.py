"""The two database roles: the owner migrates, the application role only reads and writes rows.

Roles are created once by an operator; the app grants to the application role and checks, in
production, that it is neither superuser nor BYPASSRLS nor a table owner (RLS would prove nothing).
"""

from __future__ import annotations

import sqlalchemy as sa

APPEND_ONLY_TABLES = ("audit_events",)

# Tables that are not tenant-owned, each with its reason. The application role may read them and
# never write them: writes go through the owner's ``gerai_*`` functions (migration 0009), which
# check their preconditions. A test walks the catalog: every table with a ``tenant_id`` column is
# under forced RLS or listed here, and the application role has no INSERT/UPDATE/DELETE on these.
PLATFORM_TABLES = {
    "tenants": "the coop registry: a URL slug must resolve to its coop before any coop is entered",
    "scheduled_runs": "the cron fan-out reads every coop's claims in one statement to find who is"
    " due; a claim is written only by gerai_claim_scheduled_run inside the claiming coop",
}


def _tables_with(flag: str) -> list[str]:
    """Tables whose ``info`` carries ``flag`` (e.g. ``no_delete`` for money records)."""
    from tenants.db import Base

    return sorted(t.name for t in Base.metadata.tables.values() if t.info.get(flag))


def _quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def grant_app_role(conn: sa.Connection, app_role: str) -> None:
    """Give the application role row access to every table (owner connection, PostgreSQL only)."""
    role = _quote(conn, app_role)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {role}")
    conn.exec_driver_sql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
    )
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    conn.exec_driver_sql(f"REVOKE ALL ON alembic_version FROM {role}")
    conn.exec_driver_sql(f"GRANT SELECT ON alembic_version TO {role}")
    for table in APPEND_ONLY_TABLES:
        conn.exec_driver_sql(f"REVOKE UPDATE, DELETE ON {table} FROM {role}")
    for table in _tables_with("no_delete"):
        conn.exec_driver_sql(f"REVOKE DELETE ON {table} FROM {role}")
    for table in PLATFORM_TABLES:
        conn.exec_driver_sql(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {role}")
    functions = conn.exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n"
        " ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND left(p.proname, 6) = 'gerai_'"
        " AND pg_get_userbyid(p.proowner) = current_user"
    ).scalars().all()
    for function in functions:
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {function} TO {role}")


# One statement answers all three questions, so the pool's connect event can ask it on a raw
# DBAPI connection (``app.health``) and the CLI on a SQLAlchemy one, with the same words.
ROLE_SQL = (
    "SELECT r.rolsuper, r.rolbypassrls, (SELECT count(*) FROM pg_tables"
    " WHERE schemaname = 'public' AND tableowner = current_user)"
    " FROM pg_roles r WHERE r.rolname = current_user"
)


def problems_of(superuser: bool, bypass: bool, owned: int) -> list[str]:
    """The reasons a role with these attributes must not serve the app (empty list: fine)."""
    problems = []
    if superuser:
        problems.append("the database role is a superuser")
    if bypass:
        problems.append("the database role has BYPASSRLS")
    if owned:
        problems.append(f"the database role owns {owned} table(s)")
    return problems


def role_problems(conn: sa.Connection) -> list[str]:
    """What is wrong with the connected role for serving the app (empty list: fine)."""
    if conn.dialect.name != "postgresql":
        return []
    superuser, bypass, owned = conn.exec_driver_sql(ROLE_SQL).one()
    return problems_of(superuser, bypass, owned)
