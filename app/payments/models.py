"""Payments, their voids, receipt numbering, receipt prints, cash closings and idempotency keys.

A payment's person, months and amount never change once written; only its status moves forward
(``pending → paid | failed | expired``, ``paid → voided``). On PostgreSQL a trigger written in the
migration enforces that, and the application role may not delete these rows (``info["no_delete"]``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, TenantOwned, tenant_fk, utcnow

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

METHODS = ("cash", "xendit", "midtrans")
STATUSES = ("pending", "paid", "failed", "expired", "voided")
FORWARD = {"pending": {"paid", "failed", "expired"}, "paid": {"voided"}}


class Payment(TenantOwned, Base):
    __tablename__ = "payments"
    __table_args__ = (
        tenant_fk(["participant_id"], "participants"),
        tenant_fk(["cashier_id"], "users"),
        tenant_fk(["closing_id"], "cash_closings"),
        sa.UniqueConstraint("tenant_id", "receipt_no"),
        sa.Index("ix_payments_tenant_participant", "tenant_id", "participant_id", "created_at"),
        sa.Index("ix_payments_tenant_created", "tenant_id", "created_at"),
        sa.Index("ix_payments_open_cash", "tenant_id", "cashier_id", "closing_id"),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed', 'expired', 'voided')", name="status"
        ),
        sa.CheckConstraint("method IN ('cash', 'xendit', 'midtrans')", name="method"),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("months BETWEEN 1 AND 13", name="months"),
        {"info": {"no_delete": True}},
    )

    participant_id: Mapped[uuid.UUID] = mapped_column()
    method: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    amount: Mapped[int] = mapped_column(sa.BigInteger())
    months: Mapped[int] = mapped_column(sa.SmallInteger())
    # The quote rows paid, as shown to the person: {"period", "jkk", "jkm", "jht", "discount",
    # "sponsored", "amount"}; the first and last month as indexes for SQL.
    periods: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    first_month: Mapped[int] = mapped_column(sa.Integer())
    last_month: Mapped[int] = mapped_column(sa.Integer())
    restart_month: Mapped[int | None] = mapped_column(sa.Integer(), default=None)
    receipt_no: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    cashier_id: Mapped[uuid.UUID] = mapped_column()
    cash_received: Mapped[int | None] = mapped_column(sa.BigInteger(), default=None)
    closing_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class PaymentVoid(TenantOwned, Base):
    """A void is its own record that references the payment, with a reason and who did it."""

    __tablename__ = "payment_voids"
    __table_args__ = (
        tenant_fk(["payment_id"], "payments"),
        tenant_fk(["voided_by"], "users"),
        sa.UniqueConstraint("tenant_id", "payment_id"),
        {"info": {"no_delete": True}},
    )

    payment_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(500))
    voided_by: Mapped[uuid.UUID] = mapped_column()
    voided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    refund_due: Mapped[bool] = mapped_column(default=False)
    after_closing: Mapped[bool] = mapped_column(default=False)


class ReceiptCounter(TenantOwned, Base):
    """The last receipt number given per coop and year: one row, incremented under its lock."""

    __tablename__ = "receipt_counters"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "year"), {"info": {"no_delete": True}})

    year: Mapped[int] = mapped_column(sa.SmallInteger())
    last_number: Mapped[int] = mapped_column(sa.BigInteger())


class ReceiptPrint(TenantOwned, Base):
    """Each time a receipt is shown for printing; every print after the first is a copy."""

    __tablename__ = "receipt_prints"
    __table_args__ = (
        tenant_fk(["payment_id"], "payments"),
        sa.Index("ix_receipt_prints_payment", "tenant_id", "payment_id"),
    )

    payment_id: Mapped[uuid.UUID] = mapped_column()
    printed_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    printed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    format: Mapped[str] = mapped_column(sa.String(8), default="html")


class CashClosing(TenantOwned, Base):
    """A cashier's closing of the drawer: expected from the records, counted, the difference."""

    __tablename__ = "cash_closings"
    __table_args__ = (
        tenant_fk(["cashier_id"], "users"),
        tenant_fk(["closed_by"], "users"),
        sa.Index("ix_cash_closings_tenant_closed", "tenant_id", "closed_at"),
        {"info": {"no_delete": True}},
    )

    cashier_id: Mapped[uuid.UUID] = mapped_column()
    closed_by: Mapped[uuid.UUID] = mapped_column()
    closed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expected_amount: Mapped[int] = mapped_column(sa.BigInteger(), default=0)
    counted_amount: Mapped[int] = mapped_column(sa.BigInteger())
    difference: Mapped[int] = mapped_column(sa.BigInteger(), default=0)
    payments_count: Mapped[int] = mapped_column(default=0)
    voided_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.String(500), default="")


class IdempotencyKey(TenantOwned, Base):
    """The first answer to a money-moving request, replayed for the same key (kept ≥ 24 hours)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "scope", "key"),
        sa.Index("ix_idempotency_keys_created", "tenant_id", "created_at"),
    )

    scope: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response_status: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    resource_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
