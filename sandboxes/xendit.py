"""Xendit Invoices API sandbox: POST /v2/invoices, GET /v2/invoices/{id}, expire, hosted page.

Auth is HTTP Basic with the secret key as user name and an empty password, as Xendit does; a key
that is not `xnd_development_…`/`xnd_production_…` gets Xendit's 401 body. Callbacks carry the
`x-callback-token` header and the invoice callback body.
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, request

from sandboxes.common import Deliverer, add_control, basic_auth_user, checkout_page

KEY_RE = re.compile(r"^xnd_(development|production)_[A-Za-z0-9_-]{8,}$")
USER_ID = "5f9a3fbd571a1c4068aa40ce"
MERCHANT = "Gerai Sandbox"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _error(status: int, code: str, message: str) -> Response:
    resp = jsonify({"error_code": code, "message": message})
    resp.status_code = status
    return resp


def _api_key() -> str | None:
    return basic_auth_user(KEY_RE)


def create_app(callback_url: str | None = None, callback_token: str | None = None,
               secret_key: str | None = None) -> Flask:
    """One Xendit sandbox; `secret_key` pins the accepted key, otherwise any well-formed one."""
    app = Flask(__name__)
    lock = threading.Lock()
    invoices: dict[str, dict[str, Any]] = {}
    deliverer = Deliverer(callback_url)
    token = callback_token or secrets.token_hex(24)
    app.config.update(DELIVERER=deliverer, CALLBACK_TOKEN=token, INVOICES=invoices)

    def authorised() -> Response | None:
        key = _api_key()
        if key is None or (secret_key and key != secret_key):
            return _error(401, "INVALID_API_KEY",
                          "API key is not authorized for this API service")
        return None

    @app.post("/v2/invoices", strict_slashes=False)
    def create_invoice() -> Response:
        if (denied := authorised()) is not None:
            return denied
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _error(400, "API_VALIDATION_ERROR", "Invalid JSON body")
        ext, amount = data.get("external_id"), data.get("amount")
        if not isinstance(ext, str) or not ext:
            return _error(400, "API_VALIDATION_ERROR", '"external_id" is required')
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 1:
            return _error(400, "API_VALIDATION_ERROR", '"amount" must be a positive number')
        now = datetime.now(UTC)
        duration = data.get("invoice_duration", 86400)
        try:
            duration = int(duration)
        except (TypeError, ValueError):
            return _error(400, "API_VALIDATION_ERROR", '"invoice_duration" must be a number')
        inv_id = secrets.token_hex(12)
        inv = {
            "id": inv_id, "external_id": ext, "user_id": USER_ID, "status": "PENDING",
            "merchant_name": MERCHANT, "merchant_profile_picture_url": "",
            "amount": amount, "description": data.get("description", ""),
            "expiry_date": _iso(now + timedelta(seconds=duration)),
            "invoice_url": request.host_url + "web/" + inv_id,
            "available_banks": [], "available_retail_outlets": [], "available_ewallets": [],
            "available_qr_codes": [], "available_direct_debits": [], "available_paylaters": [],
            "should_exclude_credit_card": False, "should_send_email": False,
            "created": _iso(now), "updated": _iso(now), "currency": data.get("currency", "IDR"),
        }
        for opt in ("payer_email", "success_redirect_url", "failure_redirect_url", "items",
                    "customer", "metadata", "locale"):
            if opt in data:
                inv[opt] = data[opt]
        with lock:
            invoices[inv_id] = inv
        return jsonify(inv)

    @app.get("/v2/invoices/<inv_id>")
    def get_invoice(inv_id: str) -> Response:
        if (denied := authorised()) is not None:
            return denied
        with lock:
            inv = invoices.get(inv_id)
            if inv is None:
                return _error(404, "INVOICE_NOT_FOUND_ERROR", "Could not find invoice")
            return jsonify(inv)

    @app.post("/invoices/<inv_id>/expire!")
    def expire_invoice(inv_id: str) -> Response:
        if (denied := authorised()) is not None:
            return denied
        with lock:
            inv = invoices.get(inv_id)
            if inv is None:
                return _error(404, "INVOICE_NOT_FOUND_ERROR", "Could not find invoice")
            if inv["status"] != "PENDING":
                return _error(400, "INVOICE_NOT_FOUND_ERROR", "Invoice is not pending")
            _set(inv, "EXPIRED")
            snapshot = dict(inv)
        deliverer.deliver([(_callback(snapshot), {"x-callback-token": token})])
        return jsonify(snapshot)

    @app.route("/web/<inv_id>", methods=["GET", "POST"])
    def hosted(inv_id: str) -> Response | tuple[str, int]:
        with lock:
            inv = invoices.get(inv_id)
            if inv is None:
                return "Tagihan tidak ditemukan", 404
            note = ""
            fire = None
            if request.method == "POST" and inv["status"] == "PENDING":
                action = request.form.get("action")
                if action == "pay":
                    _set(inv, "PAID", paid=True)
                    fire = dict(inv)
                elif action == "expire":
                    _set(inv, "EXPIRED")
                    fire = dict(inv)
                elif action == "fail":
                    # Xendit keeps a failed attempt's invoice PENDING and sends no callback.
                    note = "Pembayaran gagal. Silakan coba lagi."
            page = checkout_page("Tagihan " + inv["external_id"], MERCHANT,
                                 int(inv["amount"]), inv["status"], note)
        if fire is not None:
            deliverer.deliver([(_callback(fire), {"x-callback-token": token})])
        return Response(page, mimetype="text/html")

    add_control(app, deliverer)
    return app


def _set(inv: dict[str, Any], status: str, paid: bool = False) -> None:
    now = _iso(datetime.now(UTC))
    inv["status"], inv["updated"] = status, now
    if paid:
        inv.update(paid_amount=inv["amount"], paid_at=now, payment_method="BANK_TRANSFER",
                   bank_code="BCA", payment_channel="BCA",
                   payment_destination="8808" + inv["id"][:8])


def _callback(inv: dict[str, Any]) -> dict[str, Any]:
    """The invoice callback body as Xendit posts it."""
    body = {k: inv[k] for k in ("id", "external_id", "user_id", "status", "merchant_name",
                                "amount", "description", "updated", "created", "currency")}
    body["is_high"] = False
    for k in ("payer_email", "paid_amount", "paid_at", "payment_method", "bank_code",
              "payment_channel", "payment_destination"):
        if k in inv:
            body[k] = inv[k]
    for k in ("success_redirect_url", "failure_redirect_url"):
        if k in inv:
            body[k] = inv[k]
    if inv["status"] == "PAID":
        body["payment_id"] = "pay-" + inv["id"]
        body["adjusted_received_amount"] = inv["amount"]
        body["fees_paid_amount"] = 0
    return body
