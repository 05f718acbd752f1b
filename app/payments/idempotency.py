"""Idempotency keys for writes that move money.

``claim`` inserts the key in the caller's transaction. A second request with the same key blocks on
the unique index until the first transaction ends: if the first committed, the second gets its
stored answer; if it rolled back (e.g. a validation failure, which is therefore not remembered),
the second claims the key and runs. The same key with a different request is a conflict.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.payments.models import IdempotencyKey
from app.payments.upsert import insert
from tenants.context import require_tenant
from tenants.db import db, new_id, utcnow

MAX_KEY = 200


class KeyReused(Exception):
    """The key was used before for a different request (409)."""


class BadKey(ValueError):
    """Missing or malformed key (400)."""


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]
    resource_id: uuid.UUID | None


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise BadKey("Idempotency-Key header is required (1-200 printable characters).")
    return key


def claim(scope: str, key: str, req_hash: str) -> Replay | None:
    """Claim ``key`` for this transaction, or return the first answer given for it."""
    tenant = require_tenant()
    stmt = (
        insert(IdempotencyKey)
        .values(
            tenant_id=tenant.id,
            id=new_id(),
            scope=scope,
            key=key,
            request_hash=req_hash,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "scope", "key"])
        .returning(IdempotencyKey.id)
    )
    if db.session.execute(stmt).scalar() is not None:
        return None
    row = db.session.scalars(
        sa.select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    ).one()
    if row.request_hash != req_hash:
        raise KeyReused("This Idempotency-Key was already used for a different request.")
    return Replay(row.response_status or 200, row.response_body or {}, row.resource_id)


def remember(
    scope: str, key: str, status: int, body: dict[str, Any], resource_id: uuid.UUID | None = None
) -> None:
    """Store the answer in the same transaction as the work it describes."""
    db.session.execute(
        sa.update(IdempotencyKey)
        .where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .values(response_status=status, response_body=body, resource_id=resource_id)
    )
