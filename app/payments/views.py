"""Payment pages under ``/<tenant-slug>/payments``: take cash, receipt, void, close the day."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import clock
from app.auth.access import actor_from_request, requires
from app.auth.services import can, get_user, list_users
from app.participants import services as participants
from app.payments import closing, idempotency, services
from app.payments.forms import ClosingForm, PayForm, VoidForm
from app.payments.models import Payment
from app.payments.pdf import receipt_pdf
from tenants.context import require_tenant
from tenants.db import db

bp = Blueprint(
    "payments", __name__, url_prefix="/<tenant_slug>/payments", template_folder="templates"
)
WEB_SCOPE = "web.payments.create"


def _payment_or_404(payment_id: uuid.UUID) -> Payment:
    payment = services.get_payment(payment_id)
    if payment is None:
        abort(404)
    return payment


@bp.get("")
@requires("read")
def index():  # type: ignore[no-untyped-def]
    """Recent payments of the coop (a cashier sees their own first)."""
    import sqlalchemy as sa

    query = sa.select(Payment).order_by(Payment.created_at.desc()).limit(100)
    if current_user.role == "cashier":
        query = query.where(Payment.cashier_id == current_user.id)
    payments = list(db.session.scalars(query))
    names = _participant_names({p.participant_id for p in payments})
    return render_template(
        "payments/index.html",
        payments=payments,
        names=names,
        can_void=can(current_user, "payments.void"),
    )


def _participant_names(ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    import sqlalchemy as sa

    from app.participants.models import Participant

    rows = db.session.execute(
        sa.select(Participant.id, Participant.name).where(Participant.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


def _preview_or_error(participant: Any, months: int) -> tuple[Any, str | None]:
    try:
        return services.preview(participant, months), None
    except services.PaymentError as exc:
        return None, str(exc.message)


@bp.route("/new/<uuid:participant_id>", methods=["GET", "POST"])
@requires("payments.write")
def new(participant_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Pick the months, see the quote, confirm the cash: one payment per idempotency key."""
    participant = participants.get_participant(participant_id)
    if participant is None:
        abort(404)
    form = PayForm()
    if request.method == "GET":
        form.months.data = request.args.get("months", "1")
        form.idempotency_key.data = uuid.uuid4().hex
    months = int(form.months.data) if (form.months.data or "").isdigit() else 1
    if request.method == "POST" and form.validate_on_submit() and request.form.get("confirm"):
        outcome = _take_cash(participant_id, months, form)
        if outcome is not None:
            return outcome
    preview, problem = _preview_or_error(participant, months)
    if request.method == "POST" and not request.form.get("confirm"):
        form.idempotency_key.data = uuid.uuid4().hex  # months changed: a new payment attempt
    cov, arrears_amount = participants.coverage_of(participant, clock.today())
    status = 422 if request.method == "POST" and (problem or form.errors) else 200
    return render_template(
        "payments/new.html",
        form=form,
        participant=participant,
        preview=preview,
        problem=problem,
        coverage=cov,
        arrears_amount=arrears_amount,
    ), status


def _take_cash(participant_id: uuid.UUID, months: int, form: PayForm):  # type: ignore[no-untyped-def]
    key = (form.idempotency_key.data or "").strip()
    try:
        key = idempotency.check_key(key)
    except idempotency.BadKey:
        abort(400)
    fingerprint = idempotency.request_hash(
        {"participant_id": str(participant_id), "months": months, "by": str(current_user.id)}
    )
    try:
        replay = idempotency.claim(WEB_SCOPE, key, fingerprint)
    except idempotency.KeyReused:
        db.session.rollback()
        flash(
            _("Formulir ini sudah dipakai untuk pembayaran lain. Periksa daftar pembayaran."),
            "error",
        )
        return redirect(url_for("payments.index"))
    if replay is not None:  # a double click or a refresh: show the payment already recorded
        db.session.rollback()
        return redirect(url_for("payments.receipt", payment_id=replay.resource_id), code=303)
    try:
        payment = services.record_cash_payment(
            participant_id, months, actor_from_request(), cash_received=form.cash_received.data
        )
    except services.PaymentError as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            if hasattr(form, field):
                getattr(form, field).errors = [*getattr(form, field).errors, message]
        if not exc.errors:
            flash(str(exc.message), "error")
        return None
    idempotency.remember(WEB_SCOPE, key, 303, {"payment_id": str(payment.id)}, payment.id)
    db.session.commit()
    return redirect(url_for("payments.receipt", payment_id=payment.id), code=303)


