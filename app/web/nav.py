"""The main navigation and the home page's tiles: what each role can reach, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.services import can


@dataclass(frozen=True)
class Item:
    endpoint: str
    label: object
    permission: str
    text: object = ""
    roles: tuple[str, ...] = ()


ITEMS = (
    Item("web.home", _l("Beranda"), "read"),
    Item("participants.index", _l("Peserta"), "read",
         _l("Cari peserta, daftarkan yang baru, lihat tunggakan.")),
    Item("payments.index", _l("Pembayaran"), "read",
         _l("Pembayaran tunai di loket, kwitansi dan pembatalan.")),
    Item("payments.close", _l("Tutup kas"), "payments.write",
         _l("Di akhir hari: cocokkan uang di laci dengan catatan.")),
    Item("payments.closings", _l("Penutupan kas"), "read",
         _l("Riwayat penutupan kas dan selisihnya."), ("admin", "pengawas")),
    Item("auth.staff", _l("Staf"), "staff.manage",
         _l("Tambahkan petugas kasir dan pengawas koperasi Anda.")),
    Item("jobs.index", _l("Pekerjaan latar"), "jobs.manage",
         _l("Impor, pengingat dan pekerjaan lain yang berjalan di belakang.")),
    Item("web.audit_log", _l("Log audit"), "read", _l("Siapa melakukan apa, dan kapan."),
         ("admin", "pengawas")),
    Item("settings.index", _l("Pengaturan"), "staff.manage",
         _l("Kode kwitansi koperasi Anda.")),
    Item("auth.tokens", _l("Token API"), "read"),
)


def visible_items() -> list[dict[str, object]]:
    """The items the signed-in user may open, with their URLs (endpoints not built are skipped)."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    items = []
    for item in ITEMS:
        if item.endpoint not in current_app.view_functions:
            continue
        if not can(current_user, item.permission):
            continue
        if item.roles and current_user.role not in item.roles:
            continue
        items.append({"url": url_for(item.endpoint), "label": item.label, "text": item.text,
                      "endpoint": item.endpoint})
    return items


def init_app(app: Flask) -> None:
    app.add_template_global(visible_items, "nav_items")
