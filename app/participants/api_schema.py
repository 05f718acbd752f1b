"""OpenAPI 3.1 paths and schemas of ``/api/v1/participants`` (merged by ``app.api.openapi``).

Kept next to the validator it describes: the input schema lists exactly the fields
``validation.clean_participant`` accepts (``additionalProperties: false``), the output schemas
exactly what ``app.api.participants`` answers.
"""

from __future__ import annotations

from typing import Any

from app.dues import STATUSES
from app.participants import validation

MONTH = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "examples": ["2026-11"]}
PROGRAM = {"type": "string", "enum": list(validation.PROGRAM_ORDER)}
SECTOR = {"type": "string", "enum": list(validation.SECTOR_ORDER)}
NULLABLE_TEXT = {"type": ["string", "null"]}
# A NIK or family-card number as answered: 16 digits, or masked (``2104********0001``).
ID_NUMBER = "^[0-9]{4}([0-9]{8}|[*]{8})[0-9]{4}$"
MASKING = (
    "NIK and family-card numbers are answered in full to admin and cashier tokens only; "
    "pengawas and mentor tokens get them masked (`2104********0001`), as on the pages."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    from app.api.openapi import error_responses

    return error_responses(*codes)


def _schemas() -> dict[str, Any]:
    sponsor_input = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "type", "programs"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "type": {"type": "string", "enum": list(validation.SPONSOR_TYPE_ORDER)},
            "programs": {"type": "array", "items": PROGRAM, "minItems": 1, "uniqueItems": True},
            "from": {**MONTH, "description": "first month paid (default: the registration month)"},
            "until": {**MONTH, "description": "last month paid, inclusive (default: no end)"},
        },
    }
    participant_input = {
        "type": "object",
        "additionalProperties": False,
        "required": list(validation.REQUIRED_FIELDS),
        "properties": {
            "nik": {
                "type": "string",
                "description": "16 digits; spaces, dots and dashes are ignored. Must agree with "
                "birth_date and sex (DDMMYY, day + 40 for women).",
                "examples": ["2104011505800001"],
            },
            "kpj": {**NULLABLE_TEXT, "description": "11 digits, unique within the coop"},
            "family_card_number": {**NULLABLE_TEXT, "description": "16 digits"},
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "birth_place": {"type": ["string", "null"], "maxLength": 100},
            "birth_date": {"type": "string", "format": "date"},
            "sex": {"type": "string", "enum": list(validation.SEXES)},
            "phone": {
                "type": "string",
                "description": "Indonesian mobile number however typed; answered in E.164",
                "examples": ["0812-3456-7890"],
            },
            "email": {"type": ["string", "null"], "maxLength": 254},
            "address": {"type": ["string", "null"], "maxLength": 500},
            "kelurahan": {"type": ["string", "null"], "maxLength": 100},
            "kecamatan": {"type": ["string", "null"], "maxLength": 100},
            "occupation": {"type": "string", "minLength": 1, "maxLength": 100},
            "sector": SECTOR,
            "declared_income": {
                "type": "integer",
                "description": "one of the configured income levels in rupiah",
                "examples": [1000000],
            },
            "programs": {
                "type": "array",
                "items": PROGRAM,
                "uniqueItems": True,
                "minItems": 2,
                "maxItems": 3,
                "description": "always JKK and JKM; JHT optional",
            },
            "coop_role": {"type": ["string", "null"], "enum": [*validation.COOP_ROLES, None]},
            "preferred_channel": {
                "type": ["string", "null"], "enum": [*validation.CHANNELS, None]
            },
            "whatsapp_consent": {"type": ["boolean", "null"]},
            "sponsor": {"anyOf": [_ref("SponsorInput"), {"type": "null"}]},
        },
    }
    sponsor = {
        "type": "object",
        "required": ["id", "name", "type", "programs", "from", "until"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
            "type": {"type": "string", "enum": list(validation.SPONSOR_TYPE_ORDER)},
            "programs": {"type": "array", "items": PROGRAM},
            "from": {"anyOf": [MONTH, {"type": "null"}]},
            "until": {"anyOf": [MONTH, {"type": "null"}]},
        },
    }
    coverage = {
        "type": "object",
        "required": ["status", "paid_through", "arrears_months", "arrears_amount"],
        "properties": {
            "status": {"type": "string", "enum": list(STATUSES)},
            "paid_through": {"anyOf": [MONTH, {"type": "null"}]},
            "arrears_months": {"type": "integer", "minimum": 0},
            "arrears_amount": {"type": "integer", "minimum": 0},
        },
    }
    text = {"type": "string"}
    participant = {
        "type": "object",
        "required": [
            "id", "nik", "kpj", "family_card_number", "name", "birth_place", "birth_date", "sex",
            "phone", "email", "address", "kelurahan", "kecamatan", "occupation", "sector",
            "declared_income", "programs", "coop_role", "preferred_channel", "whatsapp_consent",
            "sponsors", "registered_on", "monthly_contribution", "coverage",
        ],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "nik": {
                "type": "string",
                "pattern": ID_NUMBER,
                "description": "in full for admin and cashier tokens; masked for pengawas and "
                "mentor (the first and last 4 digits kept), as on the pages",
                "examples": ["2104011505800001", "2104********0001"],
            },
            "kpj": {"type": ["string", "null"], "pattern": "^[0-9]{11}$"},
            "family_card_number": {
                "type": ["string", "null"],
                "pattern": ID_NUMBER,
                "description": "masked like nik for pengawas and mentor",
            },
            "name": text,
            "birth_place": text,
            "birth_date": {"type": "string", "format": "date"},
            "sex": {"type": "string", "enum": list(validation.SEXES)},
            "phone": {"type": "string", "pattern": "^\\+62[0-9]{8,13}$"},
            "email": {"type": ["string", "null"]},
            "address": text,
            "kelurahan": text,
            "kecamatan": text,
            "occupation": text,
            "sector": SECTOR,
            "declared_income": {"type": "integer"},
            "programs": {"type": "array", "items": PROGRAM},
            "coop_role": {"type": "string", "enum": list(validation.COOP_ROLES)},
            "preferred_channel": {"type": "string", "enum": list(validation.CHANNELS)},
            "whatsapp_consent": {"type": "boolean"},
            "sponsors": {"type": "array", "items": _ref("Sponsor")},
            "registered_on": {"type": "string", "format": "date"},
            "monthly_contribution": {
                "type": "integer",
                "minimum": 0,
                "description": "what the person pays for the current month (after discount "
                "and sponsor)",
            },
            "coverage": _ref("Coverage"),
        },
    }
    money = {"type": "integer", "minimum": 0}
    quote_row = {
        "type": "object",
        "required": ["period", "jkk", "jkm", "jht", "discount", "sponsored", "amount"],
        "properties": {
            "period": MONTH,
            "jkk": money,
            "jkm": money,
            "jht": money,
            "discount": money,
            "sponsored": money,
            "amount": money,
        },
    }
    conflict = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "existing_id"],
                "properties": {
                    "code": {"type": "string", "enum": ["conflict"]},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    "existing_id": {"type": "string", "format": "uuid"},
                },
            }
        },
    }
    return {
        "SponsorInput": sponsor_input,
        "ParticipantInput": participant_input,
        "Sponsor": sponsor,
        "Coverage": coverage,
        "Participant": participant,
        "ParticipantList": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": _ref("Participant")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "QuoteRow": quote_row,
        "Quote": {
            "type": "object",
            "required": ["periods", "total"],
            "properties": {
                "periods": {"type": "array", "items": _ref("QuoteRow")},
                "total": money,
            },
        },
        "DuplicateParticipant": conflict,
    }


