"""Gerai, the product. ``create_app()`` wires each part with its ``init_app``."""

from __future__ import annotations

from typing import Any

from flask import Flask

from config import Settings, load_settings


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the Flask app for the given settings (default: from the environment)."""
    from app import cli, errors, extensions, logs, requests, tenancy
    from app.api import participants as _api_participants  # noqa: F401 - registers routes
    from app.api import payments as _api_payments  # noqa: F401 - registers routes
    from app.api import views as api_views
    from app.auth import views as auth_views
    from app.auth.access import init_login
    from app.participants import import_views as participant_excel_views
    from app.participants import views as participant_views
    from app.payments import views as payment_views
    from app.web import icons, jobs_views, nav, settings_views
    from app.web import views as web_views

    settings = settings or load_settings(**overrides)
    app = Flask(__name__, static_folder="web/static", template_folder="templates")
    app.config["GERAI"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="gerai_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        TESTING=settings.env == "testing",
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        JSON_SORT_KEYS=False,
    )
    logs.init_app(app)
    extensions.init_app(app)
    init_login(app)
    tenancy.init_app(app)
    requests.init_app(app)
    errors.init_app(app)
    nav.init_app(app)
    icons.init_app(app)
    app.register_blueprint(web_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(participant_views.bp)
    app.register_blueprint(participant_excel_views.bp)
    app.register_blueprint(payment_views.bp)
    app.register_blueprint(jobs_views.bp)
    app.register_blueprint(settings_views.bp)
    app.register_blueprint(api_views.bp)
    cli.init_app(app)
    return app
