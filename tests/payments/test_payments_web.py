"""The counter's screens: take cash once, print the receipt (and copies), void, close the day."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.payments.models import Payment
from tenants.context import tenant_context
from tenants.db import db
from tests.conftest import _csrf_from, login
from tests.payments.helpers import pay, register
from tests.payments.test_closing_pages import hidden_fields

CLOSING = "/payments/closing"


pytestmark = pytest.mark.usefixtures("counter_day")


def _pay_form(client, slug, pid, months=3, cash=None):  # type: ignore[no-untyped-def]
    page = client.get(f"/{slug}/payments/new/{pid}?months={months}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
    shown = re.search(r'name="shown_total" value="([0-9]+)"', html)
    data = {
        "shown_total": shown.group(1) if shown else "",
        "csrf_token": _csrf_from(html),
        "idempotency_key": key,
        "months": str(months),
        "confirm": "1",
        "cash_received": "" if cash is None else str(cash),
    }
    return html, data


def _count(app, ref) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(ref):
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Payment))
        db.session.rollback()
    return int(n or 0)


def test_cashier_takes_cash_once_even_when_double_clicked(app, staff) -> None:
    coop, clients = staff
    cashier = clients["cashier"]
    pid = register(app.test_client(), coop)
    html, data = _pay_form(cashier, coop.slug, pid, 3, cash=50000)
    assert "Rp33.600" in html and "November 2026" in html and "Januari 2027" in html
    first = cashier.post(f"/{coop.slug}/payments/new/{pid}", data=data)
    second = cashier.post(f"/{coop.slug}/payments/new/{pid}", data=data)  # the double click
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app, coop.ref) == 1
    receipt = cashier.get(first.headers["Location"]).get_data(as_text=True)
    assert "Rp33.600" in receipt and "Kembalian" in receipt and "Rp16.400" in receipt
    assert "SALINAN" not in receipt and "-2026-000001" in receipt
    assert "2104********" in receipt  # the NIK is masked on the receipt
    pdf = cashier.post(
        first.headers["Location"] + ".pdf", data={"csrf_token": _csrf_from(receipt), "size": "a6"}
    )
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_short_cash_is_refused_and_nothing_written(app, staff) -> None:
    coop, clients = staff
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(clients["cashier"], coop.slug, pid, 1, cash=1000)
    response = clients["cashier"].post(f"/{coop.slug}/payments/new/{pid}", data=data)
    assert response.status_code == 422
    assert "kurang dari jumlah" in response.get_data(as_text=True)
    assert _count(app, coop.ref) == 0


def test_pengawas_cannot_pay_or_void_and_admin_voids(app, staff) -> None:
    coop, clients = staff
    pid = register(app.test_client(), coop)
    assert clients["pengawas"].get(f"/{coop.slug}/payments/new/{pid}").status_code == 403
    paid = pay(app.test_client(), coop, pid, 1).get_json()
    void_url = f"/{coop.slug}/payments/{paid['id']}/void"
    assert clients["pengawas"].get(void_url).status_code == 403
    assert clients["cashier"].get(void_url).status_code == 403
    form = clients["admin"].get(void_url).get_data(as_text=True)
    empty = clients["admin"].post(void_url, data={"csrf_token": _csrf_from(form), "reason": ""})
    assert empty.status_code == 422
    done = clients["admin"].post(
        void_url, data={"csrf_token": _csrf_from(form), "reason": "Uang dikembalikan"}
    )
    assert done.status_code == 302
    receipt = clients["admin"].get(done.headers["Location"]).get_data(as_text=True)
    assert "BATAL" in receipt and "Uang dikembalikan" in receipt
    twice = clients["admin"].post(void_url, data={"csrf_token": _csrf_from(form), "reason": "x"})
    assert twice.status_code == 422 and "sudah dibatalkan" in twice.get_data(as_text=True)


def test_closing_the_day(app, staff) -> None:
    coop, clients = staff
    api = app.test_client()
    people = [register(api, coop) for _ in range(3)]
    a = pay(api, coop, people[0], 1).get_json()  # 8.400
    pay(api, coop, people[1], 3)  # 33.600
    voided = pay(api, coop, people[2], 1).get_json()
    api.post(
        f"/api/v1/payments/{voided['id']}/void", json={"reason": "batal"}, headers=coop.headers()
    )
    cashier = clients["cashier"]
    page = cashier.get(f"/{coop.slug}/payments/closing").get_data(as_text=True)
    assert "Rp42.000" in page
    closed = cashier.post(
        f"/{coop.slug}/payments/closing",
        data={**hidden_fields(page, CLOSING), "counted": "41000", "note": "kurang seribu"},
    )
    assert closed.status_code == 302
    pay(api, coop, people[0], 1)  # after the closing: goes to the next one
    page = cashier.get(f"/{coop.slug}/payments/closing").get_data(as_text=True)
    assert "Rp8.400" in page
    overview = clients["admin"].get(f"/{coop.slug}/payments/closings").get_data(as_text=True)
    assert "Rp42.000" in overview and "Rp41.000" in overview and "-Rp1.000" in overview
    assert "kurang seribu" in overview
    # A void after the closing is listed for the admin, not counted again.
    api.post(f"/api/v1/payments/{a['id']}/void", json={"reason": "salah"}, headers=coop.headers())
    overview = clients["admin"].get(f"/{coop.slug}/payments/closings").get_data(as_text=True)
    assert "Dibatalkan setelah kas ditutup" in overview
    listed = overview.split("Dibatalkan setelah kas ditutup", 1)[1]
    # Only the void that came after the closing is listed, not the one voided before it.
    assert a["receipt_no"] in listed and voided["receipt_no"] not in listed
    bad = cashier.post(
        f"/{coop.slug}/payments/closing", data={"csrf_token": _csrf_from(page), "counted": "abc"}
    )
    assert bad.status_code == 422


def test_other_coops_payment_pages_are_404(app, make_coop) -> None:
    a, b = make_coop(passwords=True), make_coop()
    api = app.test_client()
    b_pid = register(api, b)
    b_pay = pay(api, b, b_pid, 1).get_json()
    admin = app.test_client()
    login(admin, a.slug, a.emails["admin"])
    for path in (
        f"/{a.slug}/payments/{b_pay['id']}/receipt",
        f"/{a.slug}/payments/{b_pay['id']}/void",
        f"/{a.slug}/payments/new/{b_pid}",
    ):
        assert admin.get(path).status_code == 404, path
    listing = admin.get(f"/{a.slug}/payments").get_data(as_text=True)
    assert b_pay["receipt_no"] not in listing
    assert "Belum ada pembayaran" in listing


def test_admin_closes_a_cashiers_drawer(app, staff) -> None:
    coop, clients = staff
    api = app.test_client()
    paid = pay(api, coop, register(api, coop), 1, role="cashier")  # Rp8.400 in the drawer
    assert paid.status_code == 201, paid.get_json()
    admin = clients["admin"]
    page = admin.get(f"/{coop.slug}/payments/closings").get_data(as_text=True)
    link = re.search(rf'href="(/{coop.slug}/payments/closing\?cashier=[0-9a-f\-]+)"', page).group(1)
    assert "Rp8.400" in page
    chosen = admin.get(link).get_data(as_text=True)
    assert '<p class="big-figure">Rp8.400</p>' in chosen
    done = admin.post(
        f"/{coop.slug}/payments/closing", data={**hidden_fields(chosen, CLOSING), "counted": "8400"}
    )
    assert done.status_code == 302
    overview = admin.get(f"/{coop.slug}/payments/closings").get_data(as_text=True)
    assert "Semua kas sudah ditutup." in overview and "Cocok" in overview