def openapi_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """(paths, schemas) for the participants endpoints."""
    pid = {
        "name": "participant_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "the participant's id (a UUID); unknown or another coop's → 404",
    }
    paths = {
        "/participants": {
            "get": {
                "summary": "List participants, sorted by name",
                "description": MASKING,
                "operationId": "listParticipants",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
                     "description": "NIK or KPJ prefix, phone however typed, or part of a name"},
                    {"name": "status", "in": "query",
                     "schema": {"type": "string", "enum": list(STATUSES)}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"},
                     "description": "next_cursor of the previous page; empty: the first page"},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
                ],
                "responses": {
                    "200": _json(_ref("ParticipantList"), "a page of participants"),
                    **_errors(401, 403, 422),
                },
            },
            "post": {
                "summary": "Register a participant",
                "operationId": "createParticipant",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ParticipantInput")}},
                },
                "responses": {
                    "201": _json(_ref("Participant"), "registered"),
                    "409": _json(
                        _ref("DuplicateParticipant"),
                        "the NIK or KPJ is already registered in this coop (existing_id)",
                    ),
                    **_errors(400, 401, 403, 422),
                },
            },
        },
        "/participants/{participant_id}": {
            "get": {
                "summary": "One participant with monthly_contribution and coverage",
                "description": MASKING,
                "operationId": "getParticipant",
                "parameters": [pid],
                "responses": {
                    "200": _json(_ref("Participant"), "the participant"),
                    **_errors(401, 403, 404, 422),
                },
            }
        },
        "/participants/{participant_id}/quote": {
            "get": {
                "summary": "Price months for a participant under the rules of each month",
                "operationId": "quoteParticipant",
                "parameters": [
                    pid,
                    {"name": "months", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 12, "default": 1}},
                    {"name": "from", "in": "query", "schema": MONTH,
                     "description": "first month to price (any month); default: the months "
                     "the next payment would cover (none when nothing is payable)"},
                ],
                "responses": {
                    "200": _json(_ref("Quote"), "the months priced"),
                    **_errors(401, 403, 404, 422),
                },
            }
        },
    }
    return paths, _schemas()
