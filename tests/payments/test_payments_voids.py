"""Voids: the reason's limit, the audit entries of a payment and its void, and racing voids.

Written for mutants of ``app.payments.services`` that survived ``make mutate`` (see
docs/benchmarks.md): each test names what it guards.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from tenants.audit import AuditEvent
from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import PAYMENTS, detail, pay, register


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]
    set_today("2026-11-10")


def _void(client, coop, payment_id: str, reason: str):  # type: ignore[no-untyped-def]
    return client.post(f"{PAYMENTS}/{payment_id}/void", json={"reason": reason},
                       headers=coop.headers())


def _audit(app, coop, action: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        rows = [
            {"target": e.target, "actor_user_id": e.actor_user_id, **e.details}
            for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action))
        ]
        db.session.rollback()
    return rows


def test_a_void_reason_has_at_most_500_characters(client, coop) -> None:
    pid = register(client, coop)
    paid = pay(client, coop, pid, 1).get_json()
    too_long = _void(client, coop, paid["id"], "x" * 501)
    assert too_long.status_code == 422 and "reason" in too_long.get_json()["error"]["fields"]
    assert detail(client, coop, pid)["coverage"]["paid_through"] == "2026-11"  # not voided
    assert _void(client, coop, paid["id"], "y" * 500).status_code == 201


def test_a_payment_and_its_void_are_audited_with_receipt_amount_and_reason(
    app, client, coop
) -> None:
    pid = register(client, coop)
    paid = pay(client, coop, pid, 2).get_json()
    (created,) = _audit(app, coop, "payment.create")
    assert created["target"] == paid["receipt_no"] and created["amount"] == paid["amount"]
    assert created["months"] == ["2026-11", "2026-12"] and created["participant"] == pid
    assert created["actor_user_id"] is not None
    assert _void(client, coop, paid["id"], "Salah orang").status_code == 201
    (voided,) = _audit(app, coop, "payment.void")
    assert (voided["target"], voided["amount"], voided["reason"]) == (
        paid["receipt_no"], paid["amount"], "Salah orang",
    )


def test_racing_voids_of_one_payment_void_it_once(app, coop) -> None:
    client = app.test_client()
    pid = register(client, coop)
    paid = pay(client, coop, pid, 2).get_json()
    barrier = threading.Barrier(6)

    def void(i: int) -> int:
        barrier.wait()
        return _void(app.test_client(), coop, paid["id"], f"alasan {i}").status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = sorted(pool.map(void, range(6)))
    assert answers == [201] + [409] * 5
    with app.app_context(), tenant_context(coop.ref):
        voids = db.session.scalar(sa.text("SELECT count(*) FROM payment_voids"))
        db.session.rollback()
    assert voids == 1 and len(_audit(app, coop, "payment.void")) == 1
    assert detail(client, coop, pid)["coverage"]["paid_through"] is None
    shown = client.get(f"{PAYMENTS}/{paid['id']}", headers=coop.headers()).get_json()
    assert shown["status"] == "voided" and shown["amount"] == paid["amount"]
