"""Payment forms: each carries a CSRF token; the pay form also an idempotency key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.numbers import NumberRequired, WholeNumberField, parse_rupiah

MONTH_CHOICES = [SelectChoice(str(n), str(n)) for n in range(1, 13)]


class PayForm(FlaskForm):
    participant_id = HiddenField()
    idempotency_key = HiddenField()
    months = SelectField(_l("Jumlah bulan"), choices=MONTH_CHOICES, default="1")
    shown_total = HiddenField()  # the total on the button the cashier pressed
    cash_received = WholeNumberField(
        _l("Uang diterima (Rp)"), reader=lambda text: parse_rupiah(text, 0, 1_000_000_000),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )


class VoidForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan pembatalan"),
        validators=[
            DataRequired(_l("Tulis alasan pembatalan.")),
            Length(max=500, message=_l("Paling banyak 500 huruf.")),
        ],
    )


class ClosingForm(FlaskForm):
    counted = WholeNumberField(
        _l("Uang di laci yang dihitung (Rp)"),
        validators=[NumberRequired(_l("Tulis jumlah uang yang dihitung (0 bila laci kosong)."))],
        reader=lambda text: parse_rupiah(text, 0, 10_000_000_000),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    note = StringField(_l("Catatan (jika ada selisih)"), validators=[Length(max=500)])
    cashier_id = SelectField(_l("Petugas"), choices=[], validate_choice=False)
