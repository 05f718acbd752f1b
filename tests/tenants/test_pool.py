"""Pooled connections: pinged only after sitting idle; a connection lost under load is a 503."""

from __future__ import annotations

import sqlalchemy as sa

import tenants.db as tenant_db
from app.auth import services as auth
from config.settings import normalise_db_url
from tenants.context import tenant_context
from tenants.db import Database, db


def _terminate_pooled_connections() -> int:
    """Cut every pooled connection of the app (as a database restart would), from a fresh one."""
    killer = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    try:
        with killer.connect() as conn:
            killed = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
                " datname = current_database() AND usename = current_user"
                " AND pid <> pg_backend_pid()"
            )).scalar_one()
            conn.commit()
    finally:
        killer.dispose()
    return int(killed)


def test_a_connection_cut_while_idle_is_replaced_before_use(database, monkeypatch) -> None:
    single = Database()
    single.configure(normalise_db_url(database["app"]), pool_size=1, max_overflow=0)
    try:
        first = single.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        single.session.commit()
        single.remove()
        with sa.create_engine(normalise_db_url(database["app"])).connect() as killer:
            killer.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": first})
            killer.commit()
        monkeypatch.setattr(tenant_db, "IDLE_PING_SECONDS", 0.0)  # it has been idle "long"
        second = single.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first  # pinged, found dead, replaced: the caller never saw it
        single.remove()
    finally:
        single.engine.dispose()


def test_a_connection_lost_under_load_is_a_503_then_the_pool_recovers(
    app, client, make_tenant, make_user, monkeypatch
) -> None:
    a = make_tenant()
    uid = make_user(a, "admin")
    with app.app_context(), tenant_context(a):
        token = auth.create_api_token(auth.get_user(uid), auth.SYSTEM)
        db.session.commit()
        db.remove()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/participants", headers=headers).status_code == 200
    monkeypatch.setattr(tenant_db, "IDLE_PING_SECONDS", 3600.0)  # in steady use: no ping
    assert _terminate_pooled_connections() >= 1

    lost = client.get("/api/v1/participants", headers=headers)
    assert lost.status_code == 503
    assert lost.get_json()["error"]["code"] == "unavailable"
    assert lost.headers["Retry-After"] == "1"
    assert client.get("/api/v1/participants", headers=headers).status_code == 200


def test_the_web_answers_a_lost_connection_with_a_page_not_a_500(
    app, client, make_tenant, make_user, monkeypatch
) -> None:
    from tests.conftest import login

    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    assert login(client, a.slug, "admin@a.id").status_code == 302
    monkeypatch.setattr(tenant_db, "IDLE_PING_SECONDS", 3600.0)
    assert _terminate_pooled_connections() >= 1
    page = client.get(f"/{a.slug}/")
    assert page.status_code == 503
    assert "Sambungan ke database terputus" in page.get_data(as_text=True)
    assert client.get(f"/{a.slug}/").status_code == 200
