"""Issue 5: recording a cash payment, and the API participant lookup's throughput against a floor.

    .venv/bin/python -m bench.payments [--payments 400] [--workers 2] [--connections 8]
                                       [--duration 10] [--rounds 2] [--driver wrk|python]

Needs the bench database (``python -m bench.dataset``); recording payments changes it (re-run
the dataset for a clean slate). Everything goes through the app as the application role on
PostgreSQL.

1. Recording a cash payment: ``POST /api/v1/payments`` (``Idempotency-Key``, 1–3 months, a
   cashier's token) for distinct people of the biggest coops, through the whole app in this
   process (Flask test client): token, idempotency claim, row lock, plan, quote, receipt number
   upsert, coverage update, audit, commit. Target: p95 ≤ 50 ms.
2. Throughput of ``GET /api/v1/participants/{id}`` (the API lookup: token, coop, RLS, the ORM,
   coverage and the JSON the contract describes) beside ``bench/bare_app.py`` (Flask + psycopg,
   ``set_config`` + ``SELECT … WHERE tenant_id = %s AND id = %s``), both served by gunicorn with
   the same sync worker count on 127.0.0.1, driven in turns by the same load generator (``wrk``
   when installed: ``apt-get install wrk``; else a thread pool of httpx clients) for a bounded
   time. Target: API ≥ 0,5 × bare. Prints both figures and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bench import common  # noqa: E402
from bench.load import (  # noqa: E402
    cpu_snapshot,
    cpu_used,
    free_port,
    gunicorn,
    run_python,
    run_wrk,
    wait_ready,
    wrk_script,
)
from bench.participants_search import big_coops  # noqa: E402


def payable_people(coops: list[dict[str, Any]], n: int) -> list[tuple[str, str]]:
    """(slug, participant id) of people with no sponsor and room to pay 3 months ahead."""
    per = n // len(coops) + 1
    out: list[tuple[str, str]] = []
    with psycopg.connect(common.plain(common.admin_db_url())) as conn:
        conn.execute("SELECT setseed(0.17)")
        for coop in coops:
            rows = conn.execute(
                "SELECT id FROM participants p WHERE tenant_id = %s AND NOT EXISTS ("
                " SELECT 1 FROM participant_sponsors s WHERE s.tenant_id = p.tenant_id"
                " AND s.participant_id = p.id)"
                " AND coalesce(paid_through_month, 0) < (extract(year FROM now()) * 12"
                " + extract(month FROM now()) - 1 + 6)"
                " ORDER BY random() LIMIT %s",
                (coop["id"], per),
            ).fetchall()
            out.extend((coop["slug"], str(r[0])) for r in rows)
    return out[:n]


def lookup_targets(coops: list[dict[str, Any]], n: int = 2000) -> list[tuple[str, str, str]]:
    """(slug, tenant id, participant id) spread over the big coops."""
    per = n // len(coops)
    out = []
    with psycopg.connect(common.plain(common.admin_db_url())) as conn:
        conn.execute("SELECT setseed(0.23)")
        for coop in coops:
            rows = conn.execute(
                "SELECT id FROM participants WHERE tenant_id = %s ORDER BY random() LIMIT %s",
                (coop["id"], per),
            ).fetchall()
            out.extend((coop["slug"], str(coop["id"]), str(r[0])) for r in rows)
    return out


# --- 1. recording a cash payment ------------------------------------------------------------------


def record_payments(people: list[tuple[str, str]], warmup: int, max_seconds: float) -> list[str]:
    app = common.make_app()
    client = app.test_client()
    samples: list[float] = []
    months_paid: list[int] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + max_seconds
    last_receipt = ""
    for i, (slug, pid) in enumerate(people):
        if time.perf_counter() > deadline:
            break
        months = 1 + i % 3
        headers = {
            "Authorization": f"Bearer {common.token_for(slug, 'cashier')}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        body = {"participant_id": pid, "months": months, "method": "cash"}
        t0 = time.perf_counter()
        response = client.post("/api/v1/payments", json=body, headers=headers)
        answer = response.get_json()
        ms = (time.perf_counter() - t0) * 1000
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code != 201:
            continue
        last_receipt = answer["receipt_no"]
        if i >= warmup:
            samples.append(ms)
            months_paid.append(len(answer["periods"]))
    stats = common.percentiles(samples)
    p95 = stats.get("p95", float("inf"))
    verdict = "MET" if p95 <= 50 else f"MISSED by {p95 - 50:.1f} ms"
    return [
        f"POST /api/v1/payments (cash) — {len(samples)} payments after {warmup} warm-up, "
        "distinct people of the big coops, one client, in-process, app role on PostgreSQL",
        f"  {common.fmt(stats)}",
        f"  answers: {statuses}; months per payment: mean "
        f"{statistics.fmean(months_paid) if months_paid else 0:.2f}; last receipt {last_receipt}",
        f"target p95 ≤ 50 ms: {verdict} (p95 {p95:.2f} ms)",
    ]


# --- 2. lookup throughput ---------------------------------------------------------------------




def throughput(targets: list[tuple[str, str, str]], args: argparse.Namespace) -> list[str]:
    driver = args.driver or ("wrk" if shutil.which("wrk") else "python")
    api_requests = [(f"/api/v1/participants/{pid}", common.token_for(slug, "cashier"))
                    for slug, _tid, pid in targets]
    bare_requests: list[tuple[str, str | None]] = [
        (f"/bare/{tid}/participants/{pid}", None) for _slug, tid, pid in targets
    ]
    tmp = Path(tempfile.mkdtemp(prefix="gerai-bench-"))
    api_port, bare_port = free_port(), free_port()
    results: dict[str, list[dict[str, Any]]] = {"api": [], "bare": []}
    api_env = common.app_env()
    bare_env = {"BENCH_BARE_DSN": common.plain(common.app_url())}
    with gunicorn("wsgi:app", api_port, args.workers, api_env, tmp / "api.log") as api_proc, \
            gunicorn("bench.bare_app:app", bare_port, args.workers, bare_env,
                     tmp / "bare.log") as bare_proc:
        slug, tid, pid = targets[0]
        wait_ready(f"http://127.0.0.1:{api_port}/api/v1/participants/{pid}",
                   {"Authorization": f"Bearer {common.token_for(slug, 'cashier')}"})
        wait_ready(f"http://127.0.0.1:{bare_port}/bare/{tid}/participants/{pid}", {})
        runs = [("api", api_port, api_requests), ("bare", bare_port, bare_requests)]
        for name, port, reqs in runs:  # warm both (imports, connections, caches)
            base = f"http://127.0.0.1:{port}"
            if driver == "wrk":
                wrk_script(reqs, tmp / f"{name}.lua")
                run_wrk(base, tmp / f"{name}.lua", args.connections, 3)
            else:
                run_python(base, reqs, args.connections, 3)
        masters = {"api": api_proc.pid, "bare": bare_proc.pid}
        for _round in range(args.rounds):
            for name, port, reqs in runs:
                base = f"http://127.0.0.1:{port}"
                before = cpu_snapshot(masters[name])
                if driver == "wrk":
                    result = run_wrk(base, tmp / f"{name}.lua", args.connections, args.duration)
                else:
                    result = run_python(base, reqs, args.connections, args.duration)
                result["cpu"] = cpu_used(before, cpu_snapshot(masters[name]))
                results[name].append(result)
    lines = [
        f"GET participant by id, gunicorn --workers {args.workers} (sync) each, 127.0.0.1, "
        f"{driver} with {args.connections} connections, {args.rounds} × {args.duration} s "
        f"per app in turns, {len(targets)} people of the big coops"
    ]
    best = {}
    cost = {}
    for name, label in (("api", "API  GET /api/v1/participants/{id}"),
                        ("bare", "bare Flask+psycopg SELECT by (tenant_id, id)")):
        rps = [r["rps"] for r in results[name]]
        best[name] = statistics.median(rps)
        last = results[name][-1]
        lines.append(
            f"  {label:<46} {best[name]:8.1f} req/s (runs: "
            + ", ".join(f"{x:.1f}" for x in rps)
            + f"; non-2xx {sum(r['non2xx'] for r in results[name])}"
            + (f"; socket errors {last['socket_errors']}" if last["socket_errors"] else "")
            + f"; latency {last['latency']})"
        )
        n = sum(r["requests"] for r in results[name])
        app_ms = 1000 * sum(r["cpu"]["app"] for r in results[name]) / max(n, 1)
        db_ms = 1000 * sum(r["cpu"]["db"] for r in results[name]) / max(n, 1)
        cost[name] = app_ms + db_ms
        lines.append(
            f"  {'':<46} CPU per request: app workers {app_ms:.2f} ms + PostgreSQL backends "
            f"{db_ms:.2f} ms = {app_ms + db_ms:.2f} ms"
        )
    ratio = best["api"] / best["bare"] if best["bare"] else 0.0
    verdict = "MET" if ratio >= 0.5 else f"MISSED (needs {0.5 * best['bare']:.0f} req/s)"
    lines.append(f"ratio API / bare = {ratio:.2f}; target ≥ 0.50: {verdict}")
    if cost.get("api"):
        lines.append(
            f"CPU cost ratio bare / API = {cost['bare'] / cost['api']:.2f} (what the throughput "
            "ratio tends to when the server CPUs are the bottleneck; independent of other load)"
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=400, help="measured payments")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (≤ 60)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--driver", choices=("wrk", "python"))
    parser.add_argument("--skip-payments", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    args.duration = max(1, min(args.duration, 60))
    args.rounds = max(1, min(args.rounds, 5))

    print(f"machine: {common.machine()}")
    coops = big_coops()
    print("coops: " + ", ".join(f"{c['slug']} ({c['participants']:,})" for c in coops))
    if not args.skip_payments:
        people = payable_people(coops, args.payments + args.warmup)
        print()
        for line in record_payments(people, args.warmup, args.max_seconds):
            print(line)
    if not args.skip_throughput:
        print()
        for line in throughput(lookup_targets(coops), args):
            print(line, flush=True)
    print(f"done; {common.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
