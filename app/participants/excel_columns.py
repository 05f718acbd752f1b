"""The columns of the participant import: headers, their variants, and what a cell turns into.

The template's header row is the import's file format (like the API's field names), so it stays the
same in every language; the import recognises each header case-insensitively, ignoring
punctuation and a remark in brackets ("Jenis kelamin (L/P)" = "jenis kelamin"), and also the usual
variants ("Nomor HP", "No. Telepon", "Desa/Kelurahan", the API's own field names, English names).

Cells are only *converted* here (an Excel date to ``YYYY-MM-DD``, "Perempuan" to ``P``,
"Rp1.000.000" to ``1000000``, "ya" to ``True``). The rules — what a valid NIK, phone number or
income level is — are ``validation.clean_participant``'s alone: a value this module does not
recognise is passed on as typed, so the validator refuses it with the register form's words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl.utils.datetime import from_excel

from app.dues import Period
from app.participants.identifiers import FieldError
from app.participants.validation import parse_month

_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def header_key(text: Any) -> str:
    """``"Jenis kelamin (L/P)"`` → ``"jenis kelamin"``; ``"No. HP*"`` → ``"no hp"``."""
    value = _BRACKETS.sub(" ", str(text or "").casefold())
    return " ".join(_NON_WORD.sub(" ", value).split())


# --- converters: cell value → the validator's types (or FieldError for what no rule could read) --


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integral(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def text(value: Any) -> Any:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d-%m-%Y")
    number = _integral(value)
    if number is not None:
        return str(number)
    return value if isinstance(value, str) else str(value)


def long_number(value: Any) -> Any:
    """A NIK or family-card number (16 digits): Excel keeps only 15 digits of a *number*."""
    number = _integral(value)
    if number is not None and len(str(abs(number))) >= 16 and number % 10 == 0:
        raise FieldError(
            _l(
                "Angka 16 digit tersimpan sebagai bilangan, dan Excel mengubah angka terakhirnya "
                "menjadi 0. Ubah format kolom menjadi Teks lalu ketik ulang nomornya."
            )
        )
    if isinstance(value, float) and not value.is_integer():
        raise FieldError(_l("Ubah format kolom menjadi Teks lalu ketik ulang nomornya."))
    return text(value)


def birth_date(value: Any) -> Any:
    """An Excel date, or text ``DD-MM-YYYY`` / ``YYYY-MM-DD`` (the validator reads the text)."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    number = _integral(value)
    if number is not None and 1 <= number <= 2_958_465:  # an Excel serial day number
        try:
            return from_excel(number).date().isoformat()
        except (ValueError, OverflowError):
            pass
    return value if isinstance(value, str) else str(value)


def month(value: Any) -> Period | None:
    """``Lunas sampai``: ``YYYY-MM`` (also ``MM-YYYY``, ``MM/YYYY``, or an Excel date)."""
    if _blank(value):
        return None
    if isinstance(value, dt.date | dt.datetime):
        return parse_month(f"{value.year:04d}-{value.month:02d}")
    raw = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})[/\-.](\d{4})", raw)
    if match:
        raw = f"{match[2]}-{int(match[1]):02d}"
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", raw)
    if match:
        raw = f"{match[1]}-{int(match[2]):02d}"
    return parse_month(raw)


def _chooser(choices: dict[str, str]) -> Callable[[Any], Any]:
    """Map what people write to a code; anything else goes to the validator unchanged."""

    def convert(value: Any) -> Any:
        if _blank(value):
            return None
        key = header_key(value)
        return choices.get(key, value if isinstance(value, str) else str(value))

    return convert


sex = _chooser({
    "l": "L", "lk": "L", "laki laki": "L", "lakilaki": "L", "pria": "L", "male": "L", "m": "L",
    "p": "P", "pr": "P", "perempuan": "P", "wanita": "P", "female": "P", "f": "P", "w": "P",
})

SECTOR_WORDS = {
    "fishery": ("perikanan nelayan", "perikanan", "nelayan", "fishery", "fisher", "fishing"),
    "agriculture": ("pertanian", "petani", "perkebunan", "peternakan", "agriculture", "farmer"),
    "trade": ("perdagangan", "pedagang", "dagang", "trade", "trader"),
    "transport": ("transportasi", "transport", "ojek", "angkutan", "sopir"),
    "labour": (
        "buruh pekerja harian", "buruh", "pekerja harian", "buruh harian", "labour", "labor",
    ),
    "services": ("jasa", "services", "service"),
    "other": ("lainnya", "lain lain", "lain", "other"),
}
sector = _chooser({word: code for code, words in SECTOR_WORDS.items() for word in words})

