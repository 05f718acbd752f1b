"""Coverage: which months count as covered, what is overdue, the status, and what to pay next.

Everything is a pure function of (start month, set of covered months, today, due day, grace), so
the app's stored state can always be recomputed and cross-checked (see `replay`). `covered` means
paid or fully sponsored; `today` is the tenant's local date (the caller converts time zones).

Decisions on the edge cases of DOMAIN.md "Coverage, precisely":
- Overdue: a month is overdue from the day after its due date (due day clamped to the month's
  length: due day 31 in February means the 28th/29th). The start month is never overdue before
  the first day of the following month. Months before the start month are never overdue.
- `paid_through` is the last month of the unbroken covered run from the start month (None when
  the start month is not covered). A voided payment can open a hole: the run stops before it.
  Covered months after a hole still count as covered (they are neither arrears nor payable).
- `arrears` are all overdue uncovered months after `paid_through` (or from the start month).
  They are always the earliest uncovered months, so paying "arrears first" fills holes first.
- "More than 3 consecutive unpaid months" is read as: more than `grace_months` overdue uncovered
  months after `paid_through` (a count, even when covered months sit between them).
- Status: new = no covered month from the start on and nothing overdue; active = nothing overdue;
  grace = 1..grace_months overdue; lapsed = more than grace_months overdue.
- Lapsed: old arrears are no longer payable; the next payment restarts coverage at the current
  month, which becomes the new start (covered months before a start are kept in the history but
  ignored by `coverage`).
- Paying ahead: the latest payable month is the current month + 12 (`MAX_MONTHS_AHEAD`).
- History (`replay`): the start is that of the latest non-voided event that sets one (an opening
  balance, or a payment that restarted coverage), else the registration month. A void makes its
  payment as if it never happened: its months become uncovered and a restart it made is undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.dues.periods import Period

__all__ = [
    "MAX_MONTHS_AHEAD",
    "STATUSES",
    "Coverage",
    "Event",
    "HistoryError",
    "OpeningBalance",
    "Payment",
    "PaymentPlan",
    "TooManyMonths",
    "Void",
    "coverage",
    "is_overdue",
    "payable_months",
    "plan_payment",
    "replay",
]

Status = Literal["new", "active", "grace", "lapsed"]
STATUSES: tuple[Status, ...] = ("new", "active", "grace", "lapsed")
MAX_MONTHS_AHEAD = 12


class TooManyMonths(ValueError):
    """A payment would reach further ahead than allowed (current month + 12)."""


class HistoryError(ValueError):
    """An event history is out of order, refers to unknown payments, or breaks the rules."""


def _check_settings(due_day: int, grace_months: int) -> None:
    if isinstance(due_day, bool) or not isinstance(due_day, int) or not 1 <= due_day <= 31:
        raise ValueError(f"due day must be an int from 1 to 31, got {due_day!r}")
    if isinstance(grace_months, bool) or not isinstance(grace_months, int) or grace_months < 0:
        raise ValueError(f"grace months must be an int >= 0, got {grace_months!r}")


def is_overdue(period: Period, start: Period, today: date, due_day: int = 15) -> bool:
    """Whether `period` is overdue on `today` for someone whose coverage starts at `start`."""
    if period < start:
        return False
    if period == start:
        # Registering after the due day must not make the first month overdue at once.
        return today > start.last_day()
    return today > period.due_date(due_day)


@dataclass(frozen=True, slots=True)
class Coverage:
    """A participant's coverage on one day."""

    start: Period
    paid_through: Period | None
    arrears: tuple[Period, ...]
    status: Status

    @property
    def arrears_months(self) -> int:
        return len(self.arrears)


def coverage(
    start: Period,
    covered: frozenset[Period] | set[Period],
    today: date,
    due_day: int = 15,
    grace_months: int = 3,
) -> Coverage:
    """Coverage on `today` from the start month and the months paid or fully sponsored."""
    _check_settings(due_day, grace_months)
    month = start
    while month in covered:
        month += 1
    paid_through = month - 1 if month != start else None

    current = Period.of(today)
    arrears = tuple(
        m
        for m in Period.range(month, current)
        if m not in covered and is_overdue(m, start, today, due_day)
    )
    status: Status
    if not arrears:
        status = "active" if any(m >= start for m in covered) else "new"
    elif len(arrears) <= grace_months:
        status = "grace"
    else:
        status = "lapsed"
    return Coverage(start, paid_through, arrears, status)


