"""A cashier at a phone-sized screen: sign in, find a person, take cash, print the receipt.

Real headless Chromium (Debian's package, driven by Playwright) against the app served on loopback,
PostgreSQL as the app role. Without Chromium the test is skipped on a developer's machine with a
reason; in CI (``CI`` set) a missing browser is a failure.
"""

from __future__ import annotations

from tests.browser.support import needs_chromium, sign_in
from tests.payments.helpers import register

PHONE = {"width": 390, "height": 844}

needs_chromium()


def test_cashier_takes_cash_on_a_phone(app, make_coop, set_today, server, browser) -> None:
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    api = app.test_client()
    register(api, coop, name="Ahmad Nelayan", phone="081234567890")
    page = sign_in(browser, server, coop, "cashier", PHONE)
    assert page.locator("h1").inner_text() == coop.ref.name

    page.goto(f"{server}/{coop.slug}/participants")
    page.fill("#q", "0812-3456-7890")  # the phone as people type it
    page.click("button:has-text('Cari')")
    page.click("a:has-text('Ahmad Nelayan')")
    page.click("a[href*='/payments/new/']")
    page.wait_for_load_state()  # forms.js listens from here on (a quicker choice: "Hitung")
    page.select_option("#months", "3")  # the total follows the choice at once (forms.js)
    page.wait_for_selector("button[name=confirm]:has-text('Rp33.600')")
    confirm = page.locator("button[name=confirm]")
    assert "Rp33.600" in confirm.inner_text()
    box = confirm.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    page.fill("#cash_received", "50000")
    confirm.click()

    receipt = page.locator("article.receipt")
    text = receipt.inner_text()
    assert "-2026-000001" in text and "Rp33.600" in text and "Rp16.400" in text
    assert "SALINAN" not in text
    # Nothing on the phone screen is wider than the screen (no sideways scrolling).
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Printing hides the navigation and keeps the receipt.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert receipt.is_visible()
