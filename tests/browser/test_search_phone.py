"""At 360 px: finding a person by the NIK's last four digits and by name words in any order, the
count, the results right under the search box (above the fold), and the person's page with their
payment history and WhatsApp / phone links, every one a 44 px target. Screenshots (viewport and
full page) go to ``tests/browser/screenshots`` (git-ignored)."""

from __future__ import annotations

from typing import Any

from tests.browser.support import SHOTS, SMALL_PHONE, needs_chromium, shot, sign_in
from tests.payments.helpers import PAYMENTS, pay, register

needs_chromium()

FOLD = SMALL_PHONE["height"]


def fold_shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))  # what the phone shows without scrolling


def search(page: Any, q: str) -> None:
    page.fill("#q", q)
    page.click("form[role=search] button[type=submit] >> nth=0")
    page.wait_for_url("**/participants?*")


def results_under_the_box(page: Any) -> dict[str, float]:
    return page.evaluate("""() => {
      const box = document.querySelector('#q').getBoundingClientRect();
      const count = document.querySelector('#result-count').getBoundingClientRect();
      const first = document.querySelector('table.stack tbody tr').getBoundingClientRect();
      return {box: box.bottom, count: count.top, first: first.top, firstBottom: first.bottom,
              scrolled: window.scrollY};
    }""")


def test_search_last_digits_and_words_on_a_small_phone(app, make_coop, set_today, server,
                                                      browser) -> None:
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    client = app.test_client()
    for i in range(12):
        register(client, coop, name=f"Aisyah Peserta {i:02d}")
    siti = register(client, coop, name="Siti Aisyah", nik="2104014502857391",
                    birth_date="1985-02-05", sex="P", phone="0813-1111-2222")
    pay(client, coop, siti, 3)
    voided = pay(client, coop, siti, 1).get_json()
    assert client.post(f"{PAYMENTS}/{voided['id']}/void", json={"reason": "Salah orang"},
                       headers=coop.headers()).status_code in (200, 201)

    page = sign_in(browser, server, coop, "cashier", SMALL_PHONE)
    page.goto(f"{server}/{coop.slug}/participants")
    search(page, "7391")
    fold_shot(page, "search-last4-fold-360")
    shot(page, "search-last4-360")
    assert page.inner_text("#result-count") == "1 peserta"
    assert page.locator("table.stack tbody tr").count() == 1
    assert "Siti Aisyah" in page.inner_text("table.stack")
    where = results_under_the_box(page)
    assert where["scrolled"] == 0
    assert where["count"] - where["box"] < 120, where  # the count right under the box
    assert where["firstBottom"] <= FOLD, where  # the first result whole, above the fold

    search(page, "aisyah siti")
    fold_shot(page, "search-words-fold-360")
    assert page.inner_text("#result-count") == "1 peserta"
    assert "Siti Aisyah" in page.inner_text("table.stack")

    search(page, "aisyah")
    assert page.inner_text("#result-count") == "13 peserta"
    assert results_under_the_box(page)["firstBottom"] <= FOLD

    page.click("main a:has-text('Siti Aisyah')")
    page.wait_for_selector("#history-h")
    fold_shot(page, "person-fold-360")
    shot(page, "person-history-360")
    history = page.locator("ul.history li")
    assert history.count() == 2
    assert "BATAL" in history.nth(0).inner_text() and "Salah orang" in history.nth(0).inner_text()
    assert "BATAL" not in history.nth(1).inner_text()
    targets = page.evaluate("""() => Array.from(document.querySelectorAll(
        'a[href^="https://wa.me/"], a[href^="tel:"], ul.history a')).map(a => {
          const r = a.getBoundingClientRect();
          return {href: a.getAttribute('href'), width: r.width, height: r.height}; })""")
    hrefs = [t["href"] for t in targets]
    assert "https://wa.me/6281311112222" in hrefs and "tel:+6281311112222" in hrefs
    assert sum("/receipt" in h for h in hrefs) == 2
    small = [t for t in targets if t["width"] < 43.5 or t["height"] < 43.5]
    assert small == [], small
    wa = page.locator('a[href^="https://wa.me/"]').bounding_box()
    assert wa is not None and wa["y"] + wa["height"] <= FOLD  # reachable without scrolling
    page.close()
