"""Shared pieces of the browser tests: the app on loopback, Chromium, sign-in, screenshots."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SMALL_PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 800}
# Screenshots land here (git-ignored) so a person can look at what the test saw.
SHOTS = Path(os.environ.get("GERAI_SCREENSHOTS", Path(__file__).parent / "screenshots"))
MIN_TARGET = 44

# Every control a finger or a keyboard reaches; a checkbox or radio is reached through its label.
CONTROL_SIZES_JS = """
() => {
  const out = [];
  const seen = new Set();
  const picks = document.querySelectorAll(
    'a[href], button, summary, select, textarea, input:not([type=hidden])');
  for (const el of picks) {
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      target = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (!target) { target = el; }
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const style = getComputedStyle(target);
    const box = target.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0) continue;
    if (target.classList.contains('skip')) continue;  // off screen until focused
    out.push({text: (target.innerText || target.value || target.name || target.tagName).trim()
                .slice(0, 40), tag: target.tagName, width: box.width, height: box.height});
  }
  return out;
}
"""


def needs_chromium() -> None:
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)",
                    allow_module_level=True)


@pytest.fixture
def server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-component-update", "--no-first-run"],
        )
        yield chromium
        chromium.close()


def sign_in(browser: Any, server: str, coop: Any, role: str, viewport: dict[str, int]) -> Any:
    """A new page of ``role`` at ``viewport``, signed in through the real form, on the home page."""
    page = browser.new_page(viewport=viewport)
    page.goto(f"{server}/{coop.slug}/login")
    page.fill("#email", coop.emails[role])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/{coop.slug}/")
    return page


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def small_controls(page: Any) -> list[dict[str, Any]]:
    """Visible controls smaller than 44 × 44 px (half a pixel of rounding allowed)."""
    return [
        c for c in page.evaluate(CONTROL_SIZES_JS)
        if c["width"] < MIN_TARGET - 0.5 or c["height"] < MIN_TARGET - 0.5
    ]


def no_sideways_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
