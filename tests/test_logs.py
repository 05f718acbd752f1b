"""What reaches a log line: no NIK, family card, phone, token or password link, anywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tenants.db import db

NIK = "3171015507900001"
KK = "3171012304050007"
PHONE = "+62 812-3456-7890"
BEARER = "gerai_Zk3mQ9vR2xT7wY4pL8sN1bC6dF0hJ5aE"
LINK = "Qw7-Er9_Ty2uIo4pAs6dFg8hJk1lZx3cVb5nMm0Pp7o"


@pytest.fixture
def log_output(app) -> Iterator[io.StringIO]:  # type: ignore[no-untyped-def]
    """What the app's own JSON handler (the one web and worker processes write through) prints."""
    handlers = [
        h for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and any(
            type(f).__name__ == "ContextFilter" for f in h.filters
        )
    ]
    assert len(handlers) == 1
    handler = handlers[0]
    buffer = io.StringIO()
    old_stream = handler.setStream(buffer)
    access = logging.getLogger("gerai.access")
    old_level = access.level
    access.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        access.setLevel(old_level)
        handler.setStream(old_stream)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_an_exception_with_secrets_in_its_text_args_and_extras_leaks_none(ctx, log_output) -> None:
    """A real database error carrying a NIK, wrapped the way a failing request or job logs it."""
    log = logging.getLogger("app.errors")
    try:
        try:
            db.session.execute(
                sa.text("SELECT CAST(:nik AS integer), :kk, :phone"),
                {"nik": NIK, "kk": KK, "phone": PHONE},
            )
        except sa.exc.DBAPIError as exc:
            db.session.rollback()
            raise RuntimeError(
                f"saving kk={KK} phone={PHONE} for GET /coop-a/password/{LINK} "
                f"(Authorization: Bearer {BEARER})"
            ) from exc
    except RuntimeError:
        log.exception("unhandled error for %s, %s", NIK, PHONE, extra={"form": {"kk": KK}})
    # RQ logs a failed job's traceback with the job's arguments as extra fields.
    logging.getLogger("rq.worker").error(
        "job failed\n%s", f"Traceback ... nik={NIK}",
        extra={"arguments": [{"nik": NIK, "kk": KK, "phone": PHONE, "token": BEARER}]},
    )
    output = log_output.getvalue()
    lines = _lines(log_output)
    assert len(lines) == 2
    assert "out of range for type integer" in lines[0]["exc_info"]  # the traceback is there, masked
    assert "RuntimeError" in lines[0]["exc_info"] and "2104" not in output
    assert "3171********0001" in lines[0]["message"]
    for secret in (NIK, KK, "812-3456-7890", "81234567890", BEARER, LINK):
        assert secret not in output, secret


def test_access_log_masks_password_link_paths(client, make_tenant, log_output) -> None:
    a = make_tenant()
    client.get(f"/{a.slug}/password/{LINK}")
    access = [line for line in _lines(log_output) if line["name"] == "gerai.access"]
    assert [line["message"] for line in access] == [
        f"GET /{a.slug}/password/[redacted] 404"
    ]
    assert access[0]["status"] == 404 and access[0]["tenant"] == a.slug
    assert LINK not in log_output.getvalue()
