"""POST/GET /api/v1/payments and voids, exactly as CONTRACT.md, as the non-owner app role."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app.payments.models import Payment, ReceiptCounter
from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import PAYMENTS, detail, pay, register


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]
    set_today("2026-11-10")


def test_cash_payment_covers_next_months_with_receipt_number(client, coop) -> None:
    pid = register(client, coop)
    response = pay(client, coop, pid, 3)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "paid" and body["method"] == "cash"
    # A fisher: Nov and Dec 2026 at the PP 50/2025 price, Jan 2027 at the full price.
    assert [p["period"] for p in body["periods"]] == ["2026-11", "2026-12", "2027-01"]
    assert [p["amount"] for p in body["periods"]] == [8400, 8400, 16800]
    assert body["amount"] == 33600 and body["months"] == 3
    assert body["receipt_no"] == f"{coop.ref.code or 'COOP'}-2026-000001"
    assert body["checkout_url"] is None
    coverage = detail(client, coop, pid)["coverage"]
    assert coverage["status"] == "active" and coverage["paid_through"] == "2027-01"
    second = pay(client, coop, pid, 1).get_json()
    assert second["periods"][0]["period"] == "2027-02"
    assert second["receipt_no"].endswith("-2026-000002")


def test_arrears_are_paid_first(client, coop, set_today) -> None:
    set_today("2026-08-01")
    pid = register(client, coop)
    set_today("2026-11-20")  # Aug, Sep, Oct and Nov are overdue now
    assert detail(client, coop, pid)["coverage"]["status"] == "lapsed"
    restarted = pay(client, coop, pid, 1).get_json()  # lapsed: restarts at the current month
    assert [p["period"] for p in restarted["periods"]] == ["2026-11"]
    assert detail(client, coop, pid)["coverage"]["status"] == "active"


def test_grace_arrears_first(client, coop, set_today) -> None:
    set_today("2026-09-05")
    pid = register(client, coop)
    set_today("2026-11-20")  # Sep (start month), Oct and Nov overdue: grace
    assert detail(client, coop, pid)["coverage"]["arrears_months"] == 3
    body = pay(client, coop, pid, 4).get_json()
    assert [p["period"] for p in body["periods"]] == ["2026-09", "2026-10", "2026-11", "2026-12"]


def test_idempotency_key_rules(client, coop) -> None:
    pid = register(client, coop)
    no_key = client.post(PAYMENTS, json={"participant_id": pid, "months": 1, "method": "cash"},
                         headers=coop.headers("cashier"))
    assert no_key.status_code == 400 and no_key.get_json()["error"]["code"] == "bad_request"
    first = pay(client, coop, pid, 2, key="k-1")
    again = pay(client, coop, pid, 2, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    other_body = pay(client, coop, pid, 1, key="k-1")
    assert other_body.status_code == 409 and other_body.get_json()["error"]["code"] == "conflict"
    listed = client.get(f"{PAYMENTS}?participant_id={pid}", headers=coop.headers()).get_json()
    assert len(listed["items"]) == 1


def test_validation_failure_is_not_remembered(client, coop) -> None:
    pid = register(client, coop)
    too_many = pay(client, coop, pid, 12, key="k-2", method="xendit")
    assert too_many.status_code == 422 and "method" in too_many.get_json()["error"]["fields"]
    fixed = pay(client, coop, pid, 12, key="k-2")
    assert fixed.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"participant_id": "x", "months": "3", "method": "cash"}, "months"),
        ({"participant_id": "x", "months": 0, "method": "cash"}, "months"),
        ({"participant_id": "x", "months": 13, "method": "cash"}, "months"),
        ({"participant_id": "x", "months": True, "method": "cash"}, "months"),
        ({"participant_id": 5, "months": 1, "method": "cash"}, "participant_id"),
        ({"participant_id": "x", "months": 1, "method": "midtrans"}, "method"),
        ({"participant_id": "x", "months": 1, "method": "cheque"}, "method"),
        ({"participant_id": "x", "months": 1, "method": "cash", "amount": 1}, "amount"),
        ({"months": 1, "method": "cash"}, "participant_id"),
    ],
)
def test_bad_fields_are_422_with_fields(client, coop, body, field) -> None:
    response = client.post(PAYMENTS, json=body,
                           headers={**coop.headers("cashier"), "Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_not_json_is_400(client, coop) -> None:
    response = client.post(PAYMENTS, data="months=1",
                           headers={**coop.headers("cashier"), "Idempotency-Key": "k"})
    assert response.status_code == 400


def test_nothing_to_pay_is_refused(client, coop) -> None:
    sponsor = {"name": "Pemkab Lingga", "type": "apbd", "programs": ["JKK", "JKM"]}
    pid = register(client, coop, sponsor=sponsor)
    response = pay(client, coop, pid, 1)
    assert response.status_code == 422
    assert "months" in response.get_json()["error"]["fields"]


def test_roles(client, coop) -> None:
    pid = register(client, coop)
    assert pay(client, coop, pid, 1, role="pengawas").status_code == 403
    assert pay(client, coop, pid, 1, role="mentor").status_code == 403
    paid = pay(client, coop, pid, 1, role="cashier").get_json()
    for role in ("cashier", "pengawas"):
        refused = client.post(f"{PAYMENTS}/{paid['id']}/void", json={"reason": "salah"},
                              headers=coop.headers(role))
        assert refused.status_code == 403
    assert client.get(PAYMENTS, headers=coop.headers("pengawas")).status_code == 200


def test_void_reopens_months_and_keeps_the_record(client, coop) -> None:
    pid = register(client, coop)
    first = pay(client, coop, pid, 2).get_json()
    assert detail(client, coop, pid)["coverage"]["paid_through"] == "2026-12"
    missing = client.post(f"{PAYMENTS}/{first['id']}/void", json={}, headers=coop.headers())
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    voided = client.post(f"{PAYMENTS}/{first['id']}/void", json={"reason": "Salah orang"},
                         headers=coop.headers())
    assert voided.status_code == 201
    record = voided.get_json()
    assert record["payment_id"] == first["id"] and record["reason"] == "Salah orang"
    assert record["refund_due"] is False
    listed = client.get(f"{PAYMENTS}?participant_id={pid}", headers=coop.headers()).get_json()
    assert [p["status"] for p in listed["items"]] == ["voided"]
    assert listed["items"][0]["amount"] == first["amount"]  # amount and months never change
    assert detail(client, coop, pid)["coverage"]["paid_through"] is None
    again = client.post(f"{PAYMENTS}/{first['id']}/void", json={"reason": "lagi"},
                        headers=coop.headers())
    assert again.status_code == 409
    repaid = pay(client, coop, pid, 2).get_json()
    assert [p["period"] for p in repaid["periods"]] == ["2026-11", "2026-12"]
    assert repaid["receipt_no"].endswith("-000002")  # a void takes no receipt number


def test_another_coops_participant_is_refused_and_nothing_written(client, make_coop, app) -> None:
    a, b = make_coop(), make_coop()
    b_participant = register(client, b)
    response = pay(client, a, b_participant, 1)
    assert response.status_code == 404
    b_payment = pay(client, b, b_participant, 1).get_json()
    for path in (f"{PAYMENTS}/{b_payment['id']}", ):
        assert client.get(path, headers=a.headers()).status_code == 404
    assert client.post(f"{PAYMENTS}/{b_payment['id']}/void", json={"reason": "x"},
                       headers=a.headers()).status_code == 404
    assert client.get(f"{PAYMENTS}?participant_id={b_participant}",
                      headers=a.headers()).get_json()["items"] == []
    with app.app_context(), tenant_context(a.ref):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReceiptCounter)) == 0
        db.session.rollback()
    with app.app_context(), tenant_context(b.ref):
        assert db.session.scalar(sa.select(Payment.status)) == "paid"
        db.session.rollback()


def test_list_is_newest_first_with_cursor(client, coop) -> None:
    pid = register(client, coop)
    ids = [pay(client, coop, pid, 1).get_json()["id"] for _ in range(5)]
    page = client.get(f"{PAYMENTS}?limit=2", headers=coop.headers()).get_json()
    seen = [p["id"] for p in page["items"]]
    while page["next_cursor"]:
        page = client.get(f"{PAYMENTS}?limit=2&cursor={page['next_cursor']}",
                          headers=coop.headers()).get_json()
        seen += [p["id"] for p in page["items"]]
    assert seen == list(reversed(ids))
    bad = client.get(f"{PAYMENTS}?cursor=zzz", headers=coop.headers())
    assert bad.status_code == 422
