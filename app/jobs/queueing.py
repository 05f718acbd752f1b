"""The caller's side: ``enqueue`` after the caller's commit, to RQ or in-process; retries."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.jobrecords import (
    ACTIVE,
    ERR_INTERNAL,
    ERR_JOB,
    ERR_LOST,
    ERR_QUEUE_UNAVAILABLE,
    ERR_TIMEOUT,
    ERR_WORKER_DIED,
    FAILED,
    QUEUED,
    JobRun,
)
from app.jobs.running import run_inline, update_in_own_session
from app.jobs.spec import (
    FAILURE_TTL,
    MAX_PAYLOAD,
    QUEUES,
    RESULT_TTL,
    JobSpec,
    encode,
    function_path,
    queue_name,
    retry_policy,
)
from app.logs import mask
from tenants.context import TenantRef, current_tenant
from tenants.db import db, new_id, utcnow

log = logging.getLogger("gerai.jobs")
_JOB_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_PENDING = "gerai_jobs_pending"


def enqueue(
    fn: Callable[..., Any],
    *args: Any,
    tenant_id: uuid.UUID | str | None,
    title: str,
    job_id: str | None = None,
    queue: str = "default",
    timeout: int = 600,
    retry: Any = None,
    **kwargs: Any,
) -> str:
    """Queue ``fn(*args, **kwargs)`` for coop ``tenant_id`` once the caller's transaction commits.

    ``title`` is what the coop's admin reads on the jobs page (Bahasa Indonesia, no personal data).
    A tenant job must be enqueued from inside that coop (the current tenant); its record is written
    in the caller's transaction. ``job_id`` (letters, digits, ``-``, ``_``) must name the coop (its
    slug or id) so it is unique across coops; the same id again in the same coop queues nothing.
    ``retry``: ``Retry(max, intervals)`` or a number of retries. Returns the job id.
    """
    if tenant_id is not None and not isinstance(tenant_id, uuid.UUID):
        tenant_id = uuid.UUID(str(tenant_id))
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValueError("a job needs a title of at most 200 characters")
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r} (one of {', '.join(QUEUES)})")
    if int(timeout) <= 0:
        raise ValueError("timeout must be a positive number of seconds")
    retry_max, intervals = retry_policy(retry)
    payload = {"args": encode(list(args)), "kwargs": encode(kwargs)}
    if len(repr(payload)) > MAX_PAYLOAD:
        raise ValueError("job arguments are too large: pass ids, not data")
    ref = current_tenant()
    if tenant_id is not None and (ref is None or ref.id != tenant_id):
        raise ValueError(
            "enqueue a coop's job from inside that coop "
            "(set its tenant first, e.g. through the door)"
        )
    if job_id is not None:
        if not job_id or len(job_id) > 120 or not set(job_id) <= _JOB_ID_CHARS:
            raise ValueError("job_id: 1-120 letters, digits, '-' or '_'")
        if ref is not None and tenant_id is not None and not (
            ref.slug in job_id or tenant_id.hex in job_id
        ):
            raise ValueError(
                "job_id must name the coop (its slug or id), e.g. <kind>-<slug>-<date>"
            )
    spec = JobSpec(
        rq_id=job_id or str(new_id()), func=function_path(fn), args=payload["args"],
        kwargs=payload["kwargs"], tenant_id=str(tenant_id) if tenant_id else None, title=title,
        queue=queue, timeout=int(timeout), retry_max=retry_max, retry_intervals=intervals,
    )
    session = db.session
    if tenant_id is not None:
        if not _insert_record(session, spec, tenant_id):
            log.info("job %s is already queued for this coop; not queued again", spec.rq_id)
            return spec.rq_id
    elif not session.in_transaction():
        _dispatch([_Pending(spec, None, _app(), False)])
        return spec.rq_id
    _add_pending(session, _Pending(spec, ref if tenant_id else None, _app(), False))
    return spec.rq_id


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _insert_record(session: Session, spec: JobSpec, tenant_id: uuid.UUID) -> bool:
    """Insert the job's record in the caller's transaction; False if this coop already has it."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(JobRun)
        .values(
            tenant_id=tenant_id, id=new_id(), rq_id=spec.rq_id, func=spec.func,
            payload={"args": spec.args, "kwargs": spec.kwargs}, title=spec.title,
            queue=spec.queue, status=QUEUED, timeout=spec.timeout, retry_max=spec.retry_max,
            retry_intervals=list(spec.retry_intervals), attempts=0, progress_done=0,
            progress_total=0, progress_message="", enqueued_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "rq_id"])
        .returning(JobRun.id)
    )
    return session.execute(stmt).first() is not None


