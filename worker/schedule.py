"""The schedule, declared as data: what runs periodically, and what each coop gets once a day.

``PERIODIC`` is what the single cron process (``gerai cron``) puts on a queue; RQ 2.12 reads these
cron strings in UTC. Its main entry is the tick (every 2 minutes). It settles job records that
can no longer move (lost with Redis, or failed while the database was down) and, for each ``DAILY``
kind it finds the coops whose local time (each coop's own time zone) has passed the kind's time
today and that have not had it today, and queues one job per coop with the deterministic id
``<kind>-<coop slug>-<yyyymmdd>`` (local date). The claim is a row in ``scheduled_runs`` inserted
with ON CONFLICT DO NOTHING in the same transaction as the job's record, so a second tick, a second
cron process or a restart queues nothing twice. Disabled coops are skipped unless a kind says
otherwise (money in flight must still settle).

Adding a kind is one ``Daily(...)`` entry: a module-level job function taking the local date
(``YYYY-MM-DD``), run in the coop's own tenant. A tick that missed a day (cron down from before the
time until after midnight local) does not catch that day up; the next day runs as usual.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date

from app.jobrecords import ScheduledRun, claim_scheduled_run, daily_maintenance
from app.jobs import Retry, enqueue, settle_lost_runs
from app.payments.tasks import forget_idempotency_keys
from tenants.context import TenantRef, clear_tenant, tenant_context
from tenants.db import db, utcnow
from tenants.door import Right, switch_to
from tenants.models import TENANT_ACTIVE, Tenant

log = logging.getLogger("gerai.schedule")

DEFAULT_AT = dt.time(7, 0)  # each coop's daily work is due from 07:00 in its own time zone
TICK_CRON = "*/2 * * * *"  # UTC in RQ 2.12; harmless here, the tick itself reads local time
LOST_AFTER = dt.timedelta(minutes=2)  # a record older than this whose RQ job is gone is lost


@dataclass(frozen=True)
class Daily:
    """One job per active coop per local day, due from ``at`` in the coop's time zone."""

    kind: str  # letters and hyphens; the job id is <kind>-<slug>-<yyyymmdd>
    func: Callable[[str], Any]  # module-level, takes the local date "YYYY-MM-DD"
    title: str  # Bahasa Indonesia; "{date}" becomes the local date, e.g. "25 November 2026"
    at: dt.time = DEFAULT_AT
    queue: str = "default"
    timeout: int = 600
    retry: Retry | None = None
    include_disabled: bool = False  # e.g. payment reconciliation: money in flight still settles

    def job_id(self, slug: str, day: dt.date) -> str:
        return f"{self.kind}-{slug}-{day:%Y%m%d}"

    def title_for(self, day: dt.date) -> str:
        return self.title.replace("{date}", format_date(day, "d MMMM y", locale="id"))


@dataclass(frozen=True)
class Periodic:
    """A platform job the cron process queues on a cron string (UTC) or, in tests, an interval."""

    name: str
    func: Callable[..., Any]
    cron: str
    queue: str = "high"
    timeout: int = 840


DAILY: tuple[Daily, ...] = (
    Daily(
        kind="maintenance",
        func=daily_maintenance,
        title="Perawatan harian catatan pekerjaan, {date}",
        retry=Retry(2, (300, 900)),
    ),
    Daily(
        kind="idempotency",
        func=forget_idempotency_keys,
        title="Hapus kunci idempotensi lama, {date}",
        at=dt.time(3, 0),
        retry=Retry(2, (300, 900)),
    ),
)


def due(entry: Daily, now: dt.datetime) -> list[tuple[TenantRef, dt.date]]:
    """Coops whose ``entry`` is due at ``now`` and not yet claimed for their local date."""
    session = db.session
    found: list[tuple[TenantRef, dt.date]] = []
    zones = session.scalars(sa.select(Tenant.timezone).distinct()).all()
    for zone_name in sorted(zones):
        try:
            local = now.astimezone(zoneinfo.ZoneInfo(zone_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r: its coops get no scheduled jobs", zone_name)
            continue
        if local.time() < entry.at:
            continue
        day = local.date()
        claimed = sa.exists().where(
            ScheduledRun.kind == entry.kind,
            ScheduledRun.local_date == day,
            ScheduledRun.tenant_id == Tenant.id,
        )
        query = sa.select(Tenant).where(Tenant.timezone == zone_name, ~claimed)
        if not entry.include_disabled:
            query = query.where(Tenant.status == TENANT_ACTIVE)
        found.extend(
            (tenant.ref(), day) for tenant in session.scalars(query.order_by(Tenant.created_at))
        )
    session.rollback()
    return found


def _give(entry: Daily, ref: TenantRef, day: dt.date) -> str | None:
    """Claim (entry, coop, day) and queue its job in one transaction; None if already claimed."""
    session = db.session
    job_id = entry.job_id(ref.slug, day)
    switch_to(ref, Right(kind="platform", reason=f"schedule {entry.kind} {day}", actor="cron"))
    if not claim_scheduled_run(entry.kind, day, job_id):
        session.rollback()
        return None
    enqueue(
        entry.func, day.isoformat(), tenant_id=ref.id, title=entry.title_for(day), job_id=job_id,
        queue=entry.queue, timeout=entry.timeout, retry=entry.retry,
    )
    session.commit()
    return job_id


def fan_out(now: dt.datetime | None = None, entries: Iterable[Daily] | None = None) -> list[str]:
    """Queue every due daily job; returns the ids queued by this call."""
    now = now or utcnow()
    queued: list[str] = []
    for entry in DAILY if entries is None else entries:
        for ref, day in due(entry, now):
            try:
                job_id = _give(entry, ref, day)
            except Exception:  # noqa: BLE001 - one coop's trouble must not stop the others
                log.exception("could not queue %s for %s", entry.kind, ref.slug)
                db.session.rollback()
                job_id = None
            finally:
                clear_tenant()
            if job_id:
                queued.append(job_id)
    db.remove()
    clear_tenant()
    if queued:
        log.info("schedule: queued %d daily job(s)", len(queued))
    return queued


def settle_everywhere(now: dt.datetime | None = None) -> int:
    """Settle every coop's lost and stuck job records (``app.jobs.settle_lost_runs``).

    Job bookkeeping, like a worker recording a job's outcome: each coop is entered by its id for
    one short transaction on its job records only, with no audit entry per coop and tick.
    """
    now = now or utcnow()
    refs = [t.ref() for t in db.session.scalars(sa.select(Tenant).order_by(Tenant.created_at))]
    db.session.rollback()
    total = 0
    for ref in refs:
        try:
            with tenant_context(ref):
                total += settle_lost_runs(older_than=now - LOST_AFTER)
                db.session.commit()
        except Exception:  # noqa: BLE001 - one coop's trouble must not stop the others
            log.exception("could not settle the job records of %s", ref.slug)
        finally:
            db.remove()
    clear_tenant()
    if total:
        log.warning("schedule: settled %d lost or stuck job record(s) as failed", total)
    return total


def fan_out_tick(now: str | None = None) -> int:
    """The periodic job: queue what is due, then settle lost and stuck job records.

    ``now`` (ISO, for tests and replays) defaults to the real clock.
    """
    moment = dt.datetime.fromisoformat(now) if now else utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    queued = len(fan_out(moment))
    settle_everywhere(None if now is None else moment)
    return queued


PERIODIC: tuple[Periodic, ...] = (
    Periodic(name="schedule-tick", func=fan_out_tick, cron=TICK_CRON),
)
