"""Error pages in the app's layout (HTML) or the API's error shape (JSON under /api/)."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from app.extensions import login_manager
from app.health import RoleRefused, unavailable_reason
from app.tenancy import CoopDisabled

log = logging.getLogger(__name__)

API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "bad_request",
    409: "conflict",
    413: "bad_request",
    415: "bad_request",
    422: "validation_error",
    429: "bad_request",
}


def api_error(status: int, message: str, code: str | None = None, fields: dict | None = None):  # type: ignore[no-untyped-def]
    body: dict = {"code": code or API_CODES.get(status, "bad_request"), "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/webhooks/")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Permintaan tidak dapat diproses"), _("Muat ulang halaman lalu coba lagi.")),
        401: (_("Perlu masuk"), _("Silakan masuk dulu.")),
        403: (_("Tidak diizinkan"), _("Peran Anda tidak boleh membuka halaman ini.")),
        404: (_("Halaman tidak ditemukan"), _("Periksa alamatnya, atau kembali ke beranda.")),
        405: (_("Permintaan tidak dapat diproses"), _("Kembali lalu coba lagi.")),
        413: (_("Berkas terlalu besar"), _("Batas ukuran berkas 20 MB.")),
        422: (_("Isian tidak valid"), _("Periksa isian lalu coba lagi.")),
        429: (_("Terlalu banyak percobaan"), _("Tunggu sebentar lalu coba lagi.")),
        500: (_("Terjadi kesalahan"), _("Kesalahan sudah dicatat. Coba lagi sebentar lagi.")),
        503: (
            _("Sambungan ke database terputus"),
            _("Coba lagi. Mengirim ulang tidak akan mencatat pembayaran dua kali."),
        ),
    }


def _page(status: int):  # type: ignore[no-untyped-def]
    title, hint = _messages().get(status, _messages()[500])
    return render_template("error.html", status=status, title=title, hint=hint), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CoopDisabled)
    def _disabled(_exc: CoopDisabled):  # type: ignore[no-untyped-def]
        if _wants_json():
            return api_error(403, "This cooperative is disabled.", "coop_disabled")
        return render_template("disabled.html"), 403

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError):  # type: ignore[no-untyped-def]
        if _wants_json():
            return api_error(400, "Missing or invalid CSRF token.")
        return render_template(
            "error.html",
            status=400,
            title=_("Formulir kedaluwarsa"),
            hint=_("Muat ulang halaman lalu kirim lagi."),
        ), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        if _wants_json():
            message = exc.description if status != 422 else "Invalid input."
            if exc.description == "nul":
                return api_error(422, "Text must not contain NUL characters.")
            return api_error(status, message or exc.name)
        return _page(status)

    def _unavailable(retry_after: int):  # type: ignore[no-untyped-def]
        """503 with Retry-After: the database cannot be reached now. A retry is safe: payments are
        written once per idempotency key."""
        if "_login_user" not in g:
            # The layout asks who is signed in; loading the user would need the database.
            g._login_user = login_manager.anonymous_user()
        if _wants_json():
            response, status = api_error(
                503, "The database is unavailable. Try again; a retry with the same"
                " Idempotency-Key is never recorded twice.", "unavailable",
            )
        else:
            response, status = _page(503)
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(RoleRefused)
    def _role_refused(exc: RoleRefused):  # type: ignore[no-untyped-def]
        log.critical("REFUSING TO SERVE: %s; answered 503", exc)
        return _unavailable(30)

    @app.errorhandler(sa_exc.TimeoutError)
    @app.errorhandler(DBAPIError)
    def _database(exc: Exception):  # type: ignore[no-untyped-def]
        reason = unavailable_reason(exc)
        if reason is None:
            return _unexpected(exc)
        # One line, no traceback: an outage is not a bug, and a traceback per request would bury
        # the log. A connection cut under the request (a restart) is retried at once: the pool
        # has already replaced it; otherwise the client waits a little.
        lost = isinstance(exc, DBAPIError) and exc.connection_invalidated
        log.warning("%s; answered 503", reason)
        return _unavailable(1 if lost else 5)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        if _wants_json():
            return api_error(500, "Internal error.", "internal_error")
        return _page(500)
