"""Payment jobs (run by the worker in the coop's own tenant)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.payments.models import IdempotencyKey
from tenants.db import db, utcnow

KEEP_KEYS = dt.timedelta(days=7)  # CONTRACT.md asks for at least 24 hours


def forget_idempotency_keys(local_date: str) -> int:
    """Delete this coop's idempotency keys older than a week; the payments themselves stay."""
    result = db.session.execute(
        sa.delete(IdempotencyKey)
        .where(IdempotencyKey.created_at < utcnow() - KEEP_KEYS)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
