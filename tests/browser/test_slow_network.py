"""Signing in and working the counter on a slow phone link (Chrome's "Slow 3G": 400 ms latency,
~400 kbit/s, CPU 4× slower) at 360 px.

On such a link a request that left before the sign-in (the browser's own favicon request) used to
answer after it with the pre-login session cookie and sign the cashier out again; the next click
landed on the login page. The journey below clicks through the counter and checks after every step
that it is still signed in, and that no response other than a coop's page sent a session cookie.
Screenshots go to ``tests/browser/screenshots`` (git-ignored).
"""

from __future__ import annotations

import time
from typing import Any

from tests.browser.support import SMALL_PHONE, needs_chromium, shot
from tests.conftest import PASSWORD
from tests.payments.helpers import register

needs_chromium()

SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms, each way as Chrome's preset applies it
    "downloadThroughput": 400 * 1000 / 8,  # bytes/s
    "uploadThroughput": 400 * 1000 / 8,
}


def slow_phone(browser: Any) -> tuple[Any, list[dict[str, Any]]]:
    """A 360 px page on emulated slow 3G with a 4× slower CPU, and the log of its responses."""
    context = browser.new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    seen: list[dict[str, Any]] = []

    def record(response: Any) -> None:
        headers = response.all_headers()
        seen.append({
            "url": response.url,
            "status": response.status,
            "sets_session": "gerai_session=" in headers.get("set-cookie", ""),
        })

    page.on("response", record)
    return page, seen


def answer_late(browser: Any, context: Any, server: str, stale: str, path: str) -> list[int]:
    """Send ``path`` with the pre-login cookie ``stale``; give the phone's browser every session
    cookie the answers set, as it does when a request that left before the sign-in answers after
    it. Redirects are followed by hand so that each answer's ``Set-Cookie`` is seen."""
    late = browser.new_context()
    late.add_cookies([{"name": "gerai_session", "value": stale, "url": server}])
    statuses = []
    url = f"{server}{path}"
    for _ in range(3):
        response = late.request.get(url, max_redirects=0)
        statuses.append(response.status)
        for header in response.headers_array:
            if header["name"].lower() == "set-cookie" and header["value"].startswith(
                "gerai_session="
            ):
                value = header["value"].split(";", 1)[0].split("=", 1)[1]
                context.add_cookies([{"name": "gerai_session", "value": value, "url": server}])
        if response.status not in (301, 302, 307, 308):
            break
        url = f"{server}{response.headers['location']}" if response.headers[
            "location"].startswith("/") else response.headers["location"]
    late.close()
    return statuses


def test_cashier_signs_in_and_works_the_counter_on_slow_3g(
    app, make_coop, set_today, server, browser
) -> None:
    set_today("2026-11-10")
    coop = make_coop(passwords=True)
    register(app.test_client(), coop, name="Ahmad Nelayan", phone="081234567890")
    page, seen = slow_phone(browser)
    base = f"{server}/{coop.slug}"
    started = time.perf_counter()

    def still_signed_in(step: str) -> None:
        assert "/login" not in page.url, f"signed out after: {step}"
        shot(page, f"slow3g-{step}-360")

    page.goto(f"{base}/login")
    shot(page, "slow3g-login-360")
    stale = next(c["value"] for c in page.context.cookies() if c["name"] == "gerai_session")
    page.fill("#email", coop.emails["cashier"])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    still_signed_in("home")
    # What the slow link does: the favicon request (and any other) that left with the pre-login
    # cookie answers now, after the sign-in. None of these answers may touch the session.
    favicon = answer_late(browser, page.context, server, stale, "/favicon.ico")
    answer_late(browser, page.context, server, stale, "/no-such-coop/page")
    answer_late(browser, page.context, server, stale, f"/{coop.slug}/login")

    page.goto(f"{base}/participants")  # the menu's link, typed: the menu has its own tests
    still_signed_in("participants")
    page.fill("#q", "Ahmad")
    page.click("button:has-text('Cari')")
    page.wait_for_url("**/participants?*")
    still_signed_in("search")
    page.click("a:has-text('Ahmad Nelayan')")
    page.wait_for_selector("a[href*='/payments/new/']")
    still_signed_in("person")
    page.click("a[href*='/payments/new/']")
    page.wait_for_selector("#cash_received")
    still_signed_in("pay")
    page.fill("#cash_received", "50000")
    page.click("button[name=confirm]")
    page.wait_for_selector("article.receipt")
    still_signed_in("receipt")
    took = time.perf_counter() - started
    print(f"\nslow 3G + 4x CPU, sign-in to receipt: {took:.1f} s")

    writers = [r for r in seen if r["sets_session"]]
    # Only coop pages that changed the session wrote it: the sign-in (and its CSRF token) only.
    assert all(r["url"].startswith(base) and r["status"] < 400 for r in writers), writers
    assert not [r for r in seen if r["status"] >= 400], seen
    assert favicon == [200]  # a real icon, not a redirect to a 404
