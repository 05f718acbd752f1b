"""Coverage as stored state: kept on the participant row, updated in the caller's transaction.

This module is the one place that writes the coverage columns of ``Participant`` (see the models'
docstring for what each holds) and the one place that reads them back, either one participant at
a time in Python (``coverage_of``, ``plan_for``) or set-based in SQL (``coverage_columns``) for
lists, filters, dashboards and the reminder sweep. ``app.dues`` does the reasoning; a property test
replays random histories through ``app.dues.replay`` and compares.

Interface for the payments module (call under ``services.lock_participant``, in the transaction
that records the payment or the void):
    terms_of(p) -> Terms
    coverage_of(p, today) -> (Coverage, arrears_amount)
    plan_for(p, months, today) -> PaymentPlan           (raises app.dues.TooManyMonths)
    apply_payment_months(p, months, new_start, *, ref=None)
    remove_payment_months(p, months, *, ref=None)
    set_opening_balance(p, start, paid_through, today)  (the Excel import)

Open-ended sponsorships: a sponsor without an ``until`` month covers every month from its start,
forever, so it cannot be stored as a list of months. Fully sponsored months are kept as a finite
list plus ``covered_from`` ("every month from here on"). Readers see that tail as covered up to the
*horizon* — the current month + ``MAX_MONTHS_AHEAD``, the furthest month anyone can pay for or be
asked about — so ``paid_through`` of a person sponsored without end is always "current month + 12"
and nothing needs a monthly job to stay right. Everything stored is independent of today's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from app.dues import (
    MAX_MONTHS_AHEAD,
    Coverage,
    PaymentPlan,
    Period,
    Sponsor,
    Terms,
    coverage,
    plan_payment,
    quote,
)
from app.participants.models import Participant, ParticipantSponsor
from app.participants.records import ParticipantData, SponsorRecord
from tenants.context import require_tenant
from tenants.db import db

OPENING_REF = "opening"


class CoverageStateError(ValueError):
    """A change that does not fit the stored state (e.g. voiding months that were never paid)."""


def month(index: int | None) -> Period | None:
    return Period.from_index(index) if index is not None else None


def horizon(today: dt.date) -> int:
    """The furthest month (as an index) the open-ended sponsorship tail is read up to."""
    return Period.of(today).index + MAX_MONTHS_AHEAD


def _settings(due_day: int | None, grace_months: int | None) -> tuple[int, int]:
    if due_day is None or grace_months is None:
        ref = require_tenant()
        due_day = ref.due_day if due_day is None else due_day
        grace_months = ref.grace_months if grace_months is None else grace_months
    return due_day, grace_months


# --- terms --------------------------------------------------------------------------------------


def dues_sponsor(row: ParticipantSponsor | SponsorRecord) -> Sponsor:
    return Sponsor(
        name=row.name,
        type=row.type,
        programs=frozenset(row.programs),
        from_period=month(row.from_month),
        until_period=month(row.until_month),
    )


def terms_of(p: ParticipantData) -> Terms:
    """What the participant is insured for, with every sponsor: the input of every quote."""
    return Terms(
        declared_income=int(p.declared_income),
        programs=p.programs,
        sector=p.sector,
        sponsors=tuple(dues_sponsor(row) for row in p.sponsors),
    )


# --- reading ------------------------------------------------------------------------------------


def covered_set(p: ParticipantData, today: dt.date) -> frozenset[Period]:
    """Covered months (paid, opening balance, fully sponsored); the open tail up to the horizon."""
    months = {Period.from_index(i) for i in p.covered_months}
    if p.covered_from is not None:
        months.update(
            Period.from_index(i) for i in range(p.covered_from, horizon(today) + 1)
        )
    return frozenset(months)


def coverage_of(
    p: ParticipantData,
    today: dt.date,
    *,
    due_day: int | None = None,
    grace_months: int | None = None,
) -> tuple[Coverage, int]:
    """The participant's coverage on ``today`` and what the arrears months cost the person."""
    due_day, grace_months = _settings(due_day, grace_months)
    start = Period.from_index(p.start_month)
    cov = coverage(start, covered_set(p, today), today, due_day, grace_months)
    _rows, amount = quote(cov.arrears, terms_of(p))
    return cov, amount


