"""``/api/v1/participants``: list, register, read, quote — exactly as CONTRACT.md describes.

Strict input: a number must be a JSON number and a string a JSON string, unknown fields and query
parameters are refused (422 with ``fields``), and nothing a client sends can cause a 500. Another
coop's participant, and any malformed id, is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, jsonify, url_for

from app import clock
from app.api.auth import require
from app.api.common import Refused, api_actor, int_arg, invalid, json_body, query_args
from app.api.views import bp
from app.auth.services import TokenHolder, can
from app.dues import STATUSES, Coverage, NoRuleError, Period, TooManyMonths, quote, quote_month
from app.participants import listing, services
from app.participants.api_schema import openapi_paths as _openapi_paths
from app.participants.coverage_state import terms_of
from app.participants.identifiers import mask_number
from app.participants.records import (
    ParticipantData,
    ParticipantRecord,
    read_by_number,
    read_participant,
)
from app.participants.services import DuplicateParticipant, Invalid
from tenants.db import db

__all__ = ["openapi_paths"]

MAX_TEXT = 1000


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) this module adds to the OpenAPI document."""
    return _openapi_paths()


def _json_body() -> dict[str, Any]:
    """The body (``common.json_body``) with every nested string checked: a registration nests."""
    body = json_body()
    bad = _unencodable(body)
    if bad:
        raise invalid({path: "Text must be valid Unicode." for path in bad})
    return body


