"""A participant's payment history for their page: receipts, months, amounts and voids.

One statement (payments left-joined to their void), newest first, bounded: the page of a person
who has paid at the counter for years stays small.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import sqlalchemy as sa

from app.dues import Period
from app.payments.models import Payment, PaymentVoid
from tenants.db import db

HISTORY_LIMIT = 24


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: uuid.UUID
    receipt_no: str | None
    status: str
    method: str
    amount: int
    months: int
    first: Period
    last: Period
    at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str | None


def payment_history(participant_id: uuid.UUID, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The person's latest payments (``limit``), newest first, each with its void if any."""
    rows = db.session.execute(
        sa.select(
            Payment.id, Payment.receipt_no, Payment.status, Payment.method, Payment.amount,
            Payment.months, Payment.first_month, Payment.last_month,
            sa.func.coalesce(Payment.paid_at, Payment.created_at),
            PaymentVoid.voided_at, PaymentVoid.reason,
        )
        .outerjoin(
            PaymentVoid,
            sa.and_(PaymentVoid.tenant_id == Payment.tenant_id,
                    PaymentVoid.payment_id == Payment.id),
        )
        .where(Payment.participant_id == participant_id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            id=r[0], receipt_no=r[1], status=r[2], method=r[3], amount=int(r[4]), months=int(r[5]),
            first=Period.from_index(r[6]), last=Period.from_index(r[7]), at=r[8],
            voided_at=r[9], void_reason=r[10],
        )
        for r in rows
    ]
