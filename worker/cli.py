"""``gerai worker``, ``gerai cron`` and ``gerai jobs list`` (Flask CLI plugin commands).

Registered through the ``flask.commands`` entry points in pyproject.toml, so ``app`` never imports
``worker``. Errors: one line on stderr saying what to do, non-zero exit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from app.jobs import QUEUES


def _settings() -> Any:
    return current_app.config["GERAI"]


def _need_redis(what: str) -> None:
    if not _settings().redis_url:
        raise click.ClickException(
            f"REDIS_URL is not set: without Redis, jobs run inside the app and there is no {what} "
            "to start (set REDIS_URL=redis://127.0.0.1:6379/0)"
        )


@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Quit once the queues are empty.")
@click.option("--name", default=None, help="Worker name (default: random).")
@click.option("--max-jobs", type=int, default=None, help="Quit after this many jobs.")
@click.option(
    "--with-scheduler/--without-scheduler", default=True, show_default=True,
    help="Also move due retries (backoff) onto their queues.",
)
@click.option(
    "--maintenance-interval", type=click.IntRange(min=1), default=None,
    help="Seconds between checks for jobs abandoned by dead workers "
    "(default: WORKER_MAINTENANCE_INTERVAL).",
)
@with_appcontext
def worker_cmd(
    queues: tuple[str, ...], burst: bool, name: str | None, max_jobs: int | None,
    with_scheduler: bool, maintenance_interval: int | None,
) -> None:
    """Start an RQ worker on QUEUES (default: high, default, low, in that order)."""
    _need_redis("worker")
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        raise click.ClickException(
            f"unknown queue {unknown[0]!r}: choose from {', '.join(QUEUES)}"
        )
    from worker.runner import run_worker

    run_worker(
        current_app, list(queues), burst=burst, name=name, max_jobs=max_jobs,
        with_scheduler=with_scheduler, maintenance_interval=maintenance_interval,
    )


@click.command("cron")
@click.option(
    "--every", type=click.IntRange(min=1), default=None,
    help="Tick every N seconds instead of the cron strings (demos and tests).",
)
@with_appcontext
def cron_cmd(every: int | None) -> None:
    """Run the schedule: exactly one per deployment (a second one stands by)."""
    _need_redis("cron process")
    from worker.cron import run_cron

    run_cron(current_app, every=every)


jobs_cli = click.Group("jobs", help="Background jobs across cooperatives.")


def _duration(started: dt.datetime | None, ended: dt.datetime | None) -> str:
    if started is None:
        return "-"
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    if ended is not None and ended.tzinfo is None:
        ended = ended.replace(tzinfo=dt.UTC)
    seconds = max(0.0, ((ended or dt.datetime.now(dt.UTC)) - started).total_seconds())
    return f"{seconds:.1f}s"


ERROR_WORDS = {
    "job": "{error}",
    "timeout": "stopped after its time limit ({timeout}s)",
    "worker_died": "the worker process died mid-job",
    "internal": "unexpected error {error} (see the worker log for job {rq_id})",
    "queue_unavailable": "Redis refused the job when it was queued",
    "lost": "the queue lost the job (e.g. Redis restarted without its data)",
}


def _error_words(run: Any) -> str:
    if not run.error_code:
        return ""
    template = ERROR_WORDS.get(run.error_code, "{error}")
    return template.format(error=run.error or "", timeout=run.timeout, rq_id=run.rq_id)


def _line(*fields: str) -> None:
    """One job a line, tab-separated (tabs and newlines inside a field become spaces)."""
    click.echo("\t".join(" ".join(str(f).split()) if f else "" for f in fields))


@jobs_cli.command("list")
@click.option("--failed", is_flag=True, help="Only failed jobs.")
@click.option("--tenant", "slug", default=None, help="Only this cooperative (its slug).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="At most this many jobs per cooperative.")
@with_appcontext
def jobs_list(failed: bool, slug: str | None, limit: int) -> None:
    """Recent (or failed) jobs, one a line: slug, status, queued at (UTC), duration, title, error.

    Each coop is entered through the audited door (one audit entry per coop read).
    """
    from app.jobrecords import FAILED, list_runs
    from tenants.context import clear_tenant
    from tenants.db import db
    from tenants.door import Right, switch_to
    from tenants.provision import ProvisionError, get_tenant, list_tenants

    try:
        refs = [get_tenant(slug).ref()] if slug else [t.ref() for t in list_tenants()]
    except ProvisionError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.rollback()
    right = Right(kind="platform", reason="gerai jobs list", actor="cli")
    try:
        for ref in refs:
            switch_to(ref, right)
            runs = list_runs(FAILED if failed else None, limit)
            db.session.commit()
            for run in runs:
                _line(
                    ref.slug, run.status, run.enqueued_at.strftime("%Y-%m-%d %H:%M:%S"),
                    _duration(run.started_at, run.ended_at), run.title, _error_words(run),
                )
    finally:
        db.remove()
        clear_tenant()
    if failed and not slug and _settings().redis_url:
        _platform_failures(limit)


def _platform_failures(limit: int) -> None:
    """Failed platform jobs (no coop, e.g. the schedule tick) from RQ's failed registries."""
    from rq import Queue
    from rq.job import Job

    from app.jobs import queue_name, redis_connection

    connection = redis_connection()
    for name in QUEUES:
        queue = Queue(queue_name(name), connection=connection)
        ids = queue.failed_job_registry.get_job_ids()[-limit:]
        for job in Job.fetch_many(ids, connection=connection):
            if job is None or (job.meta or {}).get("tenant_id"):
                continue
            result = job.latest_result()
            error = (result.exc_string if result is not None else "") or ""
            last_line = error.strip().splitlines()[-1:] or [""]
            when = job.enqueued_at.strftime("%Y-%m-%d %H:%M:%S") if job.enqueued_at else "-"
            _line(
                "-", "failed", when, _duration(job.started_at, job.ended_at),
                job.description or job.func_name, last_line[0][:200],
            )
