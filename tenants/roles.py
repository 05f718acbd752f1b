"""The two database roles: the owner migrates, the application role only reads and writes rows.

Roles are created once by an operator; the app grants to the application role and checks, in
production, that it is neither superuser nor BYPASSRLS nor a table owner (RLS would prove nothing).
"""

from __future__ import annotations

import sqlalchemy as sa

APPEND_ONLY_TABLES = ("audit_events",)


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


def role_problems(conn: sa.Connection) -> list[str]:
    """What is wrong with the connected role for serving the app (empty list: fine)."""
    if conn.dialect.name != "postgresql":
        return []
    row = conn.execute(
        sa.text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    ).one()
    problems = []
    if row.rolsuper:
        problems.append("the database role is a superuser")
    if row.rolbypassrls:
        problems.append("the database role has BYPASSRLS")
    owned = conn.execute(
        sa.text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tableowner = current_user"
        )
    ).scalar_one()
    if owned:
        problems.append(f"the database role owns {owned} table(s)")
    return problems
