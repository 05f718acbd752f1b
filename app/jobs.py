"""The one way the app queues background work.

Interface (stable, used by every domain):
    enqueue(fn, *args, tenant_id=..., title=..., job_id=None, queue="default", timeout=600,
            retry=None, **kwargs) -> str
        Queue ``fn(*args, **kwargs)`` for the coop ``tenant_id`` (or None for platform work) after the
        current transaction commits (a rollback queues nothing). ``fn`` is a module-level function in a
        domain's ``tasks.py`` taking ids and plain values, never ORM objects. Returns the job's id.
    report_progress(done, total, message="") — from inside a job, for a page to poll.

This first version runs jobs in-process after commit; the jobs foundation adds Redis/RQ behind it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app

from tenants.context import tenant_context
from tenants.db import db
from tenants.door import resolve_tenant_id


def enqueue(
    fn: Callable[..., Any],
    *args: Any,
    tenant_id: uuid.UUID | None,
    title: str,
    job_id: str | None = None,
    queue: str = "default",
    timeout: int = 600,
    retry: Any = None,
    **kwargs: Any,
) -> str:
    job_id = job_id or uuid.uuid4().hex

    def run() -> None:
        ref = resolve_tenant_id(tenant_id) if tenant_id else None
        db.session.rollback()
        with tenant_context(ref):
            try:
                fn(*args, **kwargs)
                db.session.commit()
            finally:
                db.remove()

    session = db.session
    if session.in_transaction():
        from sqlalchemy import event

        event.listen(session, "after_commit", lambda _s: _defer(run), once=True)
    else:
        run()
    return job_id


_pending: list[Callable[[], None]] = []


def _defer(run: Callable[[], None]) -> None:
    _pending.append(run)


def report_progress(done: int, total: int, message: str = "") -> None:
    """Placeholder: progress reporting arrives with the jobs foundation."""


def redis_ping() -> bool:
    import redis

    url = current_app.config["GERAI"].redis_url
    if not url:
        return True
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False
