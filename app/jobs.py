"""The one way the app queues background work.

Interface (stable, used by every domain):
    enqueue(fn, *args, tenant_id=..., title=..., job_id=None, queue="default", timeout=600,
            retry=None, **kwargs) -> str
        Queue ``fn(*args, **kwargs)`` for the coop ``tenant_id`` (or None for platform work) after
        the current transaction commits (a rollback queues nothing). ``fn`` is a module-level
        function in a domain's ``tasks.py`` taking ids and plain values, never ORM objects.
        Returns the job's id.
    report_progress(done, total, message="") — from inside a job, for a page to poll.
    JobError(message) — raise from a job to fail it with a message meant for the coop's staff.
    Retry(max, intervals) — a per-job retry policy with backoff (seconds between attempts).

How it works:
- ``enqueue`` writes a ``JobRun`` record (app/jobrecords.py) in the caller's transaction, in the
  caller's coop, so the record and the work commit together; the job itself is handed to Redis
  (or run in-process) only after that transaction commits. A rollback, also of a savepoint,
  drops it.
- With ``REDIS_URL`` the job goes to RQ on the queue ``<GERAI_QUEUE_PREFIX>.<queue>``;
  ``gerai worker`` (worker/) runs it. Without Redis (the demo) the same code runs in-process
  right after the commit, in a thread of its own (its own session and context), and the caller
  waits for it.
- Every job runs through ``run_job``: the coop is set from the explicit ``tenant_id`` (never
  inherited), the record moves queued → running → done | failed, and the coop is cleared
  afterwards, also after a failure. The record's "done" commits in the same transaction as the
  job's own work.
- A job id given by the caller (``<kind>-<coop>-<yyyymmdd>``) is deduplicated by the database: a
  second enqueue with the same id in the same coop queues nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.jobrecords import (
    ACTIVE,
    DONE,
    ERR_INTERNAL,
    ERR_JOB,
    ERR_LOST,
    ERR_QUEUE_UNAVAILABLE,
    ERR_TIMEOUT,
    FAILED,
    QUEUED,
    RUNNING,
    JobRun,
)
from app.logs import job_var, mask
from tenants.context import TenantRef, clear_tenant, current_tenant, tenant_context
from tenants.db import db, new_id, utcnow

log = logging.getLogger("gerai.jobs")

#: Queue names a job may use, in the order a worker serves them (``gerai worker`` without arguments
#: listens on all of them). Redis names carry the environment's prefix: ``production.default``.
QUEUES = ("high", "default", "low")
RESULT_TTL = 3600  # RQ keeps return values an hour; the job record is the lasting account
FAILURE_TTL = 7 * 86400
PROGRESS_INTERVAL = 0.5  # seconds between progress writes (the last one is always written)
MAX_PAYLOAD = 64 * 1024  # encoded args: ids and plain values, not data
_JOB_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_PENDING = "gerai_jobs_pending"

job_title_var: ContextVar[str] = ContextVar("gerai_job_title", default="")


class JobError(Exception):
    """Fail a job with a message for the coop's staff (plain words, no personal data)."""


@dataclass(frozen=True)
class Retry:
    """Retry a failing job ``max`` more times, waiting ``intervals[i]`` seconds before retry i+1.

    Retries need ``gerai worker`` (started with its scheduler, the default); in-process mode retries
    at once, without waiting.
    """

    max: int
    intervals: tuple[int, ...] = (30, 120, 600)

    def __post_init__(self) -> None:
        if self.max < 1 or any(i < 0 for i in self.intervals):
            raise ValueError("Retry needs max >= 1 and non-negative intervals")


def _retry_policy(retry: Any) -> tuple[int, tuple[int, ...]]:
    if retry is None or retry is False or retry == 0:
        return 0, ()
    if isinstance(retry, int):
        return Retry(retry).max, Retry(retry).intervals
    max_ = int(getattr(retry, "max", 0))
    intervals = getattr(retry, "intervals", ())
    if isinstance(intervals, int):
        intervals = (intervals,)
    return Retry(max_, tuple(int(i) for i in intervals)).max, tuple(int(i) for i in intervals)


def queue_name(name: str, prefix: str | None = None) -> str:
    """The Redis name of a queue: the environment's prefix, a dot, the queue."""
    if prefix is None:
        prefix = current_app.config["GERAI"].queue_prefix
    return f"{prefix}.{name}" if prefix else name


# --- Arguments: ids and plain values only -------------------------------------------------------


