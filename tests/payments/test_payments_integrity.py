"""Money records are immutable where they must be; stored coverage matches the derivation."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dues import Payment as PaymentEvent
from app.dues import Period, Void, replay
from app.participants import services as participants
from app.payments.models import Payment
from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import pay, register


def _in(app, ref):  # type: ignore[no-untyped-def]
    class _Ctx:
        def __enter__(self):  # type: ignore[no-untyped-def]
            self.app_ctx = app.app_context()
            self.app_ctx.push()
            self.tenant = tenant_context(ref)
            self.tenant.__enter__()

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            db.session.rollback()
            self.tenant.__exit__(*exc)
            self.app_ctx.pop()

    return _Ctx()


def test_amount_months_and_backward_status_are_refused_by_the_database(
    app, coop, set_today
) -> None:
    set_today("2026-11-10")
    client = app.test_client()
    paid = pay(client, coop, register(client, coop), 2).get_json()
    pid = uuid.UUID(paid["id"])
    for change in ({"amount": 1}, {"months": 1}, {"status": "pending"}):
        with _in(app, coop.ref), pytest.raises(sa.exc.DBAPIError, match="never change|only move"):
            db.session.execute(sa.update(Payment).where(Payment.id == pid).values(**change))
    with _in(app, coop.ref), pytest.raises(sa.exc.DBAPIError, match="permission denied"):
        db.session.execute(sa.delete(Payment).where(Payment.id == pid))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(st.sampled_from(["pay", "void"]), st.integers(1, 4), st.integers(0, 40)),
        min_size=1,
        max_size=6,
    )
)
def test_stored_coverage_after_pay_and_void_matches_replay(
    app, make_coop, set_today, steps
) -> None:
    coop = make_coop()
    day = dt.date(2026, 5, 3)
    set_today(day)
    client = app.test_client()
    pid = register(client, coop)
    events: list[object] = []
    live: list[dict] = []
    for action, months, gap in steps:
        day = day + dt.timedelta(days=gap)
        set_today(day)
        if action == "pay":
            response = pay(client, coop, pid, months)
            if response.status_code == 201:
                body = response.get_json()
                live.append(body)
                with _in(app, coop.ref):
                    restart = db.session.get(
                        Payment, (coop.ref.id, uuid.UUID(body["id"]))
                    ).restart_month
                events.append(
                    PaymentEvent(
                        body["id"],
                        day,
                        tuple(Period.parse(r["period"]) for r in body["periods"]),
                        Period.from_index(restart) if restart is not None else None,
                    )
                )
            else:
                assert response.status_code == 422
        elif live:
            target = live.pop()
            voided = client.post(
                f"/api/v1/payments/{target['id']}/void",
                json={"reason": "uji"},
                headers=coop.headers(),
            )
            assert voided.status_code == 201
            events.append(Void(target["id"], day))
    with _in(app, coop.ref):
        p = participants.get_participant(pid)
        registered = Period.from_index(p.registered_month)
        stored_start = Period.from_index(p.start_month)
        stored = frozenset(Period.from_index(i) for i in p.covered_months)
    start, covered = replay(registered, events, day, check=False)
    assert stored_start == start
    assert stored == frozenset(covered)


def test_old_idempotency_keys_are_forgotten_after_a_week(app, coop, set_today) -> None:
    import datetime as _dt

    from app.payments.models import IdempotencyKey
    from app.payments.tasks import forget_idempotency_keys
    from tenants.db import utcnow

    set_today("2026-11-10")
    client = app.test_client()
    pid = register(client, coop)
    first = pay(client, coop, pid, 1, key="old-key").get_json()
    pay(client, coop, pid, 1, key="new-key")
    with _in(app, coop.ref):
        db.session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.key == "old-key")
            .values(created_at=utcnow() - _dt.timedelta(days=8))
        )
        assert forget_idempotency_keys("2026-11-10") == 1
        db.session.commit()
        keys = set(db.session.scalars(sa.select(IdempotencyKey.key)))
    assert keys == {"new-key"}
    listed = client.get(f"/api/v1/payments/{first['id']}", headers=coop.headers()).get_json()
    assert listed["status"] == "paid"  # the payment itself stays
