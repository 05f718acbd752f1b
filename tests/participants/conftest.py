"""Fixtures for the participants tests: a coop with one user per role, tokens, a fixed today."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from app.auth import services as auth
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tests.conftest import PASSWORD
from tests.participants import helpers
from tests.participants.helpers import make_nik, person, register  # noqa: F401 - shared

ROLES = ("admin", "cashier", "pengawas", "mentor")


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


@pytest.fixture(autouse=True)
def _remember_app(app: Flask) -> Iterator[None]:
    """Helpers below open their own short app context (never shared with test-client requests)."""
    helpers.APPS.append(app)
    yield
    helpers.APPS.pop()


_HASHES: dict[str, str] = {}


def _password_hash() -> str:
    """One Argon2 hash of the test password per run (hashing per user made setup slow)."""
    if not _HASHES:
        _HASHES["test"] = auth.hasher.hash(PASSWORD)
    return _HASHES["test"]


@pytest.fixture
def make_coop(make_tenant, app: Flask):  # type: ignore[no-untyped-def]
    """A coop with one user and one API token per role; ``passwords=True`` to sign in on the web."""

    def _make(passwords: bool = False, **kw: Any) -> Coop:
        ref = make_tenant(**kw)
        emails: dict[str, str] = {}
        tokens: dict[str, str] = {}
        with app.app_context(), tenant_context(ref):
            for role in ROLES:
                email = f"{role}-{uuid.uuid4().hex[:6]}@example.id"
                user = auth.create_user(email, role, auth.SYSTEM)
                if passwords:
                    user.password_hash = _password_hash()
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


@pytest.fixture
def counter_day(set_today) -> None:  # type: ignore[no-untyped-def]
    """Today is a fixed day, so months owed, totals and receipt numbers do not drift."""
    set_today("2026-11-10")