coop_role = _chooser({
    "pengurus": "pengurus", "pengawas": "pengawas", "anggota": "anggota",
    "bukan anggota": "bukan_anggota", "bukan_anggota": "bukan_anggota",
    "non anggota": "bukan_anggota", "umum": "bukan_anggota",
})

channel = _chooser({
    "whatsapp": "whatsapp", "wa": "whatsapp", "sms": "sms", "email": "email", "e mail": "email",
    "surel": "email",
})

_YES = {"ya", "y", "yes", "iya", "true", "benar", "setuju", "1", "v", "x", "ikut"}
_NO = {"tidak", "tdk", "t", "no", "n", "false", "salah", "0", "tidak setuju", "tidak ikut"}


def yes_no(value: Any) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    number = _integral(value)
    if number in (0, 1):
        return bool(number)
    if str(value).strip() in ("✓", "✔"):
        return True
    key = header_key(value)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise FieldError(_l("Isi ya atau tidak."))


def income(value: Any) -> Any:
    """``1000000``, ``1.000.000``, ``Rp1.000.000``, ``1.000.000,00`` → ``1000000``."""
    if _blank(value):
        return None
    number = _integral(value)
    if number is not None:
        return number
    if isinstance(value, str):
        raw = re.sub(r"\s+", "", value).casefold()
        match = re.fullmatch(r"(?:rp\.?)?(\d{1,3}(?:[.,]\d{3})+|\d+)(?:,00?)?(?:,-)?", raw)
        if match:
            return int(re.sub(r"[.,]", "", match[1]))
    return value if isinstance(value, str) else str(value)


# --- the columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # a field of ``clean_participant``, or ``jht`` / ``paid_through``
    header: str  # the template's header
    convert: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = field(default=())
    help: Any = ""
    example: str = ""
    text_format: bool = True  # the template formats the column as Text

    def keys(self) -> set[str]:
        words = {header_key(self.header), header_key(self.key.replace("_", " "))}
        return words | {header_key(a) for a in self.aliases}


