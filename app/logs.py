"""JSON logs with request id, tenant, user and job on every line; secrets masked in the whole line.

Masking runs on the rendered line, after the message, its arguments, the exception text and
traceback (where a database error carries its SQL parameters) and every extra field have been put
together, so nothing that reaches a log line escapes it, in web and worker processes alike.
"""

from __future__ import annotations

import json
import logging
import re
import time
from contextvars import ContextVar

from flask import Flask

from config import Settings
from tenants.context import current_tenant

request_id_var: ContextVar[str] = ContextVar("gerai_request_id", default="")
user_var: ContextVar[str] = ContextVar("gerai_user", default="")
job_var: ContextVar[str] = ContextVar("gerai_job", default="")


# NIK and family card (16 digits), Indonesian phone numbers however written, bearer and API tokens,
# password-link paths, password hashes. Each runs only when a cheap test says it could match: the
# access log pays for this on every request.
_NIK = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{8}([0-9]{4})(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(\+?62[ -]?|0)8[0-9][0-9\- ]{6,12}([0-9]{3})(?![0-9])")
_BEARER = re.compile(r"(?i)(bearer\s+)[\w\-\.~+/]+=*")
_API_TOKEN = re.compile(r"(?<![\w-])gerai_[\w-]{16,}")
_LINK_PATH = re.compile(r"/password/[^/?#\s\"'<>\\]+")
_HASH = re.compile(r"\$argon2[\w$=,+/.-]+")
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")
_PHONE_BODY = re.compile(r"8[0-9][0-9\- ]{6,12}[0-9]{3}")  # starts with a literal: a fast scan


def mask(text: str) -> str:
    """Mask NIK / family-card numbers, phones, tokens, password links and hashes in free text."""
    if _EIGHT_DIGITS.search(text):
        text = _NIK.sub(r"\1********\2", text)
    if _PHONE_BODY.search(text):
        text = _PHONE.sub(r"\g<1>8*******\2", text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(r"\1[redacted]", text)
    if "gerai_" in text:
        text = _API_TOKEN.sub("gerai_[redacted]", text)
    if "/password/" in text:
        text = _LINK_PATH.sub("/password/[redacted]", text)
    if "$argon2" in text:
        text = _HASH.sub("$argon2[redacted]", text)
    return text


def mask_path(path: str) -> str:
    """A request path without the one-time token of a password link (the access log's path)."""
    return _LINK_PATH.sub("/password/[redacted]", path) if "/password/" in path else path


class ContextFilter(logging.Filter):
    """Add request/tenant/user/job to each record (the formatter masks the rendered line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ref = current_tenant()
        record.request_id = request_id_var.get()
        record.tenant = ref.slug if ref else ""
        record.user = user_var.get()
        record.job = job_var.get()
        return True


# Attributes every LogRecord has; anything else on a record is an ``extra`` field to print.
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "request_id", "tenant", "user", "job",
}


class MaskingJsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, exception.

    Written for the access log's budget (a few microseconds a line): no caller lookup, the time
    prefix computed once a second, one ``json.dumps`` and one masking pass over the result.
    """

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._stamp = ""

    def _time(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(second))
        return f"{self._stamp}.{int((created - second) * 1000):03d}"

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "name": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "tenant": getattr(record, "tenant", ""),
            "user": getattr(record, "user", ""),
            "job": getattr(record, "job", ""),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED:
                data[key] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc_info"] = record.exc_text
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return mask(json.dumps(data, default=str))


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, MaskingJsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingJsonFormatter())
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    settings: Settings = app.config["GERAI"]
    configure_logging(settings.log_level)
