"""Receipt numbers are gapless: a payment that fails after taking its number gives the number back.

The number is taken in the payment's own transaction, so a failure anywhere after numbering (the
coverage update, the audit entry, the commit) rolls the counter back with everything else. Taking
the number in a transaction of its own would leave a hole in the coop's receipt book.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.payments import services
from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import detail, pay, register


class InjectedFailure(RuntimeError):
    """Raised inside the payment's transaction after its receipt number was taken."""


def _written(app, coop) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What this coop's money tables hold, read through the app role like any request."""
    with app.app_context(), tenant_context(coop.ref):
        one = db.session.scalar
        state = {
            "counter": one(sa.text("SELECT last_number FROM receipt_counters")),
            "receipts": list(
                db.session.scalars(sa.text("SELECT receipt_no FROM payments ORDER BY receipt_no"))
            ),
            "payment_audits": one(
                sa.text("SELECT count(*) FROM audit_events WHERE action = 'payment.create'")
            ),
            "keys": one(sa.text("SELECT count(*) FROM idempotency_keys")),
        }
        db.session.rollback()
    return state


def test_failed_payment_after_numbering_leaves_no_gap_and_no_write(
    app, coop, set_today, monkeypatch
) -> None:
    set_today("2026-11-10")
    client = app.test_client()
    pid = register(client, coop)
    first = pay(client, coop, pid, 1)
    assert first.status_code == 201
    assert first.get_json()["receipt_no"].endswith("-2026-000001")
    before = _written(app, coop)
    coverage = detail(client, coop, pid)["coverage"]

    taken: list[str] = []
    audit = services.record_audit

    def fail_after_numbering(action: str, actor: Any, target: str = "", **details: Any) -> None:
        # The last step of record_cash_payment: the number is taken, the row and months written.
        taken.append(target)
        raise InjectedFailure("the payment failed after it was numbered")

    monkeypatch.setattr(services, "record_audit", fail_after_numbering)
    failed = pay(client, coop, pid, 2, key="fails-after-numbering")
    assert failed.status_code == 500
    assert taken and taken[0].endswith("-2026-000002")  # the failure came after numbering
    monkeypatch.setattr(services, "record_audit", audit)

    # Nothing of the failed attempt remains: no payment, no audit, no key, no counter step.
    assert _written(app, coop) == before
    assert detail(client, coop, pid)["coverage"] == coverage
    # The next payment (even a retry with the same key) gets the number the failed one took.
    retry = pay(client, coop, pid, 2, key="fails-after-numbering")
    assert retry.status_code == 201, retry.get_json()
    assert retry.get_json()["receipt_no"] == taken[0]
    after = _written(app, coop)
    assert after["counter"] == 2
    assert [no[-6:] for no in after["receipts"]] == ["000001", "000002"]