def plan_for(
    p: ParticipantData,
    months: int,
    today: dt.date,
    *,
    due_day: int | None = None,
    grace_months: int | None = None,
) -> PaymentPlan:
    """The next ``months`` payable months, exactly as the default quote shows them.

    Arrears first, then ahead; when lapsed, from the current month (``restart_start`` set).
    Raises ``app.dues.TooManyMonths`` when fewer months are payable (e.g. fully sponsored).
    """
    due_day, grace_months = _settings(due_day, grace_months)
    start = Period.from_index(p.start_month)
    return plan_payment(start, covered_set(p, today), months, today, due_day, grace_months)


# --- writing ------------------------------------------------------------------------------------


def _indexes(months: Iterable[Period]) -> list[int]:
    out = []
    for m in months:
        if not isinstance(m, Period):
            raise CoverageStateError(f"expected Period values, got {m!r}")
        out.append(m.index)
    return out


def apply_payment_months(
    p: Participant,
    months: Sequence[Period],
    new_start: Period | None,
    *,
    ref: str | None = None,
) -> None:
    """Record that ``months`` are now paid (and the restart, if any) in the caller's transaction.

    ``ref`` (the payment's id) lets a later void undo exactly this payment's restart.
    """
    added = _indexes(months)
    if not added:
        raise CoverageStateError("a payment must cover at least one month")
    p.paid_months = sorted([*p.paid_months, *added])
    if new_start is not None:
        p.start_events = [
            *p.start_events,
            {"ref": ref, "start": new_start.index, "months": sorted(added)},
        ]
    recompute(p)


def remove_payment_months(
    p: Participant, months: Sequence[Period], *, ref: str | None = None
) -> None:
    """Undo a payment (a void): its months are uncovered again and a restart it made is undone.

    The restart is found by ``ref`` when given, else by the payment's months.
    """
    removed = _indexes(months)
    paid = list(p.paid_months)
    for index in removed:
        if index not in paid:
            raise CoverageStateError(f"{Period.from_index(index)} is not a paid month")
        paid.remove(index)
    p.paid_months = paid
    events = list(p.start_events)
    for i in range(len(events) - 1, -1, -1):
        event = events[i]
        if event.get("ref") == OPENING_REF:
            continue
        if (ref is not None and event.get("ref") == ref) or (
            ref is None and sorted(event.get("months", [])) == sorted(removed)
        ):
            del events[i]
            break
    p.start_events = events
    recompute(p)


def set_opening_balance(
    p: Participant, start: Period, paid_through: Period, today: dt.date
) -> None:
    """Someone insured before: ``start``..``paid_through`` covered, ``start`` the start month."""
    if paid_through < start:
        raise CoverageStateError("paid_through is before start")
    if start > Period.of(today):
        raise CoverageStateError("an opening balance cannot start after the current month")
    if paid_through.index > horizon(today):
        raise CoverageStateError("an opening balance cannot reach past the current month + 12")
    months = [m.index for m in Period.range(start, paid_through)]
    p.paid_months = sorted([*p.paid_months, *months])
    p.start_events = [
        *p.start_events,
        {"ref": OPENING_REF, "start": start.index, "months": months},
    ]
    recompute(p)


def init_state(p: Participant, registered: Period) -> None:
    """A new participant: starts in the month they register, nothing paid yet."""
    p.registered_month = registered.index
    p.start_month = registered.index
    p.start_events = []
    p.paid_months = []
    recompute(p)


