"""Strict request handling shared by every v1 endpoint: JSON bodies, query parameters, errors.

A number must be a JSON number and a string a JSON string; unknown fields and query parameters are
refused with 422 and ``fields``; nothing a client sends can cause a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import g, request
from werkzeug.datastructures import MultiDict

from app.api.auth import token_user
from app.api.views import bp
from app.auth.services import Actor
from app.errors import api_error


class Refused(Exception):
    """An API answer other than success: status, message and optional per-field errors."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields
        self.code = code


@bp.errorhandler(Refused)
def _refused(exc: Refused):  # type: ignore[no-untyped-def]
    return api_error(exc.status, exc.message, code=exc.code, fields=exc.fields)


def invalid(fields: dict[str, Any]) -> Refused:
    return Refused(422, "Invalid input.", {k: str(v) for k, v in fields.items()})


def api_actor() -> Actor:
    user = token_user()
    return Actor(user_id=user.id, label=f"{user.email} (api)", ip=request.remote_addr or "",
                 request_id=g.get("request_id", ""))


def query_args(allowed: tuple[str, ...]) -> dict[str, str]:
    """Query parameters, each at most once; unknown ones refused (typos never pass silently)."""
    args: MultiDict[str, str] = request.args
    errors = {key: "Unknown query parameter." for key in args if key not in allowed}
    errors.update({key: "Give this parameter once." for key in allowed
                   if len(args.getlist(key)) > 1})
    if errors:
        raise invalid(errors)
    return {key: args[key] for key in allowed if key in args}


def int_arg(args: dict[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = args.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or not raw.isascii() or len(raw) > 6 or not low <= int(raw) <= high:
        raise invalid({key: f"Must be a whole number from {low} to {high}."})
    return int(raw)


def json_body() -> dict[str, Any]:
    """The request's body as a JSON object; 400 for anything else (not JSON, malformed, a list)."""
    if not request.is_json:
        raise Refused(400, "Send a JSON object with Content-Type: application/json.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    if not isinstance(body, dict):
        raise Refused(400, "The body must be a JSON object.")
    return body


def json_object(allowed: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object with only ``allowed`` keys and every ``required`` one."""
    body = json_body()
    errors: dict[str, str] = {k: "Unknown field." for k in body if k not in allowed}
    errors.update({k: "Required." for k in required if k not in body})
    for key, value in body.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors[key] = "Text must be valid Unicode."
    if errors:
        raise invalid(errors)
    return body


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, arity: int) -> list[Any] | None:
    if not raw:
        return None
    try:
        padded = raw + "=" * (-len(raw) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid({"cursor": "Not a cursor from this API."}) from None
    if not isinstance(values, list) or len(values) != arity or not all(
        isinstance(v, str) for v in values
    ):
        raise invalid({"cursor": "Not a cursor from this API."})
    return values
