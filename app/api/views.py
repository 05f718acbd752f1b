"""``/api/v1``: token auth for every route; domain endpoints register on this blueprint."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from app.api.auth import ApiAuthError, authenticate_request
from app.api.openapi import openapi_document
from app.errors import api_error
from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def _authenticate() -> None:
    from flask import request

    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    authenticate_request()


@bp.errorhandler(ApiAuthError)
def _auth_error(exc: ApiAuthError):  # type: ignore[no-untyped-def]
    return api_error(exc.status, exc.message)


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


@bp.get("/me")
def me():  # type: ignore[no-untyped-def]
    user = g.api_user
    return jsonify(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=user.role,
        coop={"slug": g.tenant.slug, "name": g.tenant.name},
    )
