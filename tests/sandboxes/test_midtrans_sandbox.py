"""The Midtrans sandbox speaks Snap and the Core status API, and signs its notifications."""

from __future__ import annotations

import hashlib

import httpx
import pytest

SERVER_KEY = "SB-Mid-server-abcdefgh12345678"
KEY = (SERVER_KEY, "")


def _snap(url: str, order_id: str = "gerai-1", gross: int = 16800) -> httpx.Response:
    body = {"transaction_details": {"order_id": order_id, "gross_amount": gross}}
    return httpx.post(url + "/snap/v1/transactions", json=body, auth=KEY)


def _expected_signature(body: dict) -> str:
    raw = body["order_id"] + body["status_code"] + body["gross_amount"] + SERVER_KEY
    return hashlib.sha512(raw.encode()).hexdigest()


@pytest.mark.parametrize("auth", [None, ("Mid-client-abcdefgh1234", ""), ("SB-Mid-server-", "")])
def test_without_a_well_formed_key_is_401(midtrans_url: str, auth: tuple[str, str] | None) -> None:
    body = {"transaction_details": {"order_id": "a", "gross_amount": 1}}
    resp = httpx.post(midtrans_url + "/snap/v1/transactions", json=body, auth=auth)
    assert resp.status_code == 401 and "error_messages" in resp.json()
    status = httpx.get(midtrans_url + "/v2/a/status", auth=auth)
    assert status.status_code == 401 and status.json()["status_code"] == "401"


def test_snap_create_shape_and_status_404_until_a_method_is_picked(midtrans_url: str) -> None:
    resp = _snap(midtrans_url)
    assert resp.status_code == 201
    data = resp.json()
    assert set(data) == {"token", "redirect_url"}
    assert data["redirect_url"] == f"{midtrans_url}/snap/v4/redirection/{data['token']}"
    status = httpx.get(midtrans_url + "/v2/gerai-1/status", auth=KEY)
    assert status.status_code == 404 and status.json()["status_code"] == "404"
    again = _snap(midtrans_url)
    assert again.status_code == 400 and again.json()["error_messages"]
    bad = httpx.post(midtrans_url + "/snap/v1/transactions", json={}, auth=KEY)
    assert bad.status_code == 400


def test_bayar_sends_signed_pending_then_settlement(midtrans_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    page_url = _snap(midtrans_url).json()["redirect_url"]
    page = httpx.get(page_url).text
    assert all(label in page for label in ("Bayar", "Kedaluwarsa", "Gagal"))
    httpx.post(page_url, data={"action": "pay"})
    hits = rec.wait_for(2)
    bodies = [h["body"] for h in hits]
    assert [b["transaction_status"] for b in bodies] == ["pending", "settlement"]
    assert [b["status_code"] for b in bodies] == ["201", "200"]
    assert '"gross_amount": "16800.00"' in hits[1]["raw"]
    for b in bodies:
        assert b["signature_key"] == _expected_signature(b)
    status = httpx.get(midtrans_url + "/v2/gerai-1/status", auth=KEY).json()
    assert status["transaction_status"] == "settlement" and status["gross_amount"] == "16800.00"


def test_card_capture_expire_and_deny(midtrans_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    card = _snap(midtrans_url, "card").json()["redirect_url"]
    httpx.post(card, data={"action": "pay", "method": "credit_card"})
    late = _snap(midtrans_url, "late").json()["redirect_url"]
    httpx.post(late, data={"action": "expire"})
    fail = _snap(midtrans_url, "fail").json()["redirect_url"]
    httpx.post(fail, data={"action": "fail"})
    bodies = [h["body"] for h in rec.wait_for(4)]
    got = [(b["order_id"], b["transaction_status"], b["status_code"], b["fraud_status"])
           for b in bodies]
    assert got == [("card", "capture", "200", "accept"), ("late", "pending", "201", "accept"),
                   ("late", "expire", "407", "accept"), ("fail", "deny", "202", "accept")]
    assert all(b["signature_key"] == _expected_signature(b) for b in bodies)


def test_out_of_order_reverses_an_events_notifications(midtrans_url: str, receiver) -> None:  # noqa: ANN001
    rec, _ = receiver
    httpx.post(midtrans_url + "/_sandbox/delivery", json={"mode": "out_of_order"})
    httpx.post(_snap(midtrans_url).json()["redirect_url"], data={"action": "pay"})
    statuses = [h["body"]["transaction_status"] for h in rec.wait_for(2)]
    assert statuses == ["settlement", "pending"]
