"""How codes are shown to people (Bahasa Indonesia first; English through the catalogue)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


def sector_labels() -> dict[str, Any]:
    """CONTRACT.md's sector codes as people at the counter say them."""
    return {
        "fishery": _l("Perikanan/Nelayan"),
        "agriculture": _l("Pertanian"),
        "trade": _l("Perdagangan"),
        "transport": _l("Transportasi"),
        "labour": _l("Buruh/Pekerja harian"),
        "services": _l("Jasa"),
        "other": _l("Lainnya"),
    }


def coop_role_labels() -> dict[str, Any]:
    return {
        "pengurus": _l("Pengurus"),
        "pengawas": _l("Pengawas"),
        "anggota": _l("Anggota"),
        "bukan_anggota": _l("Bukan anggota"),
    }


def channel_labels() -> dict[str, Any]:
    return {"whatsapp": _l("WhatsApp"), "sms": _l("SMS"), "email": _l("Email")}


def sponsor_type_labels() -> dict[str, Any]:
    return {
        "apbd": _l("APBD (pemerintah daerah)"),
        "apbn": _l("APBN (pemerintah pusat)"),
        "csr": _l("CSR (perusahaan)"),
        "coop": _l("Koperasi"),
    }


def sex_labels() -> dict[str, Any]:
    return {"L": _l("Laki-laki"), "P": _l("Perempuan")}


def status_labels() -> dict[str, Any]:
    """Coverage statuses, always with a word (never colour alone)."""
    return {
        "new": _l("Baru"),
        "active": _l("Aktif"),
        "grace": _l("Masa tenggang"),
        "lapsed": _l("Tidak aktif"),
    }
