"""Fixtures for the participants tests: a coop with one user per role, tokens, a fixed today."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.auth import services as auth
from app.participants import services
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tests.conftest import PASSWORD

ROLES = ("admin", "cashier", "pengawas", "mentor")
_serial = itertools.count(1)


@dataclasses.dataclass
class Coop:
    ref: TenantRef
    emails: dict[str, str]
    tokens: dict[str, str]

    @property
    def slug(self) -> str:
        return self.ref.slug

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def make_coop(make_tenant):  # type: ignore[no-untyped-def]
    """A coop with one user and one API token per role; ``passwords=True`` to sign in on the web."""

    def _make(passwords: bool = False, **kw: Any) -> Coop:
        ref = make_tenant(**kw)
        emails: dict[str, str] = {}
        tokens: dict[str, str] = {}
        with tenant_context(ref):
            for role in ROLES:
                email = f"{role}-{uuid.uuid4().hex[:6]}@example.id"
                user = auth.create_user(
                    email, role, auth.SYSTEM, password=PASSWORD if passwords else None
                )
                emails[role] = email
                tokens[role] = auth.create_api_token(user, auth.SYSTEM)
            db.session.commit()
            db.remove()
        return Coop(ref, emails, tokens)

    return _make


@pytest.fixture
def coop(make_coop) -> Coop:  # type: ignore[no-untyped-def]
    return make_coop()


@pytest.fixture
def set_today(app: Flask) -> Iterator[Any]:
    """``set_today(date)`` pretends today is that date (like GERAI_TODAY); restored afterwards."""
    original = app.config["GERAI"]

    def _set(day: dt.date | str) -> dt.date:
        value = dt.date.fromisoformat(day) if isinstance(day, str) else day
        app.config["GERAI"] = dataclasses.replace(original, today_override=value)
        return value

    yield _set
    app.config["GERAI"] = original


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
    with tenant_context(ref):
        p = services.register(
            person(**overrides), auth.SYSTEM, today=today, registered_on=registered_on
        )
        pid = p.id
        db.session.commit()
        db.remove()
    return pid
