"""Error pages in the app's layout (HTML) or the API's error shape (JSON under /api/)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

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

    @app.errorhandler(DBAPIError)
    def _database(exc: DBAPIError):  # type: ignore[no-untyped-def]
        if not exc.connection_invalidated:
            return _unexpected(exc)
        # The connection died under this request (a database restart): the pool has dropped the
        # dead connections. A retry is safe: payments are written once per idempotency key.
        log.warning("database connection lost; answered 503")
        if _wants_json():
            response, status = api_error(
                503, "Database connection lost. Try again; a retry with the same Idempotency-Key"
                " is never recorded twice.", "unavailable",
            )
        else:
            response, status = _page(503)
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        if _wants_json():
            return api_error(500, "Internal error.", "internal_error")
        return _page(500)
