"""Pages read in English show no Indonesian words of the interface: this catches strings that were
never marked for translation (the catalogue test in ``tests/test_translations.py`` cannot)."""

from __future__ import annotations

import re

# Words of the Indonesian interface that never appear in the English one (people's names and
# the coop's own data aside, which the pages below do not contain).
INDONESIAN = re.compile(
    r"\b(dan|yang|belum|tidak|peserta|pembayaran|bayar|kwitansi|simpan|bulan|keluar|beranda|"
    r"cari|tutup|laci|kas|impor|penutupan|pekerjaan|staf|kegiatan|sudah|dari|untuk|baru)\b",
    re.IGNORECASE,
)


def job_run(app, coop, title: str) -> str:  # type: ignore[no-untyped-def]
    """A finished background job of the coop with ``title`` (as the code that queues it writes)."""
    import os

    from app.jobrecords import JobRun
    from tenants.context import tenant_context
    from tenants.db import db, new_id

    rq_id = f"done-{os.urandom(4).hex()}"
    with app.app_context(), tenant_context(coop.ref):
        db.session.add(JobRun(
            id=new_id(), rq_id=rq_id, func="app.participants.tasks.import_participants",
            payload={"args": [], "kwargs": {}}, title=title, queue="default", status="done",
            timeout=60,
        ))
        db.session.commit()
    return rq_id


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|title)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def test_pages_in_english_show_no_indonesian(app, make_coop, set_today) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import login
    from tests.payments.helpers import pay, register

    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    api = app.test_client()
    pid = register(api, coop, name="Ahmad", phone="081234567890")
    assert pay(api, coop, pid, role="cashier").status_code == 201
    jobs = [job_run(app, coop, title) for title in (
        "Impor peserta dari Excel", "Impor peserta dari CSV",
        "Perawatan harian catatan pekerjaan, 2026-11-10",
        "Hapus kunci idempotensi lama, 2026-11-10",
    )]
    client = app.test_client()
    client.set_cookie("gerai_lang", "en")
    assert login(client, coop.slug, coop.emails["admin"]).status_code == 302
    pages = ["/", "/participants", f"/participants/{pid}", "/payments", f"/payments/new/{pid}",
             "/payments/closing", "/payments/closings", "/staff", "/jobs/", "/audit", "/tokens",
             "/participants/excel/import", "/participants/new",
             *(f"/jobs/{rq_id}" for rq_id in jobs)]
    found = {}
    for path in pages:
        response = client.get(f"/{coop.slug}{path}")
        assert response.status_code == 200, path
        words = sorted({w.lower() for w in INDONESIAN.findall(_visible_text(response.text))})
        if words:
            found[path] = words
    assert found == {}, found
