"""Payment pages under ``/<tenant-slug>/payments``: take cash, receipt, void, close the day."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import clock
from app.auth.access import actor_from_request, requires
from app.auth.services import can
from app.dues import Period
from app.formatting import period_name, rupiah
from app.numbers import whole_or_none
from app.participants import services as participants
from app.payments import idempotency, services
from app.payments.forms import PayForm, VoidForm
from app.payments.models import Payment
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
        can_close=can(current_user, "payments.write"),
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
    """Pick the months, see the quote, confirm the cash: one payment per idempotency key.

    The months choice lives in the payment form: "Hitung" (or the page's script, at once) prices
    it again without taking anything; "Terima" sends the total it showed, and the payment is taken
    only for that total. A second payment for the same person within 10 minutes is asked first.
    """
    participant = participants.get_participant(participant_id)
    if participant is None:
        abort(404)
    form = PayForm()
    confirm = request.form.get("confirm") if request.method == "POST" else None
    if request.method == "GET":
        form.months.data = request.args.get("months", "1")
        form.idempotency_key.data = uuid.uuid4().hex
    months = whole_or_none(form.months.data, 1, 12) or 1
    status, recent = 200, None
    if confirm and form.validate_on_submit():
        outcome, status, recent = _take_cash(participant_id, months, form, again=confirm == "again")
        if outcome is not None:
            return outcome
    elif confirm:
        status = 422
    elif request.method == "POST":
        form.idempotency_key.data = uuid.uuid4().hex  # months changed: a new payment attempt
    preview, problem = _preview_or_error(participant, months)
    if problem and request.method == "POST":
        status = 422
    cov, arrears_amount = participants.coverage_of(participant, clock.today())
    return render_template(
        "payments/new.html",
        form=form,
        participant=participant,
        preview=preview,
        problem=problem,
        coverage=cov,
        arrears_amount=arrears_amount,
        recent=recent,
    ), status


def _take_cash(  # type: ignore[no-untyped-def]
    participant_id: uuid.UUID, months: int, form: PayForm, *, again: bool
):
    """(redirect, 0, None) when paid or replayed, else (None, status, a recent payment to ask
    about or None)."""
    key = (form.idempotency_key.data or "").strip()
    try:
        key = idempotency.check_key(key)
    except idempotency.BadKey:
        abort(400)
    shown = whole_or_none(form.shown_total.data)
    if shown is None:
        abort(400)  # not a form this page made
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
        return redirect(url_for("payments.index")), 0, None
    if replay is not None:  # a double click or a refresh: show the payment already recorded
        db.session.rollback()
        receipt = url_for("payments.receipt", payment_id=replay.resource_id)
        return redirect(receipt, code=303), 0, None
    recent = None if again else services.recent_payment(participant_id)
    if recent is not None:  # claimed in this transaction only: rolled back, the form asks first
        db.session.rollback()
        return None, 409, recent
    try:
        payment = services.record_cash_payment(
            participant_id, months, actor_from_request(), cash_received=form.cash_received.data,
            shown_total=shown,
        )
    except services.PaymentError as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            if hasattr(form, field):
                getattr(form, field).errors = [*getattr(form, field).errors, message]
        if not exc.errors:
            flash(str(exc.message), "error")
        return None, exc.status, None
    idempotency.remember(WEB_SCOPE, key, 303, {"payment_id": str(payment.id)}, payment.id)
    db.session.commit()
    flash(_("Pembayaran %(total)s untuk %(n)s diterima. Lunas sampai %(month)s.",
            total=rupiah(payment.amount), n=ngettext("%(num)d bulan", "%(num)d bulan",
                                                     payment.months),
            month=period_name(str(Period.from_index(payment.last_month)))), "ok")
    return redirect(url_for("payments.receipt", payment_id=payment.id), code=303), 0, None


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


# Their routes live beside this module, on the same blueprint.
from app.payments import closing_views as _closing_views  # noqa: E402, F401
from app.payments import receipt_views as _receipt_views  # noqa: E402, F401
