"""The worker's side: running one job in its own coop, recording its outcome and progress."""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.jobrecords import (
    ACTIVE,
    DONE,
    ERR_INTERNAL,
    ERR_JOB,
    ERR_TIMEOUT,
    FAILED,
    QUEUED,
    RUNNING,
    JobRun,
)
from app.jobs.spec import (
    PROGRESS_INTERVAL,
    JobError,
    JobSpec,
    decode,
    ensure_log_filter,
    import_function,
    job_title_var,
)
from app.logs import job_var, mask
from tenants.context import TenantRef, clear_tenant, tenant_context
from tenants.db import db, utcnow

log = logging.getLogger("gerai.jobs")


def run_job(spec: dict[str, Any]) -> Any:
    """What RQ runs for every job queued through ``enqueue``."""
    from rq import get_current_job

    job = get_current_job()

    def will_retry() -> bool:
        return bool(job is not None and job.retries_left and job.retries_left > 0)

    return perform(JobSpec.from_dict(spec), will_retry=will_retry)


@dataclass
class _Running:
    spec: JobSpec
    ref: TenantRef | None
    last_progress: float = 0.0


_running: ContextVar[_Running | None] = ContextVar("gerai_running_job", default=None)


def perform(spec: JobSpec, *, will_retry: Callable[[], bool]) -> Any:
    """Run one job in its own coop; record the outcome; leave no coop and no session behind."""
    ensure_log_filter()
    clear_tenant()
    db.remove()
    job_token, title_token = job_var.set(spec.rq_id), job_title_var.set(spec.title)
    try:
        if spec.tenant_id is None:
            return _run_recorded(spec, None, will_retry)
        tenant_id = uuid.UUID(spec.tenant_id)
        # The job's first transaction already carries its coop (the id is all RLS needs); the
        # tenant registry is a platform table, readable inside it, so the coop's details come
        # in the same transaction as the "running" mark.
        with tenant_context(TenantRef(id=tenant_id, slug="", name="")):
            from tenants.door import resolve_tenant_id

            _job_session()
            ref = resolve_tenant_id(tenant_id)
            if ref is None:
                db.session.rollback()
                log.warning("job %s skipped: its cooperative no longer exists", spec.rq_id)
                return None
            with tenant_context(ref):
                running_token = _running.set(_Running(spec, ref))
                try:
                    return _run_recorded(spec, ref, will_retry)
                finally:
                    _running.reset(running_token)
                    db.remove()
    finally:
        db.remove()
        clear_tenant()
        job_var.reset(job_token)
        job_title_var.reset(title_token)


def _job_session() -> Session:
    session = db.session
    try:
        session.info["statement_timeout_ms"] = current_app.config["GERAI"].job_statement_timeout_ms
    except (RuntimeError, KeyError):
        pass
    return session


def _run_recorded(spec: JobSpec, ref: TenantRef | None, will_retry: Callable[[], bool]) -> Any:
    session = _job_session()
    if ref is not None and not _mark_started(session, spec):
        return None
    log.info("job started: %s", spec.title)
    started = time.monotonic()
    try:
        result = import_function(spec.func)(*decode(spec.args), **decode(spec.kwargs))
        if ref is not None:
            session.execute(_done_statement(spec.rq_id))
        session.commit()
    except BaseException as exc:
        _safe_rollback(session)
        retrying = will_retry()
        code, text = describe_error(exc)
        log.error(
            "job failed after %.2fs (%s)%s: %s\n%s", time.monotonic() - started, code,
            "; will retry" if retrying else "", spec.title, traceback.format_exc(),
        )
        if ref is not None:
            _record_failure(session, spec, code, text, retrying)
        raise
    log.info("job done in %.3fs: %s", time.monotonic() - started, spec.title)
    return result


def _safe_rollback(session: Session) -> None:
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is dropped anyway
        db.remove()


def describe_error(exc: BaseException) -> tuple[str, str | None]:
    """An error code for the page, and the staff message of a JobError."""
    from rq.timeouts import JobTimeoutException

    if isinstance(exc, JobError):
        return ERR_JOB, mask(str(exc))[:2000]
    if isinstance(exc, JobTimeoutException):
        return ERR_TIMEOUT, None
    return ERR_INTERNAL, exc.__class__.__name__


def _done_statement(rq_id: str) -> sa.Update:
    return (
        sa.update(JobRun)
        .where(JobRun.rq_id == rq_id)
        .values(status=DONE, ended_at=utcnow(), error_code=None, error=None)
    )


def _started_statement(rq_id: str) -> Any:
    return (
        sa.update(JobRun)
        .where(JobRun.rq_id == rq_id, JobRun.status != DONE)
        .values(
            status=RUNNING, started_at=utcnow(), ended_at=None, attempts=JobRun.attempts + 1,
            error_code=None, error=None,
        )
        .returning(JobRun.id)
    )


