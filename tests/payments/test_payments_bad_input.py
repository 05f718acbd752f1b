"""Integer fields of the payment pages read ASCII digits only: ``²``, ``١``, ``１`` or ``1_0`` in
the months or an amount is a 4xx with a message (``str.isdigit`` accepted them, ``int`` did not)."""

from __future__ import annotations

import pytest

from tests.conftest import _csrf_from
from tests.payments.helpers import register
from tests.payments.test_payments_web import _count, _pay_form

ODD_NUMBERS = ["²", "1²", "١", "１", "1_0", "٣"]


pytestmark = pytest.mark.usefixtures("counter_day")


@pytest.mark.parametrize("months", ODD_NUMBERS)
def test_pay_page_with_odd_digits_in_months(app, cashier, months) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    shown = client.get(f"/{coop.slug}/payments/new/{pid}?months={months}")
    assert shown.status_code == 200  # a link with odd months shows the one-month quote
    html, data = _pay_form(client, coop.slug, pid, months=1)
    response = client.post(f"/{coop.slug}/payments/new/{pid}", data={**data, "months": months})
    assert response.status_code == 422
    assert _count(app, coop.ref) == 0


@pytest.mark.parametrize("cash", ODD_NUMBERS + ["100000²", "１０００００"])
def test_pay_page_with_odd_digits_in_cash_received(app, cashier, cash) -> None:
    coop, client = cashier
    pid = register(app.test_client(), coop)
    _html, data = _pay_form(client, coop.slug, pid, months=1)
    response = client.post(
        f"/{coop.slug}/payments/new/{pid}", data={**data, "cash_received": cash}
    )
    assert response.status_code == 422
    assert _count(app, coop.ref) == 0


@pytest.mark.parametrize("counted", ["²", "١٠", "１０", "1_0"])
def test_closing_with_odd_digits_in_the_counted_cash(app, cashier, counted) -> None:
    coop, client = cashier
    url = f"/{coop.slug}/payments/closing"
    token = _csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "counted": counted, "note": ""})
    assert response.status_code == 422
