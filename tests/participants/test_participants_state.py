"""Coverage as stored state: transitions over months, sponsors, and SQL agreeing with app.dues."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.dues import Period, TooManyMonths
from app.participants import coverage_state, listing, services
from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tests.participants.helpers import register

P = Period.parse
D = dt.date.fromisoformat


def sql_coverage(pid, today: dt.date, **kw):  # type: ignore[no-untyped-def]
    cols = coverage_state.coverage_columns(today, **kw)
    row = db.session.execute(
        sa.select(cols["status"], cols["arrears_months"], cols["paid_through"]).where(
            Participant.id == pid
        )
    ).one()
    return row[0], int(row[1]), coverage_state.month(row[2])


def both(pid, today: dt.date):  # type: ignore[no-untyped-def]
    """(status, arrears months, paid_through, arrears amount) from Python, checked against SQL."""
    p = services.get_participant(pid)
    cov, amount = services.coverage_of(p, today)
    assert sql_coverage(pid, today) == (cov.status, cov.arrears_months, cov.paid_through)
    return cov.status, cov.arrears_months, cov.paid_through, amount


def test_new_participant_starts_in_registration_month(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"))
    with tenant_context(coop.ref):
        p = services.get_participant(pid)
        assert (p.registered_month, p.start_month) == (P("2026-11").index,) * 2
        assert p.covered_months == [] and p.paid_through_month is None
        assert both(pid, D("2026-11-03")) == ("new", 0, None, 0)
        db.session.rollback()


def test_transitions_across_months_for_an_unpaid_fisher(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-11-20"), today=D("2026-11-20"))
    expected = [
        # registering after the due day: the start month is not overdue until December
        ("2026-11-20", ("new", 0, None, 0)),
        ("2026-11-30", ("new", 0, None, 0)),
        ("2026-12-01", ("grace", 1, None, 8400)),  # November, discounted
        ("2026-12-15", ("grace", 1, None, 8400)),  # due day itself is not overdue yet
        ("2026-12-16", ("grace", 2, None, 16800)),
        ("2027-01-16", ("grace", 3, None, 33600)),  # January is no longer discounted
        ("2027-02-15", ("grace", 3, None, 33600)),
        ("2027-02-16", ("lapsed", 4, None, 50400)),
    ]
    with tenant_context(coop.ref):
        for day, want in expected:
            assert both(pid, D(day)) == want, day
        db.session.rollback()


def test_payments_move_the_state_and_a_void_undoes_it(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"))
    today = D("2026-12-20")
    with tenant_context(coop.ref):
        p = services.lock_participant(pid)
        assert both(pid, today)[:2] == ("grace", 2)
        plan = services.plan_for(p, 3, today)
        assert plan.months == (P("2026-11"), P("2026-12"), P("2027-01"))
        services.apply_payment_months(p, list(plan.months), plan.restart_start, ref="pay-1")
        db.session.commit()
        assert both(pid, today) == ("active", 0, P("2027-01"), 0)
        p = services.lock_participant(pid)
        services.remove_payment_months(p, list(plan.months), ref="pay-1")
        db.session.commit()
        assert both(pid, today)[:3] == ("grace", 2, None)
        db.session.rollback()


def test_a_lapsed_participant_restarts_and_a_void_undoes_the_restart(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-05-03"), today=D("2026-05-03"))
    today = D("2026-11-20")
    with tenant_context(coop.ref):
        p = services.lock_participant(pid)
        assert both(pid, today)[0] == "lapsed"
        plan = services.plan_for(p, 2, today)
        assert plan.months == (P("2026-11"), P("2026-12")) and plan.restart_start == P("2026-11")
        services.apply_payment_months(p, list(plan.months), plan.restart_start)
        db.session.commit()
        assert both(pid, today) == ("active", 0, P("2026-12"), 0)
        assert services.get_participant(pid).start_month == P("2026-11").index
        p = services.lock_participant(pid)
        services.remove_payment_months(p, list(plan.months))  # found by its months
        db.session.commit()
        p = services.get_participant(pid)
        assert p.start_month == P("2026-05").index and p.start_events == []
        assert both(pid, today)[0] == "lapsed"
        db.session.rollback()


def test_open_ended_apbd_sponsor_covers_every_month_without_a_job(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"))
    with tenant_context(coop.ref):
        p = services.lock_participant(pid)
        services.add_sponsor(
            p,
            {"name": "Pemkab Lingga", "type": "apbd", "programs": ["JKK", "JKM"],
             "from": "2026-11"},
            SYSTEM,
            today=D("2026-11-03"),
        )
        db.session.commit()
        p = services.get_participant(pid)
        assert p.covered_from == P("2026-11").index and p.open_run and p.covered_months == []
        # Years later nothing was written, and the person is still covered.
        for day in ("2026-11-03", "2027-06-30", "2031-01-20"):
            status, arrears, paid_through, amount = both(pid, D(day))
            assert (status, arrears, amount) == ("active", 0, 0)
            assert paid_through == Period.of(D(day)) + 12
        with pytest.raises(TooManyMonths):
            services.plan_for(p, 1, D("2027-06-30"))
        db.session.rollback()


def test_ending_a_sponsor_opens_the_months_after_it(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"))
    with tenant_context(coop.ref):
        p = services.lock_participant(pid)
        row = services.add_sponsor(
            p, {"name": "CSR Timah", "type": "csr", "programs": ["JKK", "JKM"]}, SYSTEM,
            today=D("2026-11-03"),
        )
        db.session.commit()
        p = services.lock_participant(pid)
        services.end_sponsor(p, row.id, P("2027-01"), SYSTEM)
        db.session.commit()
        p = services.get_participant(pid)
        assert p.covered_from is None and p.paid_through_month == P("2027-01").index
        assert both(pid, D("2027-02-20"))[:3] == ("grace", 1, P("2027-01"))
        plan = services.plan_for(p, 1, D("2027-02-20"))
        assert plan.months == (P("2027-02"),)
        db.session.rollback()


def test_sponsor_without_jht_does_not_cover_a_jht_participant(coop) -> None:
    pid = register(
        coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"),
        programs=["JKK", "JKM", "JHT"],
        sponsor={"name": "Pemprov Kepri", "type": "apbd", "programs": ["JKK", "JKM"]},
    )
    with tenant_context(coop.ref):
        p = services.get_participant(pid)
        assert p.covered_from is None and p.covered_months == []
        # Without "from", a sponsor given at registration starts in the registration month.
        assert p.sponsors[0].from_month == P("2026-11").index
        assert services.plan_for(p, 1, D("2026-11-03")).months == (P("2026-11"),)
        cov, _amount = services.coverage_of(p, D("2026-12-20"))
        assert cov.status == "grace"
        # Dropping JHT makes every month fully sponsored.
        data = {k: getattr(p, k) for k in ("nik", "name", "sex", "phone", "occupation", "sector")}
        data.update(birth_date=p.birth_date.isoformat(), declared_income=1000000,
                    programs=["JKK", "JKM"])
        services.update(p, data, SYSTEM, today=D("2026-12-20"))
        db.session.commit()
        assert both(pid, D("2026-12-20"))[:2] == ("active", 0)
        db.session.rollback()


def test_opening_balance_sets_start_and_paid_through(coop) -> None:
    pid = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"))
    with tenant_context(coop.ref):
        p = services.lock_participant(pid)
        services.set_opening_balance(p, P("2026-01"), P("2026-12"), D("2026-11-03"))
        db.session.commit()
        assert both(pid, D("2026-11-03")) == ("active", 0, P("2026-12"), 0)
        assert both(pid, D("2027-01-16"))[:2] == ("grace", 1)
        db.session.rollback()


def test_list_filters_by_status_and_arrears(coop) -> None:
    today = D("2026-12-20")
    fresh = register(coop.ref, registered_on=D("2026-12-02"), today=today, name="Baru")
    grace = register(coop.ref, registered_on=D("2026-11-02"), today=today, name="Tenggang")
    lapsed = register(coop.ref, registered_on=D("2026-04-02"), today=today, name="Mati")
    with tenant_context(coop.ref):
        def ids(**kw):  # type: ignore[no-untyped-def]
            return [r.participant.id for r in listing.list_participants(today=today, **kw).rows]

        assert ids(status="new") == [fresh]
        assert ids(status="grace") == [grace]
        assert ids(status="lapsed") == [lapsed]
        assert ids(status="active") == []
        assert ids(min_arrears=1) == [lapsed, grace]
        assert ids(min_arrears=3) == [lapsed]
        db.session.rollback()


def test_an_edit_racing_another_registration_is_refused_cleanly(coop, monkeypatch) -> None:
    a = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"), name="A")
    b = register(coop.ref, registered_on=D("2026-11-03"), today=D("2026-11-03"), name="B")
    real = services._find_duplicate
    calls = []

    def racing(values, exclude):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real(values, exclude)

    monkeypatch.setattr(services, "_find_duplicate", racing)
    with tenant_context(coop.ref):
        pa, pb = services.get_participant(a), services.lock_participant(b)
        data = {k: getattr(pa, k) for k in ("nik", "sex", "phone", "occupation", "sector")}
        data.update(name="B", birth_date=pa.birth_date.isoformat(), declared_income=1000000,
                    programs=["JKK", "JKM"])
        with pytest.raises(services.DuplicateParticipant) as caught:
            services.update(pb, data, SYSTEM, today=D("2026-11-20"))
        assert caught.value.existing_id == a
        # The transaction is still usable, and B is as it was.
        assert services.get_participant(b).nik != pa.nik
        db.session.rollback()