def _mark_started(session: Session, spec: JobSpec) -> bool:
    """Move the record to running (one statement) and commit; False if it is already done."""
    started = session.execute(_started_statement(spec.rq_id)).first()
    if started is None:
        done = session.scalar(sa.select(JobRun.id).where(JobRun.rq_id == spec.rq_id))
        session.commit()
        if done is not None:
            log.warning("job %s is already done; not running it again", spec.rq_id)
            return False
        log.warning("job %s has no record in its coop; running it anyway", spec.rq_id)
        return True
    session.commit()
    return True


def _record_failure(
    session: Session, spec: JobSpec, code: str, text: str | None, retrying: bool
) -> None:
    try:
        session.execute(
            sa.update(JobRun)
            .where(JobRun.rq_id == spec.rq_id)
            .values(
                status=QUEUED if retrying else FAILED, error_code=code, error=text,
                ended_at=None if retrying else utcnow(),
            )
        )
        session.commit()
    except Exception:  # noqa: BLE001 - never hide the job's own exception
        log.exception("could not record the failure of job %s", spec.rq_id)
        _safe_rollback(session)


def update_in_own_session(ref: TenantRef, rq_id: str, **values: Any) -> int:
    """Update a job record in a short transaction of its own, in coop ``ref``."""
    session = db.factory()
    try:
        with tenant_context(ref):
            count = session.execute(
                sa.update(JobRun)
                .where(JobRun.rq_id == rq_id, JobRun.status.in_(ACTIVE))
                .values(**values)
            ).rowcount
            session.commit()
            return count or 0
    finally:
        session.close()


def mark_interrupted(spec: dict[str, Any], *, retrying: bool, code: str) -> None:
    """Record that a job's process died (or was killed) mid-job; called by the worker, not the job.

    ``retrying``: RQ has put it back on the queue (its retry policy), otherwise it failed for good.
    Only a record that is still queued or running changes.
    """
    job = JobSpec.from_dict(spec)
    if job.tenant_id is None:
        return
    from tenants.door import resolve_tenant_id

    clear_tenant()
    db.remove()
    try:
        ref = resolve_tenant_id(uuid.UUID(job.tenant_id))
        db.session.rollback()
        if ref is None:
            return
        changed = update_in_own_session(
            ref, job.rq_id, status=QUEUED if retrying else FAILED, error_code=code, error=None,
            ended_at=None if retrying else utcnow(),
        )
        log.warning(
            "job %s (%s) was interrupted (%s); %s", job.rq_id, job.title, code,
            ("retrying" if retrying else "marked failed") if changed else "record already final",
        )
    finally:
        db.remove()
        clear_tenant()


# --- Progress -----------------------------------------------------------------------------------


def report_progress(done: int, total: int, message: str = "") -> None:
    """From inside a job: ``done`` of ``total`` steps, with a short message, for a page to poll.

    Written in a short transaction of its own (so a page sees it while the job's work is still
    uncommitted), at most every half second; the final step is always written. Outside a job,
    or for a job without a coop, it does nothing.
    """
    running = _running.get()
    if running is None or running.ref is None:
        return
    now = time.monotonic()
    final = total > 0 and done >= total
    if not final and now - running.last_progress < PROGRESS_INTERVAL:
        return
    running.last_progress = now
    values = {
        "progress_done": max(0, int(done)),
        "progress_total": max(0, int(total)),
        "progress_message": mask(str(message))[:200],
    }
    try:
        if db.engine is not None and db.engine.dialect.name == "sqlite":
            # SQLite allows one writer: a second connection would wait on the job's own lock.
            db.session.execute(
                sa.update(JobRun).where(JobRun.rq_id == running.spec.rq_id).values(**values)
            )
        else:
            update_in_own_session(running.ref, running.spec.rq_id, **values)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the job goes on
        log.warning("could not record progress of job %s", running.spec.rq_id, exc_info=True)


def warm_up() -> None:
    """Do once what every job would otherwise redo: configure the ORM and compile the job-record
    statements. A forking worker calls this in its parent, so each work horse starts warm (the
    horse gets fresh connections, but keeps the engine's compiled-statement cache)."""
    from sqlalchemy.orm import configure_mappers

    from tenants.door import resolve_tenant_id

    configure_mappers()
    ghost = TenantRef(id=uuid.UUID(int=0), slug="warm-up", name="warm-up")
    try:
        with tenant_context(ghost):
            session = _job_session()
            resolve_tenant_id(ghost.id)
            session.execute(_started_statement("warm-up")).first()
            session.scalar(sa.select(JobRun.id).where(JobRun.rq_id == "warm-up"))
            session.execute(_done_statement("warm-up"))
            session.rollback()
    finally:
        db.remove()


def run_inline(app: Any, spec: JobSpec) -> None:
    """In-process mode: run the job now, in a thread with its own session and an empty context."""

    def target() -> None:
        with app.app_context():
            attempts = spec.retry_max + 1
            for attempt in range(1, attempts + 1):
                try:
                    perform(spec, will_retry=lambda a=attempt: a < attempts)  # type: ignore[misc]
                    return
                except BaseException:  # noqa: BLE001 - recorded and logged by perform
                    if attempt >= attempts:
                        return

    thread = threading.Thread(target=target, name=f"gerai-job-{spec.rq_id}", daemon=True)
    thread.start()
    thread.join()
