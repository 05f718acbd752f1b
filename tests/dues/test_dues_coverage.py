"""Coverage: overdue rule, status transitions on fixed dates, payment plans, invariants."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.dues import (
    MAX_MONTHS_AHEAD,
    Coverage,
    PaymentPlan,
    Period,
    TooManyMonths,
    coverage,
    is_overdue,
    payable_months,
    plan_payment,
)

P = Period.parse
D = date.fromisoformat


def months(first: str, last: str) -> frozenset[Period]:
    return frozenset(Period.range(P(first), P(last)))


# --- overdue -------------------------------------------------------------------------------------


def test_month_is_overdue_from_the_day_after_the_due_day() -> None:
    start = P("2026-11")
    dec = P("2026-12")
    assert not is_overdue(dec, start, D("2026-12-15"), 15)
    assert is_overdue(dec, start, D("2026-12-16"), 15)
    assert not is_overdue(dec, start, D("2026-12-20"), 20)
    assert is_overdue(dec, start, D("2026-12-21"), 20)
    assert not is_overdue(dec, start, D("2026-11-30"), 15)  # not even started


def test_start_month_is_never_overdue_before_the_next_month() -> None:
    start = P("2026-11")  # registered on 2026-11-20, after the due day
    assert not is_overdue(start, start, D("2026-11-20"), 15)
    assert not is_overdue(start, start, D("2026-11-30"), 15)
    assert is_overdue(start, start, D("2026-12-01"), 15)
    # Even with due day 1 the start month waits for the month's end.
    assert not is_overdue(start, start, D("2026-11-30"), 1)


def test_due_day_31_in_february_is_clamped_to_the_last_day() -> None:
    start = P("2026-01")
    assert not is_overdue(P("2026-02"), start, D("2026-02-28"), 31)
    assert is_overdue(P("2026-02"), start, D("2026-03-01"), 31)
    assert not is_overdue(P("2028-02"), P("2028-01"), D("2028-02-29"), 31)
    assert is_overdue(P("2028-02"), P("2028-01"), D("2028-03-01"), 31)
    assert not is_overdue(P("2026-04"), start, D("2026-04-30"), 31)
    assert is_overdue(P("2026-04"), start, D("2026-05-01"), 31)


def test_months_before_the_start_are_never_overdue() -> None:
    assert not is_overdue(P("2026-10"), P("2026-11"), D("2030-01-01"), 15)


# --- status transitions on fixed dates -----------------------------------------------------------


def test_status_walk_new_active_grace_lapsed_restart() -> None:
    start = P("2026-11")  # registered 2026-11-03, due day 15, grace 3
    nothing: frozenset[Period] = frozenset()

    cov = coverage(start, nothing, D("2026-11-03"))
    assert cov == Coverage(start, None, (), "new")
    assert coverage(start, nothing, D("2026-11-20")).status == "new"  # start-month exception
    unpaid = coverage(start, nothing, D("2026-12-01"))
    assert (unpaid.status, unpaid.arrears) == ("grace", (start,))

    # Pays one month on the day of registration.
    plan = plan_payment(start, nothing, 1, D("2026-11-03"))
    assert plan == PaymentPlan((start,), None)
    start, covered = plan.apply(start, nothing)
    cov = coverage(start, covered, D("2026-11-03"))
    assert (cov.status, cov.paid_through, cov.arrears) == ("active", start, ())

    # December unpaid: still active on the 15th, grace from the 16th.
    assert coverage(start, covered, D("2026-12-15")).status == "active"
    cov = coverage(start, covered, D("2026-12-16"))
    assert (cov.status, cov.arrears, cov.arrears_months) == ("grace", (P("2026-12"),), 1)

    # Three overdue months is still grace; the fourth overdue month lapses.
    cov = coverage(start, covered, D("2027-03-15"))
    assert cov.status == "grace"
    assert cov.arrears == (P("2026-12"), P("2027-01"), P("2027-02"))
    cov = coverage(start, covered, D("2027-03-16"))
    assert cov.status == "lapsed"
    assert cov.arrears_months == 4 and cov.paid_through == P("2026-11")

    # In grace, a payment goes to arrears first.
    in_grace = plan_payment(start, covered, 4, D("2027-03-10"))
    assert in_grace.months == (P("2026-12"), P("2027-01"), P("2027-02"), P("2027-03"))
    assert in_grace.restart_start is None

    # Lapsed: old arrears are no longer payable; coverage restarts at the current month.
    restart = plan_payment(start, covered, 2, D("2027-03-20"))
    assert restart.months == (P("2027-03"), P("2027-04"))
    assert restart.restart_start == P("2027-03")
    start, covered = restart.apply(start, covered)
    cov = coverage(start, covered, D("2027-03-20"))
    assert (cov.start, cov.status, cov.paid_through, cov.arrears) == (
        P("2027-03"),
        "active",
        P("2027-04"),
        (),
    )
    assert coverage(start, covered, D("2027-05-16")).status == "grace"


def test_grace_length_is_a_setting() -> None:
    start = P("2026-01")
    covered = months("2026-01", "2026-01")
    assert coverage(start, covered, D("2026-03-16"), grace_months=3).status == "grace"
    assert coverage(start, covered, D("2026-03-16"), grace_months=1).status == "lapsed"
    assert coverage(start, covered, D("2026-02-16"), grace_months=0).status == "lapsed"


def test_a_void_hole_stops_the_run_and_counts_as_arrears() -> None:
    start = P("2026-01")
    covered = months("2026-01", "2026-06") - {P("2026-03")}
    cov = coverage(start, covered, D("2026-07-20"))
    assert cov.paid_through == P("2026-02")
    assert cov.arrears == (P("2026-03"), P("2026-07"))
    assert cov.status == "grace"
    assert payable_months(cov, covered, 3, D("2026-07-20")) == [
        P("2026-03"),
        P("2026-07"),
        P("2026-08"),
    ]
    # Before the hole's due date passes, it is payable but not yet arrears.
    early = coverage(start, covered, D("2026-03-10"))
    assert (early.status, early.arrears) == ("active", ())
    assert payable_months(early, covered, 1, D("2026-03-10")) == [P("2026-03")]


def test_covered_months_before_the_start_are_ignored() -> None:
    start = P("2027-03")
    covered = months("2026-01", "2026-11")
    cov = coverage(start, covered, D("2027-03-05"))
    assert (cov.status, cov.paid_through) == ("new", None)


def test_hole_at_the_start_with_later_months_paid_is_active_not_new() -> None:
    start = P("2026-11")
    covered = months("2026-12", "2027-02")
    cov = coverage(start, covered, D("2026-11-10"))
    assert (cov.status, cov.paid_through) == ("active", None)
    assert coverage(start, covered, D("2026-12-01")).arrears == (start,)


def test_pay_ahead_limit_is_twelve_months_after_the_current_month() -> None:
    start = P("2026-11")
    cov = coverage(start, frozenset(), D("2026-11-03"))
    thirteen = payable_months(cov, frozenset(), 13, D("2026-11-03"))
    assert thirteen[0] == start and thirteen[-1] == P("2027-11") == start + MAX_MONTHS_AHEAD
    with pytest.raises(TooManyMonths, match="only 13 month"):
        payable_months(cov, frozenset(), 14, D("2026-11-03"))
    covered = months("2026-11", "2027-10")
    cov = coverage(start, covered, D("2026-11-03"))
    assert payable_months(cov, covered, 1, D("2026-11-03")) == [P("2027-11")]
    with pytest.raises(TooManyMonths):
        plan_payment(start, covered, 2, D("2026-11-03"))


def test_bad_arguments() -> None:
    cov = coverage(P("2026-11"), frozenset(), D("2026-11-03"))
    with pytest.raises(ValueError, match="number of months"):
        payable_months(cov, frozenset(), 0, D("2026-11-03"))
    with pytest.raises(ValueError, match="due day"):
        coverage(P("2026-11"), frozenset(), D("2026-11-03"), due_day=0)
    with pytest.raises(ValueError, match="grace"):
        coverage(P("2026-11"), frozenset(), D("2026-11-03"), grace_months=-1)
    assert issubclass(TooManyMonths, ValueError)


# --- invariants ----------------------------------------------------------------------------------

RANK = {"new": 0, "active": 0, "grace": 1, "lapsed": 2}


@st.composite
def situations(draw: st.DrawFn) -> tuple[Period, frozenset[Period], date, int, int]:
    start = draw(st.builds(Period.from_index, st.integers(P("2025-01").index, P("2027-12").index)))
    offsets = draw(st.frozensets(st.integers(-3, 30), max_size=30))
    covered = frozenset(start + k for k in offsets)
    today = start.first_day() + timedelta(days=draw(st.integers(0, 900)))
    return start, covered, today, draw(st.integers(1, 31)), draw(st.integers(0, 5))


@given(situations())
def test_coverage_invariants(s: tuple[Period, frozenset[Period], date, int, int]) -> None:
    start, covered, today, due_day, grace = s
    cov = coverage(start, covered, today, due_day, grace)
    # The paid-through run is all covered and the month after it is not.
    if cov.paid_through is None:
        assert start not in covered
    else:
        assert all(m in covered for m in Period.range(start, cov.paid_through))
        assert cov.paid_through + 1 not in covered
    # Arrears are exactly the overdue uncovered months from the start on, ascending.
    expected = tuple(
        m
        for m in Period.range(start, Period.of(today))
        if m not in covered and is_overdue(m, start, today, due_day)
    )
    assert cov.arrears == expected
    assert list(cov.arrears) == sorted(cov.arrears)
    assert all(cov.paid_through is None or m > cov.paid_through for m in cov.arrears)
    # Status follows the count.
    n = len(cov.arrears)
    if n == 0:
        assert cov.status in {"new", "active"}
        assert (cov.status == "new") == (not any(m >= start for m in covered))
    else:
        assert cov.status == ("grace" if n <= grace else "lapsed")


@given(situations(), st.integers(1, 13))
def test_payable_months_invariants(
    s: tuple[Period, frozenset[Period], date, int, int], n: int
) -> None:
    start, covered, today, due_day, grace = s
    cov = coverage(start, covered, today, due_day, grace)
    current = Period.of(today)
    first = current if cov.status == "lapsed" else start
    available = [m for m in Period.range(first, current + 12) if m not in covered]
    if len(available) < n:
        with pytest.raises(TooManyMonths):
            payable_months(cov, covered, n, today)
        return
    got = payable_months(cov, covered, n, today)
    assert len(got) == n
    assert got == sorted(got) and len(set(got)) == n
    assert not set(got) & covered
    assert all(first <= m <= current + MAX_MONTHS_AHEAD for m in got)
    assert got == available[:n]
    if cov.status != "lapsed":
        # Arrears first.
        k = min(n, len(cov.arrears))
        assert tuple(got[:k]) == cov.arrears[:k]


@given(situations(), st.integers(1, 12))
def test_paying_the_plan_never_makes_status_worse(
    s: tuple[Period, frozenset[Period], date, int, int], n: int
) -> None:
    start, covered, today, due_day, grace = s
    before = coverage(start, covered, today, due_day, grace)
    try:
        plan = plan_payment(start, covered, n, today, due_day, grace)
    except TooManyMonths:
        return
    assert (plan.restart_start is not None) == (before.status == "lapsed")
    new_start, new_covered = plan.apply(start, covered)
    after = coverage(new_start, new_covered, today, due_day, grace)
    assert RANK[after.status] <= RANK[before.status]
    assert after.status != "new"
    assert len(after.arrears) <= len(before.arrears)
    if before.status == "lapsed":
        assert new_start == Period.of(today) and after.status == "active"
