"""``gerai worker``: a forking RQ worker that keeps coops apart and never loses a job silently.

- Fork safety: the parent returns its session before each fork and the work horse disposes the
  engine's pool (``db.dispose()``) before touching the database, so no connection is shared.
- Tenancy: the parent never holds a coop; each job sets its own from its explicit ``tenant_id``
  (``app.jobs.run_job``) and clears it after, also after a failure; the horse clears it first too.
- Timeouts: RQ raises ``JobTimeoutException`` in a job that runs past its timeout (the record
  says so) and kills a horse that does not stop 60 s later.
- Death: a horse killed mid-job (SIGKILL, OOM) is noticed by its parent at once; a whole worker that
  dies leaves its job "abandoned", which another worker's maintenance finds once the job's heartbeat
  expires. Either way the job's retry policy applies, and its record shows "retrying" or "failed".
  How soon (settings, seconds): the heartbeat is renewed every ``JOB_HEARTBEAT_INTERVAL`` and lasts
  ``JOB_HEARTBEAT_GRACE`` more (RQ hard-codes 60); an idle worker wakes at least every
  ``WORKER_TTL - 15`` and runs maintenance every ``WORKER_MAINTENANCE_INTERVAL``. The defaults
  (10 + 45, 20, 20) notice a dead worker's job within 95 s (RQ's defaults: up to 11.5 minutes).
- Redis restarts: the scheduler subprocess (which moves due retries onto their queues) dies with
  its connection; maintenance notices and starts it again. Where RQ itself gives up on a Redis
  error (it stops the worker), ``run_worker`` starts a fresh worker (and scheduler) in the same
  process once Redis answers again.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from typing import Any

import redis
from flask import Flask
from rq import Worker
from rq.exceptions import AbandonedJobError
from rq.job import Job, JobStatus
from rq.queue import Queue

from app.jobrecords import ERR_TIMEOUT, ERR_WORKER_DIED
from app.jobs import (
    QUEUES,
    ensure_log_filter,
    job_title_var,
    mark_interrupted,
    queue_name,
    redis_connection,
    warm_up,
)
from app.logs import job_var
from tenants.context import clear_tenant
from tenants.db import db

log = logging.getLogger("gerai.worker")

RUN_JOB = "app.jobs.run_job"
RESTART_DELAY = 2.0  # seconds before a worker that stopped on an error starts again


def _spec_of(job: Job) -> dict[str, Any] | None:
    """The spec of a job queued through ``app.jobs.enqueue`` (None for raw platform jobs)."""
    try:
        if job.func_name == RUN_JOB and job.args:
            spec = job.args[0]
            return spec if isinstance(spec, dict) else None
    except Exception:  # noqa: BLE001 - an undeserialisable job has no record to update
        return None
    return None


class GeraiWorker(Worker):
    """RQ's forking worker with Gerai's fork safety, tenant hygiene and failure records."""

    heartbeat_grace = 60  # seconds a job's heartbeat outlives its renewal interval (RQ: 60)

    def get_heartbeat_ttl(self, job: Job) -> int:
        """RQ's heartbeat TTL with ``heartbeat_grace`` in place of its fixed 60 seconds."""
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = min(job.timeout - self.current_job_working_time, interval)
        return int(max(interval, 1)) + self.heartbeat_grace

    def check_for_suspension(self, burst: bool) -> None:
        """RQ's check; with Redis down, go on to the dequeue, which waits for Redis with backoff
        (RQ would stop the worker here)."""
        try:
            super().check_for_suspension(burst)
        except redis.ConnectionError as exc:
            log.warning("worker %s: Redis unreachable (%s); waiting for it", self.name, exc)

    def run_maintenance_tasks(self) -> None:
        """RQ's maintenance, which also restarts a dead scheduler; Redis down: try next time."""
        scheduler = self.scheduler
        if self.last_cleaned_at and scheduler is not None and (
            scheduler._process is None or not scheduler._process.is_alive()
        ):
            log.warning("worker %s: the scheduler process is not running; restarting it", self.name)
        try:
            super().run_maintenance_tasks()
        except redis.ConnectionError as exc:
            log.warning("worker %s: maintenance skipped, Redis unreachable (%s)", self.name, exc)

    def execute_job(self, job: Job, queue: Queue) -> None:
        db.remove()  # nothing checked out across the fork
        clear_tenant()
        try:
            super().execute_job(job, queue)
        finally:
            db.remove()
            clear_tenant()

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        db.dispose()  # the child never reuses the parent's pooled connections
        clear_tenant()
        job_var.set(job.id)
        job_title_var.set(job.description or "")
        super().main_work_horse(job, queue)

    def handle_job_failure(
        self, job: Job, queue: Queue, started_job_registry: Any = None, exc_string: str = ""
    ) -> None:
        super().handle_job_failure(
            job, queue=queue, started_job_registry=started_job_registry, exc_string=exc_string
        )
        if self.is_horse:
            return  # the job itself recorded how it failed
        spec = _spec_of(job)
        if spec is None:
            return
        try:
            status = job.get_status(refresh=True)
        except Exception:  # noqa: BLE001 - gone from Redis: treat as failed
            status = JobStatus.FAILED
        code = ERR_WORKER_DIED
        if job.timeout and job.started_at and job.ended_at:
            if (job.ended_at - job.started_at).total_seconds() >= job.timeout:
                code = ERR_TIMEOUT
        try:
            mark_interrupted(
                spec, retrying=status in (JobStatus.QUEUED, JobStatus.SCHEDULED), code=code
            )
        except Exception:  # noqa: BLE001 - the worker must keep serving other coops
            log.exception("could not record the interruption of job %s", job.id)