def payable_months(
    cov: Coverage, covered: frozenset[Period] | set[Period], n: int, today: date
) -> list[Period]:
    """The next `n` months a payment would cover, in order: arrears first, then ahead.

    When lapsed, counting starts at the current month (the restart); old arrears are skipped.
    Raises TooManyMonths when the n-th month would be after the current month + 12.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"number of months must be an int >= 1, got {n!r}")
    current = Period.of(today)
    first = current if cov.status == "lapsed" else cov.start
    limit = current + MAX_MONTHS_AHEAD
    months: list[Period] = []
    for month in Period.range(first, limit):
        if month not in covered:
            months.append(month)
            if len(months) == n:
                return months
    raise TooManyMonths(
        f"cannot pay {n} months now: only {len(months)} month(s) are payable up to {limit} "
        f"(at most {MAX_MONTHS_AHEAD} months ahead of {current})"
    )


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """What a payment of n months covers, and the new start month when it restarts coverage."""

    months: tuple[Period, ...]
    restart_start: Period | None = None

    def apply(
        self, start: Period, covered: frozenset[Period] | set[Period]
    ) -> tuple[Period, frozenset[Period]]:
        """The (start, covered) after this payment is made."""
        new_start = self.restart_start if self.restart_start is not None else start
        return new_start, frozenset(covered) | frozenset(self.months)


def plan_payment(
    start: Period,
    covered: frozenset[Period] | set[Period],
    n: int,
    today: date,
    due_day: int = 15,
    grace_months: int = 3,
) -> PaymentPlan:
    """Plan a payment of `n` months made on `today` (restarting coverage if lapsed)."""
    cov = coverage(start, covered, today, due_day, grace_months)
    months = payable_months(cov, covered, n, today)
    restart = Period.of(today) if cov.status == "lapsed" else None
    return PaymentPlan(tuple(months), restart)


# --- history -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment made on `made_on` for `months`; `new_start` is set when it restarted coverage."""

    payment_id: str
    made_on: date
    months: tuple[Period, ...]
    new_start: Period | None = None


@dataclass(frozen=True, slots=True)
class Void:
    """A payment cancelled on `made_on`: as if it had never been made."""

    payment_id: str
    made_on: date


@dataclass(frozen=True, slots=True)
class OpeningBalance:
    """Imported coverage of someone insured before: start..paid_through covered, start set."""

    made_on: date
    start: Period
    paid_through: Period


Event = Payment | Void | OpeningBalance


def replay(
    registered: Period,
    events: Iterable[Event],
    today: date,
    due_day: int = 15,
    grace_months: int = 3,
    *,
    sponsored: frozenset[Period] = frozenset(),
    check: bool = True,
) -> tuple[Period, frozenset[Period]]:
    """Derive (start, covered) on `today` from the registration month and events in time order.

    `covered` is every month of a non-voided payment or opening balance, plus `sponsored` (months
    fully paid by sponsors). Structure is always enforced (time order, nothing after `today`,
    unique payment ids, voids of live payments). With `check`, each payment must also be exactly
    what `plan_payment` would have planned on its date, restart included, so any drift between the
    app's bookkeeping and the rules shows up as a HistoryError naming the payment.
    """
    _check_settings(due_day, grace_months)
    live: dict[str, Payment] = {}
    seen_ids: set[str] = set()
    openings: list[OpeningBalance] = []
    # Start-setting events in order: (payment id, or None for an opening balance; the start).
    starts: list[tuple[str | None, Period]] = []
    last_day: date | None = None

    def current_state() -> tuple[Period, frozenset[Period]]:
        start = registered
        for payment_id, new_start in reversed(starts):
            if payment_id is None or payment_id in live:
                start = new_start
                break
        months: set[Period] = set(sponsored)
        for opening in openings:
            months.update(Period.range(opening.start, opening.paid_through))
        for payment in live.values():
            months.update(payment.months)
        return start, frozenset(months)

    for number, event in enumerate(events, start=1):
        made_on = getattr(event, "made_on", None)
        where = f"event #{number} ({type(event).__name__} on {made_on})"
        if not isinstance(event, Payment | Void | OpeningBalance) or not isinstance(made_on, date):
            raise HistoryError(f"{where}: not a Payment, Void or OpeningBalance with a date")
        if event.made_on > today:
            raise HistoryError(f"{where}: dated after today ({today})")
        if last_day is not None and event.made_on < last_day:
            raise HistoryError(f"{where}: events must be in time order (previous: {last_day})")
        last_day = event.made_on

        if isinstance(event, Payment):
            if event.payment_id in seen_ids:
                raise HistoryError(f"{where}: payment id {event.payment_id!r} used twice")
            if not event.months:
                raise HistoryError(f"{where}: a payment must cover at least one month")
            if check:
                start, covered = current_state()
                try:
                    plan = plan_payment(
                        start, covered, len(event.months), event.made_on, due_day, grace_months
                    )
                except TooManyMonths as exc:
                    raise HistoryError(f"{where}: {exc}") from None
                if plan.months != tuple(event.months) or plan.restart_start != event.new_start:
                    raise HistoryError(
                        f"{where}: payment {event.payment_id!r} covers "
                        f"{[str(m) for m in event.months]} with new start {event.new_start}, "
                        f"but the rules plan {[str(m) for m in plan.months]} with new start "
                        f"{plan.restart_start}"
                    )
            seen_ids.add(event.payment_id)
            live[event.payment_id] = event
            if event.new_start is not None:
                starts.append((event.payment_id, event.new_start))
        elif isinstance(event, Void):
            if event.payment_id not in live:
                state = "already voided" if event.payment_id in seen_ids else "unknown"
                raise HistoryError(f"{where}: payment {event.payment_id!r} is {state}")
            del live[event.payment_id]
        elif isinstance(event, OpeningBalance):
            if event.paid_through < event.start:
                raise HistoryError(
                    f"{where}: paid_through {event.paid_through} is before start {event.start}"
                )
            openings.append(event)
            starts.append((None, event.start))

    return current_state()
