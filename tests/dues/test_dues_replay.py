"""History replay: payments, voids, opening balances, and the checks that catch drift."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.dues import (
    Event,
    HistoryError,
    OpeningBalance,
    Payment,
    Period,
    TooManyMonths,
    Void,
    coverage,
    plan_payment,
    replay,
)

P = Period.parse
D = date.fromisoformat


def ps(*texts: str) -> tuple[Period, ...]:
    return tuple(P(t) for t in texts)


def test_empty_history_starts_at_registration() -> None:
    assert replay(P("2026-11"), [], D("2026-11-03")) == (P("2026-11"), frozenset())


def test_payments_accumulate_and_a_lapse_restarts() -> None:
    events: list[Event] = [
        Payment("a", D("2026-11-03"), ps("2026-11", "2026-12")),
        Payment("b", D("2027-05-02"), ps("2027-05"), new_start=P("2027-05")),
    ]
    start, covered = replay(P("2026-11"), events, D("2027-05-02"))
    assert start == P("2027-05")
    assert covered == frozenset(ps("2026-11", "2026-12", "2027-05"))
    cov = coverage(start, covered, D("2027-05-02"))
    assert (cov.status, cov.paid_through) == ("active", P("2027-05"))


def test_void_reopens_months_and_the_next_payment_fills_the_hole() -> None:
    events: list[Event] = [
        Payment("a", D("2026-11-03"), ps("2026-11")),
        Payment("b", D("2026-11-04"), ps("2026-12", "2027-01")),
        Payment("c", D("2026-11-05"), ps("2027-02")),
        Void("b", D("2026-11-06")),
    ]
    start, covered = replay(P("2026-11"), events, D("2026-11-06"))
    assert covered == frozenset(ps("2026-11", "2027-02"))
    assert coverage(start, covered, D("2026-11-06")).paid_through == P("2026-11")
    # The next payment must take the reopened months first.
    good = [*events, Payment("d", D("2026-11-07"), ps("2026-12", "2027-01", "2027-03"))]
    assert replay(P("2026-11"), good, D("2026-11-07"))[1] == frozenset(
        Period.range(P("2026-11"), P("2027-03"))
    )
    bad = [*events, Payment("d", D("2026-11-07"), ps("2027-03"))]
    with pytest.raises(HistoryError, match=r"payment 'd' covers \['2027-03'\].*plan \['2026-12'\]"):
        replay(P("2026-11"), bad, D("2026-11-07"))
    # Without checks the same history replays as recorded.
    assert P("2027-03") in replay(P("2026-11"), bad, D("2026-11-07"), check=False)[1]


def test_voiding_a_restart_payment_undoes_the_restart() -> None:
    events: list[Event] = [
        Payment("a", D("2026-11-03"), ps("2026-11")),
        Payment("b", D("2027-05-02"), ps("2027-05"), new_start=P("2027-05")),
        Void("b", D("2027-05-03")),
    ]
    start, covered = replay(P("2026-11"), events, D("2027-05-03"))
    assert (start, covered) == (P("2026-11"), frozenset(ps("2026-11")))
    assert coverage(start, covered, D("2027-05-03")).status == "lapsed"


def test_opening_balance_sets_start_and_covers_the_imported_months() -> None:
    events: list[Event] = [OpeningBalance(D("2026-11-03"), P("2024-01"), P("2026-10"))]
    start, covered = replay(P("2026-11"), events, D("2026-11-03"))
    assert start == P("2024-01")
    assert covered == frozenset(Period.range(P("2024-01"), P("2026-10")))
    cov = coverage(start, covered, D("2026-11-03"))
    assert (cov.status, cov.paid_through) == ("active", P("2026-10"))
    # The first payment then continues the imported run.
    events.append(Payment("a", D("2026-11-03"), ps("2026-11")))
    assert P("2026-11") in replay(P("2026-11"), events, D("2026-11-03"))[1]


def test_sponsored_months_count_as_covered_and_are_skipped_by_payments() -> None:
    sponsored = frozenset(ps("2026-11", "2026-12"))
    events: list[Event] = [Payment("a", D("2026-11-03"), ps("2027-01"))]
    start, covered = replay(P("2026-11"), events, D("2026-11-03"), sponsored=sponsored)
    assert covered == frozenset(ps("2026-11", "2026-12", "2027-01"))
    with pytest.raises(HistoryError):
        replay(P("2026-11"), events, D("2026-11-03"))  # without the sponsor Nov comes first


@pytest.mark.parametrize(
    "events, message",
    [
        ([Payment("a", D("2026-11-05"), ps("2026-11")), Void("a", D("2026-11-04"))], "time order"),
        ([Payment("a", D("2026-12-01"), ps("2026-11"))], "after today"),
        (
            [
                Payment("a", D("2026-11-03"), ps("2026-11")),
                Payment("a", D("2026-11-03"), ps("2026-12")),
            ],
            "used twice",
        ),
        ([Void("x", D("2026-11-03"))], "'x' is unknown"),
        (
            [
                Payment("a", D("2026-11-03"), ps("2026-11")),
                Void("a", D("2026-11-03")),
                Void("a", D("2026-11-03")),
            ],
            "already voided",
        ),
        ([Payment("a", D("2026-11-03"), ())], "at least one month"),
        ([Payment("a", D("2026-11-03"), ps("2026-11"), new_start=P("2026-11"))], "new start"),
        (
            [
                Payment(
                    "a",
                    D("2026-11-03"),
                    tuple(Period.range(P("2026-11"), P("2027-11"))) + ps("2027-12"),
                )
            ],
            "at most 12 months ahead",
        ),
        ([OpeningBalance(D("2026-11-03"), P("2026-10"), P("2026-01"))], "before start"),
        (["not an event"], "not a Payment"),
    ],
)
def test_bad_histories_are_refused(events: list[Event], message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        replay(P("2026-11"), events, D("2026-11-30"))


# --- property: replay matches a straightforward app-like simulation ------------------------------


@st.composite
def histories(draw: st.DrawFn) -> dict[str, object]:
    registered_on = draw(st.dates(D("2025-01-01"), D("2027-12-31")))
    registered = Period.of(registered_on)
    due_day = draw(st.integers(1, 31))
    grace = draw(st.integers(0, 4))
    start, covered = registered, frozenset[Period]()
    events: list[Event] = []
    live: dict[str, Payment] = {}
    restarts: list[Payment] = []  # live payments that set a start, in order
    day = registered_on
    if draw(st.booleans()):
        first = registered - draw(st.integers(0, 24))
        through = first + draw(st.integers(0, 24))
        events.append(OpeningBalance(day, first, through))
        start, covered = first, covered | frozenset(Period.range(first, through))
    opening_start = start
    for _ in range(draw(st.integers(0, 12))):
        day += timedelta(days=draw(st.integers(0, 80)))
        if draw(st.integers(0, 3)) == 0 and live:
            victim = live.pop(draw(st.sampled_from(sorted(live))))
            events.append(Void(victim.payment_id, day))
            covered = covered - frozenset(victim.months)
            if victim in restarts:
                restarts.remove(victim)
                start = restarts[-1].new_start if restarts else opening_start  # type: ignore[assignment]
            continue
        try:
            plan = plan_payment(start, covered, draw(st.integers(1, 6)), day, due_day, grace)
        except TooManyMonths:
            continue
        payment = Payment(f"p{len(events)}", day, plan.months, plan.restart_start)
        events.append(payment)
        live[payment.payment_id] = payment
        if plan.restart_start is not None:
            restarts.append(payment)
        start, covered = plan.apply(start, covered)
    return {
        "registered": registered,
        "events": events,
        "today": day,
        "due_day": due_day,
        "grace": grace,
        "state": (start, covered),
        "live": live,
    }


@given(histories())
def test_replay_equals_the_simulated_state(h: dict) -> None:
    got = replay(h["registered"], h["events"], h["today"], h["due_day"], h["grace"])
    assert got == h["state"]


@given(histories())
def test_replay_after_void_of_the_last_payment_equals_replay_without_it(h: dict) -> None:
    events: list[Event] = h["events"]
    payments = [e for e in events if isinstance(e, Payment)]
    if not payments:
        assert replay(h["registered"], events, h["today"]) == h["state"]
        return
    last = payments[-1]  # no later payment was planned on top of it
    args = (h["today"], h["due_day"], h["grace"])
    if last.payment_id in h["live"]:
        voided = replay(h["registered"], [*events, Void(last.payment_id, h["today"])], *args)
        without = replay(h["registered"], [e for e in events if e is not last], *args)
        assert voided == without
        assert not set(last.months) & voided[1]
    else:
        # Already voided later on: the payment and its void cancel out.
        kept = [e for e in events if getattr(e, "payment_id", None) != last.payment_id]
        assert replay(h["registered"], kept, *args) == replay(h["registered"], events, *args)
