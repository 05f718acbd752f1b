"""The participant page shows the person's payment history (receipt numbers linking to their
receipts, voids marked BATAL with date and reason) and WhatsApp / phone links; another coop's
person stays a 404 and their payments never show."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.payments.helpers import PAYMENTS, pay, register


@pytest.fixture(autouse=True)
def _today(set_today) -> None:  # type: ignore[no-untyped-def]
    set_today("2026-11-10")


def test_history_with_receipts_voids_and_contact_links(app, client, make_coop) -> None:
    coop = make_coop(passwords=True)
    pid = register(client, coop, name="Siti Aisyah", phone="0813-1111-2222")
    other = register(client, coop, name="Budi Santoso")
    first = pay(client, coop, pid, 3).get_json()
    second = pay(client, coop, pid, 1).get_json()
    not_hers = pay(client, coop, other, 1).get_json()
    voided = client.post(f"{PAYMENTS}/{second['id']}/void", json={"reason": "Salah orang"},
                         headers=coop.headers())
    assert voided.status_code in (200, 201), voided.get_json()

    web = app.test_client()
    assert login(web, coop.slug, coop.emails["cashier"]).status_code == 302
    page = web.get(f"/{coop.slug}/participants/{pid}").get_data(as_text=True)
    history = page[page.index('id="history-h"'):page.index('id="data-h"')]
    receipt = f'href="/{coop.slug}/payments/{first["id"]}/receipt"'
    assert receipt in history and first["receipt_no"] in history
    assert f'href="/{coop.slug}/payments/{second["id"]}/receipt"' in history
    assert not_hers["receipt_no"] not in history
    assert f"Rp{first['amount']:,}".replace(",", ".") in history and "3 bulan" in history
    # the void: its row marked, with the word and the reason (never colour alone)
    rows = re.findall(r"<li[^>]*>.*?</li>", history, re.S)
    assert len(rows) == 2
    newest = rows[0]
    assert 'class="voided"' in newest and "BATAL" in newest and "Salah orang" in newest
    assert second["receipt_no"] in newest and "BATAL" not in rows[1]
    assert 'href="https://wa.me/6281311112222"' in page
    assert 'href="tel:+6281311112222"' in page and "0813-1111-2222" in page


def test_a_person_without_payments_says_so(app, client, make_coop) -> None:
    coop = make_coop(passwords=True)
    pid = register(client, coop)
    web = app.test_client()
    assert login(web, coop.slug, coop.emails["pengawas"]).status_code == 302
    page = web.get(f"/{coop.slug}/participants/{pid}").get_data(as_text=True)
    assert "Riwayat pembayaran" in page and "Belum ada pembayaran." in page


def test_another_coops_person_and_history_are_404(app, client, make_coop) -> None:
    mine, theirs = make_coop(passwords=True), make_coop()
    pid = register(client, theirs)
    pay(client, theirs, pid, 1)
    web = app.test_client()
    assert login(web, mine.slug, mine.emails["admin"]).status_code == 302
    assert web.get(f"/{mine.slug}/participants/{pid}").status_code == 404
