"""Staff forms (Flask-WTF: CSRF on every one, messages in Bahasa Indonesia first)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.services import MIN_PASSWORD

ROLE_CHOICES = [
    SelectChoice("admin", _l("Admin (pengurus)")),
    SelectChoice("cashier", _l("Petugas kasir")),
    SelectChoice("pengawas", _l("Pengawas")),
    SelectChoice("mentor", _l("Mentor")),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi email Anda."))])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi."))])


class StaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi email."))])
    name = StringField(_l("Nama"), validators=[Length(max=200)])
    # Most new staff work the counter; making someone an admin is a deliberate choice.
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES, default="cashier")


class RoleForm(FlaskForm):
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES)


class EmptyForm(FlaskForm):
    """Buttons that change something still carry a CSRF token."""


class PasswordSetForm(FlaskForm):
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[
            DataRequired(_l("Isi kata sandi.")),
            Length(
                min=MIN_PASSWORD, message=_l("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD)
            ),
        ],
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi"),
        validators=[EqualTo("password", message=_l("Kedua kata sandi tidak sama."))],
    )


class TokenForm(FlaskForm):
    label = StringField(_l("Nama token (untuk apa)"), validators=[Length(max=100)])
