"""Login wiring and the permission decorator used by every domain's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, request
from flask_login import current_user, login_required, user_logged_in

from app.auth import services
from app.extensions import login_manager
from app.logs import user_var
from tenants.context import current_tenant

F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[F], F]:
    """Signed in at this coop and allowed ``permission``; otherwise the login page or a 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not services.can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def actor_from_request() -> services.Actor:
    from flask import g

    user = current_user if getattr(current_user, "is_authenticated", False) else None
    return services.Actor(
        user_id=user.id if user else None,
        label=user.email if user else "",
        ip=request.remote_addr or "",
        request_id=g.get("request_id", ""),
    )


def init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load(user_key: str) -> Any:
        if current_tenant() is None:
            return None  # a session cookie means nothing outside its coop's URLs
        user = services.load_session_user(user_key)
        if user is not None:
            user_var.set(str(user.id))  # the request's log lines name who it was
        return user

    @user_logged_in.connect_via(app)
    def _signed_in(_app: Flask, user: Any) -> None:
        user_var.set(str(user.id))
