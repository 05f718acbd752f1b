"""Running it: health, headers, NUL, language, logs, statement timeout, production refusals."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from config import ConfigError, load_settings
from tenants.context import tenant_context
from tenants.db import db


def test_healthz_checks_database_and_redis(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_503_when_redis_is_down(app, client) -> None:
    import dataclasses

    original = app.config["GERAI"]
    app.config["GERAI"] = dataclasses.replace(original, redis_url="redis://127.0.0.1:1/0")
    try:
        response = client.get("/healthz")
    finally:
        app.config["GERAI"] = original
    assert response.status_code == 503 and response.get_json()["checks"]["redis"] == "error"


def test_security_headers_and_request_id(client, make_tenant) -> None:
    a = make_tenant()
    response = client.get(f"/{a.slug}/login", headers={"X-Request-Id": "abc123"})
    assert response.headers["X-Request-Id"] == "abc123"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        "gerai_session" not in response.headers.get("Set-Cookie", "")
        or "HttpOnly" in response.headers["Set-Cookie"]
    )


def test_nul_bytes_are_a_422_not_a_500(client, make_tenant) -> None:
    a = make_tenant()
    from tests.conftest import _csrf_from

    token = _csrf_from(client.get(f"/{a.slug}/login").get_data(as_text=True))
    response = client.post(
        f"/{a.slug}/login", data={"email": "a\x00b@x.id", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 422
    api = client.post("/api/v1/me", data='{"a": "\\u0000"}', content_type="application/json")
    assert api.status_code == 422 and api.get_json()["error"]["code"] == "validation_error"


def test_language_switch_to_english(client, make_tenant) -> None:
    a = make_tenant()
    assert "Masuk" in client.get(f"/{a.slug}/login").get_data(as_text=True)
    client.get("/lang/en?next=/")
    page = client.get(f"/{a.slug}/login").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page


def test_error_pages_use_the_layout_in_indonesian(client) -> None:
    response = client.get("/no-such-coop/anything/here")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_logs_are_json_with_context_and_mask_personal_data(make_tenant, capsys) -> None:
    from app.logs import ContextFilter, mask

    assert mask("NIK 2104015507900001 HP 081234567890") == "NIK 2104********0001 HP 08*******890"
    a = make_tenant()
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "nik %s", ("2104015507900001",), None
    )
    with tenant_context(a):
        ContextFilter().filter(record)
    assert record.tenant == a.slug
    from app.logs import MaskingJsonFormatter

    line = json.loads(MaskingJsonFormatter().format(record))
    assert line["tenant"] == a.slug and line["message"] == "nik 2104********0001"


def test_statement_timeout_is_set_per_transaction(ctx, make_tenant) -> None:
    a = make_tenant()
    with tenant_context(a):
        assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "5s"
        with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
            db.session.execute(sa.text("SET LOCAL statement_timeout = 50; SELECT pg_sleep(1)"))
        db.session.rollback()


def test_production_refuses_unsafe_settings() -> None:
    base = {
        "GERAI_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "postgresql://app@h/db",
        "MIGRATION_DATABASE_URL": "postgresql://o@h/db",
    }
    load_settings(base)  # safe settings pass
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({**base, "SECRET_KEY": "dev-only-not-secret"})
    with pytest.raises(ConfigError, match="SQLite"):
        load_settings({**base, "DATABASE_URL": "sqlite:///x.db"})
    assert load_settings({**base, "GERAI_TODAY": "2026-01-01"}).today_override is None


def test_trusted_proxy_hops_decide_the_client_address(database, make_tenant, make_user) -> None:
    """Behind one trusted proxy the audit log records the forwarded address, not the proxy's."""
    import sqlalchemy as sa

    from app import create_app
    from tenants.audit import AuditEvent
    from tests.conftest import _csrf_from, make_settings

    a = make_tenant()
    make_user(a, "admin", email="admin@a.id")
    for hops, expected in ((1, "203.0.113.7"), (0, "127.0.0.1")):
        app = create_app(make_settings(database, trusted_proxies=hops))
        client = app.test_client()
        headers = {"X-Forwarded-For": "203.0.113.7"}
        token = _csrf_from(client.get(f"/{a.slug}/login", headers=headers).get_data(as_text=True))
        client.post(
            f"/{a.slug}/login",
            headers=headers,
            data={"email": "admin@a.id", "password": "wrong-password!", "csrf_token": token},
        )
        with app.app_context(), tenant_context(a):
            ip = db.session.scalar(
                sa.select(AuditEvent.ip)
                .where(AuditEvent.action == "auth.login_failed")
                .order_by(AuditEvent.at.desc())
                .limit(1)
            )
            db.session.rollback()
        assert ip == expected


def test_access_log_lines_name_the_signed_in_user_and_the_token_holder(
    app, client, make_tenant, make_user
) -> None:
    """The user is named where it is loaded (session, sign-in, token), not looked up again."""
    from app.auth import services as auth
    from app.logs import ContextFilter
    from tests.conftest import login

    a = make_tenant()
    uid = make_user(a, "admin", email="admin@a.id")
    with app.app_context(), tenant_context(a):
        token = auth.create_api_token(auth.get_user(uid), auth.SYSTEM)
        db.session.commit()
        db.remove()
    lines: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.addFilter(ContextFilter())
    handler.emit = lines.append  # type: ignore[method-assign]
    access = logging.getLogger("gerai.access")
    access.addHandler(handler)
    old_level = access.level
    access.setLevel(logging.INFO)
    try:
        login(client, a.slug, "admin@a.id")
        client.get(f"/{a.slug}/")
        client.get("/api/v1/participants", headers={"Authorization": f"Bearer {token}"})
    finally:
        access.removeHandler(handler)
        access.setLevel(old_level)
    by_path = {(r.getMessage().split()[0], r.getMessage().split()[1]): r for r in lines}
    assert by_path[("POST", f"/{a.slug}/login")].user == str(uid)
    assert by_path[("GET", f"/{a.slug}/")].user == str(uid)
    assert by_path[("GET", "/api/v1/participants")].user == str(uid)


def test_a_transaction_with_no_coop_has_the_timeout_too(ctx) -> None:
    """No statement is sent for it: the connection itself starts with the timeout."""
    assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "5s"
    assert db.session.execute(
        sa.text("SELECT current_setting('app.tenant_id', true)")
    ).scalar() in ("", None)
    db.session.rollback()
