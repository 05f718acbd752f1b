"""Row-level security statements, written explicitly into the migrations.

One policy per command, keyed on ``current_setting('app.tenant_id', true)``: with no tenant set the
setting is empty or absent, the comparison is NULL, so no row is visible and no insert passes.
"""

from __future__ import annotations

from typing import Any

TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def enable_rls_sql(table: str) -> list[str]:
    match = f"tenant_id = {TENANT_EXPR}"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_select ON {table} FOR SELECT USING ({match})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({match})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({match}) WITH CHECK ({match})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({match})",
    ]


def disable_rls_sql(table: str) -> list[str]:
    return [
        *(f"DROP POLICY IF EXISTS {table}_{cmd} ON {table}" for cmd in _COMMANDS),
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


_COMMANDS = ("select", "insert", "update", "delete")


def enable_rls(op: Any, table: str) -> None:
    """Call from a migration right after creating a tenant-owned table (no-op off PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        for stmt in enable_rls_sql(table):
            op.execute(stmt)


def disable_rls(op: Any, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in disable_rls_sql(table):
            op.execute(stmt)
