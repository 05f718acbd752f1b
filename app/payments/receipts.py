"""Receipt numbers, and which print of a receipt is the original.

Numbers: per coop and per year (in the coop's time zone), gapless. The counter row is incremented
with one upsert in the transaction that records the payment; its row lock serialises concurrent
cashiers of the same coop, and a rolled-back payment rolls the number back with it, so no number
is skipped or given twice.

Prints: looking at a receipt is not printing it. The first print or PDF made by someone who may
take payments is the original; every later one is a copy (*SALINAN*). A read-only role (pengawas,
mentor) only ever gets a copy, and its print is audited, not counted, so the counter's original
stays available.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.auth.services import Actor, record_audit
from app.payments.models import Payment, ReceiptCounter, ReceiptPrint
from app.payments.upsert import insert
from tenants.context import require_tenant
from tenants.db import db, new_id

PRINT_FORMATS = ("html", "pdf-a6", "pdf-58")


def next_receipt_no(year: int) -> str:
    tenant = require_tenant()
    stmt = insert(ReceiptCounter).values(tenant_id=tenant.id, id=new_id(), year=year, last_number=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "year"],
        set_={"last_number": ReceiptCounter.last_number + 1},
    ).returning(ReceiptCounter.last_number)
    number = db.session.execute(stmt).scalar_one()
    return format_receipt_no(tenant.code or tenant.slug[:3].upper(), year, number)


def format_receipt_no(code: str, year: int, number: int) -> str:
    return f"{code}-{year}-{number:06d}"


def was_printed(payment: Payment) -> bool:
    """Has the original of this receipt been printed (so anything printed now is a copy)?"""
    return bool(
        db.session.scalar(sa.select(sa.exists().where(ReceiptPrint.payment_id == payment.id)))
    )


def record_print(payment: Payment, actor: Actor, fmt: str, *, counts: bool) -> bool:
    """Record one print of the receipt; True when it is a copy.

    ``counts`` is False for a role that cannot take payments: its print is always a copy and goes
    to the audit log only. The payment row is locked first, so two first prints at the same moment
    cannot both be the original.
    """
    if fmt not in PRINT_FORMATS:
        raise ValueError(f"unknown print format {fmt!r}")
    if not counts:
        target = payment.receipt_no or str(payment.id)
        record_audit("receipt.copy", actor, target=target, format=fmt)
        return True
    db.session.execute(sa.select(Payment.id).where(Payment.id == payment.id).with_for_update())
    is_copy = was_printed(payment)
    db.session.add(ReceiptPrint(payment_id=payment.id, printed_by=actor.user_id, format=fmt))
    db.session.flush()
    return is_copy
