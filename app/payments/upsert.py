"""Dialect-aware ``INSERT … ON CONFLICT`` (PostgreSQL in production, SQLite for the demo)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from tenants.db import db


def insert(model: Any) -> Any:
    return (postgresql.insert if db.is_postgres else sqlite.insert)(model)
