"""Identifiers and contact numbers: normalise what people type, mask what screens need not show.

- NIK: 16 digits once spaces, dots and dashes are removed; ``stdnum.id.nik`` checks the date and
  the province; the DDMMYY part must equal the birth date (day + 40 for women; the year compares
  on two digits only, since the NIK carries no century).
- Phone: an Indonesian mobile number, however typed (``0812…``, ``62812…``, ``+62 812-…``,
  ``812…``), stored in E.164.
- KPJ: 11 digits; family-card number: 16 digits; both accept the NIK's separators.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik


class FieldError(ValueError):
    """One field is wrong; ``message`` is for people (lazy, translated when shown)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


_SEPARATORS = re.compile(r"[\s.\-]+")


def digits_only(raw: str) -> str:
    """Remove the separators people type inside numbers (spaces, dots, dashes)."""
    return _SEPARATORS.sub("", raw)


def normalise_nik(raw: str) -> str:
    """16 digits valid for ``stdnum.id.nik`` (date, province); FieldError otherwise."""
    value = digits_only(raw)
    if not value:
        raise FieldError(_l("Isi NIK (16 angka)."))
    if not value.isdigit() or not value.isascii():
        raise FieldError(_l("NIK hanya boleh berisi angka."))
    if len(value) != 16:
        raise FieldError(_l("NIK harus 16 angka (sekarang %(n)d).", n=len(value)))
    day = int(value[6:8])
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise FieldError(_l("Tanggal lahir di NIK (angka ke-7 dan ke-8) tidak valid."))
    try:
        stdnum_nik.validate(value)
    except StdnumError:
        raise FieldError(
            _l("NIK tidak valid: periksa kode wilayah dan tanggal lahir di dalamnya.")
        ) from None
    return value


def nik_agrees(nik: str, birth_date: dt.date, sex: str) -> bool:
    """The NIK's DDMMYY equals the birth date (day + 40 for women, two-digit year)."""
    day = birth_date.day + (40 if sex == "P" else 0)
    expected = f"{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}"
    return nik[6:12] == expected


def normalise_digits(raw: str, length: int, label: Any) -> str:
    value = digits_only(raw)
    if not value.isdigit() or not value.isascii() or len(value) != length:
        raise FieldError(_l("%(label)s harus %(n)d angka.", label=label, n=length))
    return value


def normalise_phone(raw: str) -> str:
    """An Indonesian mobile number in E.164 (``+62812…``) from however it was typed."""
    text = raw.strip()
    if not text:
        raise FieldError(_l("Isi nomor HP."))
    if not re.fullmatch(r"\+?[0-9\s.\-()]+", text):
        raise FieldError(_l("Nomor HP hanya boleh berisi angka, spasi, tanda + dan -."))
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        raise FieldError(_l("Nomor HP tidak dikenali. Contoh: 0812-3456-7890.")) from None
    if number.country_code != 62:
        raise FieldError(_l("Gunakan nomor HP Indonesia (+62)."))
    kinds = phonenumbers.PhoneNumberType
    mobile = (kinds.MOBILE, kinds.FIXED_LINE_OR_MOBILE)
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in mobile:
        raise FieldError(_l("Nomor HP tidak valid. Contoh: 0812-3456-7890."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_prefix(raw: str) -> str | None:
    """The E.164 prefix a typed (possibly partial) phone number stands for, for search."""
    text = re.sub(r"[\s.\-()]", "", raw)
    if not re.fullmatch(r"\+?[0-9]+", text):
        return None
    if text.startswith("+62"):
        return text
    if text.startswith("+"):
        return None
    if text.startswith("62"):
        return "+" + text
    if text.startswith("0"):
        return "+62" + text[1:]
    if text.startswith("8"):
        return "+62" + text
    return None


def mask_number(value: str | None) -> str:
    """``2104011505800001`` → ``2104********0001`` (the length stays, the middle goes): the one
    mask of NIK and family-card numbers on pages, in the API, in exports and in the audit log."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def search_key(name: str) -> str:
    """What names are sorted and searched by: case-folded, accents kept, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())
