"""Recording a cash payment, and the API participant lookups' throughput against a bare ceiling.

    .venv/bin/python -m bench.payments [--payments 400] [--workers 2] [--threads 2]
                                       [--connections 16] [--duration 10] [--rounds 2]
                                       [--access-log on|off] [--driver wrk|python]

Needs the bench database (``python -m bench.dataset``); recording payments changes it (re-run
the dataset for a clean slate). Everything goes through the app as the application role on
PostgreSQL.

1. Recording a cash payment: ``POST /api/v1/payments`` (``Idempotency-Key``, 1–3 months, a
   cashier's token) for distinct people of the biggest coops, through the whole app in this
   process (Flask test client): token, idempotency claim, row lock, plan, quote, receipt number
   upsert, coverage update, audit, commit. Target: p95 ≤ 50 ms.
2. Throughput of the counter's two lookups, ``GET /api/v1/participants/{id}`` and
   ``GET /api/v1/participants?q=<a whole 16-digit NIK>`` (token, coop, RLS, coverage, the JSON the
   contract describes), beside ``bench/bare_app.py`` (Flask + psycopg, ``set_config`` +
   ``SELECT … WHERE tenant_id = %s AND id = %s``), in the same run, at production defaults: gunicorn
   with 2 sync workers each on 127.0.0.1, the production profile with its access log on (every
   request writes its line to the server's log file), ``wrk -t2 -c16`` (``apt-get install wrk``;
   else a thread pool of httpx clients), the three paths in turns. Target: each API path ≥ 0,5 ×
   bare. Prints req/s, the ratios and the CPU each request cost (workers + PostgreSQL backends).
"""

from __future__ import annotations

import argparse
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


def lookup_targets(coops: list[dict[str, Any]], n: int = 2000) -> list[tuple[str, str, str, str]]:
    """(slug, tenant id, participant id, NIK) spread over the big coops."""
    per = n // len(coops)
    out = []
    with psycopg.connect(common.plain(common.admin_db_url())) as conn:
        conn.execute("SELECT setseed(0.23)")
        for coop in coops:
            rows = conn.execute(
                "SELECT id, nik FROM participants WHERE tenant_id = %s ORDER BY random() LIMIT %s",
                (coop["id"], per),
            ).fetchall()
            out.extend((coop["slug"], str(coop["id"]), str(r[0]), r[1]) for r in rows)
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




def throughput(targets: list[tuple[str, str, str, str]], args: argparse.Namespace) -> list[str]:
    """Both API paths and the bare ceiling, in turns, in the same run, at production defaults."""
    driver = args.driver or ("wrk" if shutil.which("wrk") else "python")
    paths: dict[str, list[tuple[str, str | None]]] = {
        "id": [(f"/api/v1/participants/{pid}", common.token_for(slug, "cashier"))
               for slug, _tid, pid, _nik in targets],
        "nik": [(f"/api/v1/participants?q={nik}", common.token_for(slug, "cashier"))
                for slug, _tid, _pid, nik in targets],
        "bare": [(f"/bare/{tid}/participants/{pid}", None) for _slug, tid, pid, _nik in targets],
    }
    tmp = Path(tempfile.mkdtemp(prefix="gerai-bench-"))
    api_port, bare_port = free_port(), free_port()
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in paths}
    # Production defaults: LOG_LEVEL unset (INFO), so every request writes its access line.
    api_env = common.app_env()
    if args.access_log == "on":
        api_env.pop("LOG_LEVEL")
    bare_env = {"BENCH_BARE_DSN": common.plain(common.app_url())}
    with gunicorn("wsgi:app", api_port, args.workers, api_env, tmp / "api.log") as api_proc, \
            gunicorn("bench.bare_app:app", bare_port, args.workers, bare_env,
                     tmp / "bare.log") as bare_proc:
        slug, tid, pid, _nik = targets[0]
        wait_ready(f"http://127.0.0.1:{api_port}/api/v1/participants/{pid}",
                   {"Authorization": f"Bearer {common.token_for(slug, 'cashier')}"})
        wait_ready(f"http://127.0.0.1:{bare_port}/bare/{tid}/participants/{pid}", {})
        ports = {"id": api_port, "nik": api_port, "bare": bare_port}
        masters = {"id": api_proc.pid, "nik": api_proc.pid, "bare": bare_proc.pid}

        def run(name: str, seconds: int) -> dict[str, Any]:
            base = f"http://127.0.0.1:{ports[name]}"
            if driver == "wrk":
                return run_wrk(base, tmp / f"{name}.lua", args.connections, seconds, args.threads)
            return run_python(base, paths[name], args.connections, seconds)

        for name in paths:  # warm every path (imports, connections, prepared statements)
            if driver == "wrk":
                wrk_script(paths[name], tmp / f"{name}.lua")
            run(name, 3)
        for _round in range(args.rounds):
            for name in paths:
                before = cpu_snapshot(masters[name])
                result = run(name, args.duration)
                result["cpu"] = cpu_used(before, cpu_snapshot(masters[name]))
                results[name].append(result)
        access_lines = sum(1 for line in (tmp / "api.log").open("rb") if b"gerai.access" in line)
    lines = [
        f"lookup throughput: gunicorn --workers {args.workers} (sync) each, 127.0.0.1, production "
        f"profile, access log {args.access_log} ({access_lines} access lines written); "
        f"{driver} -t{args.threads} -c{args.connections}, {args.rounds} × {args.duration} s per "
        f"path in turns, {len(targets)} people of the big coops"
    ]
    best: dict[str, float] = {}
    cost: dict[str, float] = {}
    labels = {"id": "API  GET /api/v1/participants/{id}",
              "nik": "API  GET /api/v1/participants?q=<16-digit NIK>",
              "bare": "bare Flask+psycopg SELECT by (tenant_id, id)"}
    for name, label in labels.items():
        rps = [r["rps"] for r in results[name]]
        best[name] = statistics.median(rps)
        last = results[name][-1]
        lines.append(
            f"  {label:<48} {best[name]:8.1f} req/s (runs: "
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
            f"  {'':<48} CPU per request: app workers {app_ms:.2f} ms + PostgreSQL backends "
            f"{db_ms:.2f} ms = {app_ms + db_ms:.2f} ms"
        )
    for name in ("id", "nik"):
        ratio = best[name] / best["bare"] if best["bare"] else 0.0
        verdict = "MET" if ratio >= 0.5 else f"MISSED (needs {0.5 * best['bare']:.0f} req/s)"
        cpu_ratio = cost["bare"] / cost[name] if cost.get(name) else 0.0
        lines.append(
            f"ratio {name:>3} / bare = {ratio:.2f}; target ≥ 0.50: {verdict}; "
            f"CPU cost ratio bare / {name} = {cpu_ratio:.2f} (what the throughput ratio tends to "
            "when the CPUs are the bottleneck; independent of other load)"
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=400, help="measured payments")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--access-log", choices=("on", "off"), default="on",
                        help="the app's access log (on: the production default)")
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