def _unencodable(value: Any, path: str = "") -> list[str]:
    """Paths of strings PostgreSQL could not store (lone surrogates), found before they reach it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [path or "body"]
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _unencodable(v, _join(path, str(k)))] + (
            [path or "body"] if any(_unencodable(k) for k in value) else []
        )
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unencodable(v, path or "body")]
    return []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --- representation -----------------------------------------------------------------------------


def _coverage_json(cov: Coverage | None, row: listing.Row | None, amount: int) -> dict[str, Any]:
    if row is not None:
        status, paid_through, arrears = row.status, row.paid_through, row.arrears_months
    else:
        assert cov is not None
        status, paid_through, arrears = cov.status, cov.paid_through, cov.arrears_months
    return {
        "status": status,
        "paid_through": str(paid_through) if paid_through is not None else None,
        "arrears_months": arrears,
        "arrears_amount": amount,
    }


def participant_json(
    p: ParticipantData, today: dt.date, row: listing.Row | None = None, *,
    full_numbers: bool = False,
) -> dict[str, Any]:
    """A participant as the API answers it (the list's items and the detail are the same).

    ``full_numbers``: NIK and family-card number in full (``identity.full``: admin, cashier);
    masked by default, like the pages — decided from the token's role, so it costs no query.
    """
    shown = _as_is if full_numbers else mask_number
    if row is not None and row.arrears_months == 0:
        cov, arrears_amount = None, 0  # the list's SQL already says everything: nothing owed
    else:
        cov, arrears_amount = services.coverage_of(p, today)
    current = quote_month(Period.of(today), terms_of(p))
    return {
        "id": str(p.id),
        "nik": shown(p.nik),
        "kpj": p.kpj,
        "family_card_number": shown(p.family_card_number) or None,
        "name": p.name,
        "birth_place": p.birth_place,
        "birth_date": p.birth_date.isoformat(),
        "sex": p.sex,
        "phone": p.phone,
        "email": p.email,
        "address": p.address,
        "kelurahan": p.kelurahan,
        "kecamatan": p.kecamatan,
        "occupation": p.occupation,
        "sector": p.sector,
        "declared_income": int(p.declared_income),
        "programs": [prog for prog in ("JKK", "JKM", "JHT") if prog in p.programs],
        "coop_role": p.coop_role,
        "preferred_channel": p.preferred_channel,
        "whatsapp_consent": p.whatsapp_consent,
        "sponsors": [_sponsor_json(s) for s in p.sponsors],
        "registered_on": p.registered_on.isoformat(),
        "monthly_contribution": current.amount,
        "coverage": _coverage_json(cov, row, arrears_amount),
    }


def _as_is(value: str | None) -> str | None:
    return value


def sees_full_numbers(holder: TokenHolder) -> bool:
    """May this token see NIK and family-card numbers in full (the pages' rule)?"""
    return can(holder, "identity.full")


def _sponsor_json(row: Any) -> dict[str, Any]:
    view = services.sponsor_view(row)
    return {
        "id": str(view["id"]),
        "name": view["name"],
        "type": view["type"],
        "programs": view["programs"],
        "from": str(view["from"]) if view["from"] else None,
        "until": str(view["until"]) if view["until"] else None,
    }


def _participant_or_404(participant_id: str) -> ParticipantRecord:
    p = read_participant(participant_id)
    if p is None:
        raise Refused(404, "No such participant.")
    return p


# --- routes -------------------------------------------------------------------------------------


@bp.get("/participants")
def list_participants():  # type: ignore[no-untyped-def]
    holder = require("read")
    args = query_args(("q", "status", "cursor", "limit"))
    limit = int_arg(args, "limit", listing.DEFAULT_LIMIT, 1, listing.MAX_LIMIT)
    status = args.get("status")
    if status is not None and status not in STATUSES:
        raise invalid({"status": f"One of: {', '.join(STATUSES)}."})
    q = args.get("q")
    if q is not None and len(q) > listing.MAX_QUERY:
        raise invalid({"q": f"At most {listing.MAX_QUERY} characters."})
    today = clock.today()
    exact = listing.exact_number(q) if q and not args.get("cursor") and status is None else None
    if exact is not None:
        # The lookup a counter makes all day: one unique-index probe, read as a record.
        record = read_by_number(*exact)
        if record is not None:
            item = participant_json(record, today, full_numbers=sees_full_numbers(holder))
            return jsonify(items=[item], next_cursor=None)
        if exact[0] == "nik":  # a whole NIK is nothing else; a KPJ may be a phone typed so far
            return jsonify(items=[], next_cursor=None)
    try:
        page = listing.list_participants(
            q=q, status=status, cursor=args.get("cursor") or None, limit=limit, today=today
        )
    except listing.InvalidCursor:
        raise invalid({"cursor": "Not a cursor from this API; start without one."}) from None
    full = sees_full_numbers(holder)
    items = [participant_json(r.participant, today, r, full_numbers=full) for r in page.rows]
    return jsonify(items=items, next_cursor=page.next_cursor)


@bp.post("/participants")
def create_participant():  # type: ignore[no-untyped-def]
    holder = require("participants.write")
    body = _json_body()
    today = clock.today()
    try:
        p = services.register(body, api_actor(), today=today)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        raise invalid(exc.errors) from None
    except DuplicateParticipant as exc:
        db.session.rollback()
        return _conflict(exc)
    record = read_participant(p.id)
    assert record is not None
    response: Response = jsonify(
        participant_json(record, today, full_numbers=sees_full_numbers(holder))
    )
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_participant", participant_id=str(record.id))
    return response


def _conflict(exc: DuplicateParticipant):  # type: ignore[no-untyped-def]
    body = {
        "error": {
            "code": "conflict",
            "message": str(exc.message),
            "fields": {exc.field: str(exc.message)},
            "existing_id": str(exc.existing_id),
        }
    }
    return jsonify(body), 409


@bp.get("/participants/<participant_id>")
def get_participant(participant_id: str):  # type: ignore[no-untyped-def]
    holder = require("read")
    query_args(())
    p = _participant_or_404(participant_id)
    return jsonify(participant_json(p, clock.today(), full_numbers=sees_full_numbers(holder)))


@bp.get("/participants/<participant_id>/quote")
def quote_participant(participant_id: str):  # type: ignore[no-untyped-def]
    require("read")
    p = _participant_or_404(participant_id)
    args = query_args(("months", "from"))
    months = int_arg(args, "months", 1, 1, 12)
    today = clock.today()
    if "from" in args:
        try:
            first = Period.parse(args["from"])
            periods = [first + i for i in range(months)]
        except ValueError:
            raise invalid({"from": "A month as YYYY-MM, e.g. 2026-11."}) from None
    else:
        try:
            periods = list(services.plan_for(p, months, today).months)
        except TooManyMonths:
            periods = _payable(p, today)
            if periods:
                raise invalid({
                    "months": f"Only {len(periods)} month(s) can be paid now "
                    f"(at most 12 months ahead of {Period.of(today)})."
                }) from None
    try:
        rows, total = quote(periods, terms_of(p))
    except NoRuleError:
        raise invalid({"from": "No contribution rules for these months (from 2015-07)."}) from None
    return jsonify(periods=[r.as_dict() for r in rows], total=total)


def _payable(p: ParticipantData, today: dt.date) -> list[Period]:
    """Every month payable now (fewer than asked for): empty when there is nothing to pay."""
    for n in range(12, 0, -1):
        try:
            return list(services.plan_for(p, n, today).months)
        except TooManyMonths:
            continue
    return []