def abandoned_job_handler(job: Job, exc_type: type, exc_value: Any, tb: Any) -> bool:
    """RQ exception handler: record jobs found abandoned (their whole worker died)."""
    if not (isinstance(exc_type, type) and issubclass(exc_type, AbandonedJobError)):
        return True
    spec = _spec_of(job)
    if spec is not None:
        retrying = bool(job.retries_left and job.retries_left > 0)
        try:
            mark_interrupted(spec, retrying=retrying, code=ERR_WORKER_DIED)
        except Exception:  # noqa: BLE001
            log.exception("could not record the abandoned job %s", job.id)
    return True


def import_job_modules() -> None:
    """Import every domain's tasks.py once in the parent, not in each forked work horse."""
    import app as app_package

    for module in pkgutil.iter_modules(app_package.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"app.{module.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"app.{module.name}.tasks":
                    raise


def make_worker(
    app: Flask,
    queues: list[str] | tuple[str, ...] = (),
    *,
    name: str | None = None,
    maintenance_interval: int | None = None,
) -> GeraiWorker:
    settings = app.config["GERAI"]
    names = [queue_name(q, settings.queue_prefix) for q in (queues or QUEUES)]
    worker = GeraiWorker(
        names,
        connection=redis_connection(settings.redis_url),
        name=name,
        exception_handlers=[abandoned_job_handler],
        maintenance_interval=maintenance_interval or settings.worker_maintenance_interval,
        worker_ttl=settings.worker_ttl,
        job_monitoring_interval=settings.job_heartbeat_interval,
    )
    worker.heartbeat_grace = settings.job_heartbeat_grace
    return worker


def run_worker(
    app: Flask,
    queues: list[str] | tuple[str, ...] = (),
    *,
    burst: bool = False,
    name: str | None = None,
    max_jobs: int | None = None,
    with_scheduler: bool = True,
    maintenance_interval: int | None = None,
) -> bool:
    """Serve ``queues`` (default: all, in priority order) until stopped; True if any job ran."""
    settings = app.config["GERAI"]
    db.statement_timeout_ms = settings.job_statement_timeout_ms
    ensure_log_filter()
    import_job_modules()
    warm_up()
    while True:
        worker = make_worker(app, queues, name=name, maintenance_interval=maintenance_interval)
        db.remove()
        clear_tenant()
        try:
            worked = worker.work(
                burst=burst,
                max_jobs=max_jobs,
                with_scheduler=with_scheduler,
                logging_level=settings.log_level,
            )
        except redis.RedisError as exc:  # Redis went away at start or while RQ tidied up
            log.warning("worker %s: Redis unreachable (%s)", worker.name, exc)
            worked = False
        if burst or max_jobs or worker._stop_requested or worker._shutdown_requested_date:
            return worked  # done, or asked to stop (SIGTERM/SIGINT)
        # RQ gave up on an error it does not retry (Redis gone at the wrong moment): a fresh
        # worker, with a fresh scheduler, instead of a process that exits and waits for a person.
        log.error("worker %s stopped on an error; starting a fresh one in %ss", worker.name,
                  RESTART_DELAY)
        time.sleep(RESTART_DELAY)
