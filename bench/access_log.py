"""What one access-log line costs a request (the log stays on at production defaults).

    .venv/bin/python -m bench.access_log [--n 20000]

Figures in CPU time of this process (``time.process_time``, so other work on a shared machine
inflates them less than wall time), through the app's own logging set-up (JSON formatter, context
filter, masking) writing to a real file, as gunicorn's stderr would be:

1. **line**: the time to emit one access line for a password-link path
   (``GET /<coop>/password/<token> 200``) inside a request context, the way the after-request hook
   does it, averaged over ``--n`` lines;
2. **per request**: the difference in time per request of a no-op route served by the Flask test
   client with the access log on and off (the whole hook, measured end to end; noisier);
3. with ``--gunicorn N``: the worker CPU per request of ``GET /`` under gunicorn (one sync worker,
   read from /proc) with ``LOG_LEVEL=WARNING`` and ``INFO``.

Needs no database: the app is built on an in-memory SQLite URL and the route touches nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

from bench.common import machine

TOKEN = "Zx3-kq9_TmAa7bQ2rV4yWc8dEf1gHi5jKl6mNo0pQrS"  # shape of a password-link token


def _app():  # type: ignore[no-untyped-def]
    from app import create_app
    from config import load_settings

    settings = load_settings(
        {"GERAI_ENV": "development", "DATABASE_URL": "sqlite://", "LOG_LEVEL": "INFO"}
    )
    app = create_app(settings)

    @app.get("/bench-noop")
    def _noop() -> str:
        return "ok"

    return app


def _route_to(path: str) -> None:
    """Send every root handler's output to ``path`` (what a deployment's stderr would be)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(path, "a", encoding="utf-8"))  # noqa: SIM115


def line_cost(app, n: int) -> float:  # type: ignore[no-untyped-def]
    """µs to emit one access line through ``app.requests.log_access``, as the hook does."""
    from flask import g

    from app.requests import log_access

    with app.test_request_context(f"/kmp-sungai-lumpur/password/{TOKEN}"):
        response = app.make_response(("ok", 200))
        g.started = time.perf_counter()
        start = time.process_time()
        for _ in range(n):
            log_access(response)
        return (time.process_time() - start) / n * 1e6


def generic_cost(app, n: int, path: str) -> float:  # type: ignore[no-untyped-def]
    """The same line the generic way (``logger.info`` with arguments and extras), for comparison:
    this is how the hook wrote it when it used python-json-logger's formatter."""
    log = logging.getLogger("gerai.access")
    with app.test_request_context(f"/kmp-sungai-lumpur/password/{TOKEN}"):
        start = time.process_time()
        for _ in range(n):
            log.info("%s %s %s", "GET", path, 200, extra={"status": 200, "ms": 1.0})
        return (time.process_time() - start) / n * 1e6


def request_cost(app, n: int, rounds: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """µs per request of a no-op route, access log off and on (best of interleaved rounds)."""
    client = app.test_client()
    log = logging.getLogger("gerai.access")
    best = {logging.WARNING: float("inf"), logging.INFO: float("inf")}
    for _ in range(200):
        client.get("/bench-noop")
    for _ in range(rounds):
        for level in best:
            log.setLevel(level)
            start = time.process_time()
            for _ in range(n):
                client.get("/bench-noop")
            best[level] = min(best[level], (time.process_time() - start) / n * 1e6)
    log.setLevel(logging.NOTSET)
    return best[logging.WARNING], best[logging.INFO]


def old_formatter_cost(n: int) -> float:
    """µs per line of python-json-logger's formatter as the app used it, on a file handler."""
    from pythonjsonlogger.json import JsonFormatter

    from app.logs import ContextFilter

    log = logging.getLogger("bench.old")
    log.propagate = False
    with tempfile.NamedTemporaryFile("w", suffix=".log") as fh:
        handler = logging.StreamHandler(fh)
        handler.addFilter(ContextFilter())
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s "
            "%(request_id)s %(tenant)s %(user)s %(job)s",
            rename_fields={"asctime": "time", "levelname": "level"},
        ))
        log.addHandler(handler)
        extra = {"status": 200, "ms": 1.0}
        start = time.process_time()
        for _ in range(n):
            log.info("%s %s %s", "GET", "/kmp-sungai-lumpur/participants", 200, extra=extra)
        took = (time.process_time() - start) / n * 1e6
        log.removeHandler(handler)
    return took


def gunicorn_cost(n: int, rounds: int = 3) -> tuple[float, float]:
    """Worker CPU µs per request of ``GET /`` (a small page, no database) under gunicorn, one sync
    worker, with ``LOG_LEVEL=WARNING`` (no access line) and ``INFO`` (the production default)."""
    import httpx

    from bench.load import _children, _cpu_seconds, free_port, gunicorn, wait_ready

    best = {"WARNING": float("inf"), "INFO": float("inf")}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for level in best:
                port = free_port()
                env = {"GERAI_ENV": "development", "LOG_LEVEL": level,
                       "DATABASE_URL": f"sqlite:///{tmp}/unused.sqlite3"}
                log = Path(tmp) / f"gunicorn-{level}.log"
                with gunicorn("wsgi:app", port, 1, env, log) as proc, httpx.Client() as client:
                    url = f"http://127.0.0.1:{port}/"
                    wait_ready(url, {})
                    for _ in range(200):
                        client.get(url)
                    workers = _children(proc.pid)
                    before = sum(_cpu_seconds(pid) for pid in workers)
                    for _ in range(n):
                        client.get(url)
                    used = sum(_cpu_seconds(pid) for pid in workers) - before
                best[level] = min(best[level], used / n * 1e6)
    return best["WARNING"], best["INFO"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--gunicorn", type=int, default=0, metavar="N",
                        help="also serve GET / N times under gunicorn with the log off and on")
    args = parser.parse_args()
    if args.gunicorn:
        off, on = gunicorn_cost(args.gunicorn)
        print(f"gunicorn, 1 sync worker, GET / x {args.gunicorn}: worker CPU {off:.0f} µs per "
              f"request with LOG_LEVEL=WARNING, {on:.0f} µs with INFO (+{on - off:.0f} µs)")
    app = _app()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "access.log")
        _route_to(out)
        line_cost(app, 500)  # warm up
        line = min(line_cost(app, args.n) for _ in range(3))
        plain_path = "/kmp-sungai-lumpur/participants"
        generic = min(generic_cost(app, args.n, plain_path) for _ in range(3))
        old = min(old_formatter_cost(args.n) for _ in range(3))
        off, on = request_cost(app, max(1000, args.n // 4))
        with open(out, encoding="utf-8") as fh:
            sample = [ln for ln in fh if "/password/" in ln][-1].strip()
    print(machine())
    print(f"access line, the hook (log_access), password-link path: {line:.1f} µs per line "
          f"(best of 3 × {args.n})")
    print(f"same handler, a plain path through logger.info: {generic:.1f} µs per line")
    print(f"python-json-logger formatter (the earlier set-up), plain path: {old:.1f} µs per line")
    print(f"no-op request through the test client: {off:.1f} µs access log off, {on:.1f} µs on "
          f"(+{on - off:.1f} µs; best of 5 interleaved rounds)")
    print(f"sample line: {sample}")
    print("token in the log:", TOKEN in sample)


if __name__ == "__main__":
    main()
