"""The OpenAPI 3.1 document for ``/api/v1``; each domain adds its paths and schemas here."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "enum": [
                        "bad_request",
                        "unauthorized",
                        "forbidden",
                        "coop_disabled",
                        "not_found",
                        "conflict",
                        "validation_error",
                    ],
                },
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def error_responses(*codes: int) -> dict[str, Any]:
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {str(c): {"description": "error", **ref} for c in codes}


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/me": {
            "get": {
                "summary": "The token's user and cooperative",
                "operationId": "getMe",
                "responses": {
                    "200": {
                        "description": "who am I",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                        },
                    },
                    **error_responses(401, 403),
                },
            }
        }
    }
    schemas: dict[str, Any] = {
        "Error": ERROR_SCHEMA,
        "Me": {
            "type": "object",
            "required": ["id", "email", "role", "coop"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "email": {"type": "string"},
                "name": {"type": "string"},
                "role": {"type": "string", "enum": ["admin", "cashier", "pengawas", "mentor"]},
                "coop": {
                    "type": "object",
                    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
    }
    from app.api import participants, payments

    for module in (participants, payments):
        more_paths, more_schemas = module.openapi_paths()
        paths.update(more_paths)
        schemas.update(more_schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Gerai API", "version": "1.0.0"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
