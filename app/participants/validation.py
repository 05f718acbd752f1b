"""Checking and normalising what people type about a participant (no database, no request).

One validator serves the web form, the JSON API and the Excel import, so a rule is written once:
``clean_participant(data, today)`` returns ``(values, errors)`` where ``values`` are normalised and
``errors`` maps a field name to a message (lazy, Bahasa Indonesia first). The input is typed the
way JSON types it: text fields are ``str``, ``declared_income`` an ``int``, ``programs`` a list of
strings, ``whatsapp_consent`` a ``bool``, ``sponsor`` a mapping or ``None``. A wrong type is an
error, never a silent conversion; callers that read strings (the web form) convert first.
Identifier rules (NIK, KPJ, family card, phone) are in ``identifiers``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.dues import PROGRAMS, REQUIRED_PROGRAMS, SECTORS, SPONSOR_TYPES, Period, load_rules
from app.participants.identifiers import (
    FieldError,
    digits_only,
    mask_number,
    nik_agrees,
    normalise_digits,
    normalise_nik,
    normalise_phone,
    phone_search_prefix,
    search_key,
)

__all__ = [
    "ALL_FIELDS",
    "FieldError",
    "clean_participant",
    "clean_sponsor",
    "digits_only",
    "mask_number",
    "normalise_nik",
    "normalise_phone",
    "parse_birth_date",
    "parse_month",
    "phone_search_prefix",
    "search_key",
]

SEXES = ("L", "P")
COOP_ROLES = ("pengurus", "pengawas", "anggota", "bukan_anggota")
CHANNELS = ("whatsapp", "sms", "email")
PROGRAM_ORDER = ("JKK", "JKM", "JHT")
SECTOR_ORDER = ("fishery", "agriculture", "trade", "transport", "labour", "services", "other")
SPONSOR_TYPE_ORDER = ("apbd", "apbn", "csr", "coop")
EARLIEST_MONTH = Period(2015, 7)  # the first month the contribution rules price

# Text limits match the columns, so no input can overflow one (a 500 in PostgreSQL).
MAX_LEN = {
    "name": 200,
    "birth_place": 100,
    "address": 500,
    "kelurahan": 100,
    "kecamatan": 100,
    "occupation": 100,
    "email": 254,
}

REQUIRED_FIELDS = (
    "nik", "name", "birth_date", "sex", "phone", "occupation", "sector", "declared_income",
    "programs",
)
OPTIONAL_FIELDS = (
    "kpj", "family_card_number", "birth_place", "address", "kelurahan", "kecamatan", "email",
    "preferred_channel", "whatsapp_consent", "coop_role", "sponsor",
)
ALL_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
SPONSOR_FIELDS = ("name", "type", "programs", "from", "until")

DEFAULTS: dict[str, Any] = {
    "kpj": None,
    "family_card_number": None,
    "birth_place": "",
    "address": "",
    "kelurahan": "",
    "kecamatan": "",
    "email": None,
    "preferred_channel": "whatsapp",
    "whatsapp_consent": False,
    "coop_role": "bukan_anggota",
    "sponsor": None,
}


# --- the validator -------------------------------------------------------------------------------


def _required(
    data: Mapping[str, Any], key: str, parse: Callable[[Any], Any], values: dict[str, Any],
    errors: dict[str, Any],
) -> None:
    """``values[key] = parse(data[key])``, or the reason it is missing or wrong in ``errors``."""
    if data.get(key) is None:
        errors[key] = _l("Wajib diisi.")
        return
    try:
        values[key] = parse(data[key])
    except FieldError as exc:
        errors[key] = exc.message


def _text(data: Mapping[str, Any], key: str, errors: dict[str, Any], required: bool) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            errors[key] = _l("Wajib diisi.")
        return None
    if not isinstance(value, str):
        errors[key] = _l("Harus berupa teks.")
        return None
    value = " ".join(value.split()) if key != "address" else value.strip()
    if "\x00" in value:
        errors[key] = _l("Teks tidak boleh berisi karakter NUL.")
        return None
    if required and not value:
        errors[key] = _l("Wajib diisi.")
        return None
    if not _encodable(value):
        errors[key] = _l("Teks berisi karakter yang tidak sah.")
        return None
    limit = MAX_LEN.get(key)
    if limit is not None and len(value) > limit:
        errors[key] = _l("Paling banyak %(n)d karakter.", n=limit)
        return None
    if key == "name" and len(search_key(value)) > MAX_LEN["name"]:
        # the search column holds the name normalised (NFKC, casefolded): "ß" becomes "ss"
        errors[key] = _l(
            "Nama terlalu panjang: paling banyak %(n)d karakter setelah huruf khusus diuraikan "
            "(misalnya ß menjadi ss).", n=MAX_LEN["name"]
        )
        return None
    return value


def _encodable(value: str) -> bool:
    """No lone surrogates (they cannot be stored as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_birth_date(value: Any, today: dt.date) -> dt.date:
    if not isinstance(value, str):
        raise FieldError(_l("Tanggal lahir harus teks berformat TTTT-BB-HH."))
    text = value.strip()
    parsed: dt.date | None = None
    try:
        parsed = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        raise FieldError(_l("Tanggal lahir tidak ada di kalender.")) from None
    if parsed is None:
        match = re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})", text)
        if match is None:
            raise FieldError(_l("Tulis tanggal lahir seperti 1980-05-15 atau 15-05-1980."))
        try:
            parsed = dt.date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            raise FieldError(_l("Tanggal lahir tidak ada di kalender.")) from None
    if parsed > today:
        raise FieldError(_l("Tanggal lahir tidak boleh di masa depan."))
    if parsed.year < 1900:
        raise FieldError(_l("Tanggal lahir terlalu lama (sebelum 1900)."))
    return parsed


