"""The test harness plays the operator: two roles once, and a uniquely named database."""

from __future__ import annotations

import os
import secrets

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.settings import ADMIN_URL, APP_ROLE, OWNER_ROLE


def _admin() -> psycopg.Connection:
    return psycopg.connect(ADMIN_URL, autocommit=True)


def ensure_roles() -> None:
    with _admin() as conn:
        for role in (OWNER_ROLE, APP_ROLE):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                try:
                    conn.execute(
                        sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE").format(
                            sql.Identifier(role)
                        )
                    )
                except psycopg.errors.DuplicateObject:
                    pass  # another test run created it at the same moment


def create_database(prefix: str = "gerai_test") -> str:
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with _admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(OWNER_ROLE)
            )
        )
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(name), sql.Identifier(APP_ROLE)
            )
        )
    return name


def drop_database(name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def url_for(database: str, role: str) -> str:
    base = make_url(ADMIN_URL)
    return base.set(username=role, password=None, database=database).render_as_string(
        hide_password=False
    )
