"""Real concurrency on real PostgreSQL: one payment per key, gapless receipt numbers."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import PAYMENTS, detail, pay, register


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]
    set_today("2026-11-10")


def _together(n: int, fn):  # type: ignore[no-untyped-def]
    """Run ``fn(i)`` in n threads released at the same moment."""
    barrier = threading.Barrier(n)

    def run(i: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_sixteen_requests_with_one_key_make_one_payment(app, coop) -> None:
    client = app.test_client()
    pid = register(client, coop)
    key = uuid.uuid4().hex

    def submit(_i: int):  # type: ignore[no-untyped-def]
        response = pay(app.test_client(), coop, pid, 3, key=key)
        return response.status_code, response.get_json()

    answers = _together(16, submit)
    assert {status for status, _body in answers} == {201}
    bodies = [body for _status, body in answers]
    assert all(body == bodies[0] for body in bodies)
    listed = client.get(f"{PAYMENTS}?participant_id={pid}", headers=coop.headers()).get_json()
    assert len(listed["items"]) == 1 and listed["items"][0]["id"] == bodies[0]["id"]
    assert detail(client, coop, pid)["coverage"]["paid_through"] == "2027-01"


def test_same_key_different_body_while_racing_is_a_conflict(app, coop) -> None:
    client = app.test_client()
    pid = register(client, coop)
    key = uuid.uuid4().hex
    answers = _together(
        8, lambda i: pay(app.test_client(), coop, pid, 1 + i % 2, key=key).status_code
    )
    assert sorted(set(answers)) == [201, 409]
    assert (
        len(
            client.get(f"{PAYMENTS}?participant_id={pid}", headers=coop.headers()).get_json()[
                "items"
            ]
        )
        == 1
    )


def test_24_concurrent_payments_get_unique_gapless_receipts(app, make_coop) -> None:
    coop = make_coop()
    client = app.test_client()
    people = [register(client, coop) for _ in range(12)]
    roles = ("cashier", "admin")

    def submit(i: int):  # type: ignore[no-untyped-def]
        # Two payments per person race each other too (the participant row lock serialises them).
        return pay(app.test_client(), coop, people[i % 12], 1, role=roles[i % 2]).get_json()

    bodies = _together(24, submit)
    numbers = sorted(int(re.search(r"-(\d{6})$", b["receipt_no"]).group(1)) for b in bodies)
    assert numbers == list(range(1, 25))
    assert len({b["receipt_no"] for b in bodies}) == 24
    for pid in people:  # each person's two payments took two different months
        months = [
            p["periods"][0]["period"]
            for p in client.get(
                f"{PAYMENTS}?participant_id={pid}", headers=coop.headers()
            ).get_json()["items"]
        ]
        assert sorted(months) == ["2026-11", "2026-12"]
    with app.app_context(), tenant_context(coop.ref):
        last = db.session.scalar(sa.text("SELECT last_number FROM receipt_counters"))
        db.session.rollback()
    assert last == 24
