"""Staff routes under ``/<tenant-slug>/``: sign-in and out, staff, password links, tokens."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.access import actor_from_request, requires
from app.auth.forms import EmptyForm, LoginForm, PasswordSetForm, RoleForm, StaffForm, TokenForm
from app.redirects import safe_next
from tenants.context import require_tenant
from tenants.db import db

bp = Blueprint("auth", __name__, url_prefix="/<tenant_slug>", template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, actor_from_request())
        except services.AuthError as exc:
            flash(exc.message, "error")
            status = 429 if exc.code == "throttled" else 401
        else:
            login_user(user)
            target = request.args.get("next")
            home = url_for("web.home")
            return redirect(safe_next(target, require_tenant().slug, default=home))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.end_sessions(current_user)
        db.session.commit()
        logout_user()
    return redirect(url_for("auth.login"))


def _load_user(user_id: uuid.UUID) -> services.User:
    user = services.get_user(user_id)
    if user is None:
        abort(404)
    return user


def _staff_page(form: StaffForm | None = None, new_link: dict | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    """The staff page; a fresh password link is shown on the page that made it, never flashed:
    a flash would sit in the session cookie, which is signed but readable."""
    return render_template(
        "auth/staff.html",
        users=services.list_users(),
        form=form or StaffForm(),
        role_form=RoleForm(),
        action_form=EmptyForm(),
        new_link=new_link,
    ), status


def _link(message: str, token: str) -> dict:
    return {"message": message, "url": url_for("auth.password_set", token=token, _external=True)}


@bp.get("/staff")
@requires("staff.manage")
def staff():  # type: ignore[no-untyped-def]
    return _staff_page()


@bp.post("/staff")
@requires("staff.manage")
def staff_create():  # type: ignore[no-untyped-def]
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data, form.role.data, actor_from_request(), name=form.name.data or ""
            )
            token = services.issue_password_link(user, actor_from_request())
            db.session.commit()
        except services.AuthError as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            message = _("Staf ditambahkan. Kirim tautan ini kepadanya (berlaku 48 jam):")
            return _staff_page(new_link=_link(message, token), status=201)
    return _staff_page(form, status=422)


@bp.post("/staff/<uuid:user_id>/role")
@requires("staff.manage")
def staff_role(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    user = _load_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_role(user, form.role.data, actor_from_request())
        db.session.commit()
        flash(
            _("Peran diubah. Token API lama pengguna ini dicabut; buat token baru bila perlu."),
            "ok",
        )
    except services.AuthError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("auth.staff"))


@bp.get("/staff/<uuid:user_id>/deactivate")
@requires("staff.manage")
def staff_deactivate_confirm(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The question before a deactivation: a page of its own, so it works without JavaScript."""
    user = _load_user(user_id)
    return render_template("auth/staff_deactivate.html", user=user, action_form=EmptyForm())


@bp.post("/staff/<uuid:user_id>/<any(activate, deactivate):action>")
@requires("staff.manage")
def staff_active(user_id: uuid.UUID, action: str):  # type: ignore[no-untyped-def]
    user = _load_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if action == "deactivate" and request.form.get("confirm") != "1":
        return redirect(url_for("auth.staff_deactivate_confirm", user_id=user_id), code=303)
    try:
        services.set_active(user, action == "activate", actor_from_request())
        db.session.commit()
        flash(_("Akun diaktifkan.") if action == "activate" else _("Akun dinonaktifkan."), "ok")
    except services.AuthError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("auth.staff"))


@bp.post("/staff/<uuid:user_id>/password-link")
@requires("staff.manage")
def staff_password_link(user_id: uuid.UUID):  # type: ignore[no-untyped-def]
    user = _load_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = services.issue_password_link(user, actor_from_request())
    db.session.commit()
    message = _("Tautan atur kata sandi (sekali pakai, berlaku 48 jam):")
    return _staff_page(new_link=_link(message, token))


@bp.route("/password/<token>", methods=["GET", "POST"])
def password_set(token: str):  # type: ignore[no-untyped-def]
    link = services.find_password_link(token)
    if link is None:
        return render_template("auth/password_link_invalid.html"), 404
    form = PasswordSetForm()
    if form.validate_on_submit():
        try:
            services.use_password_link(token, form.password.data, actor_from_request())
            db.session.commit()
        except services.AuthError as exc:
            db.session.rollback()
            form.password.errors.append(exc.message)
        else:
            flash(_("Kata sandi tersimpan. Silakan masuk."), "ok")
            return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_set.html", form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
@requires("read")
def tokens():  # type: ignore[no-untyped-def]
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = services.create_api_token(
            current_user, actor_from_request(), form.label.data or ""
        )
        db.session.commit()
    return render_template(
        "auth/tokens.html",
        form=form,
        new_token=new_token,
        tokens=services.list_api_tokens(current_user),
        action_form=EmptyForm(),
    )


@bp.post("/tokens/<uuid:token_id>/revoke")
@requires("read")
def token_revoke(token_id: uuid.UUID):  # type: ignore[no-untyped-def]
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not services.revoke_api_token(current_user, token_id, actor_from_request()):
        abort(404)
    db.session.commit()
    flash(_("Token dicabut."), "ok")
    return redirect(url_for("auth.tokens"))
