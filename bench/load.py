"""Serving an app under gunicorn and driving it with load: what the throughput benchmarks share.

``gunicorn`` starts an app in its own process group on 127.0.0.1; ``run_wrk`` (Debian's ``wrk``) or
``run_python`` (a thread pool of httpx clients, when wrk is missing) drive it for a bounded time;
``cpu_snapshot``/``cpu_used`` read from /proc what the server's workers and the application role's
PostgreSQL backends spent, so a figure can be stated per request and independent of other load.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import common

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(target: str, port: int, workers: int, env: dict[str, str], log: Path) -> Iterator[
    subprocess.Popen[bytes]
]:
    """A gunicorn of ``target`` on 127.0.0.1:port; stopped (its own process group) on exit."""
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
        "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--backlog", "256",
        "--log-level", "warning", target,
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                out.append(int(entry))
    return out


def _backends() -> list[int]:
    """PostgreSQL backends of the application role on the bench database (monitoring only)."""
    with psycopg.connect(common.plain(common.admin_db_url()), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE usename = %s AND datname = %s",
            (common.APP_ROLE, common.DB_NAME),
        ).fetchall()
    return [r[0] for r in rows]


def cpu_snapshot(master: int) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the server's workers and of the app role's backends."""
    return {
        "app": {pid: _cpu_seconds(pid) for pid in _children(master)},
        "db": {pid: _cpu_seconds(pid) for pid in _backends()},
    }


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[
    str, float
]:
    return {
        part: sum(t - before[part].get(pid, 0.0) for pid, t in after[part].items())
        for part in ("app", "db")
    }


def wait_ready(url: str, headers: dict[str, str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=headers, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not ready: {url}")


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(requests: list[tuple[str, str | None]], path: Path) -> None:
    lines = ["local paths = {"]
    lines += [f"  {_lua_string(p)}," for p, _t in requests]
    lines += ["}", "local tokens = {"]
    lines += [f"  {_lua_string(t or '')}," for _p, t in requests]
    lines += [
        "}",
        "local i = 0",
        "request = function()",
        "  i = i + 1",
        "  local k = (i % #paths) + 1",
        "  local headers = {}",
        '  if tokens[k] ~= "" then headers["Authorization"] = "Bearer " .. tokens[k] end',
        '  return wrk.format("GET", paths[k], headers)',
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")


def run_wrk(base: str, script: Path, connections: int, duration: int,
            threads: int = 1) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
         "--latency", "-s", str(script), base],
        capture_output=True, text=True, check=True, timeout=duration + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M))
    return {"rps": rps, "requests": total, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "", "latency": lat}


def run_python(base: str, requests: list[tuple[str, str | None]], connections: int,
               duration: int) -> dict[str, Any]:
    """Fallback driver: ``connections`` threads, each an httpx client, for ``duration`` s."""
    stop = time.monotonic() + duration
    counts = [0] * connections
    bad = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]

    def worker(n: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            i = n
            while time.monotonic() < stop:
                path, token = requests[i % len(requests)]
                i += connections
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                t0 = time.perf_counter()
                r = client.get(path, headers=headers)
                latencies[n].append((time.perf_counter() - t0) * 1000)
                counts[n] += 1
                bad[n] += r.status_code != 200

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 30)
    elapsed = time.monotonic() - t0
    stats = common.percentiles([x for xs in latencies for x in xs])
    return {"rps": sum(counts) / elapsed, "requests": sum(counts), "non2xx": sum(bad),
            "socket_errors": "", "latency": {k: f"{stats.get(k, 0):.2f}ms"
                                             for k in ("p50", "p95", "p99")}}
