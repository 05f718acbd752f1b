"""Receipts: viewing is not printing; the first print or PDF at the counter is the original.

The PDF's text is read back with ``pdftotext`` (Debian's poppler-utils, which ``.ci/run`` installs):
what a person sees on paper, not what the bytes happen to contain.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zoneinfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from app.payments.models import PaymentVoid, ReceiptPrint
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import _csrf_from, login
from tests.payments.helpers import pay, register

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None and not os.environ.get("CI"),
    reason="pdftotext is not installed (apt-get install poppler-utils)",
)


pytestmark = pytest.mark.usefixtures("counter_day")


def _paid(app, coop, months: int = 3) -> str:  # type: ignore[no-untyped-def]
    api = app.test_client()
    response = pay(api, coop, register(api, coop), months)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _prints(app, coop) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        rows = db.session.execute(
            sa.select(ReceiptPrint.format, ReceiptPrint.printed_by).order_by(
                ReceiptPrint.printed_at
            )
        ).all()
        db.session.rollback()
    return [(row[0], str(row[1])) for row in rows]


def _article(html: str) -> str:
    match = re.search(r'<article class="receipt.*?</article>', html, re.S)
    assert match, html
    return match.group(0)


def _print(client, slug: str, pid: str):  # type: ignore[no-untyped-def]
    url = f"/{slug}/payments/{pid}/receipt"
    csrf = _csrf_from(client.get(url).get_data(as_text=True))
    return client.post(f"{url}/print", data={"csrf_token": csrf})


def _pdf(client, slug: str, pid: str, size: str = "a6"):  # type: ignore[no-untyped-def]
    url = f"/{slug}/payments/{pid}/receipt"
    csrf = _csrf_from(client.get(url).get_data(as_text=True))
    return client.post(f"{url}.pdf", data={"csrf_token": csrf, "size": size})


def pdf_text(body: bytes) -> str:
    assert PDFTOTEXT, "pdftotext is missing (apt-get install poppler-utils)"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(body)
        handle.flush()
        return subprocess.run(
            [PDFTOTEXT, "-layout", handle.name, "-"], check=True, capture_output=True, text=True
        ).stdout


def test_viewing_is_not_printing_and_the_first_print_is_the_original(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)
    url = f"/{coop.slug}/payments/{pid}/receipt"
    for role in ("cashier", "cashier", "pengawas", "admin"):  # right after payment, refresh, others
        page = clients[role].get(url)
        assert page.status_code == 200 and "SALINAN" not in _article(page.get_data(as_text=True))
    assert _prints(app, coop) == []

    first = _print(clients["cashier"], coop.slug, pid)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "SALINAN" not in _article(html) and "data-autoprint" in html
    assert len(_prints(app, coop)) == 1

    # From now on every print, and the screen itself, says it is a copy.
    again = _print(clients["cashier"], coop.slug, pid).get_data(as_text=True)
    assert "SALINAN" in _article(again)
    assert "SALINAN" in _article(clients["pengawas"].get(url).get_data(as_text=True))
    assert [fmt for fmt, _by in _prints(app, coop)] == ["html", "html"]


def test_a_pengawas_print_is_a_copy_and_leaves_the_original_to_the_counter(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)
    inspected = _print(clients["pengawas"], coop.slug, pid)
    assert inspected.status_code == 200 and "SALINAN" in _article(inspected.get_data(as_text=True))
    assert _prints(app, coop) == []
    first = _print(clients["cashier"], coop.slug, pid).get_data(as_text=True)
    assert "SALINAN" not in _article(first)


@needs_pdftotext
def test_the_first_pdf_is_the_original_later_ones_copies(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)
    clients["cashier"].get(f"/{coop.slug}/payments/{pid}/receipt")  # seen right after payment
    first = _pdf(clients["cashier"], coop.slug, pid)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert "attachment" in first.headers["Content-Disposition"]
    assert "SALINAN" not in pdf_text(first.data)
    second = _pdf(clients["cashier"], coop.slug, pid, "58")
    assert "SALINAN" in pdf_text(second.data)
    assert [fmt for fmt, _by in _prints(app, coop)] == ["pdf-a6", "pdf-58"]


def _media_box(body: bytes) -> tuple[float, float]:
    match = re.search(rb"/MediaBox\s*\[\s*0\.?0*\s+0\.?0*\s+([\d.]+)\s+([\d.]+)\s*\]", body)
    assert match, "no MediaBox"
    return float(match.group(1)), float(match.group(2))


@needs_pdftotext
def test_pdf_speaks_indonesian_punctuation_in_a6_and_58mm(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)  # the person has no KPJ
    a6 = _pdf(clients["cashier"], coop.slug, pid, "a6")
    text = pdf_text(a6.data)
    assert re.search(r"KPJ\s+–", text), text  # the dash, not a question mark
    assert "?" not in text
    assert "Rp33.600" in text and "Januari 2027" in text
    width, height = _media_box(a6.data)
    assert round(width / 72 * 25.4) == 105 and round(height / 72 * 25.4) == 148
    roll = _pdf(clients["cashier"], coop.slug, pid, "58")
    assert roll.status_code == 200
    width, height = _media_box(roll.data)
    assert round(width / 72 * 25.4) == 58 and 60 < height / 72 * 25.4 < 400
    roll_text = pdf_text(roll.data)
    assert "Rp33.600" in roll_text and "?" not in roll_text
    bad = _pdf(clients["cashier"], coop.slug, pid, "a4")
    assert bad.status_code == 400


@needs_pdftotext
def test_receipt_is_in_the_coops_language_whatever_the_cashiers_ui(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)
    cashier = clients["cashier"]
    cashier.set_cookie("gerai_lang", "en")
    html = cashier.get(f"/{coop.slug}/payments/{pid}/receipt").get_data(as_text=True)
    assert 'lang="en"' in html  # the page around it follows the cashier
    article = _article(html)
    for words in ("Kwitansi Iuran BPJS Ketenagakerjaan", "Januari 2027", "Nama peserta",
                  "Lunas sampai", "Terima kasih"):
        assert words in article, words
    assert "January" not in article and "Receipt" not in article
    text = pdf_text(_pdf(cashier, coop.slug, pid).data)
    assert "Lunas sampai" in text and "Januari 2027" in text and "January" not in text


def test_receipt_names_the_periods_and_paid_through(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)
    article = _article(
        clients["cashier"].get(f"/{coop.slug}/payments/{pid}/receipt").get_data(as_text=True)
    )
    text = re.sub(r"<[^>]+>", " ", article)
    text = re.sub(r"\s+", " ", text)
    assert "Periode November 2026 – Januari 2027" in text
    assert "Lunas sampai Januari 2027" in text


@needs_pdftotext
def test_voided_receipt_says_batal_with_date_and_reason(app, staff) -> None:
    coop, clients = staff
    pid = _paid(app, coop)
    admin = clients["admin"]
    void_url = f"/{coop.slug}/payments/{pid}/void"
    csrf = _csrf_from(admin.get(void_url).get_data(as_text=True))
    done = admin.post(void_url, data={"csrf_token": csrf, "reason": "Salah orang"})
    assert done.status_code == 302
    with app.app_context(), tenant_context(coop.ref):
        voided_at = db.session.scalar(sa.select(PaymentVoid.voided_at))
        db.session.rollback()
    local = voided_at.astimezone(zoneinfo.ZoneInfo("Asia/Jakarta"))
    day = format_date(local, "d MMMM y", locale="id")
    article = _article(admin.get(done.headers["Location"]).get_data(as_text=True))
    assert "BATAL" in article and "Salah orang" in article and day in article
    assert "Simpan kwitansi ini" not in article and "Lunas sampai" not in article
    text = pdf_text(_pdf(admin, coop.slug, pid).data)
    assert "BATAL" in text and "Salah orang" in text and day in text
    assert "Simpan kwitansi ini" not in text


def test_print_and_pdf_of_another_coops_payment_are_404(app, make_coop) -> None:
    a, b = make_coop(passwords=True), make_coop()
    b_pid = _paid(app, b, 1)
    admin = app.test_client()
    login(admin, a.slug, a.emails["admin"])
    csrf = _csrf_from(admin.get(f"/{a.slug}/payments").get_data(as_text=True))
    for path in (f"/{a.slug}/payments/{b_pid}/receipt/print",
                 f"/{a.slug}/payments/{b_pid}/receipt.pdf"):
        assert admin.post(path, data={"csrf_token": csrf, "size": "a6"}).status_code == 404, path
    assert _prints(app, b) == []


def test_eight_first_prints_at_once_make_one_original(app, staff) -> None:
    """The payment row is locked while a print is recorded: only one of them is the original."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    coop, _clients = staff
    pid = _paid(app, coop)
    url = f"/{coop.slug}/payments/{pid}/receipt"
    clients = []
    for _ in range(8):
        client = app.test_client()
        login(client, coop.slug, coop.emails["cashier"])
        clients.append((client, _csrf_from(client.get(url).get_data(as_text=True))))
    barrier = threading.Barrier(len(clients))

    def print_once(i: int) -> bool:
        client, csrf = clients[i]
        barrier.wait()
        response = client.post(f"{url}/print", data={"csrf_token": csrf})
        assert response.status_code == 200
        return "SALINAN" in _article(response.get_data(as_text=True))

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        copies = list(pool.map(print_once, range(len(clients))))
    assert sorted(copies) == [False] + [True] * 7
    assert len(_prints(app, coop)) == 8
