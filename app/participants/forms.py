"""Participant forms (Flask-WTF, CSRF). Fields only render and keep what was typed; the rules are
in ``validation`` so the form, the API and the import refuse the same things with the same words.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.dues import Period, load_rules
from app.formatting import rupiah
from app.numbers import whole_or_none
from app.participants import labels
from app.participants.models import Participant

TEXT_FIELDS = (
    "nik", "kpj", "family_card_number", "name", "birth_place", "birth_date", "phone", "email",
    "address", "kelurahan", "kecamatan", "occupation",
)


def _choices(mapping: dict[str, Any], placeholder: Any = None) -> list[SelectChoice]:
    out = [SelectChoice("", placeholder)] if placeholder is not None else []
    return out + [SelectChoice(value, label) for value, label in mapping.items()]


def _month_field(label: Any) -> StringField:
    return StringField(label, render_kw={"type": "month", "placeholder": "2026-11"})


class ParticipantForm(FlaskForm):
    nik = StringField(
        _l("NIK"), render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 40}
    )
    name = StringField(_l("Nama lengkap"), render_kw={"maxlength": 200})
    birth_place = StringField(_l("Tempat lahir"), render_kw={"maxlength": 100})
    birth_date = StringField(_l("Tanggal lahir"), render_kw={"type": "date"})
    sex = SelectField(_l("Jenis kelamin"), validate_choice=False)
    phone = StringField(
        _l("Nomor HP"), render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "off"}
    )
    email = EmailField(_l("Email (opsional)"), render_kw={"maxlength": 254})
    kpj = StringField(
        _l("Nomor KPJ (opsional)"), render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    family_card_number = StringField(
        _l("Nomor KK (opsional)"), render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    address = TextAreaField(_l("Alamat"), render_kw={"rows": 2, "maxlength": 500})
    kelurahan = StringField(_l("Desa/Kelurahan"), render_kw={"maxlength": 100})
    kecamatan = StringField(_l("Kecamatan"), render_kw={"maxlength": 100})
    occupation = StringField(_l("Pekerjaan"), render_kw={"maxlength": 100})
    sector = SelectField(_l("Sektor"), validate_choice=False)
    declared_income = SelectField(_l("Penghasilan yang dilaporkan"), validate_choice=False)
    jht = BooleanField(_l("Ikut JHT (Jaminan Hari Tua, tambahan 2% penghasilan)"))
    coop_role = SelectField(_l("Peran di koperasi"), validate_choice=False)
    preferred_channel = SelectField(_l("Pengingat lewat"), validate_choice=False)
    whatsapp_consent = BooleanField(_l("Setuju menerima pengingat lewat WhatsApp"))

    def __init__(self, *args: Any, today_period: Period | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.sex.choices = _choices(labels.sex_labels(), _l("— pilih —"))
        self.sector.choices = _choices(labels.sector_labels(), _l("— pilih —"))
        self.coop_role.choices = _choices(labels.coop_role_labels())
        self.preferred_channel.choices = _choices(labels.channel_labels())
        levels = load_rules().income_levels(today_period) if today_period else ()
        self.declared_income.choices = [SelectChoice(str(v), rupiah(v)) for v in levels]
        if self.coop_role.data in (None, ""):
            self.coop_role.data = "bukan_anggota"
        if self.preferred_channel.data in (None, ""):
            self.preferred_channel.data = "whatsapp"

    def fill(self, p: Participant) -> None:
        """Show a participant's current details (the edit page)."""
        for key in TEXT_FIELDS:
            value = getattr(p, key)
            getattr(self, key).data = value.isoformat() if key == "birth_date" else (value or "")
        for key in ("sex", "sector", "coop_role", "preferred_channel"):
            getattr(self, key).data = getattr(p, key)
        self.declared_income.data = str(p.declared_income)
        self.jht.data = p.jht
        self.whatsapp_consent.data = p.whatsapp_consent

    def to_data(self) -> dict[str, Any]:
        """What was typed, in the validator's types (strings to ints/lists/bools)."""
        data: dict[str, Any] = {}
        for key in TEXT_FIELDS:
            data[key] = (getattr(self, key).data or "").strip() or None
        for key in ("sex", "sector", "coop_role", "preferred_channel"):
            data[key] = getattr(self, key).data or None
        income = (self.declared_income.data or "").strip()
        # ASCII digits become the number; anything else stays text, which the validator refuses
        data["declared_income"] = whole_or_none(income) if income else None
        if income and data["declared_income"] is None:
            data["declared_income"] = income
        data["programs"] = ["JKK", "JKM", "JHT"] if self.jht.data else ["JKK", "JKM"]
        data["whatsapp_consent"] = bool(self.whatsapp_consent.data)
        return data

    def show_errors(self, errors: dict[str, Any]) -> None:
        """Put the validator's messages next to the fields they are about."""
        aliases = {"programs": "jht", "declared_income": "declared_income"}
        for key, message in errors.items():
            name = aliases.get(key, key)
            field = getattr(self, name, None)
            if field is not None and hasattr(field, "errors"):
                field.errors = [*list(field.errors or []), message]