COLUMNS: tuple[Column, ...] = (
    Column("nik", "NIK", long_number, True,
           ("no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp"),
           _l("16 angka, sesuai KTP. Format kolom Teks, supaya Excel tidak mengubah angkanya."),
           "2104011505800001"),
    Column("name", "Nama", text, True, ("nama lengkap", "nama peserta", "full name"),
           _l("Nama lengkap sesuai KTP."), "Ahmad Nelayan"),
    Column("family_card_number", "No. KK", long_number, False,
           ("nomor kk", "kk", "no kartu keluarga", "nomor kartu keluarga", "family card"),
           _l("Nomor Kartu Keluarga, 16 angka (boleh kosong)."), "2104010101200001"),
    Column("birth_place", "Tempat lahir", text, False, ("tempat lahir", "place of birth"),
           _l("Kota atau kabupaten tempat lahir (boleh kosong)."), "Daik"),
    Column("birth_date", "Tanggal lahir", birth_date, True,
           ("tgl lahir", "tanggal lahir", "date of birth", "birth date", "dob"),
           _l("Tanggal Excel, atau teks HH-BB-TTTT (15-05-1980) atau TTTT-BB-HH (1980-05-15)."),
           "15-05-1980"),
    Column("sex", "Jenis kelamin (L/P)", sex, True, ("jenis kelamin", "jk", "kelamin", "gender"),
           _l("L (laki-laki) atau P (perempuan)."), "L"),
    Column("phone", "No. HP", text, True,
           ("nomor hp", "hp", "no handphone", "nomor handphone", "no telepon", "nomor telepon",
            "telepon", "no telp", "no wa", "nomor wa", "nomor whatsapp", "phone number", "mobile"),
           _l("Nomor HP Indonesia, misalnya 0812-3456-7890."), "0812-3456-7890"),
    Column("email", "Email", text, False, ("e mail", "surel", "alamat email"),
           _l("Boleh kosong; wajib bila pengingat lewat email."), ""),
    Column("address", "Alamat", text, False, ("alamat lengkap",),
           _l("Alamat tempat tinggal (boleh kosong)."), "Jl. Pelabuhan No. 3"),
    Column("kelurahan", "Kelurahan", text, False,
           ("desa", "desa kelurahan", "kelurahan desa", "village"),
           _l("Desa atau kelurahan (boleh kosong)."), "Sungai Lumpur"),
    Column("kecamatan", "Kecamatan", text, False, ("district",),
           _l("Kecamatan (boleh kosong)."), "Lingga"),
    Column("occupation", "Pekerjaan", text, True, ("jenis pekerjaan", "profesi"),
           _l("Pekerjaan sehari-hari, misalnya Nelayan."), "Nelayan"),
    Column("sector", "Sektor", sector, True, ("sektor pekerjaan", "sektor usaha"),
           _l("Perikanan/Nelayan, Pertanian, Perdagangan, Transportasi, Buruh/Pekerja harian, "
              "Jasa atau Lainnya (kode API juga diterima: fishery, agriculture, …)."),
           "Perikanan/Nelayan", False),
    Column("declared_income", "Penghasilan", income, True,
           ("penghasilan yang dilaporkan", "penghasilan per bulan", "penghasilan sebulan",
            "upah", "income"),
           _l("Salah satu tingkat penghasilan yang berlaku, dalam rupiah, misalnya 1000000."),
           "1000000", False),
    Column("jht", "JHT (ya/tidak)", yes_no, False, ("ikut jht", "program jht"),
           _l("ya bila ikut Jaminan Hari Tua (tambahan 2% penghasilan); kosong berarti tidak."),
           "tidak", False),
    Column("kpj", "KPJ", text, False, ("no kpj", "nomor kpj", "nomor kartu peserta"),
           _l("Nomor kartu peserta BPJS Ketenagakerjaan, 11 angka (boleh kosong)."), ""),
    Column("coop_role", "Peran di koperasi", coop_role, False, ("peran", "status anggota"),
           _l("Pengurus, Pengawas, Anggota atau Bukan anggota (kosong: Bukan anggota)."),
           "Anggota", False),
    Column("preferred_channel", "Saluran", channel, False,
           ("saluran pengingat", "pengingat lewat", "pengingat"),
           _l("Pengingat lewat WhatsApp, SMS atau Email (kosong: WhatsApp)."), "WhatsApp", False),
    Column("whatsapp_consent", "Setuju WhatsApp", yes_no, False,
           ("setuju wa", "persetujuan whatsapp", "izin whatsapp", "consent"),
           _l("ya bila peserta setuju menerima pengingat lewat WhatsApp."), "ya", False),
    Column("paid_through", "Lunas sampai (YYYY-MM, opsional)", month, False,
           ("lunas sampai", "sudah bayar sampai", "iuran lunas sampai", "paid through"),
           _l("Hanya untuk peserta yang sudah terdaftar dan membayar di tempat lain: bulan "
              "terakhir yang sudah lunas, misalnya 2026-10. Dicatat sebagai saldo awal, bukan "
              "pembayaran."),
           ""),
)

# How the export writes coded values: the words the converters above read back (file format, the
# same in every language, like the headers).
WORDS_OUT: dict[str, dict[Any, str]] = {
    "sector": {
        "fishery": "Perikanan/Nelayan", "agriculture": "Pertanian", "trade": "Perdagangan",
        "transport": "Transportasi", "labour": "Buruh/Pekerja harian", "services": "Jasa",
        "other": "Lainnya",
    },
    "coop_role": {
        "pengurus": "Pengurus", "pengawas": "Pengawas", "anggota": "Anggota",
        "bukan_anggota": "Bukan anggota",
    },
    "preferred_channel": {"whatsapp": "WhatsApp", "sms": "SMS", "email": "Email"},
    "yes_no": {True: "ya", False: "tidak"},
}

# Read-only columns the export adds after the template's: the import skips them without a word.
EXPORT_EXTRAS = ("Status", "Tunggakan (bulan)", "Terdaftar")
READ_ONLY = frozenset(header_key(h) for h in EXPORT_EXTRAS)

BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def _header_index() -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in COLUMNS:
        for word in column.keys():
            index.setdefault(word, column)
    return index


HEADERS = _header_index()


def column_for(header: Any) -> Column | None:
    return HEADERS.get(header_key(header))
