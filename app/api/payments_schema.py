"""OpenAPI 3.1 paths and schemas of ``/api/v1/payments`` (merged by ``app.api.openapi``)."""

from __future__ import annotations

from typing import Any

from app.api.openapi import error_responses

STATUS = {"type": "string", "enum": ["pending", "paid", "failed", "expired", "voided"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    money = {"type": "integer", "minimum": 0}
    return {
        "PaymentInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["participant_id", "months", "method"],
            "properties": {
                "participant_id": {"type": "string"},
                "months": {"type": "integer", "minimum": 1, "maximum": 12},
                "method": {"type": "string", "enum": ["cash", "xendit", "midtrans"],
                           "description": "only cash until online payments exist"},
            },
        },
        "Payment": {
            "type": "object",
            "required": ["id", "participant_id", "status", "method", "amount", "months",
                         "periods", "receipt_no", "checkout_url", "created_at", "paid_at"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "participant_id": {"type": "string", "format": "uuid"},
                "status": STATUS,
                "method": {"type": "string", "enum": ["cash", "xendit", "midtrans"]},
                "amount": money,
                "months": {"type": "integer", "minimum": 1},
                "periods": {"type": "array", "items": _ref("QuoteRow")},
                "receipt_no": {"type": ["string", "null"]},
                "checkout_url": {"type": ["string", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "paid_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "PaymentList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref("Payment")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "VoidInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reason"],
            "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}},
        },
        "Void": {
            "type": "object",
            "required": ["id", "payment_id", "reason", "voided_by", "voided_at", "refund_due"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "payment_id": {"type": "string", "format": "uuid"},
                "reason": {"type": "string"},
                "voided_by": {"type": "string", "format": "uuid"},
                "voided_at": {"type": "string", "format": "date-time"},
                "refund_due": {"type": "boolean"},
            },
        },
    }


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    pay_id = {"name": "payment_id", "in": "path", "required": True, "schema": {"type": "string"}}
    key = {"name": "Idempotency-Key", "in": "header", "required": True,
           "schema": {"type": "string", "minLength": 1, "maxLength": 200},
           "description": "the same key again returns the first answer (kept at least 24 hours)"}
    paths = {
        "/payments": {
            "post": {
                "summary": "Take a payment for the next payable months (arrears first)",
                "operationId": "createPayment",
                "parameters": [key],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("PaymentInput")}}},
                "responses": {
                    "201": _json(_ref("Payment"), "recorded (or the first answer to this key)"),
                    **error_responses(400, 401, 403, 404, 409, 422),
                },
            },
            "get": {
                "summary": "Payments, newest first",
                "operationId": "listPayments",
                "parameters": [
                    {"name": "participant_id", "in": "query", "schema": {"type": "string"}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                ],
                "responses": {"200": _json(_ref("PaymentList"), "a page of payments"),
                              **error_responses(401, 403, 422)},
            },
        },
        "/payments/{payment_id}": {
            "get": {
                "summary": "One payment",
                "operationId": "getPayment",
                "parameters": [pay_id],
                "responses": {"200": _json(_ref("Payment"), "the payment"),
                              **error_responses(401, 403, 404)},
            }
        },
        "/payments/{payment_id}/void": {
            "post": {
                "summary": "Void a paid payment (admin); its months become payable again",
                "operationId": "voidPayment",
                "parameters": [pay_id],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": _ref("VoidInput")}}},
                "responses": {"201": _json(_ref("Void"), "the voiding record"),
                              **error_responses(400, 401, 403, 404, 409, 422)},
            }
        },
    }
    return paths, _schemas()
