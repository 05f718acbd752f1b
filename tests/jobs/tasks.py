"""Job functions the jobs tests queue (module-level, importable by a real worker process).

Each one leaves evidence where the test can read it: a JSON note in Redis under its ``marker``
(written by the job itself, whatever coop it runs in) and, for coop jobs, rows in the coop's tables.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import redis
import sqlalchemy as sa

from app import jobs
from app.jobrecords import JobRun
from tenants import audit
from tenants.context import NoTenantError, current_tenant
from tenants.db import db
from tests.settings import REDIS_URL

NOTE_TTL = 600


def _redis() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL)


def note(marker: str, **values: Any) -> None:
    _redis().set(f"gerai-test:{marker}", json.dumps(values, default=str), ex=NOTE_TTL)


def read_note(marker: str) -> dict[str, Any] | None:
    raw = _redis().get(f"gerai-test:{marker}")
    return json.loads(raw) if raw else None


def observe(marker: str) -> dict[str, Any]:
    """Report what this job can see of coops: its tenant, the DB setting, rows visible under RLS."""
    ref = current_tenant()
    setting = db.session.execute(sa.text("SELECT current_setting('app.tenant_id', true)")).scalar()
    visible = {
        table: db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
        for table in ("job_runs", "audit_events", "users")
    }
    try:
        db.session.scalars(sa.select(JobRun)).all()
        orm = "allowed"
    except NoTenantError:
        orm = "refused"
    seen = {
        "tenant": ref.slug if ref else None,
        "setting": setting or "",
        "visible": visible,
        "orm": orm,
        "pid": os.getpid(),
        "backend": db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar(),
    }
    note(marker, **seen)
    return seen


def touch(marker: str) -> str:
    """Write a row in the job's coop (committed with the job's record) and note the tenant."""
    ref = current_tenant()
    audit.record("test.touch", target=marker)
    note(marker, tenant=ref.slug if ref else None)
    return marker


def boom(marker: str) -> None:
    """Write a row, then fail: the row must be rolled back, the record must say failed."""
    audit.record("test.boom", target=marker)
    db.session.flush()
    note(marker, tenant=current_tenant().slug if current_tenant() else None)
    raise RuntimeError("deliberate failure with NIK 3201234567890001 in the message")


def refuse(marker: str) -> None:
    note(marker, ran=True)
    raise jobs.JobError("Berkas tidak dapat dibaca: kolom NIK tidak ada.")


def flaky(marker: str, failures: int) -> int:
    """Fail the first ``failures`` attempts, then succeed."""
    attempt = int(_redis().incr(f"gerai-test:{marker}:attempts"))
    _redis().expire(f"gerai-test:{marker}:attempts", NOTE_TTL)
    if attempt <= failures:
        raise RuntimeError(f"attempt {attempt} fails")
    audit.record("test.flaky", target=marker)
    note(marker, attempt=attempt)
    return attempt


def linger(marker: str, seconds: float) -> int:
    """Record its pid and sleep; a second attempt (after a kill) finishes at once."""
    attempt = int(_redis().incr(f"gerai-test:{marker}:attempts"))
    _redis().expire(f"gerai-test:{marker}:attempts", NOTE_TTL)
    _redis().set(f"gerai-test:{marker}:pid", os.getpid(), ex=NOTE_TTL)
    if attempt == 1:
        time.sleep(seconds)
    audit.record("test.linger", target=marker)
    note(marker, attempt=attempt)
    return attempt


def step_and_wait(marker: str, total: int) -> None:
    """Report 3 of ``total`` done, then wait (up to 30 s) until the test says go, then finish."""
    jobs.report_progress(3, total, "baris 3 diproses")
    _redis().set(f"gerai-test:{marker}:reported", 1, ex=NOTE_TTL)
    deadline = time.monotonic() + 30
    while not _redis().exists(f"gerai-test:{marker}:go") and time.monotonic() < deadline:
        time.sleep(0.05)
    jobs.report_progress(total, total, "selesai")


def spawn(marker: str) -> str:
    """A job that queues another job of its own coop (after its own commit)."""
    ref = current_tenant()
    assert ref is not None
    return jobs.enqueue(touch, f"{marker}-child", tenant_id=ref.id, title="Anak pekerjaan uji")


def noop() -> None:
    return None
