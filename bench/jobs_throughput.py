"""Empty-job throughput of ``gerai worker`` as configured (forking, one work horse per job).

Usage (from the repository root, with PostgreSQL and Redis as for ``make test``):

    .venv/bin/python bench/jobs_throughput.py [--jobs 1000] [--workers 1 2]

It makes a throwaway database (``TEST_DATABASE_URL``'s server, the test roles) and a unique queue
prefix on ``REDIS_URL``, then for each worker count measures:
- enqueue: ``app.jobs.enqueue`` of N coop jobs in one transaction, commit included (record rows,
  then one RQ push per job after the commit);
- gerai job: N empty coop jobs through the wrapper (tenant set and cleared, record queued → running
  → done, engine disposed in each forked horse), from the first job's start to the last one's end;
- bare RQ job: N empty functions queued straight on RQ and run by the same worker (the fork cost
  without Gerai's bookkeeping), for comparison.
Workers are started after the queue is full and run in burst mode; their start-up is excluded.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def empty_job() -> None:
    """The job being measured: does nothing."""
    return None


def _env(urls: dict[str, str], prefix: str) -> dict[str, str]:
    from tests.settings import REDIS_URL

    return {
        **os.environ,
        "GERAI_ENV": "testing",
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234",
        "DATABASE_URL": urls["app"],
        "MIGRATION_DATABASE_URL": urls["owner"],
        "REDIS_URL": REDIS_URL,
        "GERAI_QUEUE_PREFIX": prefix,
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }


def _run_workers(env: dict[str, str], count: int) -> float:
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "worker", "worker", "default", "--burst"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    for proc in procs:
        if proc.wait(timeout=1800) != 0:
            raise SystemExit(f"a worker exited with {proc.returncode}")
    return time.monotonic() - started


def _purge(connection, prefix: str) -> None:  # type: ignore[no-untyped-def]
    keys = list(connection.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        connection.delete(*keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per measurement")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()

    import redis
    import sqlalchemy as sa
    from rq import Queue
    from rq.job import Job

    from app import create_app, jobs, migrate
    from app.jobrecords import JobRun
    from bench.common import load, machine
    from config import load_settings
    from tenants.context import tenant_context
    from tenants.db import db
    from tenants.provision import create_tenant
    from tests import dbsetup
    from tests.settings import APP_ROLE, OWNER_ROLE

    bench = sys.modules.get("bench.jobs_throughput") or __import__(
        "bench.jobs_throughput", fromlist=["empty_job"]
    )
    print(f"machine: {machine()}", flush=True)
    dbsetup.ensure_roles()
    name = dbsetup.create_database("gerai_bench")
    urls = {"owner": dbsetup.url_for(name, OWNER_ROLE), "app": dbsetup.url_for(name, APP_ROLE)}
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    env = _env(urls, prefix)
    settings = load_settings(env)
    connection = redis.Redis.from_url(settings.redis_url)
    results: list[str] = []
    try:
        migrate.upgrade(settings)
        app = create_app(settings)
        with app.app_context():
            coop = create_tenant("bench-coop", "Koperasi Uji Kecepatan").ref()
            db.session.commit()
            pg = db.session.execute(sa.text("SHOW server_version")).scalar()
            db.session.rollback()
            queue = Queue(jobs.queue_name("default"), connection=connection)
            n = options.jobs
            for workers in options.workers:
                # gerai jobs through the wrapper
                with tenant_context(coop):
                    db.session.execute(sa.delete(JobRun))
                    db.session.commit()
                    began = time.perf_counter()
                    for _ in range(n):
                        jobs.enqueue(bench.empty_job, tenant_id=coop.id, title="Pekerjaan kosong")
                    db.session.commit()
                    enqueue_s = time.perf_counter() - began
                before = load()
                wall = _run_workers(env, workers)
                with tenant_context(coop):
                    first, last, done = db.session.execute(
                        sa.select(sa.func.min(JobRun.started_at), sa.func.max(JobRun.ended_at),
                                  sa.func.count()).where(JobRun.status == "done")
                    ).one()
                    rq_ids = list(db.session.scalars(sa.select(JobRun.rq_id)))
                    db.session.rollback()
                assert done == n, f"only {done} of {n} jobs done"
                span = (last - first).total_seconds()
                results.append(
                    f"enqueue (before {workers} worker)  : {n / enqueue_s:8.1f} jobs/s "
                    f"({n} in {enqueue_s:.2f} s, record rows, commit and pushes included)"
                )
                results.append(
                    f"gerai job, {workers} worker(s)      : {n / span:8.1f} jobs/s "
                    f"({n} in {span:.2f} s; wall {wall:.2f} s with start-up; "
                    f"{before} before, {load()} after)"
                )
                # bare RQ jobs, same worker
                ids = [
                    queue.enqueue_call("bench.jobs_throughput.empty_job", result_ttl=600).id
                    for _ in range(n)
                ]
                before = load()
                wall = _run_workers(env, workers)
                fetched = [j for j in Job.fetch_many(ids, connection=connection) if j]
                for job_id in [*ids, *rq_ids]:
                    connection.delete(Job.key_for(job_id), f"rq:results:{job_id}")
                span = (
                    max(j.ended_at for j in fetched) - min(j.started_at for j in fetched)
                ).total_seconds()
                results.append(
                    f"bare RQ job, {workers} worker(s)    : {n / span:8.1f} jobs/s "
                    f"({len(fetched)} in {span:.2f} s; wall {wall:.2f} s with start-up; "
                    f"{before} before, {load()} after)"
                )
    finally:
        db.remove()
        if db.engine is not None:
            db.engine.dispose()
        _purge(connection, prefix)
        dbsetup.drop_database(name)
    import rq

    print(
        f"Empty-job throughput: rq {rq.__version__}, PostgreSQL {pg}, "
        f"Redis {connection.info()['redis_version']}; forking worker (gerai worker, scheduler "
        f"on), {options.jobs} jobs each"
    )
    for line in results:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
