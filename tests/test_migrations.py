"""Migrations: up from empty, down to base, up again; the models and the migrations agree."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.models  # noqa: F401
from app import migrate
from config.settings import normalise_db_url
from tenants.db import Base
from tests import dbsetup
from tests.conftest import make_settings
from tests.settings import APP_ROLE, OWNER_ROLE


def test_upgrade_downgrade_upgrade_and_no_autogenerate_diff() -> None:
    dbsetup.ensure_roles()
    name = dbsetup.create_database("gerai_migr")
    urls = {"owner": dbsetup.url_for(name, OWNER_ROLE), "app": dbsetup.url_for(name, APP_ROLE)}
    settings = make_settings(urls)
    engine = sa.create_engine(normalise_db_url(urls["owner"]))
    try:
        migrate.upgrade(settings)
        migrate.downgrade(settings, "base")
        with engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        migrate.upgrade(settings)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
            assert diff == [], diff
            rls = conn.execute(
                sa.text("SELECT count(*) FROM pg_class WHERE relforcerowsecurity")
            ).scalar()
            assert rls >= 3
    finally:
        engine.dispose()
        dbsetup.drop_database(name)


def test_sqlite_demo_journey(tmp_path) -> None:
    """On SQLite: migrate, seed the demo, sign in, see the home page (the `make run` path)."""
    from app import create_app, demo
    from config import load_settings
    from tenants.db import db
    from tests.conftest import _csrf_from

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    settings = load_settings({"GERAI_ENV": "development", "DATABASE_URL": url})
    migrate.upgrade(settings)
    app = create_app(settings)
    try:
        with app.app_context():
            assert demo.seed() is True
        client = app.test_client()
        slug = "kmp-sungai-lumpur"
        token = _csrf_from(client.get(f"/{slug}/login").get_data(as_text=True))
        response = client.post(
            f"/{slug}/login",
            data={
                "email": "admin@kmp.example.id",
                "password": demo.DEMO_PASSWORD,
                "csrf_token": token,
            },
        )
        assert response.status_code == 302
        home = client.get(f"/{slug}/").get_data(as_text=True)
        assert "KMP Sungai Lumpur" in home and "Admin (pengurus)" in home
        # A partner coop's page is not reachable with the mentor coop's session.
        assert client.get("/kopdes-merah-putih-penuba/").status_code == 302
    finally:
        db.remove()
        db.engine.dispose()