@dataclass
class _Pending:
    spec: JobSpec
    ref: TenantRef | None
    app: Any
    replace: bool  # a retry of a failed job: replace RQ's failed copy
    tx: Any = field(default=None)


def _add_pending(session: Session, pending: _Pending) -> None:
    pending.tx = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(pending)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: wait for the outermost commit
    pending = session.info.pop(_PENDING, None)
    if pending:
        _dispatch(pending)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: Any) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return

    def rolled_back(p: _Pending) -> bool:
        tx = p.tx
        while tx is not None:
            if tx is previous:
                return True
            tx = tx.parent
        return False

    kept = [p for p in pending if not rolled_back(p)]
    dropped = len(pending) - len(kept)
    if dropped:
        log.info("transaction rolled back: %d job(s) not queued", dropped)
    session.info[_PENDING] = kept


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None and session.info.get(_PENDING):
        count = len(session.info[_PENDING])
        log.info("transaction ended without commit: %d job(s) not queued", count)
        session.info.pop(_PENDING, None)


# --- Dispatch: Redis, or in-process ------------------------------------------------------------

_clients: dict[str, Any] = {}


def redis_connection(url: str | None = None) -> Any:
    """A Redis client for ``url`` (default: the app's REDIS_URL), one per process and URL."""
    import redis

    url = url or current_app.config["GERAI"].redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set")
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=10)
    return client


def _dispatch(pending: list[_Pending]) -> None:
    for item in pending:
        settings = item.app.config["GERAI"]
        if settings.redis_url:
            _push_or_record(item, settings)
        else:
            run_inline(item.app, item.spec)


def _push_or_record(item: _Pending, settings: Any) -> None:
    import redis

    try:
        pushed = push(
            redis_connection(settings.redis_url), item.spec, settings.queue_prefix,
            replace=item.replace,
        )
        if not pushed:
            log.info("job %s is already in the queue; not queued again", item.spec.rq_id)
    except Exception as exc:  # noqa: BLE001 - the caller's commit is done: record, don't raise
        log.error(
            "could not queue job %s (%s): %s: %s", item.spec.rq_id, item.spec.title,
            exc.__class__.__name__, exc, exc_info=not isinstance(exc, redis.RedisError),
        )
        if item.ref is not None:
            # A session of its own: the caller's is still finishing its commit (no app context
            # is pushed here, its teardown would close the caller's session).
            try:
                update_in_own_session(
                    item.ref, item.spec.rq_id, status=FAILED, error_code=ERR_QUEUE_UNAVAILABLE,
                    ended_at=utcnow(),
                )
            except Exception:  # noqa: BLE001 - daily maintenance settles it as lost later
                log.exception("could not record that job %s was not queued", item.spec.rq_id)


def push(connection: Any, spec: JobSpec, prefix: str, *, replace: bool = False) -> bool:
    """Put ``spec`` on its RQ queue; False if a job with its id is already there."""
    from rq import Queue
    from rq import Retry as RQRetry
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job, JobStatus

    if replace:
        try:
            old = Job.fetch(spec.rq_id, connection=connection)
        except NoSuchJobError:
            old = None
        if old is not None:
            if old.get_status(refresh=False) in (
                JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED
            ):
                return False
            old.delete()
    retry = (
        RQRetry(max=spec.retry_max, interval=list(spec.retry_intervals) or 0)
        if spec.retry_max
        else None
    )
    queue = Queue(queue_name(spec.queue, prefix), connection=connection)
    try:
        queue.enqueue_call(
            "app.jobs.run_job", args=(spec.to_dict(),), timeout=spec.timeout,
            result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, description=spec.title,
            job_id=spec.rq_id, meta={"tenant_id": spec.tenant_id, "title": spec.title},
            retry=retry, unique=True,
        )
    except DuplicateJobError:
        return False
    return True


