"""The schedule: RQ 2.12's cron as pinned, and the daily fan-out in each coop's own time zone."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
import rq
import sqlalchemy as sa
from rq import Queue
from rq.cron import CronJob

from app.jobrecords import JobRun, ScheduledRun, claim_scheduled_run
from tenants.context import clear_tenant, tenant_context
from tenants.db import db
from tenants.provision import set_status
from tests.jobs.conftest import ROOT, audit_targets, claims, run_of, runs_of
from worker import schedule
from worker.cron import build_cron

UTC = dt.UTC


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def _disable(slug: str) -> None:
    set_status(slug, False)
    db.session.commit()
    db.remove()


# --- RQ's cron, the version we pin ---------------------------------------------------------------



@pytest.fixture(autouse=True)
def _only_maintenance(request, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In-process ticks see one daily kind, so each assertion names exactly the job expected;
    the test with real cron processes runs the whole schedule."""
    if "procs" not in request.fixturenames:
        monkeypatch.setattr(
            schedule, "DAILY", tuple(d for d in schedule.DAILY if d.kind == "maintenance")
        )

def test_rq_is_pinned_to_the_version_whose_cron_we_rely_on() -> None:
    assert rq.__version__ == "2.12.0"
    for lock in ("requirements.lock", "requirements-dev.lock"):
        assert "rq==2.12.0" in Path(ROOT, lock).read_text().splitlines()


def test_rq_cron_strings_are_read_in_utc_not_local_time() -> None:
    job = CronJob(queue_name="q", func=schedule.fan_out_tick, cron="0 7 * * *")
    nxt = job.next_enqueue_time
    assert nxt.utcoffset() == dt.timedelta(0) and (nxt.hour, nxt.minute) == (7, 0)
    # so "07:00 in each coop's own zone" cannot be a cron string: the tick reads local time itself
    interval = CronJob(queue_name="q", func=schedule.fan_out_tick, interval=900)
    assert interval.should_run()  # an interval job runs at once when the process starts
    assert not job.should_run()  # a cron job waits for its next (UTC) time


def test_one_cron_process_ticks_the_other_stands_by(app, rconn, prefix) -> None:
    first, second = build_cron(app), build_cron(app, every=1)
    try:
        first.register_birth()
        second.register_birth()
        assert first.enqueue_jobs() == []  # holds the lock; its cron string is not due yet
        assert first.holding
        assert second.enqueue_jobs() == [] and not second.holding
        assert second.calculate_sleep_interval() >= 1
        tick_queue = Queue(f"{prefix}.high", connection=rconn)
        before = tick_queue.count
        first.register_death()  # releases the lock
        assert [j.name for j in second.enqueue_jobs()] == [f"{prefix}.schedule-tick"]
        assert second.holding and tick_queue.count == before + 1
        job = tick_queue.jobs[-1]
        assert job.func_name == "worker.schedule.fan_out_tick" and job.timeout == 840
    finally:
        first.register_death()
        second.register_death()


# --- The daily fan-out ----------------------------------------------------------------------------


def test_daily_work_is_due_in_each_coops_own_time_zone(ctx, make_tenant, rconn, prefix) -> None:
    jakarta = make_tenant(timezone="Asia/Jakarta")  # UTC+7
    jayapura = make_tenant(timezone="Asia/Jayapura")  # UTC+9
    # 22:30 UTC = 05:30 in Jakarta (not yet 07:00), 07:30 in Jayapura, both on 25 November
    assert schedule.fan_out(_at("2026-11-24T22:30:00")) == [f"maintenance-{jayapura.slug}-20261125"]
    assert schedule.fan_out(_at("2026-11-25T00:15:00")) == [f"maintenance-{jakarta.slug}-20261125"]
    assert Queue(f"{prefix}.default", connection=rconn).count == 2
    run = runs_of(jayapura)[0]
    assert run.title == "Perawatan harian catatan pekerjaan, 25 November 2026"
    assert run.status == "queued" and run.retry_max == 2
    assert audit_targets(jayapura, "door.platform") == [jayapura.slug]  # entered through the door


def test_two_ticks_for_the_same_coop_and_day_queue_one_job(ctx, make_tenant, rconn, prefix) -> None:
    coop = make_tenant()
    now = _at("2026-11-25T03:00:00")
    assert schedule.fan_out(now) == [f"maintenance-{coop.slug}-20261125"]
    assert schedule.fan_out(now) == []
    assert schedule.fan_out(now + dt.timedelta(minutes=15)) == []
    assert Queue(f"{prefix}.default", connection=rconn).job_ids == [
        f"maintenance-{coop.slug}-20261125"
    ]
    assert len(runs_of(coop)) == 1 and len(claims()) == 1
    # the next local day is a new job
    assert schedule.fan_out(now + dt.timedelta(days=1)) == [f"maintenance-{coop.slug}-20261126"]


