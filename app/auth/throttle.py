"""Sign-in throttling: counted atomically before the password is checked.

Three counters per coop, each one row bumped by a single ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` (PostgreSQL and SQLite alike) in its own short transaction, so parallel attempts each
see a distinct count and no more than the limit ever reach the password check:

- **email + address**: 5 wrong passwords in 15 minutes lock that email *from that address* only;
  someone who knows a cashier's email cannot lock the cashier out from the counter;
- **email** (every address together): a slower limit, 20 in an hour; past it only an address that
  has not failed for this email may still try (so the cashier's own correct password goes through,
  and a spread-out attack gets one guess per fresh address);
- **address** (every email together): 20 in 15 minutes, against one machine spraying many emails.

An attempt is reserved before checking; a correct password gives its reservation back (and clears
its email + address failures), a refused one never counts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import LoginThrottle
from tenants.context import require_tenant
from tenants.db import db, new_id, utcnow


@dataclasses.dataclass(frozen=True)
class Limit:
    kind: str
    limit: int
    window: dt.timedelta


PAIR = Limit("pair", 5, dt.timedelta(minutes=15))
EMAIL = Limit("email", 20, dt.timedelta(hours=1))
ADDRESS = Limit("address", 20, dt.timedelta(minutes=15))


def _key(limit: Limit, *parts: str) -> str:
    """The counter's key: a hash, so the table holds no email or address in the clear."""
    return hashlib.sha256("\x1f".join((limit.kind, *parts)).encode()).hexdigest()


def _bump(limit: Limit, key: str, now: dt.datetime) -> int:
    """Add one to the counter (starting a new window when the old one has passed); its new value."""
    table = LoginThrottle.__table__
    insert = postgresql.insert if db.is_postgres else sqlite.insert
    expired = table.c.window_start < now - limit.window
    stmt = insert(table).values(
        tenant_id=require_tenant().id, id=new_id(), key=key, window_start=now, count=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "key"],
        set_={
            "count": sa.case((expired, 1), else_=table.c.count + 1),
            "window_start": sa.case((expired, now), else_=table.c.window_start),
        },
    ).returning(table.c.count)
    return int(db.session.execute(stmt).scalar_one())


def _give_back(keys: list[str], *, clear: str | None = None) -> None:
    table = LoginThrottle.__table__
    tenant_id = require_tenant().id
    if keys:
        db.session.execute(
            sa.update(table)
            .where(table.c.tenant_id == tenant_id, table.c.key.in_(keys), table.c.count > 0)
            .values(count=table.c.count - 1)
        )
    if clear:
        db.session.execute(
            sa.delete(table).where(table.c.tenant_id == tenant_id, table.c.key == clear)
        )


@dataclasses.dataclass
class Attempt:
    """A reserved sign-in attempt: ``allowed`` says whether the password may be checked."""

    allowed: bool
    keys: list[str]
    pair_key: str

    def succeeded(self) -> None:
        """A correct password: its reservation is given back and its pair's failures forgotten."""
        _give_back([k for k in self.keys if k != self.pair_key], clear=self.pair_key)
        db.session.commit()


def reserve(email: str, address: str) -> Attempt:
    """Count one attempt for ``email`` from ``address`` (committed at once); may it go on?"""
    now = utcnow()
    pair_key = _key(PAIR, email, address)
    taken: list[str] = []
    try:
        pair = _bump(PAIR, pair_key, now)
        taken.append(pair_key)
        if pair > PAIR.limit:
            return _refuse(taken, pair_key)
        email_key = _key(EMAIL, email)
        per_email = _bump(EMAIL, email_key, now)
        taken.append(email_key)
        if per_email > EMAIL.limit and pair > 1:  # past the slow limit, only fresh addresses
            return _refuse(taken, pair_key)
        if address:
            address_key = _key(ADDRESS, address)
            per_address = _bump(ADDRESS, address_key, now)
            taken.append(address_key)
            if per_address > ADDRESS.limit:
                return _refuse(taken, pair_key)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return Attempt(True, taken, pair_key)


def _refuse(taken: list[str], pair_key: str) -> Attempt:
    """A refused attempt counts for nothing: what it took is given back in the same transaction."""
    _give_back(taken)
    db.session.commit()
    return Attempt(False, [], pair_key)


def forget_expired(before: dt.timedelta = dt.timedelta(days=1)) -> None:
    """Drop the coop's counters whose window ended long ago (called after a sign-in)."""
    table = LoginThrottle.__table__
    db.session.execute(
        sa.delete(table).where(
            table.c.tenant_id == require_tenant().id, table.c.window_start < utcnow() - before
        )
    )
