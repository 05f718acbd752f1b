"""The counter's whole journey on a slow phone: sign in, search, open a person, take 3 months,
print — on emulated slow 3G (400 ms latency, ~400 kbit/s each way) with the CPU 4× slower, at
360 × 740, in Debian's Chromium driven by Playwright. Prints each page's time and weight (bytes on
the wire, headers included, with everything the page loaded) and the total.

    .venv/bin/python -m bench.journey [--coop kmp-sungai-lumpur] [--rounds 1]

Needs the bench database (``python -m bench.dataset``): the app runs under gunicorn (2 workers,
production profile, access log on) on 127.0.0.1 as the application role; a cashier of ``--coop``
signs in and pays 3 months for an unsponsored person found by name words in the reverse order.
Taking the payment changes the dataset. ``tests/browser/test_counter_journey.py`` walks the same
journey (``walk_counter``) on the test database and fails when a page weighs over 100 KB.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
SMALL_PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 100 * 1024  # bytes: "a page should stay well under 100 KB"
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms
    "downloadThroughput": 400 * 1000 / 8,  # bytes/s
    "uploadThroughput": 400 * 1000 / 8,
}
# window.print() is counted instead of opening a dialog (headless has no printer).
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


@dataclasses.dataclass
class Step:
    name: str
    url: str
    seconds: float
    bytes: int
    requests: int


class Weigher:
    """Bytes on the wire (``encodedDataLength``: headers and body) of every finished request, read
    from the DevTools protocol, taken step by step."""

    def __init__(self, cdp: Any) -> None:
        self._bytes = 0
        self._requests = 0
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict[str, Any]) -> None:
        self._bytes += int(event.get("encodedDataLength") or 0)
        self._requests += 1

    def take(self) -> tuple[int, int]:
        out = (self._bytes, self._requests)
        self._bytes = self._requests = 0
        return out


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
              "--disable-component-update", "--no-first-run"],
    )


def slow_phone(browser: Any) -> tuple[Any, Weigher]:
    """A 360 px touch page on slow 3G with a 4× slower CPU, and its weigher."""
    context = browser.new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(COUNT_PRINTS)
    page = context.new_page()
    page.set_default_timeout(90_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    return page, Weigher(cdp)


def walk_counter(page: Any, weigher: Weigher, base: str, email: str, password: str,
                 query: str, name: str, shots: Path | None = None) -> list[Step]:
    """Sign in, search ``query``, open ``name``, choose 3 months, take the cash, print."""
    steps: list[Step] = []
    clock = [time.perf_counter()]

    def done(step: str) -> None:
        page.wait_for_load_state("load")
        now = time.perf_counter()
        size, n = weigher.take()
        steps.append(Step(step, page.url, now - clock[0], size, n))
        clock[0] = now
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"journey-{len(steps):02d}-{step}-360.png"),
                            full_page=True)

    page.goto(f"{base}/login")
    done("login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    done("home")
    page.goto(f"{base}/participants")
    done("participants")
    page.fill("#q", query)
    page.click("form[role=search] button[type=submit] >> nth=0")
    page.wait_for_url("**/participants?*")
    done("search")
    page.click(f"main a:has-text('{name}') >> nth=0")
    page.wait_for_selector("#history-h")
    done("person")
    page.click("main a[href*='months=3']")
    page.wait_for_url("**months=3*")
    done("person-3-months")
    page.click("main a[href*='/payments/new/']")
    page.wait_for_selector("button[name=confirm]")
    done("pay")
    page.click("button[name=confirm]")
    page.wait_for_selector("article.receipt, #recent-payment")
    if page.locator("#recent-payment").count():  # paid minutes ago: the counter asks once
        done("asked-again")
        page.click("button[name=confirm]")
        page.wait_for_selector("article.receipt")
    done("receipt")
    page.click("button:has-text('Cetak')")
    page.wait_for_selector("article.receipt")
    done("print")
    return steps


def report(steps: list[Step]) -> list[str]:
    lines = [f"  {'page':<18} {'seconds':>8} {'KB':>7} {'requests':>9}  url"]
    for s in steps:
        path = s.url.split("//", 1)[-1].split("/", 1)[-1]
        lines.append(f"  {s.name:<18} {s.seconds:8.1f} {s.bytes / 1024:7.1f} {s.requests:9d}  "
                     f"/{path[:60]}")
    total = sum(s.seconds for s in steps)
    heaviest = max(steps, key=lambda s: s.bytes)
    lines.append(f"  total {total:.1f} s, {sum(s.bytes for s in steps) / 1024:.1f} KB; heaviest "
                 f"page {heaviest.name} {heaviest.bytes / 1024:.1f} KB (budget "
                 f"{PAGE_BUDGET // 1024} KB)")
    return lines


def _person(slug: str) -> tuple[str, str]:
    """(query, name) of an unsponsored person of the coop with a two-word name: the name's words
    reversed, as a clerk might type them."""
    import psycopg

    from bench import common

    with psycopg.connect(common.plain(common.admin_db_url())) as conn:
        row = conn.execute(
            "SELECT p.name FROM participants p JOIN tenants t ON t.id = p.tenant_id"
            " WHERE t.slug = %s AND p.name ~ '^[A-Za-z]+ [A-Za-z]+$' AND NOT EXISTS ("
            " SELECT 1 FROM participant_sponsors s WHERE s.tenant_id = p.tenant_id"
            " AND s.participant_id = p.id) AND (SELECT count(*) FROM participants q"
            " WHERE q.tenant_id = p.tenant_id AND q.sort_name = p.sort_name) = 1"
            " ORDER BY p.id LIMIT 1",
            (slug,),
        ).fetchone()
    if row is None:
        raise SystemExit(f"no suitable person in {slug}")
    first, last = row[0].split(" ")
    return f"{last.lower()} {first.lower()}", row[0]


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from bench import common
    from bench.load import free_port, gunicorn, wait_ready

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coop", default="kmp-sungai-lumpur")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--shots", type=Path, default=None, help="folder for screenshots")
    args = parser.parse_args(argv)
    print(f"machine: {common.machine()}")
    env = common.app_env()
    env.pop("LOG_LEVEL")  # production default: the access log on
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, \
            gunicorn("wsgi:app", port, 2, env, Path(tmp) / "app.log"):
        wait_ready(f"http://127.0.0.1:{port}/healthz", {})
        base = f"http://127.0.0.1:{port}/{args.coop}"
        with sync_playwright() as p:
            browser = launch(p)
            for n in range(args.rounds):
                query, name = _person(args.coop)
                page, weigher = slow_phone(browser)
                steps = walk_counter(page, weigher, base, common.email_for(args.coop, "cashier"),
                                     common.STAFF_PASSWORD, query, name, args.shots)
                print(f"round {n + 1}: slow 3G (400 ms, 400 kbit/s), CPU 4× slower, 360 px; "
                      f"searched {query!r} for {name}")
                for line in report(steps):
                    print(line)
                page.context.close()
            browser.close()
    print(f"done; {common.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
