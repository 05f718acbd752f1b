"""``/api/v1``: token auth for every route; domain endpoints register on this blueprint."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from app.api.auth import ApiAuthError, authenticate_request, token_user
from app.api.openapi import openapi_document
from app.errors import api_error
from app.extensions import csrf
from tenants.db import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi"}
SAFE_METHODS = ("GET", "HEAD")


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if request.method in SAFE_METHODS:
        db.begin_read_only()  # reads never write; see Database.begin_read_only
    authenticate_request()


@bp.after_request
def _end_reads(response: Response) -> Response:
    if request.method in SAFE_METHODS and response.status_code < 500:
        db.end_read_only()
    return response


@bp.errorhandler(ApiAuthError)
def _auth_error(exc: ApiAuthError):  # type: ignore[no-untyped-def]
    return api_error(exc.status, exc.message)


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


@bp.get("/me")
def me():  # type: ignore[no-untyped-def]
    user = token_user()
    return jsonify(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=user.role,
        coop={"slug": g.tenant.slug, "name": g.tenant.name},
    )
