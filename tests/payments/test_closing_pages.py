"""Closing the day: the admin sees the drawer before confirming; pages offer only what works."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.payments.models import CashClosing
from tenants.context import tenant_context
from tenants.db import db
from tests.payments.helpers import pay, register

pytestmark = pytest.mark.usefixtures("counter_day")


@pytest.fixture
def staff_roles() -> tuple[str, ...]:
    return ("admin", "cashier", "pengawas", "mentor")


def hidden_fields(html: str, form_action_part: str = "") -> dict[str, str]:
    """The hidden inputs of the POST form on the page (the one whose action contains the part)."""
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, re.S):
        if form_action_part in form:
            return {
                name: unescape(value)
                for name, value in re.findall(
                    r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form
                )
                + re.findall(
                    r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form
                )
            }
    raise AssertionError("no such form")


def _cashier_id(app, coop) -> str:  # type: ignore[no-untyped-def]
    from app.auth.services import find_user_by_email

    with app.app_context(), tenant_context(coop.ref):
        user_id = str(find_user_by_email(coop.emails["cashier"]).id)
        db.session.rollback()
    return user_id


def _closings(app, coop) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        n = db.session.scalar(sa.select(sa.func.count()).select_from(CashClosing))
        db.session.rollback()
    return int(n or 0)


def test_admin_sees_the_chosen_drawer_and_its_payments_before_confirming(app, staff) -> None:
    coop, clients = staff
    api = app.test_client()
    first = pay(api, coop, register(api, coop, name="Siti Aisyah"), 1).get_json()
    second = pay(api, coop, register(api, coop, name="Budi Santoso"), 3).get_json()
    admin = clients["admin"]
    cashier_id = _cashier_id(app, coop)

    # Step one: pick the drawer (a GET form: choosing reloads the page for that cashier).
    start = admin.get(f"/{coop.slug}/payments/closing").get_data(as_text=True)
    assert re.search(r'<form[^>]*method="get"[^>]*>.*?name="cashier"', start, re.S)
    # Step two: that drawer's expected cash and its payments, then the count.
    page = admin.get(f"/{coop.slug}/payments/closing?cashier={cashier_id}").get_data(as_text=True)
    assert '<p class="big-figure">Rp42.000</p>' in page
    for words in (first["receipt_no"], second["receipt_no"], "Siti Aisyah", "Budi Santoso",
                  "Rp8.400", "Rp33.600"):
        assert words in page, words
    hidden = hidden_fields(page, "/payments/closing")
    assert hidden["cashier_id"] == cashier_id and hidden["expected"] == "42000"
    # The confirming form closes exactly the drawer shown: no cashier picker inside it.
    post_form = re.search(r'<form[^>]*method="post".*?</form>', page, re.S).group(0)
    assert "<select" not in post_form
    done = admin.post(
        f"/{coop.slug}/payments/closing", data={**hidden, "counted": "42000", "note": ""}
    )
    assert done.status_code == 302
    assert _closings(app, coop) == 1


def test_a_drawer_that_changed_since_it_was_shown_is_shown_again_not_closed(app, staff) -> None:
    coop, clients = staff
    api = app.test_client()
    pay(api, coop, register(api, coop), 1)
    admin = clients["admin"]
    cashier_id = _cashier_id(app, coop)
    page = admin.get(f"/{coop.slug}/payments/closing?cashier={cashier_id}").get_data(as_text=True)
    hidden = hidden_fields(page, "/payments/closing")
    pay(api, coop, register(api, coop), 1)  # the cashier takes another payment meanwhile
    again = admin.post(f"/{coop.slug}/payments/closing", data={**hidden, "counted": "8400"})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert '<p class="big-figure">Rp16.800</p>' in html and "berubah" in html
    assert 'value="8400"' in html  # what was typed is kept
    assert _closings(app, coop) == 0
    # Nor can a request that never saw the drawer close it.
    blind = admin.post(
        f"/{coop.slug}/payments/closing",
        data={"csrf_token": hidden["csrf_token"], "cashier_id": cashier_id, "counted": "16800"},
    )
    assert blind.status_code == 409 and _closings(app, coop) == 0


def _links(html: str) -> set[str]:
    paths = set(re.findall(r'href="(/[^"]*)"', html))
    paths |= {
        action
        for action in re.findall(r'<form[^>]*method="get"[^>]*action="(/[^"]*)"', html)
    }
    return {unescape(p) for p in paths if not p.startswith("/static/")}


def test_payment_pages_offer_nothing_that_answers_403(app, staff) -> None:
    coop, clients = staff
    api = app.test_client()
    pid = register(api, coop)
    paid = pay(api, coop, pid, 1).get_json()
    pages = [
        f"/{coop.slug}/payments",
        f"/{coop.slug}/payments/closings",
        f"/{coop.slug}/payments/closing",
        f"/{coop.slug}/payments/new/{pid}",
        f"/{coop.slug}/payments/{paid['id']}/receipt",
    ]
    for role, client in clients.items():
        for page in pages:
            response = client.get(page)
            if response.status_code == 403:
                continue  # a page the role may not open offers nothing
            assert response.status_code == 200, (role, page)
            for link in _links(response.get_data(as_text=True)):
                if link.endswith("/logout") or "/lang/" in link:
                    continue
                status = client.get(link).status_code
                assert status != 403, (role, page, link)
    assert "Tutup kas" not in clients["pengawas"].get(f"/{coop.slug}/payments").get_data(
        as_text=True
    ).split("</nav>", 1)[-1]
