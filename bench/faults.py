"""Fault run: steady payment load while PostgreSQL stops, Redis dies, gunicorn and RQ workers die.

    .venv/bin/python -m bench.faults [--clients 4] [--pg-down 5] [--workers 2]

Everything runs on its **own** PostgreSQL cluster (``initdb`` into a temporary directory, binaries
from ``/usr/lib/postgresql/*/bin``, run as the ``postgres`` user when started as root) and its own
``redis-server``, both on free loopback ports, so the shared services are never touched. The app
runs as in production: ``GERAI_ENV=production``, the application role, gunicorn (sync workers), one
``gerai worker`` and one ``gerai cron`` (ticking every 20 s instead of 2 minutes, to keep the run
short), each restarted by this script when it exits, as systemd would.

Faults, in order, under load: PostgreSQL stopped for ``--pg-down`` seconds with a gunicorn worker
killed meanwhile (its replacement boots with no database) and a job failing while the database is
down; Redis SIGKILLed and restarted empty with jobs queued; gunicorn (master and workers) SIGKILLed;
the whole RQ worker SIGKILLed mid-job. Checks: no acknowledged payment lost or doubled, receipt
numbers gapless, no 500 answer, the site and the jobs recover with no help, each job record ends
where it should (with the time it took). Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import common
from bench.load import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SLUG = "uji-gangguan"
CASHIER = f"kasir@{SLUG}.example.id"


# --- Own services -------------------------------------------------------------------------------


class Postgres:
    """A throwaway cluster on 127.0.0.1:port; trust auth; stopped and started at will."""

    def __init__(self, root: Path) -> None:
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.data, self.log = root / "pgdata", root / "postgres.log"
        self.port = free_port()
        root.chmod(0o755)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.log, "postgres", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, role: str = "postgres", database: str = "postgres") -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}"


class Redis:
    """A redis-server without persistence: a restart loses every key, as a crashed Redis may."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Supervisor:
    """Start processes and restart any that exits, as systemd's Restart=always would."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.cmds: dict[str, list[str]] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: Counter[str] = Counter()
        self.stopping = False
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self, name: str, cmd: list[str]) -> None:
        self.cmds[name] = cmd
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.procs[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        """SIGKILL the process and everything in its session (work horses, gunicorn workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, signal.SIGKILL)

    def _watch(self) -> None:
        while True:
            time.sleep(0.3)
            for name, proc in list(self.procs.items()):
                if not self.stopping and proc.poll() is not None:
                    self.kill(name)  # leftovers of its session
                    self.restarts[name] += 1
                    self.start(name, self.cmds[name])

    def stop(self) -> None:
        self.stopping = True
        for name, proc in self.procs.items():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill(name)


def children(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.split("/")[2]))
    return found


# --- Load -----------------------------------------------------------------------------------------


class Load:
    """Cashiers posting one-month cash payments; each retries its own Idempotency-Key on a 503 or
    a broken connection (as the API asks), so an acknowledged payment is one the server wrote."""

    def __init__(self, base: str, token: str, people: list[str], clients: int) -> None:
        self.base, self.token, self.people, self.clients = base, token, people, clients
        self.acked: dict[str, dict[str, Any]] = {}  # key -> the 201/200 body
        self.gave_up: list[str] = []
        self.paid_up = 0  # participants with nothing left to pay (the load thins out)
        self.answers: Counter[str] = Counter()
        self.last_ok = time.monotonic()
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._client, args=(people[i::clients],), daemon=True)
            for i in range(clients)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_flag.set()
        for thread in self.threads:
            thread.join(180)

    def _client(self, people: list[str]) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, timeout=10, headers=headers) as http:
            i = 0
            while not self.stop_flag.is_set() and people:
                pid = people[i % len(people)]
                i += 1
                key = str(uuid.uuid4())
                if not self._pay(http, pid, key):
                    people.remove(pid)  # nothing more to pay for this one
                    with self.lock:
                        self.paid_up += 1
                time.sleep(0.05)

    def _pay(self, http: httpx.Client, pid: str, key: str) -> bool:
        body = {"participant_id": pid, "months": 1, "method": "cash"}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = http.post("/api/v1/payments", json=body,
                                     headers={"Idempotency-Key": key})
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = exc.__class__.__name__
                response = None
            with self.lock:
                self.answers[status] += 1
            if response is not None and response.status_code in (200, 201):
                with self.lock:
                    self.acked[key] = response.json()
                    self.last_ok = time.monotonic()
                return True
            if response is not None and response.status_code == 422:
                return False
            time.sleep(0.3)
        self.gave_up.append(key)
        return True

    def wait_ok_after(self, since: float, timeout: float = 120) -> float | None:
        """Seconds from ``since`` until a payment was acknowledged after it (None: never)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.last_ok > since:
                return self.last_ok - since
            time.sleep(0.05)
        return None


# --- The run --------------------------------------------------------------------------------------


def gerai(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "gerai"), *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
        text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"gerai {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def setup_database(pg: Postgres) -> None:
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE ROLE gerai_owner LOGIN")
        conn.execute("CREATE ROLE gerai_app LOGIN NOSUPERUSER NOBYPASSRLS")
        conn.execute("CREATE DATABASE gerai OWNER gerai_owner")
        conn.execute("REVOKE ALL ON DATABASE gerai FROM PUBLIC")
        conn.execute("GRANT CONNECT ON DATABASE gerai TO gerai_app")


def register_people(base: str, token: str, n: int) -> list[str]:
    ids = []
    with httpx.Client(base_url=base, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        for i in range(1, n + 1):
            person = {
                "nik": f"2104011505{80:02d}{i:04d}", "name": f"Peserta Uji {i}",
                "birth_date": "1980-05-15", "sex": "L", "phone": f"0812{i:08d}",
                "occupation": "Nelayan", "sector": "fishery", "declared_income": 1000000,
                "programs": ["JKK", "JKM"],
            }
            response = http.post("/api/v1/participants", json=person)
            if response.status_code != 201:
                raise SystemExit(f"registering a participant: {response.status_code} "
                                 f"{response.text[:200]}")
            ids.append(response.json()["id"])
    return ids


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout}s")


class Jobs:
    """Queue the run's jobs through the app itself (as the application role, in the coop)."""

    def __init__(self, env: dict[str, str]) -> None:
        from app import create_app
        from config import load_settings

        self.app = create_app(load_settings(env))

    def enqueue(self, fn: Any, *args: Any, title: str, **kw: Any) -> str:
        import sqlalchemy as sa

        from app import jobs
        from tenants.context import tenant_context
        from tenants.db import db
        from tenants.provision import get_tenant

        for attempt in range(10):  # a pooled connection may have died with PostgreSQL
            try:
                with self.app.app_context():
                    ref = get_tenant(SLUG).ref()
                    db.session.rollback()
                    with tenant_context(ref):
                        job_id = jobs.enqueue(fn, *args, tenant_id=ref.id, title=title, **kw)
                        db.session.commit()
                    db.remove()
                return job_id
            except sa.exc.OperationalError:
                if attempt == 9:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")


