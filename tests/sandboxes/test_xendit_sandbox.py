"""The Xendit sandbox speaks the Invoices API: auth, shapes, errors, hosted page, callbacks."""

from __future__ import annotations

import httpx
import pytest

KEY = ("xnd_development_abcdefgh12345678", "")


def _create(url: str, **extra: object) -> httpx.Response:
    body = {"external_id": "gerai-1", "amount": 16800, **extra}
    return httpx.post(url + "/v2/invoices", json=body, auth=KEY)


@pytest.mark.parametrize("auth", [None, ("sk_live_whatever", ""), ("xnd_development_", "")])
def test_without_a_well_formed_key_is_401(xendit_url: str, auth: tuple[str, str] | None) -> None:
    resp = httpx.post(xendit_url + "/v2/invoices", json={"external_id": "a", "amount": 1},
                      auth=auth)
    assert resp.status_code == 401
    assert resp.json() == {"error_code": "INVALID_API_KEY",
                           "message": "API key is not authorized for this API service"}
    assert httpx.get(xendit_url + "/v2/invoices/x", auth=auth).status_code == 401


def test_create_and_read_shapes(xendit_url: str) -> None:
    resp = _create(xendit_url, description="Iuran BPJS")
    assert resp.status_code == 200
    inv = resp.json()
    assert inv["status"] == "PENDING" and inv["external_id"] == "gerai-1"
    assert inv["amount"] == 16800 and inv["currency"] == "IDR"
    assert inv["invoice_url"] == f"{xendit_url}/web/{inv['id']}"
    got = httpx.get(f"{xendit_url}/v2/invoices/{inv['id']}", auth=KEY)
    assert got.status_code == 200 and got.json() == inv


def test_errors(xendit_url: str) -> None:
    missing = httpx.get(xendit_url + "/v2/invoices/nope", auth=KEY)
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "INVOICE_NOT_FOUND_ERROR"
    bad = httpx.post(xendit_url + "/v2/invoices", json={"amount": 5}, auth=KEY)
    assert bad.status_code == 400 and bad.json()["error_code"] == "API_VALIDATION_ERROR"


def test_bayar_sends_paid_callback_with_token(xendit_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    inv = _create(xendit_url).json()
    page = httpx.get(inv["invoice_url"])
    assert all(label in page.text for label in ("Bayar", "Kedaluwarsa", "Gagal"))
    assert 'name="viewport"' in page.text
    httpx.post(inv["invoice_url"], data={"action": "pay"})
    (hit,) = rec.wait_for(1)
    assert hit["headers"]["X-Callback-Token"] == "tok-123"
    assert hit["body"]["id"] == inv["id"] and hit["body"]["status"] == "PAID"
    assert hit["body"]["external_id"] == "gerai-1" and hit["body"]["paid_amount"] == 16800
    status = httpx.get(f"{xendit_url}/v2/invoices/{inv['id']}", auth=KEY).json()["status"]
    assert status == "PAID"


def test_kedaluwarsa_and_gagal(xendit_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    inv = _create(xendit_url).json()
    httpx.post(inv["invoice_url"], data={"action": "fail"})  # a failed try leaves it PENDING
    got = httpx.get(f"{xendit_url}/v2/invoices/{inv['id']}", auth=KEY).json()
    assert got["status"] == "PENDING"
    httpx.post(inv["invoice_url"], data={"action": "expire"})
    (hit,) = rec.wait_for(1)
    assert hit["body"]["status"] == "EXPIRED"
    httpx.post(inv["invoice_url"], data={"action": "pay"})  # closed: nothing more happens
    assert len(rec.hits) == 1


def test_duplicate_and_lost(xendit_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    httpx.post(xendit_url + "/_sandbox/delivery", json={"mode": "lost"})
    a = _create(xendit_url, external_id="a").json()
    httpx.post(a["invoice_url"], data={"action": "pay"})
    httpx.post(xendit_url + "/_sandbox/delivery", json={"mode": "duplicate"})
    b = _create(xendit_url, external_id="b").json()
    httpx.post(b["invoice_url"], data={"action": "pay"})
    hits = rec.wait_for(2)
    assert [h["body"]["external_id"] for h in hits] == ["b", "b"]
    log = httpx.get(xendit_url + "/_sandbox/deliveries").json()
    assert [d["outcome"] for d in log] == ["lost", "sent"]


def test_out_of_order_and_delayed(xendit_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    httpx.post(xendit_url + "/_sandbox/delivery", json={"mode": "out_of_order"})
    a = _create(xendit_url, external_id="a").json()
    httpx.post(a["invoice_url"], data={"action": "pay"})
    assert rec.hits == []  # held back
    httpx.post(xendit_url + "/_sandbox/delivery", json={"mode": "delayed", "delay_seconds": 0.5})
    b = _create(xendit_url, external_id="b").json()
    httpx.post(b["invoice_url"], data={"action": "expire"})
    assert [h["body"]["external_id"] for h in rec.wait_for(1)] == ["a"]
    assert [h["body"]["external_id"] for h in rec.wait_for(2)] == ["a", "b"]


def test_bad_delivery_mode_is_400(xendit_url: str) -> None:
    assert httpx.post(xendit_url + "/_sandbox/delivery", json={"mode": "x"}).status_code == 400
