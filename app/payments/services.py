"""Payment operations: take cash, void, list. Each works in the caller's transaction.

Recording a payment locks the participant row first, so two cashiers paying for the same person at
the same moment are serialised and can never pay the same month twice; the coverage state, the
payment, its receipt number and the audit entry commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock
from app.auth.services import Actor, record_audit
from app.dues import Period, TooManyMonths, quote
from app.participants import services as participants
from app.participants.models import Participant
from app.payments.models import FORWARD, Payment, PaymentVoid
from app.payments.receipts import next_receipt_no
from tenants.db import db, parse_id, utcnow

MAX_MONTHS = 12
MAX_REASON = 500


class PaymentError(ValueError):
    """A refused payment operation: ``status`` for the API, ``errors`` per field, ``message``."""

    status = 422

    def __init__(self, message: Any, errors: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}


class NotFound(PaymentError):
    status = 404


class Conflict(PaymentError):
    status = 409


def get_payment(payment_id: object, *, lock: bool = False) -> Payment | None:
    pid = parse_id(payment_id)
    if pid is None:
        return None
    query = sa.select(Payment).where(Payment.id == pid)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


@dataclass(frozen=True)
class Preview:
    """What the clerk sees before confirming: the months, their prices and the total."""

    participant: Participant
    months: list[Period]
    rows: list[dict[str, Any]]
    total: int
    restart: Period | None


def _check_months(months: object) -> int:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise PaymentError(
            _l("Jumlah bulan harus 1 sampai %(n)d.", n=MAX_MONTHS),
            {"months": _l("Jumlah bulan harus 1 sampai %(n)d.", n=MAX_MONTHS)},
        )
    return months


def preview(participant: Participant, months: object) -> Preview:
    """Price the next ``months`` payable months of this person (arrears first, then ahead)."""
    n = _check_months(months)
    today = clock.today()
    try:
        plan = participants.plan_for(participant, n, today)
    except TooManyMonths:
        message = _l("Sebanyak itu belum bisa dibayar: paling jauh 12 bulan ke depan.")
        raise PaymentError(message, {"months": message}) from None
    rows, total = quote(plan.months, participants.terms_of(participant))
    if total <= 0:
        message = _l("Tidak ada yang perlu dibayar: iuran bulan-bulan ini ditanggung sponsor.")
        raise PaymentError(message, {"months": message})
    return Preview(
        participant, list(plan.months), [r.as_dict() for r in rows], total, plan.restart_start
    )


class TotalChanged(Conflict):
    """The total differs from the one the cashier was shown: nothing is taken; ``total`` is new."""

    def __init__(self, total: int) -> None:
        super().__init__(_l("Jumlahnya berubah. Periksa rincian baru, lalu terima lagi."))
        self.total = total


def record_cash_payment(
    participant_id: object, months: object, actor: Actor, *, cash_received: int | None = None,
    shown_total: int | None = None,
) -> Payment:
    """Take cash for the next ``months`` months: one payment, coverage updated, receipt numbered.

    ``shown_total`` (the web counter sends it) must equal the total priced now, under the
    participant's lock: a cashier is never charged other than what the button said.
    """
    participant = (
        participants.lock_participant(participant_id) if parse_id(participant_id) else None
    )
    if participant is None:
        raise NotFound(
            _l("Peserta tidak ditemukan."), {"participant_id": _l("Peserta tidak ditemukan.")}
        )
    plan = preview(participant, months)
    if shown_total is not None and shown_total != plan.total:
        raise TotalChanged(plan.total)
    if cash_received is not None and cash_received < plan.total:
        message = _l("Uang diterima kurang dari jumlah yang harus dibayar.")
        raise PaymentError(message, {"cash_received": message})
    now = utcnow()
    payment = Payment(
        participant_id=participant.id,
        method="cash",
        status="paid",
        amount=plan.total,
        months=len(plan.months),
        periods=plan.rows,
        first_month=plan.months[0].index,
        last_month=plan.months[-1].index,
        restart_month=plan.restart.index if plan.restart else None,
        receipt_no=next_receipt_no(clock.today().year),
        cashier_id=actor.user_id,
        cash_received=cash_received,
        created_at=now,
        paid_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    participants.apply_payment_months(participant, plan.months, plan.restart, ref=str(payment.id))
    record_audit(
        "payment.create",
        actor,
        target=payment.receipt_no or "",
        amount=payment.amount,
        months=[r["period"] for r in plan.rows],
        participant=str(participant.id),
    )
    return payment


def void_payment(payment_id: object, reason: object, actor: Actor) -> PaymentVoid:
    """Void a paid payment: a separate record; its months become payable again."""
    payment = get_payment(payment_id, lock=True)
    if payment is None:
        raise NotFound(_l("Pembayaran tidak ditemukan."))
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > MAX_REASON:
        message = _l("Tulis alasan pembatalan (paling banyak 500 huruf).")
        raise PaymentError(message, {"reason": message})
    if payment.status == "voided":
        raise Conflict(_l("Pembayaran ini sudah dibatalkan."))
    if "voided" not in FORWARD.get(payment.status, set()):
        raise Conflict(_l("Hanya pembayaran yang sudah lunas yang bisa dibatalkan."))
    participant = participants.lock_participant(payment.participant_id)
    assert participant is not None  # the composite foreign key guarantees it
    months = [Period.parse(row["period"]) for row in payment.periods]
    participants.remove_payment_months(participant, months, ref=str(payment.id))
    payment.status = "voided"
    record = PaymentVoid(
        payment_id=payment.id,
        reason=text,
        voided_by=actor.user_id,
        refund_due=payment.method != "cash",
        after_closing=payment.closing_id is not None,
    )
    db.session.add(record)
    db.session.flush()
    record_audit(
        "payment.void",
        actor,
        target=payment.receipt_no or str(payment.id),
        amount=payment.amount,
        reason=text,
    )
    return record


def recent_payment(participant_id: uuid.UUID, minutes: int = 10) -> Payment | None:
    """This person's latest paid payment of the last ``minutes`` minutes (a second one is asked)."""
    since = utcnow() - dt.timedelta(minutes=minutes)
    return db.session.scalar(
        sa.select(Payment)
        .where(Payment.participant_id == participant_id, Payment.status == "paid",
               Payment.created_at >= since)
        .order_by(Payment.created_at.desc())
        .limit(1)
    )


def payments_of(participant_id: uuid.UUID, limit: int = 50) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.participant_id == participant_id)
            .order_by(Payment.created_at.desc(), Payment.id.desc())
            .limit(limit)
        )
    )


def void_of(payment_id: uuid.UUID) -> PaymentVoid | None:
    return db.session.scalar(sa.select(PaymentVoid).where(PaymentVoid.payment_id == payment_id))


def payment_view(payment: Payment) -> dict[str, Any]:
    """The API's payment object."""
    return {
        "id": str(payment.id),
        "participant_id": str(payment.participant_id),
        "status": payment.status,
        "method": payment.method,
        "amount": payment.amount,
        "months": payment.months,
        "periods": payment.periods,
        "receipt_no": payment.receipt_no,
        "checkout_url": None,
        "created_at": payment.created_at.isoformat(),
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


def void_view(record: PaymentVoid) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "payment_id": str(record.payment_id),
        "reason": record.reason,
        "voided_by": str(record.voided_by),
        "voided_at": record.voided_at.isoformat(),
        "refund_due": record.refund_due,
    }
