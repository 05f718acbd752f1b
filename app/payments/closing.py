"""Closing the day: per cashier, expected cash from the records against the counted cash.

A closing takes every cash payment of that cashier not yet in a closing, in one ``UPDATE …
RETURNING``: a payment committed after that statement stays open and goes to the next closing.
A payment voided before its closing is taken in but adds nothing to the expected cash (the money
went back over the counter); a void after the closing is listed for the admin, not re-counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.auth.services import Actor, record_audit
from app.participants.models import Participant
from app.payments.models import CashClosing, Payment, PaymentVoid
from app.payments.services import Conflict, PaymentError
from tenants.db import db, utcnow

MAX_COUNTED = 10_000_000_000


@dataclass(frozen=True)
class OpenDrawer:
    """What a cashier has taken since the last closing."""

    expected: int
    payments: int
    voided: int


def _open_filter(cashier_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    return [
        Payment.cashier_id == cashier_id,
        Payment.closing_id.is_(None),
        Payment.method == "cash",
    ]


def open_drawer(cashier_id: uuid.UUID) -> OpenDrawer:
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(
                sa.func.sum(sa.case((Payment.status == "paid", Payment.amount), else_=0)), 0
            ),
            sa.func.count(),
            sa.func.count().filter(Payment.status == "voided"),
        ).where(*_open_filter(cashier_id))
    ).one()
    return OpenDrawer(int(row[0]), int(row[1]), int(row[2]))


def open_payments(cashier_id: uuid.UUID, limit: int = 300) -> list[tuple[Payment, str]]:
    """The cash payments in a cashier's open drawer, oldest first, with the person's name."""
    rows = db.session.execute(
        sa.select(Payment, Participant.name)
        .join(
            Participant,
            sa.and_(
                Participant.tenant_id == Payment.tenant_id,
                Participant.id == Payment.participant_id,
            ),
        )
        .where(*_open_filter(cashier_id))
        .order_by(Payment.created_at, Payment.id)
        .limit(limit)
    ).all()
    return [(row[0], row[1]) for row in rows]


def close_day(
    cashier_id: uuid.UUID,
    counted: object,
    actor: Actor,
    note: str = "",
    *,
    shown: OpenDrawer | None = None,
) -> CashClosing:
    """Close the drawer; with ``shown``, only if it still holds exactly what the closer saw.

    The comparison is made on what the closing actually took in, so a payment that lands between
    the page and the confirmation refuses the closing (nothing written) instead of being counted
    unseen.
    """
    if isinstance(counted, bool) or not isinstance(counted, int) or not 0 <= counted <= MAX_COUNTED:
        message = _l("Tulis jumlah uang yang dihitung, dalam rupiah (angka saja).")
        raise PaymentError(message, {"counted": message})
    # One closing at a time per cashier: lock the cashier's user row.
    db.session.execute(sa.select(User.id).where(User.id == cashier_id).with_for_update())
    closing = CashClosing(
        cashier_id=cashier_id,
        closed_by=actor.user_id,
        counted_amount=counted,
        note=(note or "").strip()[:500],
        closed_at=utcnow(),
    )
    db.session.add(closing)
    db.session.flush()
    taken = db.session.execute(
        sa.update(Payment)
        .where(*_open_filter(cashier_id))
        .values(closing_id=closing.id)
        .returning(Payment.amount, Payment.status)
        .execution_options(synchronize_session=False)
    ).all()
    closing.expected_amount = sum(amount for amount, status in taken if status == "paid")
    closing.payments_count = len(taken)
    closing.voided_count = sum(1 for _a, status in taken if status == "voided")
    took = OpenDrawer(closing.expected_amount, closing.payments_count, closing.voided_count)
    if shown is not None and took != shown:
        raise Conflict(_l("Isi laci berubah sejak ditampilkan. Periksa lagi, lalu tutup kas."))
    closing.difference = counted - closing.expected_amount
    record_audit(
        "cash.close",
        actor,
        target=str(cashier_id),
        expected=closing.expected_amount,
        counted=counted,
        difference=closing.difference,
    )
    return closing


def closings(
    limit: int = 100, cashier_id: uuid.UUID | None = None
) -> list[tuple[CashClosing, str]]:
    """Recent closings with the cashier's name or email, newest first."""
    query = (
        sa.select(CashClosing, sa.func.coalesce(sa.func.nullif(User.name, ""), User.email))
        .join(
            User,
            sa.and_(User.tenant_id == CashClosing.tenant_id, User.id == CashClosing.cashier_id),
        )
        .order_by(CashClosing.closed_at.desc())
        .limit(limit)
    )
    if cashier_id is not None:
        query = query.where(CashClosing.cashier_id == cashier_id)
    return [(row[0], row[1]) for row in db.session.execute(query)]


def open_drawers() -> list[tuple[uuid.UUID, str, OpenDrawer]]:
    """Every cashier with cash not yet closed (for the admin): id, name, drawer."""
    rows = db.session.execute(
        sa.select(
            User.id,
            sa.func.coalesce(sa.func.nullif(User.name, ""), User.email),
            sa.func.coalesce(
                sa.func.sum(sa.case((Payment.status == "paid", Payment.amount), else_=0)), 0
            ),
            sa.func.count(),
            sa.func.count().filter(Payment.status == "voided"),
        )
        .join(User, sa.and_(User.tenant_id == Payment.tenant_id, User.id == Payment.cashier_id))
        .where(Payment.closing_id.is_(None), Payment.method == "cash")
        .group_by(User.id, User.name, User.email)
    ).all()
    return [(r[0], r[1], OpenDrawer(int(r[2]), int(r[3]), int(r[4]))) for r in rows]


def voids_after_closing(limit: int = 50) -> list[tuple[PaymentVoid, Payment]]:
    return [
        (row[0], row[1])
        for row in db.session.execute(
            sa.select(PaymentVoid, Payment)
            .join(
                Payment,
                sa.and_(
                    Payment.tenant_id == PaymentVoid.tenant_id, Payment.id == PaymentVoid.payment_id
                ),
            )
            .where(PaymentVoid.after_closing.is_(True))
            .order_by(PaymentVoid.voided_at.desc())
            .limit(limit)
        )
    ]
