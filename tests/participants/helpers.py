"""Helpers for the participants tests (imported by path, so there is one copy of them)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.auth import services as auth
from app.participants import services
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tests.conftest import login

APPS: list[Flask] = []  # the test app, set by an autouse fixture in conftest
_serial = itertools.count(1)


def make_nik(birth: dt.date, sex: str, region: str = "210401", serial: int | None = None) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    number = serial if serial is not None else next(_serial) % 10000 or 1
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{number:04d}"


def person(**overrides: Any) -> dict[str, Any]:
    """A valid registration (API types), unique NIK and phone unless overridden."""
    raw_birth = overrides.get("birth_date", "1980-05-15")
    try:
        birth = dt.date.fromisoformat(raw_birth)
    except (TypeError, ValueError):
        birth = dt.date(1980, 5, 15)
    sex = overrides.get("sex", "L") if overrides.get("sex") in ("L", "P") else "L"
    n = next(_serial)
    data: dict[str, Any] = {
        "nik": make_nik(birth, sex, serial=n % 10000 or 1),
        "name": "Ahmad Nelayan",
        "birth_date": birth.isoformat(),
        "sex": sex,
        "phone": f"0812{n % 100000000:08d}",
        "occupation": "Nelayan",
        "sector": "fishery",
        "declared_income": 1000000,
        "programs": ["JKK", "JKM"],
    }
    data.update(overrides)
    return data


def register(ref: TenantRef, *, today: dt.date | None = None,
             registered_on: dt.date | None = None, **overrides: Any) -> uuid.UUID:
    """Register through the service layer and commit; returns the id."""
    with APPS[-1].app_context(), tenant_context(ref):
        p = services.register(
            person(**overrides), auth.SYSTEM, today=today, registered_on=registered_on
        )
        pid = p.id
        db.session.commit()
        db.remove()
    return pid


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (for constant-query checks)."""
    statements: list[str] = []

    def counter(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)


def signed_in(app: Flask, coop: Any, role: str = "admin") -> Any:
    """A web client of ``coop``'s ``role`` signed in through the real login form."""
    client = app.test_client()
    assert login(client, coop.slug, coop.emails[role]).status_code == 302
    return client