def receipt_context(payment: Payment, is_copy: bool) -> dict[str, Any]:
    tenant = require_tenant()
    participant = participants.get_participant(payment.participant_id)
    cashier = get_user(payment.cashier_id)
    void = services.void_of(payment.id) if payment.status == "voided" else None
    paid_on = payment.paid_at or payment.created_at
    local = paid_on.astimezone(zoneinfo.ZoneInfo(tenant.timezone))
    return {
        "payment": payment,
        "coop_name": tenant.name,
        "title": _("Kwitansi Iuran BPJS Ketenagakerjaan"),
        "is_copy": is_copy,
        "copy_label": _("SALINAN"),
        "lines": [
            (_("No. kwitansi"), payment.receipt_no or "–"),
            (_("Nama peserta"), participant.name if participant else "–"),
            (_("NIK"), _mask(participant.nik) if participant else "–"),
            (_("KPJ"), (participant.kpj or "–") if participant else "–"),
        ],
        "periods": payment.periods,
        "total": payment.amount,
        "total_label": _("Jumlah"),
        "cash_received": payment.cash_received,
        "cash_label": _("Uang diterima"),
        "change_label": _("Kembalian"),
        "discount_label": _("potongan"),
        "cashier_label": _("Petugas"),
        "cashier": (cashier.name or cashier.email) if cashier else "–",
        "paid_on": local,
        "voided_label": _("DIBATALKAN") if void else "",
        "void": void,
        "thanks": _("Terima kasih. Simpan kwitansi ini sebagai bukti pembayaran."),
    }


def _mask(nik: str) -> str:
    return f"{nik[:4]}********{nik[-4:]}" if len(nik) == 16 else nik


def _printed(payment_id: uuid.UUID, fmt: str) -> dict[str, Any]:
    """Record this print of the receipt (a copy after the first) and return what it shows."""
    payment = _payment_or_404(payment_id)
    is_copy = services.record_print(payment, actor_from_request(), fmt)
    context = receipt_context(payment, is_copy)
    db.session.commit()
    return context


@bp.get("/<uuid:payment_id>/receipt")
@requires("read")
def receipt(payment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    context = _printed(payment_id, "html")
    return render_template(
        "payments/receipt.html",
        r=context,
        void_form=VoidForm(),
        can_void=can(current_user, "payments.void"),
    )


@bp.get("/<uuid:payment_id>/receipt.pdf")
@requires("read")
def receipt_as_pdf(payment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    context = _printed(payment_id, "pdf")
    payment = context["payment"]
    body = receipt_pdf(context)
    name = (payment.receipt_no or str(payment.id)) + ".pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.route("/<uuid:payment_id>/void", methods=["GET", "POST"])
@requires("payments.void")
def void(payment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    payment = _payment_or_404(payment_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            services.void_payment(payment_id, form.reason.data, actor_from_request())
        except services.PaymentError as exc:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(_("Pembayaran dibatalkan. Bulan-bulannya bisa dibayar lagi."), "ok")
            return redirect(url_for("payments.receipt", payment_id=payment_id))
    status = 422 if request.method == "POST" else 200
    return render_template("payments/void.html", form=form, payment=payment), status


@bp.route("/closing", methods=["GET", "POST"])
@requires("payments.write")
def close():  # type: ignore[no-untyped-def]
    """A cashier closes their own drawer; an admin may close any cashier's."""
    is_admin = can(current_user, "staff.manage")
    form = ClosingForm()
    cashiers = [u for u in list_users() if u.role in ("cashier", "admin")] if is_admin else []
    form.cashier_id.choices = [SelectChoice(str(u.id), u.name or u.email) for u in cashiers]
    cashier_id = current_user.id
    if is_admin and form.cashier_id.data:
        picked = next((u.id for u in cashiers if str(u.id) == form.cashier_id.data), None)
        if picked is None:
            abort(404)
        cashier_id = picked
    elif is_admin and request.args.get("cashier"):
        cashier_id = next(
            (u.id for u in cashiers if str(u.id) == request.args["cashier"]), current_user.id
        )
    if request.method == "GET":
        form.cashier_id.data = str(cashier_id)
    if form.validate_on_submit():
        try:
            done = closing.close_day(
                cashier_id, form.counted.data, actor_from_request(), form.note.data or ""
            )
        except services.PaymentError as exc:
            db.session.rollback()
            form.counted.errors = [*form.counted.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(_("Kas ditutup. Selisih: %(d)s", d=_signed(done.difference)), "ok")
            return redirect(url_for("payments.closings"))
    drawer = closing.open_drawer(cashier_id)
    status = 422 if request.method == "POST" else 200
    others = [d for d in closing.open_drawers() if d[0] != cashier_id] if is_admin else []
    return render_template(
        "payments/closing.html",
        form=form,
        drawer=drawer,
        is_admin=is_admin,
        others=others,
        history=closing.closings(10, cashier_id),
    ), status


def _signed(amount: int) -> str:
    from app.formatting import rupiah

    return ("+" if amount > 0 else "") + rupiah(amount)


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
