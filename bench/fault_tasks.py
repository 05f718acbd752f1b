"""Job functions of the fault run (``bench/faults.py``), importable by a real ``gerai worker``.

Each leaves its evidence in the fault run's own Redis (``REDIS_URL``) under ``faults:<marker>:…``.
"""

from __future__ import annotations

import os
import time

import redis

from app import jobs


def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)


def _mark(marker: str, what: str, value: object = 1) -> None:
    try:
        _redis().set(f"faults:{marker}:{what}", str(value), ex=3600)
    except redis.RedisError:
        pass  # the run reads the job records; this is only a hint


def linger(marker: str, seconds: float) -> None:
    """Note its pid, then sleep (the run kills its whole worker meanwhile)."""
    _mark(marker, "pid", os.getpid())
    time.sleep(seconds)


def wait_then_fail(marker: str, max_wait: float = 120.0) -> None:
    """Run until the fault run says go (while PostgreSQL is down), then fail: the worker cannot
    write the failure, so the record stays "running" until the tick settles it."""
    _mark(marker, "running")
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        try:
            if _redis().exists(f"faults:{marker}:go"):
                break
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise jobs.JobError("Gagal disengaja saat database mati.")


def flaky(marker: str) -> None:
    """Fail the first attempt; the retry (after its backoff) succeeds."""
    attempt = int(_redis().incr(f"faults:{marker}:attempts"))
    if attempt == 1:
        raise RuntimeError("first attempt fails on purpose")


def noop() -> None:
    return None
