"""Job records: what each coop's background jobs are doing, for its admin and the operator.

``JobRun`` is tenant-owned (RLS): one row per queued job, written by ``app.jobs.enqueue`` in the
caller's transaction (so the record and the work commit together) and updated by the job itself in
its own coop. ``ScheduledRun`` is a platform table (no personal data, no RLS) that remembers which
daily job each coop has been given for which local date: the database is what makes the cron
fan-out idempotent. The fan-out reads every coop's claims in one statement; the application role
never writes them directly: ``claim_scheduled_run`` and the pruning call the owner's functions,
which act only on the coop entered in the transaction.

The queries here are the jobs page's and the CLI's; views never talk SQL directly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tenants.context import require_tenant
from tenants.db import Base, TenantOwned, db, utcnow

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
ACTIVE = (QUEUED, RUNNING)

# Error codes: what went wrong, in words the page renders in the reader's language.
ERR_JOB = "job"  # the job raised JobError with a message meant for staff
ERR_TIMEOUT = "timeout"  # killed after its time limit
ERR_WORKER_DIED = "worker_died"  # the process running it died (SIGKILL, OOM, machine restart)
ERR_INTERNAL = "internal"  # an unexpected exception (details in the worker log, by job id)
ERR_QUEUE_UNAVAILABLE = "queue_unavailable"  # Redis refused the job after the commit
ERR_LOST = "lost"  # the record says queued/running but the queue no longer knows the job

RETENTION_DAYS = 90
SCHEDULE_RETENTION_DAYS = 35


class JobRun(TenantOwned, Base):
    """One background job of one coop, from enqueue to done or failed."""

    __tablename__ = "job_runs"

    rq_id: Mapped[str] = mapped_column(sa.String(120))
    func: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)  # encoded args/kwargs (ids, plain)
    title: Mapped[str] = mapped_column(sa.String(200))
    queue: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    timeout: Mapped[int] = mapped_column(sa.Integer)
    retry_max: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    retry_intervals: Mapped[list[int]] = mapped_column(JSONType, default=list)
    attempts: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    progress_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    progress_total: Mapped[int] = mapped_column(sa.Integer, default=0)
    progress_message: Mapped[str] = mapped_column(sa.String(200), default="")
    error_code: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    error: Mapped[str | None] = mapped_column(sa.Text, default=None)
    enqueued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "rq_id"),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        sa.Index("ix_job_runs_tenant_enqueued", "tenant_id", "enqueued_at"),
        sa.Index("ix_job_runs_tenant_status_enqueued", "tenant_id", "status", "enqueued_at"),
    )


class ScheduledRun(Base):
    """Platform table: coop ``tenant_id`` was given its daily ``kind`` job for ``local_date``.

    The primary key is the claim: a second cron tick (or a second cron process, or a restart) that
    tries the same coop and day inserts nothing and therefore queues nothing.
    """

    __tablename__ = "scheduled_runs"

    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenants.id"), primary_key=True)
    local_date: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.String(120))
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def claim_scheduled_run(kind: str, local_date: dt.date, job_id: str) -> bool:
    """Claim the current coop's ``kind`` job for ``local_date``; False if it was claimed before."""
    tenant = require_tenant()
    if db.is_postgres:
        return bool(db.session.execute(
            sa.text("SELECT gerai_claim_scheduled_run(:kind, :t, :day, :job)"),
            {"kind": kind, "t": tenant.id, "day": local_date, "job": job_id},
        ).scalar_one())
    from sqlalchemy.dialects.sqlite import insert

    stmt = (
        insert(ScheduledRun)
        .values(kind=kind, tenant_id=tenant.id, local_date=local_date, job_id=job_id,
                claimed_at=utcnow())
        .on_conflict_do_nothing(index_elements=["kind", "tenant_id", "local_date"])
        .returning(ScheduledRun.kind)
    )
    return db.session.execute(stmt).first() is not None


