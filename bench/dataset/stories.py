"""Coverage stories and a year of cash: what each person paid, when, and what it covered.

``CoopBuilder`` (on top of ``people.CoopPeople``) picks a story per person, writes opening
balances, plans and prices every payment with the app's own pure functions (``plan_payment``,
``quote_month``, ``coverage_state``), voids a few, numbers the receipts and closes the drawers.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from typing import Any

from app.dues import Period, TooManyMonths, coverage, plan_payment, quote_month
from app.participants import coverage_state
from bench.dataset.people import CoopPeople
from bench.dataset.sim import (
    Pay,
    SimParticipant,
    SimSponsor,
    at,
    cached_period,
    covered_at,
    uuid7_at,
)
from bench.dataset.words import OCCUPATIONS

# Coverage stories and their weights (people registered before the current month).
PROFILES = (
    ("monthly", 28), ("quarterly", 10), ("halfyear", 5), ("yearly", 5), ("grace", 10),
    ("lapsed", 10), ("restarted", 4), ("apbd", 18), ("csr_ended", 4), ("never_paid", 6),
)
VOID_RATE = 0.003


@functools.lru_cache(maxsize=200_000)
def _quote_row(period: Period, terms: Any) -> tuple[dict[str, Any], int]:
    row = quote_month(period, terms)
    return row.as_dict(), row.amount


class CoopBuilder(CoopPeople):
    """Makes one coop's rows; everything it writes goes through the app's pure functions."""

    # --- coverage stories ---

    def add_sponsor(self, p: SimParticipant, **kw: Any) -> None:
        when = p.created_at + dt.timedelta(minutes=2)
        p.sponsors.append(
            SimSponsor(id=uuid7_at(when, self.rng), created_at=when, **kw)
        )

    def story(self, p: SimParticipant) -> None:
        rng = self.rng
        reg = Period.of(p.registered_on)
        window = Period.of(self.window_start)
        cur = self.current
        if reg == cur:
            profile = "new_paid" if rng.random() < 0.5 else "new"
        else:
            profile = rng.choices([n for n, _ in PROFILES], [w for _, w in PROFILES])[0]
        self.profiles[profile] += 1
        if profile == "apbd":
            p.sector = "fishery"
            p.occupation = rng.choice(OCCUPATIONS["fishery"])
            until = None if rng.random() < 0.7 else Period(cur.year, 12).index
            self.add_sponsor(
                p, name="Pemerintah Kabupaten Lingga", type="apbd", programs=["JKK", "JKM"],
                from_month=reg.index, until_month=until,
            )
        elif profile == "csr_ended":
            p.jht = False
            end = cur.index - rng.randint(1, 8)
            self.add_sponsor(
                p, name="CSR PT Timah Tbk", type="csr", programs=["JKK", "JKM"],
                from_month=reg.index, until_month=max(end, reg.index),
            )
        coverage_state.recompute(p)
        p.terms = coverage_state.terms_of(p)

        old = reg < window
        # Coverage from before the window: an opening balance (the import's way).
        if old and profile in ("monthly", "quarterly", "halfyear", "yearly", "grace", "apbd"):
            start = max(reg.index, window.index - rng.randint(0, 36))
            through = window.index - 1 + rng.choice((-1, 0, 0, 0, 1))
            if through >= start and not (profile == "apbd" and not p.jht):
                coverage_state.set_opening_balance(
                    p, cached_period(start), cached_period(through), self.today
                )
        elif old and profile in ("lapsed", "restarted"):
            start = max(reg.index, window.index - rng.randint(12, 48))
            if window.index - 6 >= start:
                through = rng.randint(start, window.index - 6)
                coverage_state.set_opening_balance(
                    p, cached_period(start), cached_period(through), self.today
                )
        if not self.with_payments:
            return

        first_day = max(p.registered_on, self.window_start)
        plan: list[tuple[dt.date, int]] = []
        if profile in ("monthly", "grace", "lapsed", "restarted", "csr_ended") or (
            profile == "apbd" and p.jht
        ):
            stop = cur.index
            begin = Period.of(first_day).index
            if profile == "grace":
                stop = cur.index - rng.randint(1, 3)
            elif profile == "lapsed":
                stop = cur.index - rng.randint(5, 10) if not old else begin - 1
            elif profile == "restarted":
                begin = max(begin, window.index + rng.randint(1, 8))
            elif profile == "csr_ended":
                begin = max(begin, p.sponsors[0].until_month + 1)
                if rng.random() < 0.3:
                    stop = cur.index - rng.randint(1, 5)
            owed = 0
            for m in range(begin, stop + 1):
                owed += 1
                if rng.random() < 0.06 and m < stop:
                    continue  # skipped a month; pays two next time
                month = cached_period(m)
                d = rng.randint(1, 15) if rng.random() < 0.7 else rng.randint(16, 28)
                day = dt.date(month.year, month.month, d)
                if day < first_day:
                    day = first_day
                plan.append((day, owed))
                owed = 0
        elif profile in ("quarterly", "halfyear", "yearly"):
            step = {"quarterly": 3, "halfyear": 6, "yearly": 12}[profile]
            day = first_day + dt.timedelta(days=rng.randint(0, step * 30 // 2))
            if p.registered_on >= self.window_start:
                day = p.registered_on
            while day <= self.today:
                plan.append((day, step))
                day += dt.timedelta(days=step * 30 + rng.randint(-10, 10))
        elif profile == "new_paid":
            plan.append((p.registered_on, rng.choice((1, 1, 1, 3, 6))))
        elif profile == "never_paid" or profile == "new" or profile == "apbd":
            pass
        # Someone registered inside the window pays at the counter the day they register.
        if plan and plan[0][0] < p.registered_on:
            plan[0] = (p.registered_on, plan[0][1])
        last_seconds = 0
        for day, n in plan:
            if day > self.today or day < p.registered_on:
                continue
            secs = self.seconds(day)
            if secs is None:
                continue
            if day == p.registered_on:
                reg_secs = int((p.created_at - at(day, 0, self.tz)).total_seconds())
                secs = max(secs, reg_secs + 300)
            if day == self.today and secs > self.today_latest:
                continue
            when = at(day, secs, self.tz)
            if when.timestamp() <= last_seconds:
                continue
            pay = self.pay(p, day, when, n)
            if pay is not None:
                last_seconds = when.timestamp()
                if rng.random() < VOID_RATE and (
                    day < self.today or secs + 600 <= self.today_latest
                ):
                    void_at = when + dt.timedelta(minutes=rng.randint(2, 8))
                    self.void(p, pay, void_at)
                    again = self.pay(p, day, void_at + dt.timedelta(minutes=1), n)
                    if again is not None:
                        last_seconds = (void_at + dt.timedelta(minutes=1)).timestamp()

    def pay(self, p: SimParticipant, day: dt.date, when: dt.datetime, n: int) -> Pay | None:
        spec = self.spec
        start = cached_period(p.start_month)
        covered = covered_at(p, day)
        plan = None
        while n >= 1:
            try:
                plan = plan_payment(start, covered, n, day, spec.due_day, spec.grace_months)
                break
            except TooManyMonths:
                n -= 1
        if plan is None:
            return None
        rows = [_quote_row(m, p.terms) for m in plan.months]
        total = sum(amount for _row, amount in rows)
        if total <= 0:
            return None
        pid = uuid7_at(when, self.rng)
        cashier = spec.cashier_id if self.rng.random() < 0.85 else spec.admin_id
        pay = Pay(
            id=pid, participant_id=p.id, when=when, local_day=day, amount=total,
            periods=[row for row, _amount in rows], first=plan.months[0].index,
            last=plan.months[-1].index,
            restart=plan.restart_start.index if plan.restart_start else None, cashier_id=cashier,
        )
        coverage_state.apply_payment_months(
            p, list(plan.months), plan.restart_start, ref=str(pid)
        )
        p.updated_at = when
        self.payments.append(pay)
        return pay

    def void(self, p: SimParticipant, pay: Pay, when: dt.datetime) -> None:
        months = [Period.parse(row["period"]) for row in pay.periods]
        coverage_state.remove_payment_months(p, months, ref=str(pay.id))
        pay.status = "voided"
        pay.void = (uuid7_at(when, self.rng), when, self.spec.admin_id)
        p.updated_at = when

    # --- the coop ---

    def build(self) -> None:
        days = sorted(self.registration_day() for _ in range(self.spec.size))
        for day in days:
            secs = self.seconds(day)
            if secs is None:  # today, before the counter opened: yesterday instead
                day = day - dt.timedelta(days=1)
                secs = self.rng.randint(8 * 3600, 15 * 3600)
            p = self.person(day, secs)
            self.participants.append(p)
            self.story(p)
            cov = coverage(
                cached_period(p.start_month), covered_at(p, self.today), self.today,
                self.spec.due_day, self.spec.grace_months,
            )
            self.status[cov.status] += 1
            if p.sponsors:
                self.status["sponsored"] += 1
        self.number_receipts()

    def number_receipts(self) -> None:
        self.payments.sort(key=lambda pay: pay.when)
        counters: dict[int, int] = defaultdict(int)
        code = self.spec.code
        for pay in self.payments:
            year = pay.when.astimezone(self.tz).year
            counters[year] += 1
            pay.receipt_no = f"{code}-{year}-{counters[year]:06d}"
        self.counters = dict(counters)
        # One closing per cashier and day; today's drawer stays open.
        self.closings: list[tuple[Any, ...]] = []
        groups: dict[tuple[uuid.UUID, dt.date], list[Pay]] = defaultdict(list)
        for pay in self.payments:
            if pay.local_day < self.today:
                groups[(pay.cashier_id, pay.local_day)].append(pay)
        for (cashier, day), pays in sorted(groups.items(), key=lambda kv: kv[0][1]):
            closed_at = at(day, 16 * 3600 + 1800, self.tz)
            cid = uuid7_at(closed_at, self.rng)
            expected = sum(x.amount for x in pays if x.status == "paid")
            counted = expected - (5000 if self.rng.random() < 0.02 else 0)
            voided = sum(1 for x in pays if x.status == "voided")
            for x in pays:
                x.closing_id = cid
            self.closings.append((
                cashier, cashier, closed_at, expected, counted, counted - expected, len(pays),
                voided, "", self.spec.tenant_id, cid,
            ))

