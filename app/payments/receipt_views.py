"""Receipt pages: look at a receipt, print it, download it as a PDF (A6 or a 58 mm roll).

Looking is a GET and records nothing. Printing and the PDF are POSTs: each is one recorded print,
and the first one made at the counter is the original (``receipts.record_print``). The receipt
itself is always in the coop's language, Bahasa Indonesia, whatever the cashier's screen uses.
"""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any

from flask import Response, abort, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.auth.access import actor_from_request, requires
from app.auth.services import can, get_user
from app.formatting import clock_time, long_date, period_name, rupiah
from app.participants import services as participants
from app.participants.identifiers import mask_number
from app.payments import receipts, services
from app.payments.models import Payment
from app.payments.pdf import SIZES, receipt_pdf
from app.payments.views import bp
from tenants.context import require_tenant
from tenants.db import db

RECEIPT_LOCALE = "id"  # the coop's language: a receipt is a document of the coop


def _payment_or_404(payment_id: uuid.UUID) -> Payment:
    payment = services.get_payment(payment_id)
    if payment is None:
        abort(404)
    return payment


def _moment(value: Any) -> str:
    """A stored moment as the coop's clock shows it: ``10 November 2026 09.25``."""
    local = value.astimezone(zoneinfo.ZoneInfo(require_tenant().timezone))
    return f"{long_date(local)} {clock_time(local)}"


def _span(periods: list[dict[str, Any]]) -> str:
    first, last = period_name(periods[0]["period"]), period_name(periods[-1]["period"])
    return first if first == last else f"{first} – {last}"


def receipt_context(payment: Payment, *, is_copy: bool) -> dict[str, Any]:
    """Everything a receipt shows, as text in the coop's language (the page and the PDF)."""
    with force_locale(RECEIPT_LOCALE):
        return _context(payment, is_copy)


def _context(payment: Payment, is_copy: bool) -> dict[str, Any]:
    participant = participants.get_participant(payment.participant_id)
    cashier = get_user(payment.cashier_id)
    record = services.void_of(payment.id) if payment.status == "voided" else None
    lines = [
        (_("No. kwitansi"), payment.receipt_no or "–"),
        (_("Nama peserta"), participant.name if participant else "–"),
        (_("NIK"), mask_number(participant.nik) if participant else "–"),
        (_("KPJ"), (participant.kpj or "–") if participant else "–"),
        (_("Periode"), _span(payment.periods)),
    ]
    if payment.status == "paid":
        lines.append((_("Lunas sampai"), period_name(payment.periods[-1]["period"])))
    rows = [
        {
            "label": period_name(row["period"]),
            "amount": row["amount"],
            "note": _("potongan %(amount)s", amount=rupiah(row["discount"]))
            if row.get("discount")
            else "",
        }
        for row in payment.periods
    ]
    cash = []
    if payment.cash_received:
        cash = [
            (_("Uang diterima"), payment.cash_received),
            (_("Kembalian"), payment.cash_received - payment.amount),
        ]
    void = None
    if record is not None:
        void = {
            "label": _("BATAL"),
            "when": _("Dibatalkan %(when)s", when=_moment(record.voided_at)),
            "reason": _("Alasan: %(reason)s", reason=record.reason),
        }
    return {
        "payment": payment,
        "coop_name": require_tenant().name,
        "title": _("Kwitansi Iuran BPJS Ketenagakerjaan"),
        "mark": _("SALINAN") if is_copy else "",
        "void": void,
        "lines": lines,
        "rows": rows,
        "total_label": _("Jumlah"),
        "total": payment.amount,
        "cash": cash,
        "cashier_label": _("Petugas"),
        "cashier": (cashier.name or cashier.email) if cashier else "–",
        "paid_on_text": _moment(payment.paid_at or payment.created_at),
        "closing_words": _("Kwitansi ini tidak berlaku.")
        if void
        else _("Terima kasih. Simpan kwitansi ini sebagai bukti pembayaran."),
    }


def _article(context: dict[str, Any]) -> Markup:
    with force_locale(RECEIPT_LOCALE):
        return Markup(render_template("payments/_receipt.html", r=context))


def _page(payment: Payment, *, is_copy: bool, printed: bool, autoprint: bool) -> str:
    return render_template(
        "payments/receipt.html",
        payment=payment,
        article=_article(receipt_context(payment, is_copy=is_copy)),
        printed=printed,
        autoprint=autoprint,
        counts=can(current_user, "payments.write"),
        can_void=can(current_user, "payments.void"),
    )


@bp.get("/<uuid:payment_id>/receipt")
@requires("read")
def receipt(payment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Look at the receipt. Once the original is printed, the screen shows it as a copy."""
    payment = _payment_or_404(payment_id)
    printed = receipts.was_printed(payment)
    return _page(payment, is_copy=printed, printed=printed, autoprint=False)


def _record(payment_id: uuid.UUID, fmt: str) -> tuple[Payment, bool]:
    payment = _payment_or_404(payment_id)
    counts = can(current_user, "payments.write")
    is_copy = receipts.record_print(payment, actor_from_request(), fmt, counts=counts)
    return payment, is_copy


@bp.post("/<uuid:payment_id>/receipt/print")
@requires("read")
def receipt_print(payment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Record a print and answer the page to print (the browser's print dialog opens itself)."""
    payment, is_copy = _record(payment_id, "html")
    body = _page(payment, is_copy=is_copy, printed=True, autoprint=True)
    db.session.commit()
    return body


@bp.post("/<uuid:payment_id>/receipt.pdf")
@requires("read")
def receipt_as_pdf(payment_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Record a print and answer the receipt as a PDF file, ``size`` ``a6`` or ``58`` (mm roll)."""
    size = request.form.get("size", "a6")
    if size not in SIZES:
        abort(400)
    payment, is_copy = _record(payment_id, f"pdf-{size}")
    body = receipt_pdf(receipt_context(payment, is_copy=is_copy), size)
    db.session.commit()
    suffix = "" if size == "a6" else "-58mm"
    name = f"{payment.receipt_no or payment.id}{suffix}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
