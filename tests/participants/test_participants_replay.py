"""Property: the stored coverage state equals app.dues.replay of the same history.

Random histories of payments (planned with ``plan_for`` on their day), voids (by ref or by months),
opening balances and sponsor changes are written through the service layer into PostgreSQL (as the
application role); then the stored state, its SQL reading and ``app.dues`` must agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.services import SYSTEM
from app.dues import (
    MAX_MONTHS_AHEAD,
    Coverage,
    OpeningBalance,
    Payment,
    Period,
    TooManyMonths,
    Void,
    coverage,
    fully_sponsored,
    plan_payment,
    quote,
    replay,
)
from app.participants import coverage_state, services
from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tests.participants.helpers import person

sponsor_step = st.fixed_dictionaries(
    {
        "kind": st.just("sponsor"),
        "type": st.sampled_from(["apbd", "apbn", "csr", "coop"]),
        "programs": st.sampled_from([["JKK", "JKM"], ["JKK", "JKM", "JHT"], ["JKK"], ["JHT"]]),
        "from": st.one_of(st.none(), st.integers(-8, 8)),
        "length": st.one_of(st.none(), st.integers(0, 10)),
    }
)
step = st.tuples(
    st.integers(0, 75),  # days after the previous step
    st.one_of(
        st.fixed_dictionaries({"kind": st.just("pay"), "n": st.integers(1, 4)}),
        st.fixed_dictionaries(
            {"kind": st.just("void"), "k": st.integers(0, 9), "by_ref": st.booleans()}
        ),
        st.fixed_dictionaries(
            {"kind": st.just("opening"), "back": st.integers(0, 8), "length": st.integers(0, 8)}
        ),
        sponsor_step,
        st.fixed_dictionaries(
            {"kind": st.just("end"), "k": st.integers(0, 5), "offset": st.integers(-3, 6)}
        ),
    ),
)


def _apply(p: Participant, today: dt.date, action: dict[str, Any], log: dict[str, Any]) -> None:
    kind = action["kind"]
    current = Period.of(today)
    if kind == "pay":
        try:
            plan = services.plan_for(p, action["n"], today)
        except TooManyMonths:
            return
        ref = f"pay-{len(log['events'])}"
        services.apply_payment_months(p, list(plan.months), plan.restart_start, ref=ref)
        log["events"].append(Payment(ref, today, plan.months, plan.restart_start))
        log["live"].append((ref, plan.months))
    elif kind == "void" and log["live"]:
        ref, months = log["live"].pop(action["k"] % len(log["live"]))
        services.remove_payment_months(p, list(months), ref=ref if action["by_ref"] else None)
        log["events"].append(Void(ref, today))
    elif kind == "opening":
        start = current - action["back"]
        through = min(start + action["length"], current + MAX_MONTHS_AHEAD)
        services.set_opening_balance(p, start, through, today)
        log["events"].append(OpeningBalance(today, start, through))
    elif kind == "sponsor":
        data: dict[str, Any] = {"name": "Sponsor", "type": action["type"],
                                "programs": action["programs"]}
        if action["from"] is not None:
            data["from"] = str(current + action["from"])
            if action["length"] is not None:
                data["until"] = str(current + action["from"] + action["length"])
        try:
            services.add_sponsor(p, data, SYSTEM, today=today)
        except services.Invalid:  # "until" before the default first month (this month)
            return
        log["sponsor_changes"] = True
    elif kind == "end" and p.sponsors:
        row = p.sponsors[action["k"] % len(p.sponsors)]
        until = current + action["offset"]
        if (row.from_month is None or until.index >= row.from_month) and (
            row.until_month is None or until.index <= row.until_month
        ):
            services.end_sponsor(p, row.id, until, SYSTEM)
            log["sponsor_changes"] = True


def _assert_sql_reads(p: Participant, today: dt.date, expected: Coverage, **settings: int) -> None:
    """The SQL reading of the stored state (lists, filters) says what ``app.dues`` says."""
    cols = coverage_state.coverage_columns(today, **settings)
    row = db.session.execute(
        sa.select(cols["status"], cols["arrears_months"], cols["paid_through"]).where(
            Participant.id == p.id
        )
    ).one()
    assert (row[0], row[1], coverage_state.month(row[2])) == (
        expected.status, expected.arrears_months, expected.paid_through
    )


def _check(p: Participant, registered: Period, log: dict[str, Any], today: dt.date) -> None:
    terms = services.terms_of(p)
    horizon = Period.of(today) + MAX_MONTHS_AHEAD
    floor = min([registered, *(e.start for e in log["events"] if isinstance(e, OpeningBalance))])
    # Sponsorships without an end are read up to the horizon (current month + 12); ones with an
    # end count every month they pay in full, also beyond it.
    far = horizon + 120
    full = {m for m in Period.range(floor, far) if fully_sponsored(m, terms)}
    tail = far + 1
    while tail - 1 in full:
        tail -= 1
    sponsored = frozenset(m for m in full if m < tail or m <= horizon)
    start, covered = replay(
        registered, log["events"], today, sponsored=sponsored,
        check=not log["sponsor_changes"],
    )
    stored = coverage_state.covered_set(p, today)
    assert Period.from_index(p.start_month) == start
    window = set(Period.range(start, far))
    assert stored & window == covered & window
    _start, paid = replay(registered, log["events"], today, check=False)
    assert sorted(m.index for m in paid) == sorted(set(p.paid_months))

    expected = coverage(start, covered, today)
    cov, amount = services.coverage_of(p, today)
    assert cov == expected
    assert amount == quote(expected.arrears, terms)[1]
    _assert_sql_reads(p, today, expected)
    for n in (1, 3):
        try:
            want = plan_payment(start, covered, n, today)
        except TooManyMonths:
            want = None
        try:
            got = services.plan_for(p, n, today)
        except TooManyMonths:
            got = None
        assert got == want


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    registered_on=st.dates(dt.date(2026, 1, 1), dt.date(2027, 6, 30)),
    jht=st.booleans(),
    steps=st.lists(step, max_size=12),
    later=st.integers(0, 200),
)
def test_stored_state_equals_replay(coop, registered_on, jht, steps, later) -> None:  # type: ignore[no-untyped-def]
    with tenant_context(coop.ref):
        programs = ["JKK", "JKM", "JHT"] if jht else ["JKK", "JKM"]
        p = services.register(
            person(programs=programs), SYSTEM, today=registered_on, registered_on=registered_on
        )
        pid = p.id
        db.session.commit()
        registered = Period.of(registered_on)
        log: dict[str, Any] = {"events": [], "live": [], "sponsor_changes": False}
        today = registered_on
        for days, action in steps:
            today += dt.timedelta(days=days)
            p = services.lock_participant(pid)
            _apply(p, today, action, log)
            db.session.commit()
            p = services.get_participant(pid)
            _check(p, registered, log, today)
        # Time passes with no writes: the stored state still reads right.
        _check(services.get_participant(pid), registered, log, today + dt.timedelta(days=later))
        db.session.rollback()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    registered_on=st.dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1)),
    paid=st.sets(st.integers(-3, 30), max_size=12),
    open_from=st.one_of(st.none(), st.integers(-3, 40)),
    days=st.integers(0, 1200),
    due_day=st.integers(1, 28),
    grace=st.integers(0, 4),
)
def test_sql_reading_equals_app_dues_for_any_state(  # type: ignore[no-untyped-def]
    coop, registered_on, paid, open_from, days, due_day, grace
) -> None:
    """Holes, open-ended tails, any due day and grace length: SQL and app.dues agree."""
    registered = Period.of(registered_on)
    today = registered_on + dt.timedelta(days=days)
    with tenant_context(coop.ref):
        p = services.register(person(), SYSTEM, today=registered_on, registered_on=registered_on)
        p.paid_months = sorted(registered.index + i for i in paid)
        if open_from is not None:
            services.add_sponsor(
                p, {"name": "APBD", "type": "apbd", "programs": ["JKK", "JKM"],
                    "from": str(registered + open_from)}, SYSTEM, today=registered_on,
            )
        coverage_state.recompute(p)
        db.session.flush()
        start = Period.from_index(p.start_month)
        expected = coverage(start, coverage_state.covered_set(p, today), today, due_day, grace)
        _assert_sql_reads(p, today, expected, due_day=due_day, grace_months=grace)
        db.session.rollback()
