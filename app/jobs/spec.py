"""What a job is: its spec, its arguments (ids and plain values), queues, retry policy and errors.

Shared by ``queueing`` (the caller's side) and ``running`` (the worker's side); imports neither.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app

from app.jobrecords import JobRun

#: Queue names a job may use, in the order a worker serves them (``gerai worker`` without arguments
#: listens on all of them). Redis names carry the environment's prefix: ``production.default``.
QUEUES = ("high", "default", "low")
RESULT_TTL = 3600  # RQ keeps return values an hour; the job record is the lasting account
FAILURE_TTL = 7 * 86400
PROGRESS_INTERVAL = 0.5  # seconds between progress writes (the last one is always written)
MAX_PAYLOAD = 64 * 1024  # encoded args: ids and plain values, not data

job_title_var: ContextVar[str] = ContextVar("gerai_job_title", default="")


class JobError(Exception):
    """Fail a job with a message for the coop's staff (plain words, no personal data)."""


@dataclass(frozen=True)
class Retry:
    """Retry a failing job ``max`` more times, waiting ``intervals[i]`` seconds before retry i+1.

    Retries need ``gerai worker`` (started with its scheduler, the default); in-process mode retries
    at once, without waiting.
    """

    max: int
    intervals: tuple[int, ...] = (30, 120, 600)

    def __post_init__(self) -> None:
        if self.max < 1 or any(i < 0 for i in self.intervals):
            raise ValueError("Retry needs max >= 1 and non-negative intervals")


def retry_policy(retry: Any) -> tuple[int, tuple[int, ...]]:
    if retry is None or retry is False or retry == 0:
        return 0, ()
    if isinstance(retry, int):
        return Retry(retry).max, Retry(retry).intervals
    max_ = int(getattr(retry, "max", 0))
    intervals = getattr(retry, "intervals", ())
    if isinstance(intervals, int):
        intervals = (intervals,)
    return Retry(max_, tuple(int(i) for i in intervals)).max, tuple(int(i) for i in intervals)


def queue_name(name: str, prefix: str | None = None) -> str:
    """The Redis name of a queue: the environment's prefix, a dot, the queue."""
    if prefix is None:
        prefix = current_app.config["GERAI"].queue_prefix
    return f"{prefix}.{name}" if prefix else name


# --- Arguments: ids and plain values only -------------------------------------------------------


def encode(value: Any) -> Any:
    """Ids and plain values as JSON (UUIDs, dates and decimals tagged); anything else is refused."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise ValueError("job arguments: dict keys must be strings not starting with '$'")
        return {k: encode(v) for k, v in value.items()}
    raise ValueError(
        f"jobs take ids and plain values, not {type(value).__name__} (pass the object's id)"
    )


_DECODERS: dict[str, Callable[[str], Any]] = {
    "$uuid": uuid.UUID,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$decimal": Decimal,
}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (key, raw), = value.items()
            if key in _DECODERS:
                return _DECODERS[key](raw)
        return {k: decode(v) for k, v in value.items()}
    return value


def function_path(fn: Callable[..., Any]) -> str:
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or not name or "<" in name or "." in name:
        raise ValueError("a job is a module-level function (in a domain's tasks.py)")
    if getattr(importlib.import_module(module), name, None) is not fn:
        raise ValueError(f"{module}.{name} cannot be imported by a worker")
    return f"{module}.{name}"


def import_function(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to run one job (plain values; pickled into RQ, kept in JobRun)."""

    rq_id: str
    func: str
    args: list[Any]
    kwargs: dict[str, Any]
    tenant_id: str | None
    title: str
    queue: str = "default"
    timeout: int = 600
    retry_max: int = 0
    retry_intervals: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.rq_id, "func": self.func, "args": self.args, "kwargs": self.kwargs,
            "tenant_id": self.tenant_id, "title": self.title, "queue": self.queue,
            "timeout": self.timeout, "retry_max": self.retry_max,
            "retry_intervals": list(self.retry_intervals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        return cls(
            rq_id=data["id"], func=data["func"], args=list(data.get("args") or []),
            kwargs=dict(data.get("kwargs") or {}), tenant_id=data.get("tenant_id"),
            title=data.get("title", ""), queue=data.get("queue", "default"),
            timeout=int(data.get("timeout", 600)), retry_max=int(data.get("retry_max", 0)),
            retry_intervals=tuple(data.get("retry_intervals") or ()),
        )

    @classmethod
    def from_run(cls, run: JobRun) -> JobSpec:
        return cls(
            rq_id=run.rq_id, func=run.func, args=list(run.payload.get("args", [])),
            kwargs=dict(run.payload.get("kwargs", {})), tenant_id=str(run.tenant_id),
            title=run.title, queue=run.queue, timeout=run.timeout, retry_max=run.retry_max,
            retry_intervals=tuple(run.retry_intervals or ()),
        )


# --- Logs: every line of a job carries its id (``job``), title (``job_title``) and coop --------


class JobTitleFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job_title = job_title_var.get()
        return True


def ensure_log_filter(handlers: Iterable[logging.Handler] | None = None) -> None:
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(f, JobTitleFilter) for f in handler.filters):
            handler.addFilter(JobTitleFilter())
