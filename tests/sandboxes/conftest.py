"""Fixtures: each sandbox and a webhook receiver, all on free loopback ports in threads."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from sandboxes import midtrans, xendit
from sandboxes.common import ServerThread


class Receiver:
    """A tiny webhook endpoint that records every POST (headers and raw body)."""

    def __init__(self) -> None:
        self.hits: list[dict[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        raw = req.get_data(as_text=True)
        with self._cond:
            self.hits.append({"headers": dict(req.headers), "raw": raw, "body": json.loads(raw)})
            self._cond.notify_all()
        return Response("ok")(environ, start_response)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until n webhooks arrived; fail the test if they do not."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.hits) < n:
                left = deadline - time.monotonic()
                assert left > 0, f"expected {n} webhooks, got {len(self.hits)}"
                self._cond.wait(left)
            return list(self.hits)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    srv = ServerThread(rec).start()
    yield rec, srv.url + "/hook"
    srv.stop()


@pytest.fixture
def xendit_url(receiver: tuple[Receiver, str]) -> Iterator[str]:
    app = xendit.create_app(callback_url=receiver[1], callback_token="tok-123")
    srv = ServerThread(app).start()
    yield srv.url
    srv.stop()


@pytest.fixture
def midtrans_url(receiver: tuple[Receiver, str]) -> Iterator[str]:
    srv = ServerThread(midtrans.create_app(callback_url=receiver[1])).start()
    yield srv.url
    srv.stop()
