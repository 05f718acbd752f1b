"""Per-request plumbing: request id, log context, NUL-byte guard and security headers."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, Request, Response, abort, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

from app.logs import mask_path, request_id_var, user_var
from config import Settings

access_log = logging.getLogger("gerai.access")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)


def _has_nul() -> bool:
    """PostgreSQL text cannot hold NUL: refuse it at the edge instead of failing in the database."""
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        return True
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype.startswith(
        "multipart/"
    ):
        return any("\x00" in v for v in request.form.values())
    if request.is_json:
        return "\\u0000" in request.get_data(as_text=True) or "\x00" in request.get_data(
            as_text=True
        )
    return False


# Responses that never carry a session cookie: files and icons.
STATIC_ENDPOINTS = frozenset({"static", "icon"})


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, written only when a coop's page changed them.

    A response that writes the cookie can overwrite a newer one: on a slow link a request that left
    before the sign-in (a favicon, an error page) comes back after it and signs the person out. So
    the cookie is written only when the session was modified, by a successful (< 400) response of a
    coop's page — never by an error page, a static file or anything outside a coop — and an
    unchanged session is never re-sent. A request without the cookie (every API call) starts an
    empty session without building the signer first.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session.accessed:
            response.vary.add("Cookie")
        if (
            session.modified
            and response.status_code < 400
            and g.get("tenant") is not None
            and request.endpoint not in STATIC_ENDPOINTS
        ):
            super().save_session(app, session, response)


def log_access(response: Response) -> None:
    """One access line: method, path (a password link's token masked), status and duration.

    It is on in production, so it is built for microseconds: the record is made directly (no
    caller lookup through the stack) and the formatter does the rest in one pass.
    """
    if not access_log.isEnabledFor(logging.INFO):
        return
    started = g.get("started")
    status = response.status_code
    record = access_log.makeRecord(
        access_log.name, logging.INFO, "", 0,
        f"{request.method} {mask_path(request.path)} {status}", None, None,
        extra={"status": status,
               "ms": round((time.perf_counter() - started) * 1000, 1) if started else 0.0},
    )
    access_log.handle(record)


def init_app(app: Flask) -> None:
    settings: Settings = app.config["GERAI"]
    app.session_interface = CookieSessions()

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        rid = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
        g.request_id = rid
        request_id_var.set(rid)
        user_var.set("")
        if _has_nul():
            abort(422, description="nul")

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if settings.is_production:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")  # icons set their own
        if request.endpoint not in STATIC_ENDPOINTS:
            log_access(response)
        return response
