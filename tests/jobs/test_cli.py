"""``gerai jobs list`` for the operator, and the worker/cron commands' one-line errors."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os

from flask import Flask

from app import jobs
from app.jobrecords import JobRun
from tenants.context import tenant_context
from tenants.db import db, new_id
from tests.conftest import make_settings
from tests.jobs import tasks
from tests.jobs.conftest import audit_targets
from worker.cli import cron_cmd, jobs_cli, worker_cmd

UTC = dt.UTC


def _run(ref, title: str, status: str, **values) -> None:
    with tenant_context(ref):
        db.session.add(JobRun(
            id=new_id(), rq_id=f"{status}-{ref.slug}-{os.urandom(3).hex()}",
            func="tests.jobs.tasks.noop", payload={"args": [], "kwargs": {}}, title=title,
            queue="default", status=status, timeout=60, **values,
        ))
        db.session.commit()
    db.remove()


def test_commands_are_plugged_into_gerai_without_app_importing_worker() -> None:
    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="flask.commands")}
    assert names["worker"] == "worker.cli:worker_cmd"
    assert names["cron"] == "worker.cli:cron_cmd"
    assert names["jobs"] == "worker.cli:jobs_cli"


def test_jobs_list_across_coops(app: Flask, ctx, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    started = dt.datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    _run(a, "Impor peserta", "failed", error_code="timeout", started_at=started,
         ended_at=started + dt.timedelta(seconds=60))
    _run(a, "Perawatan harian", "done", started_at=started,
         ended_at=started + dt.timedelta(seconds=2))
    _run(b, "Sapuan pengingat", "failed", error_code="job", error="Nomor WhatsApp tidak aktif.")
    runner = app.test_cli_runner()

    everything = runner.invoke(jobs_cli, ["list"])
    assert everything.exit_code == 0, everything.output
    lines = [line.split("\t") for line in everything.output.strip().splitlines()]
    assert sorted((f[0], f[1], f[4]) for f in lines) == sorted([
        (a.slug, "failed", "Impor peserta"), (a.slug, "done", "Perawatan harian"),
        (b.slug, "failed", "Sapuan pengingat"),
    ])
    by_title = {f[4]: f for f in lines}
    assert by_title["Impor peserta"][3] == "60.0s"
    assert by_title["Impor peserta"][5] == "stopped after its time limit (60s)"
    assert by_title["Sapuan pengingat"][5] == "Nomor WhatsApp tidak aktif."

    failed = runner.invoke(jobs_cli, ["list", "--failed", "--tenant", a.slug])
    assert [line.split("\t")[4] for line in failed.output.strip().splitlines()] == ["Impor peserta"]
    # every coop read went through the audited door
    assert audit_targets(a, "door.platform") == [a.slug, a.slug]
    assert audit_targets(b, "door.platform") == [b.slug]

    unknown = runner.invoke(jobs_cli, ["list", "--tenant", "no-such-coop"])
    assert unknown.exit_code != 0 and "no cooperative with slug" in unknown.output


def test_jobs_list_failed_includes_failed_platform_jobs(app: Flask, ctx, procs) -> None:
    db.remove()
    jobs.enqueue(tasks.boom, "platform-boom", tenant_id=None, title="Pekerjaan platform gagal")
    procs.burst()
    output = app.test_cli_runner().invoke(jobs_cli, ["list", "--failed"]).output
    line = next(row for row in output.splitlines() if row.startswith("-\t"))
    assert line.split("\t")[1] == "failed" and line.split("\t")[4] == "Pekerjaan platform gagal"


def test_worker_and_cron_need_redis(database) -> None:
    from app import create_app

    no_redis = create_app(make_settings(database, redis_url=None))
    runner = no_redis.test_cli_runner()
    for command in (worker_cmd, cron_cmd):
        result = runner.invoke(command, [])
        assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def test_worker_refuses_an_unknown_queue(app: Flask) -> None:
    result = app.test_cli_runner().invoke(worker_cmd, ["nowhere"])
    assert result.exit_code == 1 and "unknown queue 'nowhere'" in result.output