def sponsored_months(
    programs: frozenset[str], sponsors: Iterable[ParticipantSponsor], floor: int
) -> tuple[set[int], int | None]:
    """Months from ``floor`` on whose every chosen program a sponsor pays: (finite, open tail)."""
    rows = [(frozenset(s.programs), s.from_month, s.until_month) for s in sponsors]
    if not rows:
        return set(), None
    points = {floor}
    for _progs, start, until in rows:
        if start is not None and start > floor:
            points.add(start)
        if until is not None and until + 1 > floor:
            points.add(until + 1)
    cuts = sorted(points)

    def full(m: int) -> bool:
        paid: set[str] = set()
        for progs, start, until in rows:
            if (start is None or start <= m) and (until is None or m <= until):
                paid |= progs
        return programs <= paid

    finite: set[int] = set()
    for a, b in zip(cuts, cuts[1:], strict=False):
        if full(a):
            finite.update(range(a, b))
    tail: int | None = cuts[-1] if full(cuts[-1]) else None
    if tail is not None:
        while tail - 1 in finite:  # fold a run that reaches the open tail into it
            finite.discard(tail - 1)
            tail -= 1
    return finite, tail


def recompute(p: Participant) -> None:
    """Derive the stored columns from paid months, start events and sponsors (no dates involved)."""
    events = list(p.start_events or [])
    p.start_month = events[-1]["start"] if events else p.registered_month
    floor = min([p.registered_month, p.start_month, *(e["start"] for e in events)])
    finite, tail = sponsored_months(p.programs, p.sponsors, floor)
    covered = set(p.paid_months) | finite
    if tail is not None:
        covered = {m for m in covered if m < tail}
    p.covered_months = sorted(covered)
    p.covered_from = tail
    m = p.start_month
    while m in covered:
        m += 1
    p.open_run = tail is not None and m >= tail
    p.paid_through_month = m - 1 if m != p.start_month else None
    p.last_covered_month = max(covered) if covered else None


# --- set-based SQL ------------------------------------------------------------------------------


def _max(a: Any, b: Any) -> Any:
    return sa.case((a > b, a), else_=b)


def _covered_count_between(low: Any, high: Any) -> Any:
    """How many of ``covered_months`` lie in [low, high], per row (a correlated subquery)."""
    dialect = db.engine.dialect.name if db.engine is not None else "postgresql"
    if dialect == "postgresql":
        months = sa.func.unnest(Participant.covered_months).table_valued("m").render_derived()
        value = months.c.m
    else:
        months = sa.func.json_each(Participant.covered_months).table_valued("value")
        value = months.c.value
    counted = (
        sa.select(sa.func.count())
        .select_from(months)
        .where(value >= low, value <= high)
        .scalar_subquery()
    )
    # Most people have no covered month after ``low`` (no hole in their run): skip the unnest.
    last = Participant.last_covered_month
    return sa.case((sa.or_(last.is_(None), last < low), 0), else_=counted)


def coverage_columns(
    today: dt.date, *, due_day: int | None = None, grace_months: int | None = None
) -> dict[str, Any]:
    """SQL expressions over ``Participant`` for ``today``: status, arrears_months, paid_through.

    They equal ``app.dues.coverage`` of the stored state (a test checks it on random states);
    ``paid_through`` is a month index or NULL.
    """
    due_day, grace_months = _settings(due_day, grace_months)
    current = Period.of(today)
    cur = current.index
    top = horizon(today)
    start = Participant.start_month
    # The last overdue month: the current one once its due date has passed (never the start
    # month: that is overdue only from the month after), otherwise the month before.
    if today > current.due_date(due_day):
        high: Any = sa.case((start < cur, sa.literal(cur)), else_=sa.literal(cur - 1))
    else:
        high = sa.literal(cur - 1)
    gap = sa.func.coalesce(Participant.paid_through_month + 1, start)
    tail = sa.case(
        (Participant.covered_from.is_(None), 0),
        else_=_max(high - _max(gap, Participant.covered_from) + 1, 0),
    )
    arrears = sa.case(
        (high >= gap, high - gap + 1 - _covered_count_between(gap, high) - tail), else_=0
    )
    any_covered = sa.or_(
        Participant.last_covered_month >= start, Participant.covered_from <= top
    )
    status = sa.case(
        (arrears == 0, sa.case((any_covered, "active"), else_="new")),
        (arrears <= grace_months, "grace"),
        else_="lapsed",
    )
    paid_through = sa.case(
        (sa.and_(Participant.open_run, Participant.covered_from <= top), sa.literal(top)),
        else_=Participant.paid_through_month,
    )
    return {"status": status, "arrears_months": arrears, "paid_through": paid_through}
