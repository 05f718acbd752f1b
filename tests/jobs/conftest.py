"""Fixtures for the jobs tests: real Redis (a unique queue prefix), real worker processes, real
PostgreSQL (the shared fixtures' database, as the application role)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.jobrecords import JobRun, RunView, ScheduledRun
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tests.conftest import make_settings
from tests.settings import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def rconn() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def prefix(app: Flask) -> str:
    return app.config["GERAI"].queue_prefix


def purge(connection: redis.Redis, prefix: str) -> None:
    """Delete this test run's queues, registries and the jobs they name."""
    keys = list(connection.scan_iter(match=f"*{prefix}*", count=1000))
    job_ids: set[str] = set()
    for key in keys:
        kind = connection.type(key)
        if kind == b"list":
            job_ids.update(v.decode() for v in connection.lrange(key, 0, -1))
        elif kind == b"zset":
            job_ids.update(v.decode().split(":")[0] for v in connection.zrange(key, 0, -1))
    for job_id in job_ids:
        connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}", f"rq:job:{job_id}:dependents")
        for extra in connection.scan_iter(match=f"rq:*{job_id}*", count=1000):
            connection.delete(extra)
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", *[f"rq:queue:{prefix}.{q}" for q in ("high", "default", "low")])


@pytest.fixture(autouse=True)
def _fresh_queues(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    connection = request.getfixturevalue("rconn")
    prefix = request.getfixturevalue("app").config["GERAI"].queue_prefix
    purge(connection, prefix)
    yield
    purge(connection, prefix)


@pytest.fixture(scope="session")
def inproc_app(database: dict[str, str], app: Flask) -> Flask:
    """The same app with no REDIS_URL: jobs run in-process (the demo's mode)."""
    return create_app(make_settings(database, redis_url=None))


def worker_env(app: Flask, database: dict[str, str]) -> dict[str, str]:
    settings = app.config["GERAI"]
    return {
        **os.environ,
        "GERAI_ENV": "testing",
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": database["app"],
        "REDIS_URL": settings.redis_url or REDIS_URL,
        "GERAI_QUEUE_PREFIX": settings.queue_prefix,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "INFO",
    }


class Procs:
    """Worker/cron subprocesses of one test, always killed at teardown (and their work horses)."""

    def __init__(self, env: dict[str, str], connection: redis.Redis):
        self.env = env
        self.connection = connection
        self.procs: list[subprocess.Popen[str]] = []
        self.extra_pids: list[int] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "worker", *args],
            cwd=ROOT, env={**self.env, **(env or {})}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def burst(self, *args: str, timeout: float = 40) -> str:
        """Run a worker until its queues are empty; return its log."""
        proc = self.start("worker", "--burst", *args)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
            out, _ = proc.communicate()
            raise AssertionError(f"burst worker did not finish in {timeout}s:\n{out}") from None
        assert proc.returncode == 0, out
        return out

    def until(self, check: Callable[[], Any], timeout: float = 20, interval: float = 0.05) -> Any:
        """``wait_for`` that shows the workers' logs when the condition is not met."""
        try:
            return wait_for(check, timeout, interval)
        except AssertionError:
            logs = []
            for proc in self.procs:
                self.kill(proc)
                if proc.stdout:
                    logs.append(proc.stdout.read()[-4000:])
            raise AssertionError(
                f"condition not met within {timeout}s; worker logs:\n" + "\n---\n".join(logs)
            ) from None

    def kill(self, proc: subprocess.Popen[str]) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)

    def close(self) -> None:
        for proc in self.procs:
            self.kill(proc)
            if proc.stdout:
                proc.stdout.close()
        for pid in self.extra_pids:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.fixture
def procs(app: Flask, database: dict[str, str], rconn: redis.Redis) -> Iterator[Procs]:
    running = Procs(worker_env(app, database), rconn)
    yield running
    running.close()


def wait_for(check: Callable[[], Any], timeout: float = 20, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def runs_of(ref: TenantRef) -> list[RunView]:
    """The coop's job records (read in its own tenant, as the app role)."""
    with tenant_context(ref):
        rows = [RunView.of(r) for r in db.session.scalars(sa.select(JobRun).order_by(JobRun.id))]
        db.session.rollback()
    db.remove()
    return rows


def run_of(ref: TenantRef, rq_id: str) -> RunView | None:
    return next((r for r in runs_of(ref) if r.rq_id == rq_id), None)


def claims() -> list[tuple[str, Any, Any, str]]:
    rows = db.session.execute(
        sa.select(ScheduledRun.kind, ScheduledRun.tenant_id, ScheduledRun.local_date,
                  ScheduledRun.job_id)
    ).all()
    db.session.rollback()
    return [tuple(r) for r in rows]


def audit_targets(ref: TenantRef, action: str) -> list[str]:
    with tenant_context(ref):
        rows = db.session.execute(
            sa.text("SELECT target FROM audit_events WHERE action = :a"), {"a": action}
        ).scalars().all()
        db.session.rollback()
    db.remove()
    return list(rows)


def log_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


class OwnRedis:
    """A redis-server of one test on a free loopback port, to kill and restart at will (never the
    shared one on 6379). No persistence: a restart loses every key, as a crashed Redis may."""

    def __init__(self) -> None:
        from tests.tcpproxy import free_port

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), timeout=10)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.kill()
