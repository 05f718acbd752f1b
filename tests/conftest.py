"""Shared fixtures: a fresh PostgreSQL database per run, migrated as owner, used as app role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.auth import services as auth
from config import load_settings
from config.settings import Settings
from tenants.context import TenantRef, clear_tenant, tenant_context
from tenants.db import Base, db
from tenants.provision import create_tenant
from tests import dbsetup
from tests.settings import APP_ROLE, OWNER_ROLE, REDIS_URL

PASSWORD = "correct-horse-battery"  # noqa: S105 - test fixture


@pytest.fixture(scope="session")
def database() -> Iterator[dict[str, str]]:
    dbsetup.ensure_roles()
    name = dbsetup.create_database()
    urls = {
        "name": name,
        "owner": dbsetup.url_for(name, OWNER_ROLE),
        "app": dbsetup.url_for(name, APP_ROLE),
    }
    from app import migrate

    migrate.upgrade(make_settings(urls))
    yield urls
    db.remove()
    if db.engine is not None:
        db.engine.dispose()
    dbsetup.drop_database(name)


def make_settings(urls: dict[str, str], **overrides: object) -> Settings:
    env = {
        "GERAI_ENV": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-123",
        "DATABASE_URL": urls["app"],
        "MIGRATION_DATABASE_URL": urls["owner"],
        "REDIS_URL": REDIS_URL,
        "GERAI_QUEUE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    return load_settings(env, **overrides)


@pytest.fixture(scope="session")
def owner_engine(database: dict[str, str]) -> Iterator[sa.Engine]:
    from config.settings import normalise_db_url

    engine = sa.create_engine(normalise_db_url(database["owner"]))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(database: dict[str, str]) -> Flask:
    return create_app(make_settings(database))


def _truncate(owner_engine: sa.Engine) -> None:
    names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with owner_engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty tables and no tenant; only tests that use the database pay."""
    engine = request.getfixturevalue("owner_engine") if "database" in request.fixturenames else None
    url, timeout = db.url, db.statement_timeout_ms
    yield
    clear_tenant()
    if url is not None and db.url != url:  # a test built another app: point the kernel back
        db.configure(url, statement_timeout_ms=timeout)
    if engine is not None:
        db.remove()
        _truncate(engine)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def make_tenant(app: Flask):  # type: ignore[no-untyped-def]
    """Each call runs in its own short app context: requests made by the test client must not
    share an app context (and so ``g``) with the test body, or per-request state would leak."""

    def _make(slug: str | None = None, name: str | None = None, **kw: object) -> TenantRef:
        slug = slug or f"coop-{uuid.uuid4().hex[:8]}"
        with app.app_context():
            tenant = create_tenant(slug, name or f"Koperasi {slug}", **kw)  # type: ignore[arg-type]
            ref = tenant.ref()
            db.session.commit()
            db.remove()
        return ref

    return _make


@pytest.fixture
def make_user(app: Flask):  # type: ignore[no-untyped-def]
    def _make(
        tenant: TenantRef, role: str = "admin", email: str | None = None, password: str = PASSWORD
    ) -> uuid.UUID:
        with app.app_context(), tenant_context(tenant):
            user = auth.create_user(
                email or f"{role}-{uuid.uuid4().hex[:6]}@example.id",
                role,
                auth.SYSTEM,
                password=password,
            )
            user_id = user.id
            db.session.commit()
            db.remove()
        return user_id

    return _make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sqlite_app(tmp_path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The `make run` configuration: SQLite in a temporary folder, migrated, no Redis.

    The kernel's engine points at it during the test; ``_clean`` points it back afterwards.
    """
    from app import migrate

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    settings = load_settings({"GERAI_ENV": "development", "DATABASE_URL": url})
    migrate.upgrade(settings)
    sqlite = create_app(settings)
    try:
        yield sqlite
    finally:
        db.remove()
        assert db.engine is not None
        db.engine.dispose()


@pytest.fixture
def csrf_off(app: Flask) -> Iterator[None]:
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def login(client: FlaskClient, slug: str, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Sign in through the real form, CSRF token included."""
    page = client.get(f"/{slug}/login")
    token = _csrf_from(page.get_data(as_text=True))
    return client.post(
        f"/{slug}/login", data={"email": email, "password": password, "csrf_token": token}
    )


def _csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    return match.group(1) if match else ""
