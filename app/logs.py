"""JSON logs with request id, tenant, user and job on every line; personal data masked."""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

from config import Settings
from tenants.context import current_tenant

request_id_var: ContextVar[str] = ContextVar("gerai_request_id", default="")
user_var: ContextVar[str] = ContextVar("gerai_user", default="")
job_var: ContextVar[str] = ContextVar("gerai_job", default="")

# 16 digits (NIK, family card), Indonesian phone numbers however written.
_SECRET_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)"), r"\1********\2"),
    (re.compile(r"(?<![\d])(\+?62|0)8\d[\d\- ]{6,12}(\d{3})(?!\d)"), r"\g<1>8*******\2"),
    (re.compile(r"(?i)(bearer\s+)[\w\-\.~+/]+=*"), r"\1[redacted]"),
]


def mask(text: str) -> str:
    """Mask NIK / family-card numbers, phone numbers and bearer tokens in free text."""
    for pattern, repl in _SECRET_PATTERNS:
        text = pattern.sub(repl, text)
    return text


class ContextFilter(logging.Filter):
    """Add request/tenant/user/job to each record and mask personal data in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        ref = current_tenant()
        record.request_id = request_id_var.get()
        record.tenant = ref.slug if ref else ""
        record.user = user_var.get()
        record.job = job_var.get()
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = mask(str(record.msg))
        return True


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s "
            "%(request_id)s %(tenant)s %(user)s %(job)s",
            rename_fields={"asctime": "time", "levelname": "level"},
        )
    )
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    settings: Settings = app.config["GERAI"]
    configure_logging(settings.log_level)
