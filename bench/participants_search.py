"""Participant search latency in the 10.000-person coops, and the list's SQL statement count.

    .venv/bin/python -m bench.participants_search [--requests 1000] [--max-seconds 120]
                                                  [--explain]

Needs the bench database (``python -m bench.dataset``). Everything is measured through the app
(``create_app`` with the production profile, Flask test client, in this process) connected to
PostgreSQL as the application role ``gerai_bench_app``, so token lookup, tenant scoping, RLS,
``set_config`` per transaction, the listing SQL and the JSON rendering are all in the timing.

1. ``GET /api/v1/participants?q=…`` in the biggest coops with a mix of what people type at the
   counter: NIK prefixes (8–16 digits, with or without separators), KPJ prefixes, parts of
   names (any case), phone numbers typed ``0812-…``, ``62812…``, ``+62 812 …``, ``812…`` and
   partial. Target: p95 ≤ 30 ms. Prints p50/p95/p99 overall and per kind, with rows returned.
2. SQL statements per request (a SQLAlchemy ``before_cursor_execute`` listener on the engine)
   for the API list (``limit`` 10 and 200) and the web list page (``PAGE_SIZE`` set to 10 and
   200 in this process, signed in through the real login form). Target: the same count for 10
   and for 200 rows.
``--explain`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of one captured search per kind, run as the
application role with the coop set, exactly as the app sent it.

Setup (picking coops and sample people) reads the bench database as the superuser; that is the
only thing that does, and it is not timed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench import common  # noqa: E402

KINDS = ("nik", "kpj", "name", "phone")


def big_coops(limit: int = 5) -> list[dict[str, Any]]:
    """The coops with the most participants (the 10.000-person ones in the full dataset)."""
    with psycopg.connect(common.plain(common.admin_db_url())) as conn:
        rows = conn.execute(
            "SELECT t.slug, t.id, count(*) FROM tenants t JOIN participants p ON p.tenant_id = t.id"
            " GROUP BY t.slug, t.id ORDER BY count(*) DESC, t.slug LIMIT %s",
            (limit,),
        ).fetchall()
        top = rows[0][2] if rows else 0
        coops = [{"slug": s, "id": i, "participants": n} for s, i, n in rows if n >= top // 2]
        conn.execute("SELECT setseed(0.42)")
        for coop in coops:
            coop["people"] = conn.execute(
                "SELECT nik, kpj, name, phone FROM participants WHERE tenant_id = %s"
                " ORDER BY random() LIMIT 300",
                (coop["id"],),
            ).fetchall()
    if not coops:
        raise SystemExit("no participants: run `python -m bench.dataset` first")
    return coops


def _spaced(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        if i >= len(digits):
            break
        out.append(digits[i:i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


def typed_query(kind: str, person: tuple[str, str | None, str, str], rng: random.Random) -> str:
    """What a cashier types to find this person."""
    nik, kpj, name, phone = person
    if kind == "nik":
        prefix = nik[: rng.choice((8, 10, 12, 16, 16))]
        return rng.choice((prefix, prefix, _spaced(prefix, (4, 4, 4, 4), rng.choice(" .-"))))
    if kind == "kpj":
        value = kpj or nik
        return value[: rng.choice((7, 9, 11, 11))]
    if kind == "name":
        words = [w for w in re.split(r"\s+", name) if w.lower() not in ("bin", "binti")]
        word = rng.choice(words)
        choice = rng.random()
        if choice < 0.4:
            text = word
        elif choice < 0.7 and len(word) >= 5:
            start = rng.randint(0, len(word) - 4)
            text = word[start:start + rng.randint(4, len(word) - start)]
        elif len(words) >= 2:
            text = " ".join(words[:2])
        else:
            text = word
        return rng.choice((text.lower(), text.upper(), text.title(), text))
    nsn = phone[3:]  # +62 8xx…
    variant = rng.randrange(6)
    if variant == 0:
        return "0" + _spaced(nsn, (3, 4, 4), "-")
    if variant == 1:
        return "62" + nsn
    if variant == 2:
        return "+62 " + _spaced(nsn, (3, 4, 4), " ")
    if variant == 3:
        return nsn
    if variant == 4:
        return "0" + nsn[: rng.randint(6, 8)]  # the first digits only
    return "0" + nsn


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_a: Any) -> None:
        self.count += 1
        self.statements.append((statement, params))

    def reset(self) -> None:
        self.count = 0
        self.statements = []


def _login(client: Any, slug: str) -> None:
    page = client.get(f"/{slug}/login")
    html = page.get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    token = match.group(1) if match else ""
    response = client.post(
        f"/{slug}/login",
        data={"email": common.email_for(slug, "admin"), "password": common.STAFF_PASSWORD,
              "csrf_token": token},
    )
    if response.status_code not in (302, 303):
        raise SystemExit(f"login to {slug} failed: HTTP {response.status_code}")


def statement_counts(app: Any, coop: dict[str, Any]) -> list[str]:
    from app.participants import views as participant_views
    from tenants.db import db

    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    lines = []
    slug = coop["slug"]
    headers = {"Authorization": f"Bearer {common.token_for(slug, 'admin')}"}
    try:
        client = app.test_client()
        counts: dict[str, dict[int, int]] = defaultdict(dict)
        for limit in (10, 200):
            client.get(f"/api/v1/participants?limit={limit}", headers=headers)  # warm
            counter.reset()
            r = client.get(f"/api/v1/participants?limit={limit}", headers=headers)
            assert r.status_code == 200 and len(r.get_json()["items"]) == limit, r.status_code
            counts["API GET /api/v1/participants"][limit] = counter.count
            counter.reset()
            r = client.get(f"/api/v1/participants?limit={limit}&status=grace", headers=headers)
            assert r.status_code == 200
            counts["API GET /api/v1/participants?status=grace"][limit] = counter.count
        web = app.test_client()
        web.base_url = "https://localhost"  # production cookies are Secure
        _login(web, slug)
        saved = participant_views.PAGE_SIZE
        try:
            for size in (10, 200):
                participant_views.PAGE_SIZE = size
                web.get(f"/{slug}/participants")
                counter.reset()
                r = web.get(f"/{slug}/participants")
                assert r.status_code == 200, r.status_code
                html = r.get_data(as_text=True)
                counts[f"web GET /{slug}/participants"][size] = counter.count
                shown = html.count('href="/' + slug + '/participants/0')
                if shown:
                    lines.append(f"  (web page with PAGE_SIZE={size}: {shown} row links)")
                counter.reset()
                web.get(f"/{slug}/participants?status=lapsed")
                counts[f"web GET /{slug}/participants?status=lapsed"][size] = counter.count
        finally:
            participant_views.PAGE_SIZE = saved
        for what, by_limit in counts.items():
            same = "same" if by_limit[10] == by_limit[200] else "DIFFERENT"
            lines.append(
                f"  {what:<52} 10 rows: {by_limit[10]} statements, 200 rows: {by_limit[200]}"
                f" → {same}"
            )
        counter.reset()
        client.get("/api/v1/participants?limit=200", headers=headers)
        lines.append("  statements of GET /api/v1/participants?limit=200:")
        for statement, _params in counter.statements:
            lines.append("    - " + " ".join(statement.split())[:150])
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return lines


def explain(app: Any, coop: dict[str, Any], samples: dict[str, str]) -> list[str]:
    from tenants.db import db

    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    headers = {"Authorization": f"Bearer {common.token_for(coop['slug'], 'admin')}"}
    captured = {}
    try:
        client = app.test_client()
        for kind, q in samples.items():
            counter.reset()
            client.get("/api/v1/participants?q=" + urllib.parse.quote(q), headers=headers)
            for statement, params in counter.statements:
                if "FROM participants" in statement and "ORDER BY" in statement:
                    captured[kind] = (q, statement, params)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    lines = []
    with psycopg.connect(common.plain(common.app_url())) as conn:
        for kind, (q, statement, params) in captured.items():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(coop["id"]),))
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).fetchall()
            conn.rollback()
            lines.append(f"--- {kind}: q={q!r}")
            lines.extend("    " + row[0] for row in plan)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="measured searches")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop measuring after")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)

    print(f"machine: {common.machine()}")
    coops = big_coops()
    print("coops: " + ", ".join(f"{c['slug']} ({c['participants']:,})" for c in coops))
    rng = random.Random(args.seed)
    plan = []
    for i in range(args.warmup + args.requests):
        coop = coops[i % len(coops)]
        kind = KINDS[rng.randrange(len(KINDS))]
        q = typed_query(kind, rng.choice(coop["people"]), rng)
        plan.append((coop["slug"], kind, q))

    app = common.make_app()
    client = app.test_client()
    tokens = {c["slug"]: common.token_for(c["slug"], "cashier") for c in coops}
    samples: dict[str, list[float]] = defaultdict(list)
    found: dict[str, list[int]] = defaultdict(list)
    deadline = time.perf_counter() + args.max_seconds
    measured = 0
    for i, (slug, kind, q) in enumerate(plan):
        if time.perf_counter() > deadline:
            print(f"stopped at the time limit ({args.max_seconds:.0f} s)")
            break
        url = "/api/v1/participants?q=" + urllib.parse.quote(q)
        headers = {"Authorization": f"Bearer {tokens[slug]}"}
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        body = response.get_json()
        ms = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} {body}")
        if i < args.warmup:
            continue
        measured += 1
        samples[kind].append(ms)
        samples["all"].append(ms)
        found[kind].append(len(body["items"]))
    print(f"\nGET /api/v1/participants?q=… — {measured} searches after {args.warmup} warm-up, "
          "one client, in-process (Flask test client), app role on PostgreSQL")
    for kind in (*KINDS, "all"):
        stats = common.percentiles(samples[kind])
        extra = ""
        if kind in found and found[kind]:
            rows = found[kind]
            extra = f"  rows: mean {sum(rows) / len(rows):.1f}, zero {rows.count(0)}"
        print(f"  {kind:<6} {common.fmt(stats)}{extra}")
    p95 = common.percentiles(samples["all"]).get("p95", float("inf"))
    verdict = "MET" if p95 <= 30 else f"MISSED by {p95 - 30:.1f} ms"
    print(f"target p95 ≤ 30 ms: {verdict} (p95 {p95:.2f} ms)")

    print("\nSQL statements per request (before_cursor_execute), coop " + coops[0]["slug"])
    for line in statement_counts(app, coops[0]):
        print(line)
    if args.explain:
        by_kind = {}
        for _slug, kind, q in plan:
            if _slug == coops[0]["slug"] and kind not in by_kind:
                by_kind[kind] = q
        print("\nEXPLAIN (ANALYZE, BUFFERS) as the app role, coop " + coops[0]["slug"])
        for line in explain(app, coops[0], by_kind):
            print(line)
    print(f"done; {common.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
