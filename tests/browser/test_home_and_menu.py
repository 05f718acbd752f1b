"""At 360 px: the home page per role, the menu (every item reachable), the skip link, tap targets.

Real headless Chromium against the app on loopback; screenshots go to ``tests/browser/screenshots``.
"""

from __future__ import annotations

import pytest

from tests.browser.support import (
    LAPTOP,
    SMALL_PHONE,
    needs_chromium,
    no_sideways_scroll,
    shot,
    sign_in,
    small_controls,
)
from tests.payments.helpers import pay, register

needs_chromium()

ROLES = ("cashier", "admin", "pengawas", "mentor")


@pytest.fixture
def busy(app, make_coop, set_today):  # type: ignore[no-untyped-def]
    """A coop with people and a little cash, so every page has something on it."""
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    api = app.test_client()
    people = [register(api, coop, name=name, phone=f"08123456{i:04d}")
              for i, name in enumerate(("Ahmad Nelayan", "Siti Aisyah", "Budi Santoso"))]
    for pid in people[:2]:
        assert pay(api, coop, pid, months=2).status_code == 201
    coop.people = people  # type: ignore[attr-defined]
    return coop


def menu_items(page):  # type: ignore[no-untyped-def]
    return page.locator("#menu nav a, #menu nav button")


def test_menu_opens_on_a_small_phone_and_every_item_is_reachable(busy, server, browser) -> None:
    page = sign_in(browser, server, busy, "admin", SMALL_PHONE)
    items = menu_items(page)
    labels = [(t or "").strip() for t in items.all_text_contents()]
    assert {"Tutup kas", "Token API", "Keluar", "Log audit", "Staf"} <= set(labels)
    assert not items.first.is_visible()  # closed: the page's own content comes first
    shot(page, "menu-closed-360")
    page.click("#menu > summary")
    for i in range(items.count()):
        box = items.nth(i).bounding_box()
        assert items.nth(i).is_visible(), labels[i]
        assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"], labels[i]
        assert box["height"] >= 44, labels[i]
    assert no_sideways_scroll(page)
    shot(page, "menu-open-360")
    page.click("#menu nav a:has-text('Token API')")
    assert page.url.endswith(f"/{busy.slug}/tokens")
    page.click("#menu > summary")
    page.click("#menu nav button:has-text('Keluar')")
    assert "/login" in page.url


def test_menu_is_in_view_without_opening_on_a_laptop(busy, server, browser) -> None:
    page = sign_in(browser, server, busy, "admin", LAPTOP)
    items = menu_items(page)
    assert all(items.nth(i).is_visible() for i in range(items.count()))
    assert not page.locator("#menu > summary").is_visible()
    shot(page, "home-admin-1280")


def test_skip_link_leads_past_the_menu(busy, server, browser) -> None:
    page = sign_in(browser, server, busy, "cashier", SMALL_PHONE)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 44  # shown once focused
    assert skip.inner_text() == "Langsung ke isi"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the page, not the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize("role", ROLES)
def test_home_per_role_at_360(busy, server, browser, role) -> None:
    page = sign_in(browser, server, busy, role, SMALL_PHONE)
    assert no_sideways_scroll(page)
    assert small_controls(page) == []
    # The search box is at the top of every role's home and finds people.
    page.fill("#home-q", "aisyah")
    shot(page, f"home-{role}-360")
    page.click("form[role=search] button")
    assert "Siti Aisyah" in page.locator("main").inner_text()


def test_tap_targets_on_every_page_at_360(busy, server, browser) -> None:
    page = sign_in(browser, server, busy, "admin", SMALL_PHONE)
    slug = busy.slug
    pid = busy.people[0]
    paths = [
        "/", "/participants", f"/participants/{pid}", "/payments", f"/payments/new/{pid}",
        "/payments/closing", "/payments/closings", "/staff", "/jobs/", "/audit", "/tokens",
        "/participants/excel/import", "/participants/new",
    ]
    too_small = {}
    for path in paths:
        page.goto(f"{server}/{slug}{path}")
        page.click("#menu > summary")  # the open menu's items count too
        small = small_controls(page)
        if small:
            too_small[path] = small
        assert no_sideways_scroll(page), path
        name = path.strip("/").replace("/", "-").replace(str(pid), "id") or "home"
        shot(page, f"page-{name}-360")
    assert too_small == {}


STRIP_LABELS_JS = """
() => {
  const svg = document.querySelector('svg.strip');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text.month')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, px: scale * parseFloat(t.getAttribute('font-size')),
            left: r.left, right: r.right, top: r.top};
  });
}
"""


def test_coverage_strip_month_labels_are_legible_at_360(busy, server, browser) -> None:
    page = sign_in(browser, server, busy, "cashier", SMALL_PHONE)
    page.goto(f"{server}/{busy.slug}/participants/{busy.people[0]}")
    labels = page.evaluate(STRIP_LABELS_JS)
    assert len(labels) == 12
    assert min(label["px"] for label in labels) >= 12, labels
    rows: dict[int, list[dict]] = {}
    for label in labels:
        rows.setdefault(round(label["top"]), []).append(label)
    for row in rows.values():  # labels on one line never touch each other
        for a, b in zip(row, row[1:], strict=False):
            assert a["right"] + 2 <= b["left"], (a, b)
    page.locator("svg.strip").screenshot(path=str(shot(page, "strip-page-360").with_name(
        "strip-360.png")))


def test_home_in_english_at_360(busy, server, browser) -> None:
    page = sign_in(browser, server, busy, "admin", SMALL_PHONE)
    page.click("a[lang=en]")
    assert page.locator("h2#cash-h").inner_text() == "Cash today"
    assert no_sideways_scroll(page) and small_controls(page) == []
    page.click("#menu > summary")
    assert page.locator("#menu nav button").inner_text().strip() != "Keluar"
    shot(page, "home-admin-en-360")
