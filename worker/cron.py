"""``gerai cron``: the single schedule process, RQ 2.12's ``CronScheduler`` with a lock.

RQ's cron has no lock: two processes would both queue every periodic job. Idempotency of the daily
fan-out lives in the database anyway (see schedule.py), but a second process should not even tick:
``GeraiCron`` takes a Redis lock (``<prefix>.cron-lock``, refreshed on every loop, released on exit)
and a process without it stands by, trying again every few seconds; if the holder dies, the lock
expires after ``LOCK_TTL`` seconds and a standby takes over.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from flask import Flask
from redis.exceptions import LockError, RedisError
from rq.cron import CronScheduler
from rq.exceptions import SchedulerNotFound

from app.jobs import ensure_log_filter, queue_name, redis_connection
from worker.schedule import PERIODIC, Periodic

log = logging.getLogger("gerai.cron")

LOCK_TTL = 120
STANDBY_SLEEP = 5.0


class GeraiCron(CronScheduler):
    def __init__(self, connection: Any, lock_key: str, lock_ttl: int = LOCK_TTL, **kw: Any):
        super().__init__(connection=connection, **kw)
        self.lock_ttl = lock_ttl
        self.lock_key = lock_key
        self._lock = connection.lock(lock_key, timeout=lock_ttl, blocking=False, thread_local=False)
        self.holding = False
        self._announced_standby = False

    def hold_lock(self) -> bool:
        try:
            if self.holding:
                self._lock.reacquire()
            else:
                self.holding = bool(self._lock.acquire(blocking=False))
                if self.holding:
                    log.info("cron %s: holding the schedule lock %s", self.name, self.lock_key)
                    self._announced_standby = False
        except (LockError, RedisError) as exc:
            log.warning("cron %s: lost the schedule lock (%s)", self.name, exc)
            self.holding = False
        if not self.holding and not self._announced_standby:
            log.info(
                "cron %s: another cron process holds %s; standing by", self.name, self.lock_key
            )
            self._announced_standby = True
        return self.holding

    def enqueue_jobs(self) -> list[Any]:
        if not self.hold_lock():
            return []
        return super().enqueue_jobs()

    def calculate_sleep_interval(self) -> float:
        if not self.holding:
            return STANDBY_SLEEP
        return min(super().calculate_sleep_interval(), self.lock_ttl / 3)

    def register_death(self, pipeline: Any = None) -> None:
        if self.holding:
            try:
                self._lock.release()
            except (LockError, RedisError):
                pass
            self.holding = False
        try:
            super().register_death(pipeline)
        except SchedulerNotFound:
            pass


def build_cron(
    app: Flask,
    *,
    every: int | None = None,
    entries: tuple[Periodic, ...] = PERIODIC,
    lock_ttl: int = LOCK_TTL,
) -> GeraiCron:
    """The scheduler with every ``PERIODIC`` entry on its prefixed queue.

    ``every`` (seconds) replaces each cron string with an interval: for demos and tests.
    """
    settings = app.config["GERAI"]
    prefix = settings.queue_prefix
    cron = GeraiCron(
        redis_connection(settings.redis_url),
        lock_key=queue_name("cron-lock", prefix),
        lock_ttl=lock_ttl,
        name=f"{prefix}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}",
    )
    for entry in entries:
        timing: dict[str, Any] = {"interval": every} if every else {"cron": entry.cron}
        cron.register(
            entry.func,
            queue_name=queue_name(entry.queue, prefix),
            job_timeout=entry.timeout,
            result_ttl=3600,
            failure_ttl=7 * 86400,
            name=queue_name(entry.name, prefix),
            **timing,
        )
    return cron


def run_cron(app: Flask, *, every: int | None = None) -> None:
    ensure_log_filter()
    build_cron(app, every=every).start()
