"""Bearer tokens: the token picks the coop (through the door) and the user inside it."""

from __future__ import annotations

from flask import g, request

from app.auth.models import User
from app.auth.services import TokenHolder, can, get_user
from app.logs import user_var
from app.tenancy import CoopDisabled
from tenants.db import db
from tenants.door import enter_by_token


class ApiAuthError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def authenticate_request() -> TokenHolder:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiAuthError(401, "Missing bearer token.")
    owner = enter_by_token(token.strip())
    if owner is None:
        db.session.rollback()
        raise ApiAuthError(401, "Invalid or revoked token.")
    g.tenant = owner.tenant
    if not owner.tenant.is_active:
        raise CoopDisabled(owner.tenant.name)
    holder = TokenHolder(id=owner.user_id, role=owner.role)
    g.api_user = holder
    user_var.set(str(holder.id))
    return holder


def token_user() -> User:
    """The token holder's staff record, for answers that show or log who acted (not every read)."""
    user = get_user(g.api_user.id)
    if user is None or not user.active:
        raise ApiAuthError(401, "Invalid or revoked token.")
    return user


def require(permission: str) -> TokenHolder:
    user: TokenHolder = g.api_user
    if not can(user, permission):
        raise ApiAuthError(403, "Your role may not do this.")
    return user
