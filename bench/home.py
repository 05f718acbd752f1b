"""Home page latency per role in the 10.000-person coops, and its SQL statement count.

    .venv/bin/python -m bench.home [--requests 300] [--warmup 10] [--max-seconds 120]

Needs the bench database (``python -m bench.dataset``). Measured through the app (``create_app``
with the production profile, Flask test client, in this process) as the application role, signed
in through the real login form: session load, tenant scoping, RLS, every figure of
``app.figures`` and the template are in the timing.

1. ``GET /<coop>/`` for the admin, the cashier and a pengawas, one role at a time over the big
   coops. Target: p95 ≤ 150 ms for every role. Prints p50/p95/p99 per role and the CPU each
   page cost (this process plus the app role's PostgreSQL backends, from /proc): on a busy
   machine the wall-clock figures grow with the load, the CPU per page does not.
2. SQL statements per home page and role in a big coop and in a 1.000-person village coop
   (a ``before_cursor_execute`` listener): the same count whatever the coop's size.

The dataset has no pengawas: one per measured coop is added through the app's own service
(``pengawas@<slug>.bench.example.id``, the staff password) the first time this runs; that is the
only write. Picking the coops reads the bench database as the superuser, untimed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench import common  # noqa: E402

ROLES = ("admin", "cashier", "pengawas")
TARGET_MS = 150.0


def pick_coops(big: int = 5) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The biggest coops and one village coop, with their ids and names."""
    with psycopg.connect(common.plain(common.admin_db_url())) as conn:
        rows = conn.execute(
            "SELECT t.slug, t.id, t.name, t.timezone, count(p.id) FROM tenants t"
            " JOIN participants p ON p.tenant_id = t.id GROUP BY t.slug, t.id"
            " ORDER BY count(p.id) DESC, t.slug"
        ).fetchall()
    if not rows:
        raise SystemExit("no participants: run `python -m bench.dataset` first")
    as_dict = [{"slug": r[0], "id": r[1], "name": r[2], "timezone": r[3], "participants": r[4]}
               for r in rows]
    top = as_dict[0]["participants"]
    coops = [c for c in as_dict[:big] if c["participants"] >= top // 2]
    return coops, as_dict[-1]


def ensure_pengawas(app: Any, coop: dict[str, Any]) -> None:
    import sqlalchemy as sa

    from app.auth import services as auth
    from app.auth.models import User
    from tenants.context import TenantRef, tenant_context
    from tenants.db import db

    email = common.email_for(coop["slug"], "pengawas")
    ref = TenantRef(id=coop["id"], slug=coop["slug"], name=coop["name"],
                    timezone=coop["timezone"])
    with app.app_context(), tenant_context(ref):
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is None:
            user = auth.create_user(email, "pengawas", auth.SYSTEM)
            user.password_hash = auth.hasher.hash(common.STAFF_PASSWORD)
            db.session.commit()
        db.remove()


def signed_in(app: Any, slug: str, role: str) -> Any:
    client = app.test_client()
    client.base_url = "https://localhost"  # production cookies are Secure
    html = client.get(f"/{slug}/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    response = client.post(
        f"/{slug}/login",
        data={"email": common.email_for(slug, role), "password": common.STAFF_PASSWORD,
              "csrf_token": match.group(1) if match else ""},
    )
    if response.status_code not in (302, 303):
        raise SystemExit(f"login of {role} to {slug} failed: HTTP {response.status_code}")
    return client


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_a: Any) -> None:
        self.count += 1


def statements(app: Any, clients: dict[str, Any], slug: str) -> dict[str, int]:
    from tenants.db import db

    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    out = {}
    try:
        for role, client in clients.items():
            counter.count = 0
            assert client.get(f"/{slug}/").status_code == 200
            out[role] = counter.count
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured pages per role")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured pages per role")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop measuring after")
    args = parser.parse_args(argv)

    print(f"machine: {common.machine()}")
    coops, village = pick_coops()
    print("coops: " + ", ".join(f"{c['slug']} ({c['participants']:,})" for c in coops)
          + f"; village coop {village['slug']} ({village['participants']:,})")
    app = common.make_app()
    for coop in (*coops, village):
        ensure_pengawas(app, coop)
    clients = {(c["slug"], role): signed_in(app, c["slug"], role) for c in coops for role in ROLES}

    from bench.load import _backends, _cpu_seconds

    samples: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, float] = {}
    budget = args.max_seconds / len(ROLES)
    for role in ROLES:  # one role at a time, so each gets its own CPU accounting
        for i in range(args.warmup):
            slug = coops[i % len(coops)]["slug"]
            clients[(slug, role)].get(f"/{slug}/")
        backends = {pid: _cpu_seconds(pid) for pid in _backends()}
        own = time.process_time()
        deadline = time.perf_counter() + budget
        for i in range(args.requests):
            if time.perf_counter() > deadline:
                break
            slug = coops[i % len(coops)]["slug"]
            t0 = time.perf_counter()
            response = clients[(slug, role)].get(f"/{slug}/")
            samples[role].append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{role} home of {slug}: HTTP {response.status_code}")
        db_cpu = sum(_cpu_seconds(pid) - before for pid, before in backends.items())
        cpu[role] = (time.process_time() - own + db_cpu) * 1000 / max(len(samples[role]), 1)
        cpu[role + " db"] = db_cpu * 1000 / max(len(samples[role]), 1)
        samples["all"].extend(samples[role])
    print(f"\nGET /<coop>/ (home), {len(samples['all'])} pages after {args.warmup} warm-up per"
          " role, one client, in-process (Flask test client), app role on PostgreSQL")
    met = True
    for role in (*ROLES, "all"):
        stats = common.percentiles(samples[role])
        extra = (f"  CPU/page {cpu[role]:5.1f} ms (PostgreSQL {cpu[role + ' db']:4.1f})"
                 if role in cpu else "")
        print(f"  {role:<8} {common.fmt(stats)}{extra}")
        met = met and stats.get("p95", float("inf")) <= TARGET_MS
    print(f"target p95 ≤ {TARGET_MS:.0f} ms for every role: {'MET' if met else 'MISSED'}")

    big = coops[0]["slug"]
    small = village["slug"]
    small_clients = {role: signed_in(app, small, role) for role in ROLES}
    big_counts = statements(app, {r: clients[(big, r)] for r in ROLES}, big)
    small_counts = statements(app, small_clients, small)
    print("\nSQL statements per home page (before_cursor_execute)")
    for role in ROLES:
        same = "same" if big_counts[role] == small_counts[role] else "DIFFERENT"
        print(f"  {role:<8} {big} ({coops[0]['participants']:,}): {big_counts[role]}, "
              f"{small} ({village['participants']:,}): {small_counts[role]} → {same}")
    print(f"done; {common.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
