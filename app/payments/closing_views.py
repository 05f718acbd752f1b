"""Closing the day: a cashier closes their own drawer; an admin may close any cashier's.

Two steps, with or without JavaScript: choose the drawer (a GET form; a script submits it as soon
as the choice changes), then see its expected cash and its payments and confirm the count. The
confirmation carries what was shown; if the drawer changed meanwhile, nothing is closed and the
new state is shown (``closing.close_day``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import actor_from_request, requires
from app.auth.services import can, list_users
from app.formatting import rupiah
from app.payments import closing, services
from app.payments.forms import ClosingForm
from app.payments.views import bp
from tenants.db import db

DRAWER_ROLES = ("cashier", "admin")


def _shown() -> closing.OpenDrawer | None:
    """The drawer as the confirming page showed it (its hidden fields), if they are whole."""
    try:
        return closing.OpenDrawer(
            int(request.form["expected"]), int(request.form["payments"]),
            int(request.form["voided"]),
        )
    except (KeyError, ValueError):
        return None


def _signed(amount: int) -> str:
    return ("+" if amount > 0 else "") + rupiah(amount)


@bp.route("/closing", methods=["GET", "POST"])
@requires("payments.write")
def close():  # type: ignore[no-untyped-def]
    is_admin = can(current_user, "staff.manage")
    drawers = {d[0]: d for d in closing.open_drawers()} if is_admin else {}
    people = [u for u in list_users() if u.role in DRAWER_ROLES] if is_admin else []
    cashier_id = current_user.id
    asked = request.form.get("cashier_id") if request.method == "POST" else request.args.get(
        "cashier"
    )
    if is_admin and asked:
        cashier_id = next((u.id for u in people if str(u.id) == asked), None)
        if cashier_id is None:
            abort(404)
    form = ClosingForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        shown = _shown()
        try:
            if shown is None:
                raise services.Conflict(_("Isi laci belum ditampilkan. Periksa, lalu tutup kas."))
            done = closing.close_day(
                cashier_id, form.counted.data, actor_from_request(), form.note.data or "",
                shown=shown,
            )
        except services.PaymentError as exc:
            db.session.rollback()
            status = exc.status
            if isinstance(exc, services.Conflict):
                flash(str(exc.message), "error")
            else:
                form.counted.errors = [*form.counted.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(_("Kas ditutup. Selisih: %(d)s", d=_signed(done.difference)), "ok")
            return redirect(url_for("payments.closings"))
    elif request.method == "POST":
        status = 422
    owner = next((u for u in people if u.id == cashier_id), current_user)
    choices = [(u, drawers[u.id][2] if u.id in drawers else None) for u in people]
    return render_template(
        "payments/closing.html",
        form=form,
        cashier_id=cashier_id,
        owner_name=owner.name or owner.email,
        own=cashier_id == current_user.id,
        drawer=closing.open_drawer(cashier_id),
        payments=closing.open_payments(cashier_id),
        is_admin=is_admin,
        choices=choices,
        history=closing.closings(10, cashier_id),
    ), status


@bp.get("/closings")
@requires("read")
def closings():  # type: ignore[no-untyped-def]
    """Admins and pengawas see every cashier's closings and open differences."""
    if not (can(current_user, "staff.manage") or current_user.role == "pengawas"):
        return render_template(
            "payments/closings.html",
            rows=closing.closings(50, current_user.id),
            drawers=[],
            voids=[],
            everyone=False,
        )
    return render_template(
        "payments/closings.html",
        rows=closing.closings(100),
        drawers=closing.open_drawers(),
        can_close=can(current_user, "staff.manage"),
        voids=closing.voids_after_closing(),
        everyone=True,
    )
