"""The coop's figures of the day, each defined once: the home page reads them, a dashboard can too.

Every function is **one SQL statement** whatever the coop's size (set-based aggregates over the
stored coverage columns and the payments' indexes), so a page built from them sends a constant
number of statements. Money is integer rupiah. "Today" for cash is the coop's local calendar day
of the real clock (payments are stamped with it); the dues figures follow ``app.clock.today()``
like the participant list does.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa

from app import clock
from app.auth.models import User
from app.dues import Period
from app.participants.coverage_state import coverage_columns
from app.participants.imports_model import ParticipantImport
from app.participants.models import Participant
from app.payments.models import CashClosing, Payment, PaymentVoid
from tenants.context import require_tenant
from tenants.db import db

VOIDS_SHOWN = 20
CLOSINGS_SHOWN = 10
DIFFERENCE_DAYS = 7  # closings with a difference stay on the home page for a week


@dataclass(frozen=True)
class Day:
    """The coop's current local day as a half-open UTC range ``[start, end)``."""

    date: dt.date
    start: dt.datetime
    end: dt.datetime


def coop_day(now: dt.datetime | None = None) -> Day:
    zone = zoneinfo.ZoneInfo(require_tenant().timezone)
    local = (now or clock.now_utc()).astimezone(zone)
    start = dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)
    end = start + dt.timedelta(days=1)  # Indonesia keeps no daylight saving time
    return Day(local.date(), start.astimezone(dt.UTC), end.astimezone(dt.UTC))


def _staff_name() -> sa.ColumnElement[str]:
    return sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)


# --- cash --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cash:
    """One cashier's day: paid cash today, and the drawer not yet closed."""

    cashier_id: uuid.UUID
    name: str
    today_count: int
    today_total: int
    open_count: int
    open_expected: int
    open_voided: int
    last_closed_at: dt.datetime | None

    @property
    def drawer_open(self) -> bool:
        return self.open_count > 0


def cash_by_cashier(day: Day, cashier_id: uuid.UUID | None = None) -> list[Cash]:
    """Per cashier with cash today or an open drawer (or only ``cashier_id``), by name.

    *Today* counts paid cash payments taken today; the *open drawer* is every cash payment not
    yet in a closing (voided ones are counted apart and add nothing, as the closing does).
    """
    paid_today = sa.and_(
        Payment.status == "paid", Payment.created_at >= day.start, Payment.created_at < day.end
    )
    is_open = Payment.closing_id.is_(None)
    per_cashier = (
        sa.select(
            Payment.cashier_id.label("cashier_id"),
            sa.func.count().filter(paid_today).label("today_count"),
            sa.func.coalesce(sa.func.sum(Payment.amount).filter(paid_today), 0).label(
                "today_total"
            ),
            sa.func.count().filter(is_open).label("open_count"),
            sa.func.coalesce(
                sa.func.sum(Payment.amount).filter(is_open, Payment.status == "paid"), 0
            ).label("open_expected"),
            sa.func.count().filter(is_open, Payment.status == "voided").label("open_voided"),
        )
        .where(
            Payment.method == "cash",
            sa.or_(is_open, sa.and_(Payment.created_at >= day.start, Payment.created_at < day.end)),
        )
        .group_by(Payment.cashier_id)
    )
    if cashier_id is not None:
        per_cashier = per_cashier.where(Payment.cashier_id == cashier_id)
    sub = per_cashier.subquery()
    last_closed = (
        sa.select(sa.func.max(CashClosing.closed_at))
        .where(CashClosing.cashier_id == sub.c.cashier_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(sub, _staff_name(), last_closed)
        .join(User, User.id == sub.c.cashier_id)
        .order_by(_staff_name())
    ).all()
    return [
        Cash(
            cashier_id=r.cashier_id,
            name=r[-2],
            today_count=int(r.today_count),
            today_total=int(r.today_total),
            open_count=int(r.open_count),
            open_expected=int(r.open_expected),
            open_voided=int(r.open_voided),
            last_closed_at=r[-1],
        )
        for r in rows
    ]


# --- participants ------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """The coop's participants by coverage status for ``today``, and this month's registrations."""

    total: int
    active: int
    new: int
    grace: int  # overdue, still in the grace months ("Masa tenggang")
    lapsing: int  # in grace with ``grace_months`` overdue: the next due date makes them lapse
    lapsed: int
    registered_this_month: int
    grace_months: int


def people(today: dt.date | None = None) -> People:
    today = today or clock.today()
    ref = require_tenant()
    cols = coverage_columns(today, due_day=ref.due_day, grace_months=ref.grace_months)
    first = Period.of(today).first_day()
    # OFFSET 0 keeps PostgreSQL from inlining the per-row coverage expressions into every
    # aggregate below (it then evaluated the covered-months subquery once per aggregate).
    state = (
        sa.select(
            cols["status"].label("status"),
            cols["arrears_months"].label("arrears"),
            Participant.registered_on.label("registered_on"),
        )
        .offset(0)
        .subquery()
    )
    status = state.c.status
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(status == "active"),
            sa.func.count().filter(status == "new"),
            sa.func.count().filter(status == "grace"),
            sa.func.count().filter(status == "grace", state.c.arrears >= ref.grace_months),
            sa.func.count().filter(status == "lapsed"),
            sa.func.count().filter(state.c.registered_on >= first),
        ).select_from(state)
    ).one()
    return People(*(int(v) for v in row), grace_months=ref.grace_months)


