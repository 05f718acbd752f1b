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

from app.jobs.queueing import (
    enqueue,
    push,
    redis_connection,
    redis_ping,
    retry,
    settle_lost_runs,
)
from app.jobs.running import describe_error, mark_interrupted, report_progress, run_job, warm_up
from app.jobs.spec import (
    QUEUES,
    JobError,
    JobSpec,
    Retry,
    decode,
    encode,
    ensure_log_filter,
    job_title_var,
    queue_name,
)

__all__ = [
    "QUEUES", "JobError", "JobSpec", "Retry", "decode", "describe_error", "encode", "enqueue",
    "ensure_log_filter", "job_title_var", "mark_interrupted", "push", "queue_name",
    "redis_connection", "redis_ping", "report_progress", "retry", "run_job", "settle_lost_runs",
    "warm_up",
]
