"""``/api/v1/payments``: take cash (idempotent), list, read and void — as CONTRACT.md describes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from flask import jsonify, request

from app.api.auth import require
from app.api.common import (
    Refused,
    api_actor,
    decode_cursor,
    encode_cursor,
    int_arg,
    invalid,
    json_object,
    query_args,
)
from app.api.payments_schema import openapi_paths
from app.api.views import bp
from app.payments import idempotency, services
from app.payments.models import Payment
from tenants.db import db

__all__ = ["openapi_paths"]

SCOPE = "api.payments.create"


def _refuse(exc: services.PaymentError) -> Refused:
    if exc.errors:
        return Refused(exc.status, str(exc.message), {k: str(v) for k, v in exc.errors.items()})
    return Refused(exc.status, str(exc.message))


def _payment_body() -> dict[str, Any]:
    body = json_object(
        ("participant_id", "months", "method"), ("participant_id", "months", "method")
    )
    errors: dict[str, str] = {}
    if not isinstance(body["participant_id"], str):
        errors["participant_id"] = "Must be a string (the participant's id)."
    months = body["months"]
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
        errors["months"] = "Must be a whole number from 1 to 12."
    method = body["method"]
    if not isinstance(method, str) or method not in ("cash", "xendit", "midtrans"):
        errors["method"] = "Must be one of cash, xendit, midtrans."
    elif method != "cash":
        errors["method"] = "Online payments are not available yet; use cash."
    if errors:
        raise invalid(errors)
    return body


@bp.post("/payments")
def create_payment():  # type: ignore[no-untyped-def]
    require("payments.write")
    try:
        key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    except idempotency.BadKey as exc:
        raise Refused(400, str(exc)) from None
    body = _payment_body()
    try:
        replay = idempotency.claim(SCOPE, key, idempotency.request_hash(body))
    except idempotency.KeyReused as exc:
        db.session.rollback()
        raise Refused(409, str(exc)) from None
    if replay is not None:
        db.session.rollback()
        return jsonify(replay.body), replay.status
    try:
        payment = services.record_cash_payment(body["participant_id"], body["months"], api_actor())
    except services.NotFound:
        db.session.rollback()  # another coop's participant is simply unknown here
        raise Refused(
            404, "No such participant.", {"participant_id": "No such participant."}
        ) from None
    except services.PaymentError as exc:
        db.session.rollback()  # validation failures are not remembered: a corrected retry works
        raise _refuse(exc) from None
    answer = services.payment_view(payment)
    idempotency.remember(SCOPE, key, 201, answer, payment.id)
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/payments")
def list_payments():  # type: ignore[no-untyped-def]
    require("read")
    args = query_args(("participant_id", "cursor", "limit"))
    limit = int_arg(args, "limit", 50, 1, 200)
    query = sa.select(Payment).order_by(Payment.created_at.desc(), Payment.id.desc())
    if "participant_id" in args:
        pid = services.parse_id(args["participant_id"])
        if pid is None:
            raise invalid({"participant_id": "Not a participant id."})
        query = query.where(Payment.participant_id == pid)
    cursor = decode_cursor(args.get("cursor"), 2)
    if cursor is not None:
        try:
            at, last_id = dt.datetime.fromisoformat(cursor[0]), uuid.UUID(cursor[1])
        except ValueError:
            raise invalid({"cursor": "Not a cursor from this API."}) from None
        query = query.where(
            sa.or_(Payment.created_at < at, sa.and_(Payment.created_at == at, Payment.id < last_id))
        )
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([rows[-1].created_at.isoformat(), str(rows[-1].id)]) if more else None
    )
    return jsonify(items=[services.payment_view(p) for p in rows], next_cursor=next_cursor)


@bp.get("/payments/<payment_id>")
def get_payment(payment_id: str):  # type: ignore[no-untyped-def]
    require("read")
    payment = services.get_payment(payment_id)
    if payment is None:
        raise Refused(404, "No such payment.")
    return jsonify(services.payment_view(payment))


@bp.post("/payments/<payment_id>/void")
def void_payment(payment_id: str):  # type: ignore[no-untyped-def]
    require("payments.void")
    if services.get_payment(payment_id) is None:
        raise Refused(404, "No such payment.")
    body = json_object(("reason",), ("reason",))
    if not isinstance(body["reason"], str) or not body["reason"].strip():
        raise invalid({"reason": "Give the reason as text."})
    try:
        record = services.void_payment(payment_id, body["reason"], api_actor())
    except services.PaymentError as exc:
        db.session.rollback()
        raise _refuse(exc) from None
    answer = services.void_view(record)
    db.session.commit()
    return jsonify(answer), 201