def encode(value: Any) -> Any:
    """Ids and plain values as JSON (UUIDs, dates and decimals tagged); anything else is refused."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise ValueError("job arguments: dict keys must be strings not starting with '$'")
        return {k: encode(v) for k, v in value.items()}
    raise ValueError(
        f"jobs take ids and plain values, not {type(value).__name__} (pass the object's id)"
    )


_DECODERS: dict[str, Callable[[str], Any]] = {
    "$uuid": uuid.UUID,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$decimal": Decimal,
}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (key, raw), = value.items()
            if key in _DECODERS:
                return _DECODERS[key](raw)
        return {k: decode(v) for k, v in value.items()}
    return value


def _function_path(fn: Callable[..., Any]) -> str:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or not name or "<" in name or "." in name:
        raise ValueError("a job is a module-level function (in a domain's tasks.py)")
    if getattr(importlib.import_module(module), name, None) is not fn:
        raise ValueError(f"{module}.{name} cannot be imported by a worker")
    return f"{module}.{name}"


def _import(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to run one job (plain values; pickled into RQ, kept in JobRun)."""

    rq_id: str
    func: str
    args: list[Any]
    kwargs: dict[str, Any]
    tenant_id: str | None
    title: str
    queue: str = "default"
    timeout: int = 600
    retry_max: int = 0
    retry_intervals: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.rq_id, "func": self.func, "args": self.args, "kwargs": self.kwargs,
            "tenant_id": self.tenant_id, "title": self.title, "queue": self.queue,
            "timeout": self.timeout, "retry_max": self.retry_max,
            "retry_intervals": list(self.retry_intervals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        return cls(
            rq_id=data["id"], func=data["func"], args=list(data.get("args") or []),
            kwargs=dict(data.get("kwargs") or {}), tenant_id=data.get("tenant_id"),
            title=data.get("title", ""), queue=data.get("queue", "default"),
            timeout=int(data.get("timeout", 600)), retry_max=int(data.get("retry_max", 0)),
            retry_intervals=tuple(data.get("retry_intervals") or ()),
        )

    @classmethod
    def from_run(cls, run: JobRun) -> JobSpec:
        return cls(
            rq_id=run.rq_id, func=run.func, args=list(run.payload.get("args", [])),
            kwargs=dict(run.payload.get("kwargs", {})), tenant_id=str(run.tenant_id),
            title=run.title, queue=run.queue, timeout=run.timeout, retry_max=run.retry_max,
            retry_intervals=tuple(run.retry_intervals or ()),
        )


# --- Enqueue -------------------------------------------------------------------------------------


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
    retry_max, intervals = _retry_policy(retry)
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
        rq_id=job_id or str(new_id()), func=_function_path(fn), args=payload["args"],
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
            _run_inline(item.app, item.spec)


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
                _update_in_own_session(
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


def _run_inline(app: Any, spec: JobSpec) -> None:
    """In-process mode: run the job now, in a thread with its own session and an empty context."""

    def target() -> None:
        with app.app_context():
            attempts = spec.retry_max + 1
            for attempt in range(1, attempts + 1):
                try:
                    _perform(spec, will_retry=lambda a=attempt: a < attempts)  # type: ignore[misc]
                    return
                except BaseException:  # noqa: BLE001 - recorded and logged by _perform
                    if attempt >= attempts:
                        return

    thread = threading.Thread(target=target, name=f"gerai-job-{spec.rq_id}", daemon=True)
    thread.start()
    thread.join()


# --- Running a job (worker and in-process) ---------------------------------------------------


def run_job(spec: dict[str, Any]) -> Any:
    """What RQ runs for every job queued through ``enqueue``."""
    from rq import get_current_job

    job = get_current_job()

    def will_retry() -> bool:
        return bool(job is not None and job.retries_left and job.retries_left > 0)

    return _perform(JobSpec.from_dict(spec), will_retry=will_retry)


@dataclass
class _Running:
    spec: JobSpec
    ref: TenantRef | None
    last_progress: float = 0.0


_running: ContextVar[_Running | None] = ContextVar("gerai_running_job", default=None)


def _perform(spec: JobSpec, *, will_retry: Callable[[], bool]) -> Any:
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
        result = _import(spec.func)(*decode(spec.args), **decode(spec.kwargs))
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


def _update_in_own_session(ref: TenantRef, rq_id: str, **values: Any) -> int:
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
        changed = _update_in_own_session(
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
            _update_in_own_session(running.ref, running.spec.rq_id, **values)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the job goes on
        log.warning("could not record progress of job %s", running.spec.rq_id, exc_info=True)


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


def settle_lost_runs(older_than: dt.datetime) -> int:
    """Mark failed this coop's records that wait or run but that the queue no longer knows.

    With Redis: the RQ job is gone (Redis restarted without its data). In-process: the process that
    ran it died (the job ran inside a request). Only records older than ``older_than``.
    """
    session = db.session
    runs = session.scalars(
        sa.select(JobRun).where(JobRun.status.in_(ACTIVE), JobRun.enqueued_at < older_than)
    ).all()
    if not runs:
        return 0
    url = current_app.config["GERAI"].redis_url
    lost = []
    if url:
        from rq.job import Job

        connection = redis_connection(url)
        lost = [run for run in runs if not Job.exists(run.rq_id, connection=connection)]
    else:
        lost = list(runs)
    for run in lost:
        run.status = FAILED
        run.error_code = ERR_LOST
        run.ended_at = utcnow()
    return len(lost)


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


def redis_ping() -> bool:
    import redis

    url = current_app.config["GERAI"].redis_url
    if not url:
        return True
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


# --- Logs: every line of a job carries its id (``job``), title (``job_title``) and coop --------


class JobTitleFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job_title = job_title_var.get()
        return True


def ensure_log_filter(handlers: Iterable[logging.Handler] | None = None) -> None:
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(f, JobTitleFilter) for f in handler.filters):
            handler.addFilter(JobTitleFilter())


__all__ = [
    "JobError", "QUEUES", "Retry", "enqueue", "mark_interrupted", "push", "queue_name",
    "redis_connection", "redis_ping", "report_progress", "retry", "run_job", "settle_lost_runs",
]
