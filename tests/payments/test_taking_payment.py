"""Taking a payment at the counter: the total taken is the total shown, a second payment for the
same person within 10 minutes is asked first, and a payment ends with "Lunas sampai" and a way to
the next person."""

from __future__ import annotations

import re

import pytest

from tests.payments.helpers import register
from tests.payments.test_payments_web import _count, _pay_form

pytestmark = pytest.mark.usefixtures("counter_day")


def test_months_changed_after_the_quote_takes_nothing_and_shows_the_new_total(app, cashier) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    url = f"/{coop.slug}/payments/new/{pid}"
    html, data = _pay_form(client, coop.slug, pid, 1)
    assert data["shown_total"] == "8400" and "Terima Rp8.400 tunai" in html
    # 3 months chosen, but the button pressed still said Rp8.400 (no "Hitung", no script)
    response = client.post(url, data={**data, "months": "3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and _count(app, coop.ref) == 0
    assert "Jumlahnya berubah" in page and "Terima Rp33.600 tunai" in page
    assert 'name="shown_total" value="33600"' in page
    token = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    again = client.post(url, data={**data, "months": "3", "shown_total": "33600",
                                   "idempotency_key": token})
    assert again.status_code == 303 and _count(app, coop.ref) == 1


def test_hitung_prices_again_without_javascript_and_takes_nothing(app, cashier) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(client, coop.slug, pid, 1)
    data = {k: v for k, v in data.items() if k != "confirm"}
    response = client.post(f"/{coop.slug}/payments/new/{pid}",
                           data={**data, "months": "3", "recalc": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _count(app, coop.ref) == 0
    assert "Terima Rp33.600 tunai" in page and 'data-recalc="recalc"' in page


def test_a_form_without_the_shown_total_takes_nothing(app, cashier) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(client, coop.slug, pid, 1)
    response = client.post(f"/{coop.slug}/payments/new/{pid}", data={**data, "shown_total": ""})
    assert response.status_code == 400 and _count(app, coop.ref) == 0


def test_a_second_payment_within_ten_minutes_is_asked_once(app, cashier, set_today) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    url = f"/{coop.slug}/payments/new/{pid}"
    _html, data = _pay_form(client, coop.slug, pid, 1)
    first = client.post(url, data=data)
    assert first.status_code == 303 and _count(app, coop.ref) == 1
    receipt_no = re.search(r"[A-Z0-9]+-2026-000001", client.get(first.headers["Location"])
                           .get_data(as_text=True)).group(0)
    # Back, a fresh page (a new form), "Terima" again
    _html, data = _pay_form(client, coop.slug, pid, 1)
    asked = client.post(url, data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 409 and _count(app, coop.ref) == 1
    assert re.search(r"Sudah dibayar \d{2}\.\d{2}, " + receipt_no + " — terima lagi", page)
    assert "Ya, terima lagi Rp8.400" in page
    yes = client.post(url, data={**data, "confirm": "again"})
    assert yes.status_code == 303 and _count(app, coop.ref) == 2


def test_after_payment_lunas_sampai_and_the_next_person(app, cashier) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(client, coop.slug, pid, 3)
    done = client.post(f"/{coop.slug}/payments/new/{pid}", data=data)
    assert done.status_code == 303
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Pembayaran Rp33.600 untuk 3 bulan diterima. Lunas sampai Januari 2027." in receipt
    link = re.search(r'<a class="button primary" href="([^"]+)">Peserta berikutnya</a>', receipt)
    assert link and link.group(1) == f"/{coop.slug}/participants?cari=1"
    search = client.get(link.group(1)).get_data(as_text=True)
    assert re.search(r'<input id="q" name="q"[^>]*autofocus', search)