class SponsorFields:
    """The fields of a sponsor, shared by the registration form and the add-sponsor form."""

    sponsor_name = StringField(_l("Nama sponsor"), render_kw={"maxlength": 200})
    sponsor_type = SelectField(_l("Jenis sponsor"), validate_choice=False)
    sponsor_jkk = BooleanField(_l("JKK"), default=True)
    sponsor_jkm = BooleanField(_l("JKM"), default=True)
    sponsor_jht = BooleanField(_l("JHT"))
    sponsor_from = _month_field(_l("Mulai bulan (opsional)"))
    sponsor_until = _month_field(_l("Sampai bulan (kosong: tanpa batas)"))

    def sponsor_choices(self, placeholder: Any) -> None:
        self.sponsor_type.choices = _choices(  # type: ignore[attr-defined]
            labels.sponsor_type_labels(), placeholder
        )

    def sponsor_data(self) -> dict[str, Any]:
        programs = [
            code for code, on in (("JKK", self.sponsor_jkk.data), ("JKM", self.sponsor_jkm.data),
                                  ("JHT", self.sponsor_jht.data)) if on
        ]
        data: dict[str, Any] = {
            "name": (self.sponsor_name.data or "").strip() or None,
            "type": self.sponsor_type.data or None,
            "programs": programs,
        }
        for key in ("from", "until"):
            value = (getattr(self, f"sponsor_{key}").data or "").strip()
            if value:
                data[key] = value
        return data

    def wants_sponsor(self) -> bool:
        return bool((self.sponsor_name.data or "").strip() or self.sponsor_type.data)

    def show_sponsor_errors(self, errors: dict[str, Any], prefix: str) -> None:
        for key, message in errors.items():
            if not key.startswith(prefix):
                continue
            name = {"programs": "jkk"}.get(key[len(prefix):], key[len(prefix):])
            field = getattr(self, f"sponsor_{name}", None) or self.sponsor_name
            field.errors = [*list(field.errors or []), message]


class RegisterForm(ParticipantForm, SponsorFields):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.sponsor_choices(_l("— tidak ada sponsor —"))

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        data["sponsor"] = self.sponsor_data() if self.wants_sponsor() else None
        return data

    def show_errors(self, errors: dict[str, Any]) -> None:
        super().show_errors({k: v for k, v in errors.items() if not k.startswith("sponsor")})
        self.show_sponsor_errors(errors, "sponsor.")
        if "sponsor" in errors:
            self.sponsor_name.errors = [*list(self.sponsor_name.errors or []), errors["sponsor"]]


class SponsorForm(FlaskForm, SponsorFields):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.sponsor_choices(_l("— pilih —"))


class EndSponsorForm(FlaskForm):
    until = _month_field(_l("Bulan terakhir dibiayai"))
