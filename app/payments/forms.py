"""Payment forms: each carries a CSRF token; the pay form also an idempotency key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from app.numbers import WholeNumberField

MONTH_CHOICES = [SelectChoice(str(n), str(n)) for n in range(1, 13)]


class PayForm(FlaskForm):
    participant_id = HiddenField()
    idempotency_key = HiddenField()
    months = SelectField(_l("Jumlah bulan"), choices=MONTH_CHOICES, default="1")
    cash_received = WholeNumberField(
        _l("Uang diterima (Rp)"), high=1_000_000_000,
        message=_l("Tulis jumlah dalam rupiah, angka saja."),
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
        validators=[InputRequired(_l("Tulis jumlah uang yang dihitung."))],
        high=10_000_000_000, message=_l("Tulis jumlah dalam rupiah, angka saja."),
    )
    note = StringField(_l("Catatan (jika ada selisih)"), validators=[Length(max=500)])
    cashier_id = SelectField(_l("Petugas"), choices=[], validate_choice=False)
