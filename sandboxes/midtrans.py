"""Midtrans sandbox: Snap `POST /snap/v1/transactions`, Core `GET /v2/{order_id}/status`, the
hosted Snap page and HTTP notifications.

Auth is HTTP Basic with the server key as user name and an empty password; a key that is not
`SB-Mid-server-…`/`Mid-server-…` gets Midtrans's 401 body. Notifications carry
`signature_key = sha512(order_id + status_code + gross_amount + server_key)`, where gross_amount
is the raw string ("16800.00") exactly as it appears in the body.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask, Response, jsonify, request

from sandboxes.common import Deliverer, add_control, basic_auth_user, checkout_page

KEY_RE = re.compile(r"^(SB-)?Mid-server-[A-Za-z0-9_-]{8,}$")
MERCHANT_ID = "G000000000"
WIB = timezone(timedelta(hours=7))
ACCESS_DENIED = "Access denied due to unauthorized transaction, please check client or server key"
# transaction_status -> the status_code Midtrans puts beside it
SNAP_HELP = "Visit https://snap-docs.midtrans.com/#request-headers for more details"
STATUS_CODES = {"pending": "201", "settlement": "200", "capture": "200", "deny": "202",
                "expire": "407", "cancel": "200"}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """Midtrans's notification signature over the raw strings."""
    raw = order_id + status_code + gross_amount + server_key
    return hashlib.sha512(raw.encode()).hexdigest()


def _now() -> str:
    return datetime.now(WIB).strftime("%Y-%m-%d %H:%M:%S")


def _server_key() -> str | None:
    return basic_auth_user(KEY_RE)


def create_app(callback_url: str | None = None, server_key: str | None = None) -> Flask:
    """One Midtrans sandbox; `server_key` pins the accepted key, otherwise any well-formed one."""
    app = Flask(__name__)
    lock = threading.Lock()
    orders: dict[str, dict[str, Any]] = {}  # order_id -> state, incl. the creating server key
    tokens: dict[str, str] = {}  # snap token -> order_id
    deliverer = Deliverer(callback_url)
    app.config.update(DELIVERER=deliverer, ORDERS=orders)

    def key_or_none() -> str | None:
        key = _server_key()
        return None if key is None or (server_key and key != server_key) else key

    @app.post("/snap/v1/transactions")
    def snap_create() -> tuple[Response, int]:
        key = key_or_none()
        if key is None:
            return jsonify({"error_messages": [ACCESS_DENIED, SNAP_HELP]}), 401
        data = request.get_json(silent=True)
        details = data.get("transaction_details") if isinstance(data, dict) else None
        errors = []
        if not isinstance(details, dict):
            errors.append("transaction_details is required")
            details = {}
        order_id, gross = details.get("order_id"), details.get("gross_amount")
        if not isinstance(order_id, str) or not order_id:
            errors.append("transaction_details.order_id is required")
        if isinstance(gross, bool) or not isinstance(gross, (int, float)) or gross < 1:
            errors.append("transaction_details.gross_amount must be greater than or equal to 0.01")
        if errors:
            return jsonify({"error_messages": errors}), 400
        with lock:
            if order_id in orders:
                return jsonify({"error_messages": [
                    "transaction_details.order_id sudah digunakan"]}), 400
            token = str(uuid.uuid4())
            orders[order_id] = {"order_id": order_id, "gross_amount": f"{gross:.2f}",
                                "server_key": key, "token": token, "status": "new"}
            tokens[token] = order_id
        return jsonify({"token": token,
                        "redirect_url": request.host_url + "snap/v4/redirection/" + token}), 201

    @app.get("/v2/<order_id>/status")
    def status(order_id: str) -> tuple[Response, int]:
        if key_or_none() is None:
            return jsonify({"status_code": "401", "status_message": ACCESS_DENIED,
                            "id": str(uuid.uuid4())}), 401
        with lock:
            order = orders.get(order_id)
            if order is None or order["status"] == "new":  # no method picked yet: unknown
                return jsonify({"status_code": "404",
                                "status_message": "Transaction doesn't exist.",
                                "id": str(uuid.uuid4())}), 404
            body = _body(order)
        body["status_message"] = "Success, transaction is found"
        return jsonify(body), 200

    @app.route("/snap/v4/redirection/<token>", methods=["GET", "POST"])
    def hosted(token: str) -> Response | tuple[str, int]:
        batch: list[dict[str, Any]] = []
        with lock:
            order_id = tokens.get(token)
            if order_id is None:
                return "Transaksi tidak ditemukan", 404
            order = orders[order_id]
            if request.method == "POST" and order["status"] in ("new", "pending"):
                batch = _act(order, request.form.get("action", ""),
                             request.form.get("method", "bank_transfer"))
            page = checkout_page("Pembayaran " + order_id, "Gerai Sandbox",
                                 int(float(order["gross_amount"])),
                                 order["status"], _NOTES.get(order["status"], ""))
        deliverer.deliver([(b, {}) for b in batch])
        return Response(page, mimetype="text/html")

    add_control(app, deliverer)
    return app


_NOTES = {"settlement": "Pembayaran berhasil.", "capture": "Pembayaran berhasil.",
          "expire": "Pembayaran kedaluwarsa.", "deny": "Pembayaran gagal."}


def _act(order: dict[str, Any], action: str, method: str) -> list[dict[str, Any]]:
    """Move the order along as the payer's button would; return the notifications it causes."""
    out: list[dict[str, Any]] = []

    def step(status: str, **extra: Any) -> None:
        order.update(status=status, **extra)
        out.append(_notification(order))

    if action not in ("pay", "expire", "fail"):
        return out
    if "transaction_id" not in order:
        order.update(transaction_id=str(uuid.uuid4()), transaction_time=_now(),
                     payment_type="credit_card" if method == "credit_card" else "bank_transfer")
    if action == "pay" and order["payment_type"] == "credit_card":
        step("capture", fraud_status="accept")
    elif action == "pay":
        if order["status"] == "new":
            step("pending")
        step("settlement", settlement_time=_now())
    elif action == "expire":
        if order["status"] == "new":
            step("pending")
        step("expire")
    else:
        step("deny", fraud_status="deny" if order["payment_type"] == "credit_card" else "accept")
    return out


def _body(order: dict[str, Any]) -> dict[str, Any]:
    """The transaction as the status API and notifications show it (no key inside)."""
    code = STATUS_CODES[order["status"]]
    body: dict[str, Any] = {
        "status_code": code, "transaction_id": order["transaction_id"],
        "order_id": order["order_id"], "merchant_id": MERCHANT_ID,
        "gross_amount": order["gross_amount"], "currency": "IDR",
        "payment_type": order["payment_type"], "transaction_time": order["transaction_time"],
        "transaction_status": order["status"], "fraud_status": order.get("fraud_status", "accept"),
        "signature_key": signature(order["order_id"], code, order["gross_amount"],
                                   order["server_key"]),
    }
    if order["payment_type"] == "bank_transfer":
        body["va_numbers"] = [{"bank": "bca", "va_number": order["transaction_id"][:11]}]
    if "settlement_time" in order:
        body["settlement_time"] = order["settlement_time"]
    return body


def _notification(order: dict[str, Any]) -> dict[str, Any]:
    body = _body(order)
    body["status_message"] = "midtrans payment notification"
    return body
