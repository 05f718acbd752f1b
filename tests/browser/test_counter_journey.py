"""The counter's whole journey on a slow phone (slow 3G, CPU 4× slower, 360 px): sign in, search
by name words in reverse order, open the person, choose 3 months, take the cash, print. Every page
of it, with what it loads, stays under 100 KB on the wire; ``bench/journey.py`` walks the same steps
on the benchmark dataset and reports the time."""

from __future__ import annotations

from bench.journey import PAGE_BUDGET, report, slow_phone, walk_counter
from tests.browser.support import SHOTS, needs_chromium
from tests.conftest import PASSWORD
from tests.payments.helpers import register

needs_chromium()


def test_counter_journey_on_slow_3g_no_page_over_100_kb(app, make_coop, set_today, server,
                                                        browser) -> None:
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    client = app.test_client()
    for i in range(30):
        register(client, coop, name=f"Peserta Nomor {i:02d}")
    register(client, coop, name="Siti Aisyah", phone="0813-1111-2222")
    page, weigher = slow_phone(browser)
    steps = walk_counter(page, weigher, f"{server}/{coop.slug}", coop.emails["cashier"],
                         PASSWORD, "aisyah siti", "Siti Aisyah", SHOTS)
    print("\n" + "\n".join(report(steps)))
    assert [s.name for s in steps] == ["login", "home", "participants", "search", "person",
                                       "person-3-months", "pay", "receipt", "print"]
    assert page.evaluate("window.__prints") == 1  # "Cetak" asked the browser to print
    assert "/login" not in page.url
    heavy = [(s.name, s.bytes) for s in steps if s.bytes > PAGE_BUDGET]
    assert heavy == [], heavy
    assert all(s.bytes > 0 for s in steps)  # the weigher saw every page
    page.context.close()