def test_concurrent_ticks_queue_each_coop_once(app, ctx, make_tenant, rconn, prefix) -> None:
    coops = [make_tenant() for _ in range(5)]
    now = _at("2026-11-25T03:00:00")
    results: list[list[str]] = []

    def tick() -> None:
        with app.app_context():
            results.append(schedule.fan_out(now))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    queued = [job_id for batch in results for job_id in batch]
    assert sorted(queued) == sorted(f"maintenance-{c.slug}-20261125" for c in coops)
    assert Queue(f"{prefix}.default", connection=rconn).count == 5
    assert all(len(runs_of(c)) == 1 for c in coops)


def test_a_disabled_coop_gets_no_scheduled_jobs(ctx, make_tenant, rconn, prefix) -> None:
    active, disabled = make_tenant(), make_tenant()
    _disable(disabled.slug)
    assert schedule.fan_out(_at("2026-11-25T03:00:00")) == [f"maintenance-{active.slug}-20261125"]
    assert runs_of(disabled) == []
    assert [c[1] for c in claims()] == [active.id]
    # a kind that must still run for disabled coops (money in flight) says so
    settle = schedule.Daily("settle", schedule.daily_maintenance, "Rekonsiliasi {date}",
                            include_disabled=True)
    queued = schedule.fan_out(_at("2026-11-25T03:00:00"), entries=[settle])
    assert sorted(queued) == sorted(f"settle-{c.slug}-20261125" for c in (active, disabled))


def test_the_tick_and_the_daily_jobs_run_on_a_real_worker(ctx, make_tenant, procs, rconn) -> None:
    coop = make_tenant()
    db.remove()
    from app import jobs

    jobs.enqueue(schedule.fan_out_tick, "2026-11-25T03:00:00+00:00", tenant_id=None,
                 title="Jadwal", queue="high")
    procs.burst()
    run = run_of(coop, f"maintenance-{coop.slug}-20261125")
    assert run is not None and run.status == "done" and run.progress_done == 3


def _zone_where_it_is_afternoon() -> str:
    """An Etc/GMT zone where the local time now is about 14:00 (so the daily job is due)."""
    offset = (14 - dt.datetime.now(UTC).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # Etc/GMT-7 is UTC+7


def test_two_real_cron_processes_and_a_worker_queue_each_coop_once(
    ctx, make_tenant, procs, rconn, prefix
) -> None:
    zone = _zone_where_it_is_afternoon()
    coops = [make_tenant(timezone=zone) for _ in range(3)]
    off = make_tenant(timezone=zone)
    _disable(off.slug)
    crons = [procs.start("cron", "--every", "1") for _ in range(2)]
    procs.start("worker")

    def all_done() -> bool:
        return all(any(r.status == "done" for r in runs_of(c)) for c in coops)

    procs.until(all_done, timeout=30, interval=0.3)
    time.sleep(2.5)  # more ticks from the lock holder; the standby must add nothing
    for coop in coops:
        kinds = [r.rq_id.rsplit("-", 1)[0] for r in runs_of(coop)]
        assert [k for k in kinds if k.startswith("maintenance-")] == [f"maintenance-{coop.slug}"]
        assert len(kinds) == len(set(kinds)) == len(schedule.DAILY)  # each kind once per coop
    assert runs_of(off) == []
    assert len(claims()) == 3 * len(schedule.DAILY)
    holder = rconn.get(f"{prefix}.cron-lock")
    assert holder is not None
    assert all(proc.poll() is None for proc in crons)


def test_daily_maintenance_prunes_old_records_and_settles_lost_ones(ctx, make_tenant) -> None:
    from app.jobrecords import daily_maintenance
    from tenants.db import new_id

    coop = make_tenant()
    old = dt.datetime.now(UTC) - dt.timedelta(days=120)
    with tenant_context(coop):
        for rq_id, status, when in (
            ("old-done", "done", old), ("lost-one", "running", old), ("fresh", "done", None)
        ):
            db.session.add(JobRun(
                id=new_id(), rq_id=f"{rq_id}-{coop.slug}", func="tests.jobs.tasks.noop",
                payload={"args": [], "kwargs": {}}, title=rq_id, queue="default",
                status=status, timeout=60, **({"enqueued_at": when} if when else {}),
            ))
        db.session.commit()
        claim_scheduled_run("maintenance", dt.date(2026, 1, 1), "x")  # the app role cannot insert
        db.session.commit()
        result = daily_maintenance("2026-11-25")
        db.session.commit()
    clear_tenant()
    assert result == {"lost": 1, "pruned": 1, "claims_pruned": 1}
    by_id = {r.rq_id: r for r in runs_of(coop)}
    assert set(by_id) == {f"lost-one-{coop.slug}", f"fresh-{coop.slug}"}
    assert by_id[f"lost-one-{coop.slug}"].status == "failed"
    assert by_id[f"lost-one-{coop.slug}"].error_code == "lost"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledRun)) == 0