def job_states(pg: Postgres, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    with psycopg.connect(pg.url(database="gerai")) as conn:
        rows = conn.execute(
            "SELECT rq_id, status, error_code FROM job_runs WHERE rq_id = ANY(%s)", (ids,)
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def wait_job(
    pg: Postgres, rq_id: str, want: tuple[str, str | None], timeout: float
) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(psycopg.Error):
            if job_states(pg, [rq_id]).get(rq_id) == want:
                return time.monotonic() - started
        time.sleep(0.5)
    return None


def run(args: argparse.Namespace) -> int:  # noqa: PLR0915 - one story, told in order
    from bench import fault_tasks

    tmp = Path(tempfile.mkdtemp(prefix="gerai-faults-"))
    pg, rds = Postgres(tmp), Redis()
    pg.start()
    rds.start()
    setup_database(pg)
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ, "GERAI_ENV": "production", "SECRET_KEY": common.SECRET_KEY,
        "DATABASE_URL": pg.url("gerai_app", "gerai"),
        "MIGRATION_DATABASE_URL": pg.url("gerai_owner", "gerai"), "REDIS_URL": rds.url,
        "GERAI_QUEUE_PREFIX": "faults", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
    }
    lines: list[str] = []
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        lines.append(f"  [{'ok' if ok else 'FAILED'}] {what}")
        if not ok:
            failures.append(what)

    sup = Supervisor(env, tmp)
    try:
        gerai(env, "db", "upgrade")
        gerai(env, "check")
        gerai(env, "tenants", "create", SLUG, "--name", "Koperasi Uji Gangguan")
        gerai(env, "users", "create", SLUG, CASHIER, "--role", "cashier", "--password-stdin",
              stdin=common.STAFF_PASSWORD + "\n")
        token = gerai(env, "tokens", "create", SLUG, CASHIER)
        sup.start("web", [str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind",
                          f"127.0.0.1:{web_port}", "--timeout", "30", "wsgi:app"])
        sup.start("worker", [sys.executable, "-m", "worker", "worker"])
        sup.start("cron", [sys.executable, "-m", "worker", "cron", "--every", "20"])
        wait_http(f"{base}/healthz")
        people = register_people(base, token, args.people)
        jobs = Jobs(env)
        load = Load(base, token, people, args.clients)
        load.start()
        time.sleep(3)

        # 1. PostgreSQL stopped; a gunicorn worker killed meanwhile; a job fails meanwhile.
        stuck = jobs.enqueue(fault_tasks.wait_then_fail, "stuck", title="Gagal saat DB mati")
        wait_redis = _redis_client(rds)
        _wait(lambda: wait_redis.exists("faults:stuck:running"), 60)
        pg.stop()
        down_at = time.monotonic()
        master = sup.procs["web"].pid
        victims = children(master)
        if victims:
            os.kill(victims[0], signal.SIGKILL)  # its replacement boots with no database
        wait_redis.set("faults:stuck:go", 1, ex=3600)
        time.sleep(max(0.0, args.pg_down - (time.monotonic() - down_at)))
        pg.start()
        back = load.wait_ok_after(time.monotonic())
        check(sup.procs["web"].pid == master and sup.restarts["web"] == 0,
              "gunicorn master survived a worker restart while PostgreSQL was down")
        check(back is not None, f"payments acknowledged again {back or -1:.1f} s after "
              f"PostgreSQL came back ({args.pg_down} s down)")

        settled_stuck = wait_job(pg, stuck, ("failed", "job"), 180)
        check(settled_stuck is not None, "the job that failed while PostgreSQL was down is shown"
              f" failed with its reason {settled_stuck or -1:.0f} s later (was: running)")

        # 2. Redis killed with jobs waiting; restarted empty; a retry with backoff must move.
        busy = jobs.enqueue(fault_tasks.linger, "busy", 8, title="Menyibukkan worker")
        _wait(lambda: _redis_client(rds).exists("faults:busy:pid"), 60)
        lost = [jobs.enqueue(fault_tasks.noop, title=f"Hilang {i}") for i in range(3)]
        rds.kill()
        time.sleep(2)
        rds.start()
        redis_back = time.monotonic()
        retried = jobs.enqueue(fault_tasks.flaky, "flaky", title="Coba lagi setelah Redis",
                               retry=_retry(1, 5))
        took = wait_job(pg, retried, ("done", None), 120)
        check(took is not None, f"a retry with 5 s backoff ran {time.monotonic() - redis_back:.1f}"
              " s after Redis restarted empty")
        wait_job(pg, busy, ("done", None), 60)

        # 3. gunicorn killed whole (master and workers).
        sup.kill("web")
        killed = time.monotonic()
        web_back = load.wait_ok_after(killed)
        check(web_back is not None, f"site back {web_back or -1:.1f} s after gunicorn was killed"
              " (restarted by the supervisor)")

        # 4. The whole RQ worker killed mid-job.
        abandoned = jobs.enqueue(fault_tasks.linger, "abandoned", 300, title="Worker mati")
        _wait(lambda: _redis_client(rds).exists("faults:abandoned:pid"), 60)
        sup.kill("worker")
        noticed = wait_job(pg, abandoned, ("failed", "worker_died"), 180)
        check(noticed is not None and noticed <= 120,
              f"the dead worker's job shown interrupted after {noticed or -1:.0f} s (≤ 120 s)")

        # Load off; the records that could not move are settled by the tick.
        load.stop()
        states = {}
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            states = job_states(pg, lost)
            if all(s == ("failed", "lost") for s in states.values()) and len(states) == 3:
                break
            time.sleep(2)
        check(all(s == ("failed", "lost") for s in states.values()) and len(states) == 3,
              f"jobs lost with Redis shown failed/lost: {sorted(states.values())}")

        # Money.
        money_checks(pg, load, check)
        health = httpx.get(f"{base}/healthz", timeout=5)
        check(health.status_code == 200, f"/healthz {health.status_code} at the end")
        lines.insert(0, f"restarts by the supervisor: {dict(sup.restarts)}; participants paid up "
                        f"(no longer in the load): {load.paid_up} of {len(people)}")
    finally:
        sup.stop()
        rds.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"fault run — {common.load()}")
    print("\n".join(lines))
    print("result:", "all checks passed" if not failures else f"{len(failures)} check(s) FAILED")
    return 1 if failures else 0


