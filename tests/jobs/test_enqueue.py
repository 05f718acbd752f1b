"""The enqueue wrapper: after commit only, records in the caller's coop, prefixed queues, dedupe."""

from __future__ import annotations

import uuid

import pytest
from rq import Queue
from rq.job import Job

from app import jobs
from app.jobrecords import QUEUED
from app.jobs import queueing
from tenants.context import tenant_context
from tenants.db import db
from tests.jobs import tasks
from tests.jobs.conftest import run_of, runs_of


def _queue(rconn, prefix, name="default") -> Queue:
    return Queue(f"{prefix}.{name}", connection=rconn)


def test_rolled_back_transaction_queues_nothing(ctx, make_tenant, rconn, prefix) -> None:
    coop = make_tenant()
    with tenant_context(coop):
        job_id = jobs.enqueue(tasks.touch, "x", tenant_id=coop.id, title="Uji batal")
        assert _queue(rconn, prefix).count == 0  # nothing before the commit either
        db.session.rollback()
    assert _queue(rconn, prefix).count == 0
    assert not Job.exists(job_id, connection=rconn)
    assert runs_of(coop) == []


def test_savepoint_rollback_drops_only_its_jobs(ctx, make_tenant, rconn, prefix) -> None:
    coop = make_tenant()
    with tenant_context(coop):
        kept = jobs.enqueue(tasks.touch, "kept", tenant_id=coop.id, title="Tetap")
        savepoint = db.session.begin_nested()
        dropped = jobs.enqueue(tasks.touch, "dropped", tenant_id=coop.id, title="Dibatalkan")
        savepoint.rollback()
        db.session.commit()
    assert _queue(rconn, prefix).job_ids == [kept]
    assert [r.rq_id for r in runs_of(coop)] == [kept]
    assert not Job.exists(dropped, connection=rconn)


def test_commit_queues_on_the_prefixed_queue_with_a_record(ctx, make_tenant, rconn, prefix) -> None:
    coop = make_tenant()
    with tenant_context(coop):
        job_id = jobs.enqueue(
            tasks.touch, "y", tenant_id=coop.id, title="Impor peserta dari berkas",
            queue="low", timeout=120, retry=jobs.Retry(2, (5, 10)),
        )
        assert _queue(rconn, prefix, "low").count == 0
        db.session.commit()
    assert prefix.startswith("test-")
    assert _queue(rconn, prefix, "low").job_ids == [job_id]
    job = Job.fetch(job_id, connection=rconn)
    assert job.func_name == "app.jobs.run_job"
    assert job.description == "Impor peserta dari berkas"
    assert job.timeout == 120 and job.retries_left == 2 and job.retry_intervals == [5, 10]
    assert job.args[0]["tenant_id"] == str(coop.id)
    assert job.args[0]["func"] == "tests.jobs.tasks.touch"
    run = run_of(coop, job_id)
    assert run is not None and run.status == QUEUED and run.title == "Impor peserta dari berkas"
    assert run.queue == "low" and run.retry_max == 2 and run.attempts == 0


def test_same_job_id_twice_queues_once(ctx, make_tenant, rconn, prefix) -> None:
    coop = make_tenant()
    job_id = f"report-{coop.slug}-20261125"
    for _ in range(2):
        with tenant_context(coop):
            assert jobs.enqueue(tasks.touch, "z", tenant_id=coop.id, title="Laporan",
                                job_id=job_id) == job_id
            db.session.commit()
    assert _queue(rconn, prefix).job_ids == [job_id]
    assert [r.rq_id for r in runs_of(coop)] == [job_id]


def test_job_ids_must_name_their_coop(ctx, make_tenant) -> None:
    coop = make_tenant()
    with tenant_context(coop), pytest.raises(ValueError, match="name the coop"):
        jobs.enqueue(tasks.touch, "z", tenant_id=coop.id, title="Laporan", job_id="report-1")
    db.session.rollback()


def test_jobs_take_ids_not_objects_and_module_functions_only(ctx, make_tenant) -> None:
    coop = make_tenant()

    def local_fn() -> None:
        return None

    with tenant_context(coop):
        with pytest.raises(ValueError, match="ids and plain values"):
            jobs.enqueue(tasks.touch, object(), tenant_id=coop.id, title="Salah")
        with pytest.raises(ValueError, match="module-level"):
            jobs.enqueue(local_fn, tenant_id=coop.id, title="Salah")
        with pytest.raises(ValueError, match="title"):
            jobs.enqueue(tasks.touch, "a", tenant_id=coop.id, title="  ")
        with pytest.raises(ValueError, match="unknown queue"):
            jobs.enqueue(tasks.touch, "a", tenant_id=coop.id, title="Uji", queue="nowhere")
        db.session.rollback()


def test_a_coop_job_is_queued_from_inside_that_coop(ctx, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    with tenant_context(a), pytest.raises(ValueError, match="inside that coop"):
        jobs.enqueue(tasks.touch, "x", tenant_id=b.id, title="Lintas koperasi")
    db.session.rollback()
    with pytest.raises(ValueError, match="inside that coop"):
        jobs.enqueue(tasks.touch, "x", tenant_id=a.id, title="Tanpa koperasi")


def test_arguments_round_trip_as_plain_values() -> None:
    import datetime as dt
    from decimal import Decimal

    value = [uuid.uuid4(), dt.date(2026, 11, 25), Decimal("0.24"), {"n": 1, "s": "x"}, None]
    assert jobs.decode(jobs.encode(value)) == value


def test_platform_job_without_transaction_is_queued_at_once(ctx, rconn, prefix) -> None:
    db.remove()
    job_id = jobs.enqueue(tasks.observe, "p", tenant_id=None, title="Pekerjaan platform")
    assert _queue(rconn, prefix).job_ids == [job_id]


def test_redis_refusing_the_job_marks_the_record_failed(
    ctx, make_tenant, rconn, prefix, monkeypatch
) -> None:
    import redis

    coop = make_tenant()

    def refuse(*_a, **_k):
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(queueing, "push", refuse)
    with tenant_context(coop):
        job_id = jobs.enqueue(tasks.touch, "q", tenant_id=coop.id, title="Uji antrean mati")
        db.session.commit()
    run = run_of(coop, job_id)
    assert run is not None and run.status == "failed" and run.error_code == "queue_unavailable"
