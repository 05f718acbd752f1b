"""Money as people type it at the counter: "Uang diterima" and *Tutup kas* read ``30000``,
``30.000``, ``30,000``, ``Rp 30.000``, ``Rp30.000,00`` (and ``Rp 30.000,-``); anything else gets one
Indonesian message next to the field and an error summary at the top that links to it. Times read
``09.25`` on every page and receipt."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.numbers import NumberError, parse_rupiah
from app.payments.models import CashClosing, Payment
from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import pay, register
from tests.payments.test_closing_pages import hidden_fields
from tests.payments.test_payments_web import _pay_form

pytestmark = pytest.mark.usefixtures("counter_day")

TYPED = {"30000": 30000, "30.000": 30000, "30,000": 30000, "Rp 30.000": 30000,
         "Rp30.000,00": 30000, "rp. 30.000": 30000, "Rp 30.000,-": 30000, " 1.250.000 ": 1250000,
         "0": 0, "30000,00": 30000, "30,000.00": 30000}
REFUSED = ["30.00", "30,00", "30.000,50", "3.0000", "Rp", "-5", "30 000", "²", "١٢", "1,2345",
           "30000.5", "1e5", "30.000,000", "Rp-30.000", "tiga puluh ribu", "30.000,00,00"]


@pytest.mark.parametrize("text,amount", TYPED.items())
def test_rupiah_typed_the_indonesian_way(text, amount) -> None:
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize("text", REFUSED)
def test_anything_else_is_refused(text) -> None:
    with pytest.raises(NumberError):
        parse_rupiah(text)


def _payments(app, ref) -> list[Payment]:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(ref):
        rows = list(db.session.scalars(sa.select(Payment)))
        for r in rows:
            db.session.expunge(r)
        db.session.rollback()
    return rows


@pytest.mark.parametrize("typed", ["30.000", "Rp 30.000", "Rp30.000,00", "30,000"])
def test_cash_received_typed_with_dots_and_rp(app, cashier, typed) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(client, coop.slug, pid, 1)
    url = f"/{coop.slug}/payments/new/{pid}"
    response = client.post(url, data={**data, "cash_received": typed})
    assert response.status_code == 303
    [payment] = _payments(app, coop.ref)
    assert payment.cash_received == 30000 and payment.amount == 8400
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rp21.600" in receipt  # the change
    assert re.search(r"\b\d{2}\.\d{2}\b", receipt) and not re.search(r"\b\d{2}:\d{2}\b", receipt)


def test_a_wrong_amount_gets_one_message_and_the_summary_at_the_top(app, cashier) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(client, coop.slug, pid, 1)
    response = client.post(f"/{coop.slug}/payments/new/{pid}",
                           data={**data, "cash_received": "30.000,50"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _payments(app, coop.ref) == []
    message = "Tulis jumlah rupiah, misalnya 30000, 30.000 atau Rp30.000."
    assert html.count(message) == 2  # next to the field, and in the summary that links to it
    assert "Not a valid" not in html
    summary = html.index('class="error-summary"')
    assert summary < html.index("<h1")  # first thing in the page's content
    assert 'href="#cash_received"' in html[summary:] and "autofocus" in html[summary:summary + 200]
    field = re.search(r'<input[^>]*id="cash_received"[^>]*>', html).group(0)
    assert 'value="30.000,50"' in field and 'aria-invalid="true"' in field


@pytest.mark.parametrize("typed,counted", [("0", 0), ("200.000", 200000), ("Rp 8.400", 8400)])
def test_closing_reads_typed_money_and_zero(app, cashier, typed, counted) -> None:
    coop, client = cashier
    if counted:
        pid = register(app.test_client(), coop)
        assert pay(app.test_client(), coop, pid, 1).status_code == 201
    url = f"/{coop.slug}/payments/closing"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**hidden_fields(page, "/payments/closing"),
                                      "counted": typed, "note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context(), tenant_context(coop.ref):
        closing = db.session.scalar(sa.select(CashClosing))
        assert closing is not None and closing.counted_amount == counted
        db.session.rollback()


def test_closing_without_an_amount_says_so(app, cashier) -> None:
    coop, client = cashier
    url = f"/{coop.slug}/payments/closing"
    page = client.get(url).get_data(as_text=True)
    for typed in ("", "   ", "dua ratus"):
        response = client.post(url, data={**hidden_fields(page, "/payments/closing"),
                                          "counted": typed, "note": ""})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, typed
        assert 'class="error-summary"' in html and 'href="#counted"' in html