def money_checks(pg: Postgres, load: Load, check: Any) -> None:
    with psycopg.connect(pg.url(database="gerai")) as conn:
        rows = conn.execute("SELECT id::text, receipt_no FROM payments").fetchall()
    ids = Counter(r[0] for r in rows)
    acked_ids = {body["id"] for body in load.acked.values()}
    seqs = sorted(int(r[1].rsplit("-", 1)[1]) for r in rows if r[1])
    check(acked_ids <= set(ids), f"every acknowledged payment is stored ({len(acked_ids)})")
    check(all(c == 1 for c in ids.values()) and len(ids) <= len(acked_ids) + len(load.gave_up),
          f"no payment doubled: {len(rows)} rows for {len(acked_ids)} acknowledged keys "
          f"(+{len(load.gave_up)} given up)")
    check(seqs == list(range(1, len(seqs) + 1)), f"receipt numbers gapless 1..{len(seqs)}")
    check(load.answers.get("500", 0) == 0, f"no 500 answers; answers seen: {dict(load.answers)}")


def _retry(n: int, seconds: int) -> Any:
    from app.jobs import Retry

    return Retry(n, (seconds,))


def _redis_client(rds: Redis) -> Any:
    import redis

    return redis.Redis.from_url(rds.url, socket_timeout=2)


def _wait(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise SystemExit(f"timed out after {timeout}s waiting for the run to reach its next step")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="concurrent cashiers")
    parser.add_argument("--people", type=int, default=600, help="participants to pay for")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--pg-down", type=float, default=5.0, help="seconds PostgreSQL is down")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
