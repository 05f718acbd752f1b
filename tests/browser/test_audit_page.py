"""The audit log at 360 px: sentences, who did it, and the filters used with the finger."""

from __future__ import annotations

from tests.browser.support import (
    SMALL_PHONE,
    needs_chromium,
    no_sideways_scroll,
    shot,
    sign_in,
    small_controls,
)
from tests.payments.helpers import pay, register

needs_chromium()


def test_audit_filters_at_360(app, make_coop, set_today, server, browser) -> None:
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    api = app.test_client()
    pid = register(api, coop, name="Siti Aisyah")
    assert pay(api, coop, pid, role="cashier").status_code == 201
    sign_in(browser, server, coop, "cashier", SMALL_PHONE).close()
    page = sign_in(browser, server, coop, "admin", SMALL_PHONE)
    page.goto(f"{server}/{coop.slug}/audit")
    table = page.locator("table.audit")
    assert "Masuk" in table.inner_text() and coop.emails["cashier"] in table.inner_text()
    assert "auth.login" not in table.inner_text()
    assert no_sideways_scroll(page) and small_controls(page) == []
    shot(page, "audit-360")
    page.select_option("#action", "payment.create")
    page.click("button:has-text('Saring')")
    actions = page.locator("table.audit tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert actions == ["payment.create"]
    assert "Menerima pembayaran" in page.locator("table.audit").inner_text()
    page.select_option("#action", "")
    page.select_option("#person", label=coop.emails["cashier"])
    page.click("button:has-text('Saring')")
    actions = page.locator("table.audit tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert set(actions) == {"auth.login", "payment.create"}
    shot(page, "audit-filtered-360")
