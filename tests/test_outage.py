"""The database down: the app still boots, answers 503 (never a 500 with a traceback), says what is
down on /healthz, serves again once the database is back, and refuses a privileged role loudly."""

from __future__ import annotations

import logging
import uuid

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from app import create_app
from app.health import unavailable_reason
from config import load_settings
from tests.settings import ADMIN_URL, REDIS_URL
from tests.tcpproxy import TcpProxy


def production_app(database: dict[str, str], database_url: str) -> Flask:
    return create_app(load_settings({
        "GERAI_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": database_url,
        "MIGRATION_DATABASE_URL": database["owner"],
        "REDIS_URL": REDIS_URL,
        "GERAI_QUEUE_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }))


@pytest.fixture
def db_proxy() -> TcpProxy:
    admin = make_url(ADMIN_URL)
    proxy = TcpProxy((admin.host or "127.0.0.1", admin.port or 5432))
    yield proxy
    proxy.stop()


def _error_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "app.errors"]


def test_production_boots_with_the_database_down_answers_503_and_recovers(
    database, make_tenant, db_proxy, caplog
) -> None:
    coop = make_tenant()
    app = production_app(database, db_proxy.url(database["app"]))  # nothing listens yet
    client = app.test_client()
    caplog.set_level(logging.INFO)

    page = client.get(f"/{coop.slug}/login")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    html = page.get_data(as_text=True)
    assert "Sambungan ke database terputus" in html and "<html" in html  # the layout, Indonesian
    api = client.get("/api/v1/participants", headers={"Authorization": "Bearer abc"})
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.get_json()["error"]["code"] == "unavailable"
    # One line per request, no traceback.
    errors = _error_records(caplog)
    assert len(errors) == 2 and all(r.exc_info is None for r in errors)
    assert "unreachable" in errors[0].getMessage()

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["down"] == ["database"]
    assert health.get_json()["checks"] == {"database": "error", "redis": "ok"}

    db_proxy.start()  # the database is back
    assert client.get(f"/{coop.slug}/login").status_code == 200
    assert client.get("/healthz").get_json() == {
        "status": "ok", "checks": {"database": "ok", "redis": "ok"}
    }

    db_proxy.stop()  # and down again: pooled connections are cut, new ones refused
    assert client.get(f"/{coop.slug}/login").status_code == 503
    db_proxy.start()
    assert client.get(f"/{coop.slug}/login").status_code == 200


def test_any_app_answers_an_unreachable_database_with_503_not_500(
    database, make_tenant, db_proxy, caplog
) -> None:
    """Not only a connection cut under a request: a refused new connection too (any profile)."""
    from config.settings import normalise_db_url
    from tests.conftest import make_settings

    coop = make_tenant()
    down = normalise_db_url(db_proxy.url(database["app"]))  # nothing listens there
    app = create_app(make_settings(database, database_url=down))
    client = app.test_client()
    caplog.set_level(logging.INFO)
    page = client.get(f"/{coop.slug}/login")
    api = client.get("/api/v1/me", headers={"Authorization": "Bearer abc"})
    assert (page.status_code, api.status_code) == (503, 503)
    assert api.get_json()["error"]["code"] == "unavailable" and api.headers["Retry-After"]
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)


def test_a_privileged_role_boots_but_is_refused_with_a_503_and_a_loud_log(
    database, caplog
) -> None:
    app = production_app(database, database["owner"])  # boots: no connection at boot
    client = app.test_client()
    caplog.set_level(logging.INFO)
    page = client.get("/some-coop/login")
    assert page.status_code == 503
    loud = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(loud) == 1 and "owns" in loud[0].getMessage() and loud[0].exc_info is None
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["down"] == ["database"]

    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1, (result.exception, result.output)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "owns" in lines[0] and "application role" in lines[0]

    superuser = production_app(database, ADMIN_URL)
    result = superuser.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1 and "superuser" in result.output


def test_db_upgrade_in_production_fails_when_the_app_role_is_privileged(database) -> None:
    outcome = {}
    for role in ("owner", "app"):
        app = production_app(database, database[role])  # the schema is already at head
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        outcome[role] = (result.exit_code, result.output)
    assert outcome["app"][0] == 0, outcome["app"][1]
    code, output = outcome["owner"]
    assert code == 1 and "migrated, but the app cannot serve" in output and "owns" in output


def test_gerai_check_passes_for_the_application_role(database) -> None:
    app = production_app(database, database["app"])
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("ok:")


def test_gerai_check_names_an_unreachable_database_in_one_line(database, db_proxy) -> None:
    app = production_app(database, db_proxy.url(database["app"]))
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "database unreachable" in lines[0], result.output


def _operational(sqlstate: str | None) -> sa.exc.DBAPIError:
    orig = psycopg.errors.lookup(sqlstate)("x") if sqlstate else psycopg.OperationalError("x")
    return sa.exc.OperationalError("SELECT 1", {}, orig)


@pytest.mark.parametrize("sqlstate", [None, "57P01", "57P02", "57P03", "53300", "08006", "08001"])
def test_every_failure_to_reach_the_database_is_unavailable(sqlstate) -> None:
    assert unavailable_reason(_operational(sqlstate)) is not None


@pytest.mark.parametrize("sqlstate", ["57014", "40001", "42P01"])
def test_a_real_database_error_is_not_an_outage(sqlstate) -> None:
    assert unavailable_reason(_operational(sqlstate)) is None
    assert unavailable_reason(RuntimeError("x")) is None