def parse_month(value: Any) -> Period:
    if not isinstance(value, str):
        raise FieldError(_l("Bulan harus teks berformat TTTT-BB, misalnya 2026-11."))
    try:
        month = Period.parse(value.strip())
    except ValueError:
        raise FieldError(_l("Tulis bulan seperti 2026-11.")) from None
    if month < EARLIEST_MONTH:
        raise FieldError(_l("Bulan paling awal 2015-07."))
    return month


def _programs(value: Any, required: frozenset[str] | None) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise FieldError(_l("Program harus daftar kode: JKK, JKM, JHT."))
    programs = frozenset(value)
    if len(programs) != len(value):
        raise FieldError(_l("Setiap program cukup disebut sekali."))
    unknown = sorted(programs - PROGRAMS)
    if unknown:
        raise FieldError(_l("Program tidak dikenal: %(p)s.", p=", ".join(unknown)))
    if required is not None and not required <= programs:
        raise FieldError(_l("JKK dan JKM wajib; JHT boleh dipilih."))
    if not programs:
        raise FieldError(_l("Pilih paling sedikit satu program."))
    return programs


def clean_sponsor(
    data: Any, errors: dict[str, Any], prefix: str = "sponsor."
) -> dict[str, Any] | None:
    """A sponsor {name, type, programs, from?, until?}; errors keyed ``sponsor.<field>``."""
    if not isinstance(data, Mapping):
        errors[prefix.rstrip(".")] = _l("Sponsor harus objek {name, type, programs, from, until}.")
        return None
    before = len(errors)
    for key in sorted(set(data) - set(SPONSOR_FIELDS)):
        errors[f"{prefix}{key}"] = _l("Isian tidak dikenal.")
    name = _text({"name": data.get("name")}, "name", errors, required=True)
    if "name" in errors:
        errors[f"{prefix}name"] = errors.pop("name")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in SPONSOR_TYPES:
        errors[f"{prefix}type"] = _l("Jenis sponsor: apbn, apbd, csr atau coop.")
    programs: frozenset[str] | None = None
    try:
        programs = _programs(data.get("programs"), None)
    except FieldError as exc:
        errors[f"{prefix}programs"] = exc.message
    months: dict[str, Period | None] = {"from": None, "until": None}
    for key in ("from", "until"):
        if data.get(key) is not None:
            try:
                months[key] = parse_month(data[key])
            except FieldError as exc:
                errors[f"{prefix}{key}"] = exc.message
    if months["from"] and months["until"] and months["until"] < months["from"]:
        errors[f"{prefix}until"] = _l("Bulan akhir tidak boleh sebelum bulan mulai.")
    if len(errors) != before:
        return None
    return {
        "name": name,
        "type": kind,
        "programs": programs,
        "from": months["from"],
        "until": months["until"],
    }


