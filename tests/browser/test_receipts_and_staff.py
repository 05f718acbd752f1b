"""At 360 px: printing a receipt (original, then copies), the PDF, a voided receipt, staff who
cannot lock themselves out, and an admin closing another cashier's drawer in two steps (with and
without JavaScript). Screenshots go to ``tests/browser/screenshots`` (git-ignored).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from tests.browser.support import SHOTS, SMALL_PHONE, needs_chromium, no_sideways_scroll, shot
from tests.browser.support import sign_in as _sign_in
from tests.payments.helpers import pay, register

needs_chromium()

# window.print() is counted instead of opening a dialog, so the test can see it was asked for.
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


@pytest.fixture
def paid(app, make_coop, set_today):  # type: ignore[no-untyped-def]
    """A coop whose cashier took 3 months from Ahmad (no KPJ) and 1 month from Siti."""
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    api = app.test_client()
    ahmad = pay(api, coop, register(api, coop, name="Ahmad Nelayan"), 3, role="cashier")
    siti = pay(api, coop, register(api, coop, name="Siti Aisyah"), 1, role="cashier")
    assert ahmad.status_code == siti.status_code == 201
    coop.payment = ahmad.get_json()  # type: ignore[attr-defined]
    return coop


def sign_in(browser: Any, server: str, coop: Any, role: str, **context: Any) -> Any:
    if not context:
        page = _sign_in(browser, server, coop, role, SMALL_PHONE)
    else:  # e.g. JavaScript off: a context of its own
        page = browser.new_context(viewport=SMALL_PHONE, **context).new_page()
        page.goto(f"{server}/{coop.slug}/login")
        page.fill("#email", coop.emails[role])
        from tests.conftest import PASSWORD

        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/{coop.slug}/")
    page.add_init_script(COUNT_PRINTS)
    return page


def wait_for_prints(page: Any, n: int) -> None:
    """Poll the print counter (``wait_for_function`` would need eval, which the CSP forbids)."""
    for _ in range(200):
        if page.evaluate("window.__prints") == n:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"window.print() was called {page.evaluate('window.__prints')} times")


def small_actions(page: Any) -> list[str]:
    """Buttons and links of the page's action bar smaller than 44 px."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.actions a, .actions button')]
             .filter(e => { const b = e.getBoundingClientRect();
                            return b.width > 0 && (b.width < 43.5 || b.height < 43.5); })
             .map(e => e.innerText)"""
    )


def test_receipt_print_flow_on_a_small_phone(paid, server, browser) -> None:
    page = sign_in(browser, server, paid, "cashier")
    url = f"{server}/{paid.slug}/payments/{paid.payment['id']}/receipt"
    page.goto(url)
    receipt = page.locator("article.receipt")
    text = receipt.inner_text()
    assert "SALINAN" not in text and "Lunas sampai" in text and "Januari 2027" in text
    assert "November 2026 – Januari 2027" in text
    assert "Belum dicetak" in page.locator(".receipt-state").inner_text()
    assert no_sideways_scroll(page) and small_actions(page) == []
    shot(page, "receipt-before-print-360")

    # "Cetak": recorded as the original, the print dialog opens by itself, the address is the
    # plain receipt again (so a refresh only looks).
    page.click("button:has-text('Cetak')")
    wait_for_prints(page, 1)
    assert page.url == url
    assert "SALINAN" not in receipt.inner_text()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and receipt.is_visible()
    assert not page.locator(".actions").first.is_visible()
    shot(page, "receipt-original-print-media-360")
    page.emulate_media(media="screen")

    page.reload()
    assert page.evaluate("window.__prints") == 0  # a refresh prints nothing
    assert "SALINAN" in receipt.inner_text()  # the original exists: this would be a copy
    page.click("button:has-text('Cetak')")
    wait_for_prints(page, 1)
    assert "SALINAN" in receipt.inner_text()
    shot(page, "receipt-copy-360")

    # The PDF on a 58 mm roll: a download, a copy now.
    with page.expect_download() as download:
        page.click("button:has-text('PDF 58 mm')")
    pdf = download.value
    assert pdf.suggested_filename.endswith("-58mm.pdf")
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / "receipt-58mm.pdf"
    pdf.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):  # a picture of the paper, to look at
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(target),
                        str(SHOTS / "receipt-58mm")], check=True)


def test_voided_receipt_on_a_small_phone(paid, server, browser) -> None:
    page = sign_in(browser, server, paid, "admin")
    page.goto(f"{server}/{paid.slug}/payments/{paid.payment['id']}/receipt")
    page.click("a:has-text('Batalkan pembayaran')")
    page.fill("#reason", "Salah orang, uang dikembalikan")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Batalkan pembayaran')")
    page.wait_for_url("**/receipt")
    receipt = page.locator("article.receipt")
    text = receipt.inner_text()
    assert "BATAL" in text and "Salah orang, uang dikembalikan" in text and "Dibatalkan" in text
    assert "Simpan kwitansi ini" not in text and "Lunas sampai" not in text
    assert "Kwitansi ini tidak berlaku." in text
    assert page.locator("a:has-text('Batalkan pembayaran')").count() == 0
    assert no_sideways_scroll(page)
    shot(page, "receipt-voided-360")


def _card(page: Any, email: str) -> Any:
    return page.locator("li.card", has_text=email)


def test_staff_cannot_lock_themselves_out_and_deactivation_asks(paid, server, browser) -> None:
    page = sign_in(browser, server, paid, "admin")
    page.goto(f"{server}/{paid.slug}/staff")
    mine = _card(page, paid.emails["admin"])
    assert mine.locator("text=Anda").count() >= 1
    assert mine.locator("a:has-text('Nonaktifkan'), select").count() == 0
    assert page.locator("#role").input_value() == "cashier"  # "Tambah staf" starts at cashier
    assert no_sideways_scroll(page)
    shot(page, "staff-360")

    _card(page, paid.emails["cashier"]).locator("a:has-text('Nonaktifkan')").click()
    assert paid.emails["cashier"] in page.locator("main").inner_text()
    assert no_sideways_scroll(page) and small_actions(page) == []
    shot(page, "staff-deactivate-confirm-360")
    page.click("button:has-text('Ya, nonaktifkan')")
    page.wait_for_url(f"{server}/{paid.slug}/staff")
    assert "Nonaktif" in _card(page, paid.emails["cashier"]).inner_text()
    shot(page, "staff-after-deactivation-360")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_admin_closes_another_cashiers_drawer_in_two_steps(
    paid, server, browser, javascript: bool
) -> None:
    page = sign_in(browser, server, paid, "admin", **({} if javascript else
                                                     {"java_script_enabled": False}))
    page.goto(f"{server}/{paid.slug}/payments/closing")
    assert "Laci saya" in page.locator("main").inner_text()
    shot(page, f"closing-step1-{'js' if javascript else 'nojs'}-360")
    option = page.locator("#cashier option", has_text=paid.emails["cashier"])
    page.select_option("#cashier", option.get_attribute("value"))
    if not javascript:
        page.click("button:has-text('Tampilkan')")
    page.wait_for_url("**/payments/closing?cashier=*")
    main = page.locator("main").inner_text()
    assert page.locator(".big-figure").inner_text() == "Rp42.000"
    assert "Ahmad Nelayan" in main and "Siti Aisyah" in main
    assert no_sideways_scroll(page)
    shot(page, f"closing-step2-{'js' if javascript else 'nojs'}-360")
    page.fill("#counted", "42000")
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url("**/payments/closings")
    assert "Cocok" in page.locator("main").inner_text()
    shot(page, f"closing-done-{'js' if javascript else 'nojs'}-360")