# --- Retry from the page, and settling lost records --------------------------------------------


def retry(rq_id: str, **audit_fields: Any) -> bool:
    """Queue a failed job of the current coop again (after the caller commits); False if not failed.

    The retry is written to the coop's audit log (``actor``, ``actor_user_id``, ``ip``, ...).
    """
    from tenants import audit

    session = db.session
    run = session.scalar(sa.select(JobRun).where(JobRun.rq_id == rq_id).with_for_update())
    if run is None or run.status != FAILED:
        return False
    spec = JobSpec.from_run(run)
    run.status = QUEUED
    run.error_code = None
    run.error = None
    run.enqueued_at = utcnow()
    run.started_at = None
    run.ended_at = None
    run.progress_done = run.progress_total = 0
    run.progress_message = ""
    audit.record("jobs.retry", target=run.title, job_id=run.rq_id, **audit_fields)
    _add_pending(session, _Pending(spec, current_tenant(), _app(), True))
    return True


SETTLE_AFTER_FAILURE = dt.timedelta(seconds=60)  # the worker records a death within this


def settle_lost_runs(older_than: dt.datetime) -> int:
    """Mark failed this coop's records that say queued or running but can no longer move.

    With Redis: the RQ job failed for good and its record was never told (the database was down
    when the worker tried), or the RQ job is gone (Redis restarted without its data; only records
    enqueued before ``older_than``, as a record commits just before its job reaches Redis).
    In-process: every such record before ``older_than`` (the process that ran it died).
    Each shows as failed with its reason, so the admin gets the retry button.
    """
    session = db.session
    # No row locks: a running job (daily maintenance itself) writes its progress to its own
    # record from a second connection, and would wait for this transaction forever.
    runs = session.scalars(sa.select(JobRun).where(JobRun.status.in_(ACTIVE))).all()
    if not runs:
        return 0
    url = current_app.config["GERAI"].redis_url
    settled = 0
    for run in runs:
        if url:
            outcome = _rq_outcome(redis_connection(url), run, older_than)
        else:
            outcome = (ERR_LOST, None) if _aware(run.enqueued_at) < older_than else None
        if outcome is None:
            continue
        run.status = FAILED
        run.error_code, run.error = outcome
        run.ended_at = utcnow()
        settled += 1
        log.warning(
            "job %s (%s) settled as failed: %s", run.rq_id, run.title, run.error_code
        )
    return settled


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite and RQ hand back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _rq_outcome(connection: Any, run: JobRun, older_than: dt.datetime) -> tuple[str, Any] | None:
    """How a record's RQ job ended, if it ended without the record saying so; None: leave it."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(run.rq_id, connection=connection)
    except NoSuchJobError:
        return (ERR_LOST, None) if _aware(run.enqueued_at) < older_than else None
    if job.get_status(refresh=False) != JobStatus.FAILED:
        return None  # waiting, scheduled, running or done: RQ and the job still move it
    ended = job.ended_at
    if ended is not None:
        if utcnow() - _aware(ended) < SETTLE_AFTER_FAILURE:
            return None  # the worker may still be recording it, with a more precise reason
    result = job.latest_result()
    text = (result.exc_string if result is not None else "") or ""
    if "AbandonedJobError" in text or "Work-horse terminated" in text:
        return ERR_WORKER_DIED, None
    if "JobTimeoutException" in text:
        return ERR_TIMEOUT, None
    last = (text.strip().splitlines()[-1:] or [""])[0]
    name, _, message = last.partition(":")
    if name.rsplit(".", 1)[-1] == "JobError":
        return ERR_JOB, mask(message.strip())[:2000]  # the job's own words for staff
    return ERR_INTERNAL, name.rsplit(".", 1)[-1][:80] or None


def redis_ping() -> bool:
    import redis

    url = current_app.config["GERAI"].redis_url
    if not url:
        return True
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False