def any_participants() -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(Participant.id.is_not(None)))))


# --- imports, voids, closings -------------------------------------------------------------------


def last_import() -> ParticipantImport | None:
    """The latest participant import (its outcome is on the row; the file is not loaded)."""
    return db.session.scalars(
        sa.select(ParticipantImport)
        .options(sa.orm.defer(ParticipantImport.content), sa.orm.defer(ParticipantImport.errors))
        .order_by(ParticipantImport.created_at.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Void:
    at: dt.datetime
    receipt_no: str
    amount: int
    reason: str
    by: str
    payment_id: uuid.UUID


def voids_today(day: Day, limit: int = VOIDS_SHOWN) -> list[Void]:
    rows = db.session.execute(
        sa.select(
            PaymentVoid.voided_at, Payment.receipt_no, Payment.amount, PaymentVoid.reason,
            _staff_name(), Payment.id,
        )
        .join(Payment, sa.and_(Payment.tenant_id == PaymentVoid.tenant_id,
                               Payment.id == PaymentVoid.payment_id))
        .join(User, sa.and_(User.tenant_id == PaymentVoid.tenant_id,
                            User.id == PaymentVoid.voided_by))
        .where(PaymentVoid.voided_at >= day.start, PaymentVoid.voided_at < day.end)
        .order_by(PaymentVoid.voided_at.desc())
        .limit(limit)
    ).all()
    return [Void(r[0], r[1] or "", int(r[2]), r[3], r[4], r[5]) for r in rows]


@dataclass(frozen=True)
class Closing:
    closed_at: dt.datetime
    cashier: str
    expected: int
    counted: int
    difference: int
    note: str


def closings_with_difference(day: Day, limit: int = CLOSINGS_SHOWN) -> list[Closing]:
    """Closings of the last ``DIFFERENCE_DAYS`` days whose counted cash differed from expected."""
    since = day.start - dt.timedelta(days=DIFFERENCE_DAYS - 1)
    rows = db.session.execute(
        sa.select(
            CashClosing.closed_at, _staff_name(), CashClosing.expected_amount,
            CashClosing.counted_amount, CashClosing.difference, CashClosing.note,
        )
        .join(User, sa.and_(User.tenant_id == CashClosing.tenant_id,
                            User.id == CashClosing.cashier_id))
        .where(CashClosing.closed_at >= since, CashClosing.difference != 0)
        .order_by(CashClosing.closed_at.desc())
        .limit(limit)
    ).all()
    return [Closing(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows]