def prune_scheduled_runs(before: dt.date) -> int:
    """Forget the current coop's claims for days before ``before``."""
    tenant = require_tenant()
    if db.is_postgres:
        return int(db.session.execute(
            sa.text("SELECT gerai_prune_scheduled_runs(:t, :before)"),
            {"t": tenant.id, "before": before},
        ).scalar_one())
    return db.session.execute(
        sa.delete(ScheduledRun).where(
            ScheduledRun.tenant_id == tenant.id, ScheduledRun.local_date < before
        )
    ).rowcount or 0


# --- Reading (current coop only: RLS and the ORM criteria scope every query) -------------------


@dataclass(frozen=True)
class RunView:
    """Plain values of a job record, safe to keep after the session ends."""

    id: uuid.UUID
    rq_id: str
    title: str
    queue: str
    status: str
    attempts: int
    retry_max: int
    timeout: int
    progress_done: int
    progress_total: int
    progress_message: str
    error_code: str | None
    error: str | None
    enqueued_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)

    @property
    def retry_pending(self) -> bool:
        """Failed an attempt and waits for its automatic retry."""
        return self.status == QUEUED and self.error_code is not None

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at is None:
            return None
        end = self.ended_at or utcnow()
        return max(end - self.started_at, dt.timedelta(0))

    @property
    def percent(self) -> int | None:
        if self.progress_total <= 0:
            return 100 if self.status == DONE else None
        return max(0, min(100, round(100 * self.progress_done / self.progress_total)))

    @classmethod
    def of(cls, run: JobRun) -> RunView:
        return cls(**{name: getattr(run, name) for name in cls.__dataclass_fields__})


def get_run(rq_id: str) -> RunView | None:
    """This coop's job by its id (another coop's id finds nothing)."""
    run = db.session.scalar(sa.select(JobRun).where(JobRun.rq_id == rq_id))
    return RunView.of(run) if run else None


def list_runs(status: str | tuple[str, ...] | None = None, limit: int = 50) -> list[RunView]:
    """This coop's jobs, newest first, optionally only those in ``status``."""
    query = sa.select(JobRun).order_by(JobRun.enqueued_at.desc(), JobRun.id.desc()).limit(limit)
    if status is not None:
        statuses = (status,) if isinstance(status, str) else status
        query = query.where(JobRun.status.in_(statuses))
    return [RunView.of(run) for run in db.session.scalars(query)]


@dataclass(frozen=True)
class Overview:
    active: list[RunView]
    failed: list[RunView]
    recent: list[RunView]


def overview(limit: int = 30) -> Overview:
    """What the jobs page shows: running and waiting, failed, and recently finished."""
    return Overview(
        active=list_runs(ACTIVE, limit),
        failed=list_runs(FAILED, limit),
        recent=list_runs(DONE, limit),
    )


# --- The daily maintenance job (the first scheduled kind; later kinds plug in beside it) -------


def daily_maintenance(local_date: str) -> dict[str, int]:
    """Keep this coop's job records tidy; runs once a day per coop from the schedule.

    - finished records older than ``RETENTION_DAYS`` and this coop's schedule claims older than
      ``SCHEDULE_RETENTION_DAYS`` are deleted;
    - records of jobs that the queue has lost (Redis restarted without its data, say) are marked
      failed, so no job stays "waiting" forever (and the admin sees it, with a retry button).
    """
    from app import jobs

    now = utcnow()
    pruned = db.session.execute(
        sa.delete(JobRun).where(
            JobRun.status.in_((DONE, FAILED)),
            JobRun.enqueued_at < now - dt.timedelta(days=RETENTION_DAYS),
        )
    ).rowcount
    jobs.report_progress(1, 3, "catatan lama dihapus")
    lost = jobs.settle_lost_runs(older_than=now - dt.timedelta(hours=1))
    jobs.report_progress(2, 3, "catatan yang hilang dari antrean diperiksa")
    day = dt.date.fromisoformat(local_date)
    claims = prune_scheduled_runs(day - dt.timedelta(days=SCHEDULE_RETENTION_DAYS))
    jobs.report_progress(3, 3, "selesai")
    return {"lost": lost, "pruned": pruned or 0, "claims_pruned": claims or 0}
