"""In-process mode (no REDIS_URL, the demo): the same enqueue runs the same job code after
commit."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask

from app import jobs
from tenants.context import current_tenant, tenant_context
from tenants.db import db
from tests.jobs import tasks
from tests.jobs.conftest import audit_targets, run_of, runs_of


def _marker(name: str) -> str:
    return f"{name}-{os.urandom(4).hex()}"


@pytest.fixture
def demo_mode(inproc_app: Flask, ctx) -> Iterator[Flask]:
    with inproc_app.app_context():
        assert inproc_app.config["GERAI"].redis_url is None
        yield inproc_app
    db.remove()


def test_in_process_runs_the_same_job_after_commit_in_its_coop(demo_mode, make_tenant) -> None:
    coop = make_tenant()
    marker = _marker("inproc")
    with tenant_context(coop):
        job_id = jobs.enqueue(tasks.touch, marker, tenant_id=coop.id, title="Uji dalam proses")
        assert tasks.read_note(marker) is None  # not before the commit
        db.session.commit()
        assert current_tenant() == coop  # the caller's coop is untouched
    assert tasks.read_note(marker) == {"tenant": coop.slug}
    assert audit_targets(coop, "test.touch") == [marker]
    run = run_of(coop, job_id)
    assert run.status == "done" and run.attempts == 1 and run.title == "Uji dalam proses"


def test_in_process_rollback_runs_nothing(demo_mode, make_tenant) -> None:
    coop = make_tenant()
    marker = _marker("rolled")
    with tenant_context(coop):
        jobs.enqueue(tasks.touch, marker, tenant_id=coop.id, title="Dibatalkan")
        db.session.rollback()
    db.remove()
    assert tasks.read_note(marker) is None and runs_of(coop) == []


def test_in_process_a_coop_job_then_one_without_coop(demo_mode, make_tenant) -> None:
    coop = make_tenant()
    mark_a, mark_none = _marker("a"), _marker("none")
    with tenant_context(coop):
        jobs.enqueue(tasks.observe, mark_a, tenant_id=coop.id, title="Amati A")
        db.session.commit()
        # a platform job queued while the caller is still inside coop A
        jobs.enqueue(tasks.observe, mark_none, tenant_id=None, title="Amati tanpa koperasi")
        db.session.commit()
    seen_a, seen_none = tasks.read_note(mark_a), tasks.read_note(mark_none)
    assert seen_a["tenant"] == coop.slug and seen_a["visible"]["job_runs"] == 1
    assert seen_none["tenant"] is None and seen_none["setting"] == ""
    assert seen_none["orm"] == "refused"
    assert seen_none["visible"] == {"job_runs": 0, "audit_events": 0, "users": 0}


def test_in_process_failure_is_recorded_and_the_caller_goes_on(demo_mode, make_tenant) -> None:
    coop = make_tenant()
    marker = _marker("boom")
    with tenant_context(coop):
        job_id = jobs.enqueue(tasks.boom, marker, tenant_id=coop.id, title="Gagal")
        db.session.commit()  # does not raise: the job's failure is the job's
        assert current_tenant() == coop
    run = run_of(coop, job_id)
    assert run.status == "failed" and run.error_code == "internal"
    assert audit_targets(coop, "test.boom") == []


def test_in_process_retry_policy_and_nested_jobs(demo_mode, make_tenant) -> None:
    coop = make_tenant()
    flaky, parent = _marker("flaky"), _marker("spawn")
    with tenant_context(coop):
        flaky_id = jobs.enqueue(tasks.flaky, flaky, 1, tenant_id=coop.id, title="Coba lagi",
                                retry=jobs.Retry(1, (30,)))
        jobs.enqueue(tasks.spawn, parent, tenant_id=coop.id, title="Induk")
        db.session.commit()
    assert run_of(coop, flaky_id).attempts == 2 and run_of(coop, flaky_id).status == "done"
    assert tasks.read_note(f"{parent}-child") == {"tenant": coop.slug}
    assert {r.status for r in runs_of(coop)} == {"done"} and len(runs_of(coop)) == 3


def test_sqlite_demo_mode_runs_jobs_with_progress(app: Flask, sqlite_app: Flask) -> None:
    """The `make run` path: SQLite, no Redis; a job with progress runs and is recorded."""
    from app.jobrecords import daily_maintenance
    from tenants.provision import create_tenant

    with sqlite_app.app_context():
        ref = create_tenant("kmp-uji-jobs", "KMP Uji").ref()
        db.session.commit()
        with tenant_context(ref):
            job_id = jobs.enqueue(daily_maintenance, "2026-11-25", tenant_id=ref.id,
                                  title="Perawatan harian")
            db.session.commit()
        run = run_of(ref, job_id)
    assert run.status == "done" and (run.progress_done, run.progress_total) == (3, 3)
    assert run.progress_message == "selesai"
