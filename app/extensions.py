"""Flask extensions and the kernel's database, set up once per app."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from app import formatting
from app.health import guard_role_on_connect
from config import Settings
from tenants.db import db

LOCALES = ("id", "en")
LANG_COOKIE = "gerai_lang"

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def select_locale() -> str:
    if not has_request_context():
        return "id"
    lang = request.cookies.get(LANG_COOKIE)
    return lang if lang in LOCALES else "id"


def init_app(app: Flask) -> None:
    settings: Settings = app.config["GERAI"]
    db.configure(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)
    if settings.is_production:
        # Not at boot (a worker restarted while PostgreSQL is down must still come up): on every
        # new connection, see app.health.
        guard_role_on_connect()
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    login_manager.init_app(app)
    # No "fresh login" is used anywhere, and "basic" protection only rewrote the cookie (marking it
    # not fresh) on requests that changed nothing else: each rewrite can overwrite a newer session.
    login_manager.session_protection = None
    formatting.init_app(app)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        db.remove()
