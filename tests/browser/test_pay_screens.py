"""The payment screens at 360 px: money typed the Indonesian way, a wrong amount opening on the
error summary (focused, at the top), the total following the months at once, the question before a
second payment within 10 minutes, and the way to the next person — with screenshots."""

from __future__ import annotations

from tests.browser.support import SMALL_PHONE, needs_chromium, no_sideways_scroll, shot, sign_in
from tests.payments.helpers import register

needs_chromium()


def test_taking_cash_on_a_small_phone(app, make_coop, set_today, server, browser) -> None:
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    pid = register(app.test_client(), coop, name="Ahmad Nelayan")
    page = sign_in(browser, server, coop, "cashier", SMALL_PHONE)
    page.goto(f"{server}/{coop.slug}/payments/new/{pid}")

    page.wait_for_load_state()  # forms.js listens from here on (a quicker choice: "Hitung")
    page.select_option("#months", "3")  # no "Hitung": the total follows at once
    page.wait_for_selector("button[name=confirm]:has-text('Rp33.600')")
    page.fill("#cash_received", "50.000,50")
    page.click("button[name=confirm]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    box = summary.bounding_box()
    assert box is not None and 0 <= box["y"] < SMALL_PHONE["height"]  # in view, no scrolling
    assert "Tulis jumlah rupiah" in summary.inner_text()
    assert no_sideways_scroll(page)
    shot(page, "pay-360-error-summary")
    page.click(".error-summary a")
    assert page.evaluate("document.activeElement.id") == "cash_received"

    page.fill("#cash_received", "Rp 50.000")
    page.click("button[name=confirm]")
    page.wait_for_selector("article.receipt")
    assert "Lunas sampai Januari 2027" in page.locator(".flash.ok").inner_text()
    assert "Rp16.400" in page.locator("article.receipt").inner_text()
    shot(page, "pay-360-receipt-next")

    page.click("a:has-text('Peserta berikutnya')")
    page.wait_for_url("**/participants?cari=1")
    assert page.evaluate("document.activeElement.id") == "q"  # the cursor in the search box
    shot(page, "pay-360-next-person")

    page.goto(f"{server}/{coop.slug}/payments/new/{pid}")  # as if back for the same person
    page.click("button[name=confirm]")
    question = page.locator("#recent-payment")
    question.wait_for()
    assert "Sudah dibayar" in question.inner_text() and "-2026-000001" in question.inner_text()
    assert "Ya, terima lagi" in page.locator("button[name=confirm]").inner_text()
    assert no_sideways_scroll(page)
    shot(page, "pay-360-asked-again")
