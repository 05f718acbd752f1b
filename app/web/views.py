"""The coop's home page, the platform landing page, the language switch and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request
from flask_login import current_user

from app.auth.access import requires
from app.extensions import LANG_COOKIE, LOCALES
from app.redirects import safe_next
from tenants.context import require_tenant

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def landing():  # type: ignore[no-untyped-def]
    return render_template("web/landing.html")


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """200 when the database and Redis (if configured) answer; 503 naming what is down."""
    from app.health import report

    body, healthy = report(current_app.config["GERAI"].redis_url)
    return jsonify(body), 200 if healthy else 503


@bp.get("/lang/<code>")
def set_language(code: str):  # type: ignore[no-untyped-def]
    target = safe_next(request.args.get("next"), default="/")
    response = make_response(redirect(target))
    if code in LOCALES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


@bp.get("/<tenant_slug>/")
@requires("read")
def home():  # type: ignore[no-untyped-def]
    """The coop's day at a glance, per role (figures in ``app.figures``, picked in ``home``)."""
    from app.web import home as home_figures

    return render_template(
        "web/home.html", tenant=require_tenant(), user=current_user,
        home=home_figures.build(current_user),
    )


@bp.get("/<tenant_slug>/audit")
@requires("read")
def audit_log():  # type: ignore[no-untyped-def]
    """The coop's audit log in words, filtered by action, person and dates (admin, pengawas)."""
    from flask import abort

    from app.web import audit_log as log

    if current_user.role not in ("admin", "pengawas"):
        abort(403)
    people = log.staff()
    filters, errors = log.Filters.parse(request.args, people)
    return render_template(
        "web/audit.html",
        rows=log.rows(filters, people),
        filters=filters,
        errors=errors,
        people=sorted(people.values(), key=lambda u: (u.name or u.email).lower()),
        actions=sorted(log.ACTIONS.items(), key=lambda kv: str(kv[1])),
        page=log.PAGE,
    ), 400 if errors else 200