def clean_participant(
    data: Mapping[str, Any], today: dt.date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and normalise every field; returns ``(values, errors)`` (errors empty when fine)."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for key in sorted(set(data) - set(ALL_FIELDS)):
        errors[key] = _l("Isian tidak dikenal.")

    for key in ("name", "occupation"):
        values[key] = _text(data, key, errors, required=True)
    for key in ("birth_place", "address", "kelurahan", "kecamatan"):
        text = _text(data, key, errors, required=False)
        values[key] = text if text is not None else ""

    identifiers = (
        ("nik", normalise_nik, True),
        ("kpj", lambda v: normalise_digits(v, 11, _l("KPJ")), False),
        ("family_card_number", lambda v: normalise_digits(v, 16, _l("Nomor KK")), False),
        ("phone", normalise_phone, True),
    )
    for key, normalise, required in identifiers:
        raw = data.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip() and not required):
            if required:
                errors[key] = _l("Wajib diisi.")
            values[key] = None
            continue
        if not isinstance(raw, str):
            errors[key] = _l("Harus berupa teks.")
            continue
        try:
            values[key] = normalise(raw)
        except FieldError as exc:
            errors[key] = exc.message

    sex = data.get("sex")
    if not isinstance(sex, str) or sex not in SEXES:
        errors["sex"] = _l("Pilih jenis kelamin: L (laki-laki) atau P (perempuan).")
    else:
        values["sex"] = sex
    _required(data, "birth_date", lambda raw: parse_birth_date(raw, today), values, errors)
    if values.get("nik") and values.get("birth_date") and values.get("sex"):
        if not nik_agrees(values["nik"], values["birth_date"], values["sex"]):
            errors["nik"] = _l(
                "NIK tidak cocok dengan tanggal lahir dan jenis kelamin "
                "(angka ke-7 s.d. 12: tanggal, bulan, tahun lahir; perempuan: tanggal + 40)."
            )

    email = data.get("email")
    values["email"] = None
    if email is not None and not (isinstance(email, str) and not email.strip()):
        if not isinstance(email, str):
            errors["email"] = _l("Harus berupa teks.")
        elif len(email) > MAX_LEN["email"]:
            errors["email"] = _l("Paling banyak %(n)d karakter.", n=MAX_LEN["email"])
        else:
            try:
                values["email"] = validate_email(
                    email.strip(), check_deliverability=False
                ).normalized.lower()
            except EmailNotValidError:
                errors["email"] = _l("Alamat email tidak valid.")

    sector = data.get("sector")
    if not isinstance(sector, str) or sector not in SECTORS:
        errors["sector"] = _l("Pilih sektor pekerjaan dari daftar.")
    else:
        values["sector"] = sector

    income = data.get("declared_income")
    rules = load_rules()
    if income is None:
        errors["declared_income"] = _l("Wajib diisi.")
    elif isinstance(income, bool) or not isinstance(income, int):
        errors["declared_income"] = _l("Penghasilan harus bilangan bulat rupiah.")
    elif not rules.is_income_level(income, Period.of(today)):
        levels = ", ".join(f"{lvl}" for lvl in rules.income_levels(Period.of(today)))
        errors["declared_income"] = _l(
            "Pilih salah satu tingkat penghasilan yang berlaku: %(levels)s.", levels=levels
        )
    else:
        values["declared_income"] = income

    _required(data, "programs", lambda raw: _programs(raw, REQUIRED_PROGRAMS), values, errors)

    choices = (
        (
            "coop_role",
            COOP_ROLES,
            _l("Peran di koperasi: pengurus, pengawas, anggota atau bukan_anggota."),
        ),
        ("preferred_channel", CHANNELS, _l("Saluran pengingat: whatsapp, sms atau email.")),
    )
    for key, allowed, message in choices:
        value = data.get(key)
        if value is None:
            values[key] = DEFAULTS[key]
        elif not isinstance(value, str) or value not in allowed:
            errors[key] = message
        else:
            values[key] = value

    consent = data.get("whatsapp_consent")
    if consent is None:
        values["whatsapp_consent"] = False
    elif not isinstance(consent, bool):
        errors["whatsapp_consent"] = _l("Harus true atau false.")
    else:
        values["whatsapp_consent"] = consent
    if values.get("preferred_channel") == "email" and "email" not in errors:
        if not values.get("email"):
            errors["email"] = _l("Isi email bila pengingat dikirim lewat email.")

    values["sponsor"] = None
    if data.get("sponsor") is not None:
        values["sponsor"] = clean_sponsor(data["sponsor"], errors)
    return values, errors
