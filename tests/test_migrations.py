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


def test_sqlite_demo_journey(sqlite_app) -> None:
    """On SQLite: migrate, seed the demo, sign in, see the home page (the `make run` path)."""
    from app import demo
    from tests.conftest import _csrf_from

    with sqlite_app.app_context():
        assert demo.seed() is True
    client = sqlite_app.test_client()
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


def test_token_roles_migration_takes_the_users_role_and_revokes_orphans() -> None:
    """0006: existing tokens get their (RLS-hidden) user's role; a token of nobody is revoked."""
    import uuid

    dbsetup.ensure_roles()
    name = dbsetup.create_database("gerai_migr")
    urls = {"owner": dbsetup.url_for(name, OWNER_ROLE), "app": dbsetup.url_for(name, APP_ROLE)}
    settings = make_settings(urls)
    engine = sa.create_engine(normalise_db_url(urls["owner"]))
    tenant, admin, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        migrate.upgrade(settings, "0005")
        with engine.begin() as conn:
            conn.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)}
            )
            conn.execute(
                sa.text("INSERT INTO tenants (id, slug, name, timezone, status, due_day,"
                        " grace_months, code, created_at) VALUES (:t, 'kud-a', 'KUD A',"
                        " 'Asia/Jakarta', 'active', 15, 3, 'KUDA', now())"),
                {"t": tenant},
            )
            conn.execute(
                sa.text("INSERT INTO users (tenant_id, id, email, name, role, active,"
                        " session_version, created_at) VALUES (:t, :u, 'a@a.id', '', 'admin',"
                        " true, 1, now())"),
                {"t": tenant, "u": admin},
            )
            for token_id, user_id in ((uuid.uuid4(), admin), (uuid.uuid4(), gone)):
                conn.execute(
                    sa.text("INSERT INTO api_tokens (id, token_hash, tenant_id, user_id, label,"
                            " created_at) VALUES (:i, :h, :t, :u, '', now())"),
                    {"i": token_id, "h": token_id.hex, "t": tenant, "u": user_id},
                )
        migrate.upgrade(settings, "0006")
        with engine.connect() as conn:
            rows = {
                r.user_id: (r.role, r.revoked)
                for r in conn.execute(sa.text(
                    "SELECT user_id, role, revoked_at IS NOT NULL AS revoked FROM api_tokens"
                ))
            }
            forced = conn.execute(sa.text(
                "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'users'"
            )).scalar()
        assert rows[admin] == ("admin", False)
        assert rows[gone] == ("pengawas", True)
        assert forced is True  # RLS on users is forced again after the backfill
        migrate.upgrade(settings)  # 0009: a token must belong to a user of its coop
        with engine.connect() as conn:
            left = conn.execute(sa.text("SELECT user_id FROM api_tokens")).scalars().all()
        assert left == [admin]
    finally:
        engine.dispose()
        dbsetup.drop_database(name)
