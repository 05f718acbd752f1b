"""Real worker processes (``python -m worker`` = ``gerai worker``), real Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import time

import pytest
from rq import Queue

from app import jobs
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import login
from tests.jobs import tasks
from tests.jobs.conftest import audit_targets, log_lines, run_of


def _enqueue(coop, fn, *args, title="Pekerjaan uji", **kw) -> str:
    with tenant_context(coop):
        job_id = jobs.enqueue(fn, *args, tenant_id=coop.id, title=title, **kw)
        db.session.commit()
    db.remove()
    return job_id


def _enqueue_platform(fn, *args, title="Pekerjaan platform uji") -> str:
    db.remove()
    return jobs.enqueue(fn, *args, tenant_id=None, title=title)


def _marker(name: str) -> str:
    return f"{name}-{os.urandom(4).hex()}"


def test_a_coop_job_then_a_job_without_coop_sees_nothing_of_it(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    mark_a, mark_none = _marker("a"), _marker("none")
    job_a = _enqueue(coop, tasks.observe, mark_a, title="Amati koperasi A")
    _enqueue_platform(tasks.observe, mark_none)
    out = procs.burst()

    seen_a, seen_none = tasks.read_note(mark_a), tasks.read_note(mark_none)
    assert seen_a["tenant"] == coop.slug and seen_a["setting"] == str(coop.id)
    assert seen_a["visible"]["job_runs"] == 1 and seen_a["orm"] == "allowed"
    assert seen_none == {
        "tenant": None, "setting": "", "orm": "refused", "pid": seen_none["pid"],
        "backend": seen_none["backend"], "visible": {"job_runs": 0, "audit_events": 0, "users": 0},
    }
    assert seen_a["pid"] != seen_none["pid"]  # each job in its own forked work horse...
    assert seen_a["backend"] != seen_none["backend"]  # ...with its own connection (pool disposed)
    run = run_of(coop, job_a)
    assert run.status == "done" and run.attempts == 1 and run.started_at and run.ended_at

    # Logs carry the job id, its title and its coop.
    lines = [line for line in log_lines(out) if line.get("job") == job_a]
    assert any(
        line.get("tenant") == coop.slug and line.get("job_title") == "Amati koperasi A"
        for line in lines
    ), out


def test_a_failing_job_leaves_no_coop_behind_and_rolls_back(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    mark_boom, mark_after = _marker("boom"), _marker("after")
    job_boom = _enqueue(coop, tasks.boom, mark_boom, title="Pekerjaan yang gagal")
    _enqueue_platform(tasks.observe, mark_after)
    out = procs.burst()

    assert tasks.read_note(mark_boom)["tenant"] == coop.slug  # it ran, in its coop
    run = run_of(coop, job_boom)
    assert run.status == "failed" and run.error_code == "internal" and run.error == "RuntimeError"
    assert run.ended_at is not None
    assert audit_targets(coop, "test.boom") == []  # its write was rolled back
    after = tasks.read_note(mark_after)
    assert after["tenant"] is None and after["setting"] == "" and after["orm"] == "refused"
    assert after["visible"] == {"job_runs": 0, "audit_events": 0, "users": 0}
    assert "3201234567890001" not in out  # the NIK in the exception is masked in the logs


def test_job_error_message_is_shown_in_plain_words(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    job_id = _enqueue(coop, tasks.refuse, _marker("refuse"), title="Impor berkas")
    procs.burst()
    run = run_of(coop, job_id)
    assert run.status == "failed" and run.error_code == "job"
    assert run.error == "Berkas tidak dapat dibaca: kolom NIK tidak ada."


def test_retry_with_backoff_then_success(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    marker = _marker("flaky")
    job_id = _enqueue(coop, tasks.flaky, marker, 1, retry=jobs.Retry(2, (1,)))
    procs.start("worker")
    waiting = procs.until(
        lambda: (r := run_of(coop, job_id)) and r.retry_pending and r, timeout=20
    )
    assert waiting.status == "queued" and waiting.error_code == "internal"
    failed_at = time.monotonic()
    done = procs.until(lambda: (r := run_of(coop, job_id)) and r.status == "done" and r, timeout=20)
    assert time.monotonic() - failed_at >= 0.5  # the retry waited for its backoff
    assert done.attempts == 2 and done.error_code is None
    assert tasks.read_note(marker)["attempt"] == 2
    assert audit_targets(coop, "test.flaky") == [marker]


def test_a_stuck_job_is_stopped_after_its_timeout(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    marker = _marker("stuck")
    job_id = _enqueue(coop, tasks.linger, marker, 60, timeout=2, title="Pekerjaan macet")
    after = _enqueue(coop, tasks.touch, _marker("next"))
    started = time.monotonic()
    procs.burst()
    assert time.monotonic() - started < 20
    run = run_of(coop, job_id)
    assert run.status == "failed" and run.error_code == "timeout"
    assert run_of(coop, after).status == "done"  # the worker went on with the next job


def _kill_horse_mid_job(procs, coop, marker, **kw) -> tuple[str, object]:
    job_id = _enqueue(coop, tasks.linger, marker, 60, title="Pekerjaan yang dibunuh", **kw)
    worker = procs.start("worker")
    pid = int(procs.until(lambda: tasks._redis().get(f"gerai-test:{marker}:pid"), timeout=20))
    procs.extra_pids.append(pid)
    assert run_of(coop, job_id).status == "running"
    os.kill(pid, signal.SIGKILL)
    return job_id, worker


def test_worker_killed_mid_job_is_retried(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    marker = _marker("killed")
    job_id, _ = _kill_horse_mid_job(procs, coop, marker, retry=jobs.Retry(1, (0,)))
    done = procs.until(lambda: (r := run_of(coop, job_id)) and r.status == "done" and r, timeout=20)
    assert done.attempts == 2
    assert audit_targets(coop, "test.linger") == [marker]


def test_worker_killed_mid_job_without_retry_is_shown_failed(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    job_id, _ = _kill_horse_mid_job(procs, coop, _marker("killed-once"))
    failed = procs.until(
        lambda: (r := run_of(coop, job_id)) and r.status == "failed" and r, timeout=20
    )
    assert failed.error_code == "worker_died" and failed.attempts == 1


def test_whole_worker_killed_job_is_recovered_by_another_worker(
    ctx, make_tenant, procs, rconn, prefix
) -> None:
    """Worker and work horse both SIGKILLed: the job is abandoned in RQ's started registry.

    A surviving worker's maintenance finds it once the job's heartbeat has expired (RQ: at least
    60 s); the test moves that expiry into the past instead of waiting for it.
    """
    coop = make_tenant()
    marker = _marker("abandoned")
    job_id = _enqueue(coop, tasks.linger, marker, 60, retry=jobs.Retry(1, (0,)))
    first = procs.start("worker")
    pid = int(procs.until(lambda: tasks._redis().get(f"gerai-test:{marker}:pid"), timeout=20))
    procs.extra_pids.append(pid)
    os.killpg(first.pid, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    first.wait(10)
    time.sleep(0.2)
    assert run_of(coop, job_id).status == "running"  # nobody is left to say otherwise

    started = Queue(f"{prefix}.default", connection=rconn).started_job_registry
    entries = rconn.zrange(started.key, 0, -1)
    assert entries and entries[0].decode().startswith(job_id)
    rconn.zadd(started.key, {entries[0]: 1})  # the heartbeat expired long ago

    procs.start("worker", "--maintenance-interval", "1")
    done = procs.until(lambda: (r := run_of(coop, job_id)) and r.status == "done" and r, timeout=25)
    assert done.attempts == 2
    assert audit_targets(coop, "test.linger") == [marker]


def test_a_job_queues_another_after_its_own_commit(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    marker = _marker("spawn")
    parent = _enqueue(coop, tasks.spawn, marker, title="Induk")
    procs.burst()
    assert run_of(coop, parent).status == "done"
    assert tasks.read_note(f"{marker}-child")["tenant"] == coop.slug
    assert audit_targets(coop, "test.touch") == [f"{marker}-child"]


@pytest.mark.usefixtures("csrf_off")
def test_progress_is_visible_while_the_job_runs(
    ctx, make_tenant, make_user, client, procs
) -> None:
    coop = make_tenant()
    email = f"admin-{os.urandom(3).hex()}@example.id"
    make_user(coop, "admin", email=email)
    marker = _marker("progress")
    job_id = _enqueue(coop, tasks.step_and_wait, marker, 10, title="Impor 10 baris")
    procs.start("worker")
    procs.until(lambda: tasks._redis().get(f"gerai-test:{marker}:reported"), timeout=20)
    login(client, coop.slug, email)

    midway = client.get(f"/{coop.slug}/jobs/{job_id}/progress").get_json()
    assert midway["status"] == "running" and midway["finished"] is False
    assert (midway["done"], midway["total"], midway["percent"]) == (3, 10, 30)
    assert midway["message"] == "baris 3 diproses"

    tasks._redis().set(f"gerai-test:{marker}:go", 1, ex=60)
    procs.until(lambda: run_of(coop, job_id).status == "done", timeout=20)
    final = client.get(f"/{coop.slug}/jobs/{job_id}/progress").get_json()
    assert final["finished"] is True and final["done"] == 10 and final["percent"] == 100
