"""Shared pieces of the sandboxes: webhook delivery with faults, the checkout page, the server."""

from __future__ import annotations

import base64
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from flask import request
from werkzeug.serving import BaseWSGIServer, make_server

MODES = ("normal", "duplicate", "out_of_order", "delayed", "lost")


@dataclass
class Delivery:
    """One webhook the sandbox meant to send, kept so tests and people can see what happened."""

    body: dict[str, Any]
    headers: dict[str, str]
    outcome: str = "pending"
    status: int | None = None
    sent_at: list[float] = field(default_factory=list)


class Deliverer:
    """Posts webhooks to the callback URL; the mode imitates the faults real providers show."""

    def __init__(self, callback_url: str | None) -> None:
        self.callback_url = callback_url
        self.mode = "normal"
        self.delay_seconds = 2.0
        self.log: list[Delivery] = []
        self._held: list[Delivery] = []
        self._lock = threading.Lock()

    def configure(self, mode: str, delay_seconds: float | None = None,
                  callback_url: str | None = None) -> None:
        """Set the fault mode for the following events (it stays until changed)."""
        if mode not in MODES:
            raise ValueError(mode)
        with self._lock:
            self.mode = mode
            if delay_seconds is not None:
                self.delay_seconds = max(0.0, float(delay_seconds))
            if callback_url is not None:
                self.callback_url = callback_url or None

    def deliver(self, batch: list[tuple[dict[str, Any], dict[str, str]]]) -> None:
        """Deliver the webhooks one event produced, in order, honouring the fault mode."""
        items = [Delivery(body=b, headers=h) for b, h in batch]
        with self._lock:
            self.log.extend(items)
            mode, delay = self.mode, self.delay_seconds
            held, self._held = self._held, []
        if mode == "lost":
            for d in items:
                d.outcome = "lost"
            self._send_all(held)
            return
        if mode == "out_of_order":
            if len(items) > 1:
                self._send_all(list(reversed(items)) + held)
            else:  # a lone event is held back and arrives after the next one
                with self._lock:
                    self._held = held + items
                for d in items:
                    d.outcome = "held"
            return
        if mode == "delayed":
            self._send_all(held)
            timer = threading.Timer(delay, self._send_all, args=(items,))
            timer.daemon = True  # a pending delayed webhook must not keep the process alive
            timer.start()
            return
        self._send_all(items + held, twice=(mode == "duplicate"))

    def _send_all(self, items: list[Delivery], twice: bool = False) -> None:
        for d in items:
            for _ in range(2 if twice else 1):
                self._send(d)

    def _send(self, d: Delivery) -> None:
        if not self.callback_url:
            d.outcome = "no_callback_url"
            return
        headers = {"content-type": "application/json", **d.headers}
        try:
            resp = httpx.post(self.callback_url, content=json.dumps(d.body), headers=headers,
                              timeout=10)
            d.status, d.outcome = resp.status_code, "sent"
        except httpx.HTTPError as exc:
            d.outcome = f"error: {exc.__class__.__name__}"
        d.sent_at.append(time.time())

    def snapshot(self) -> list[dict[str, Any]]:
        """The delivery log as JSON-able dicts."""
        with self._lock:
            return [{"body": d.body, "headers": d.headers, "outcome": d.outcome,
                     "status": d.status, "sent_count": len(d.sent_at)} for d in self.log]


def checkout_page(title: str, merchant: str, amount: int, state: str, note: str = "") -> str:
    """A small phone-first hosted checkout page with the three outcome buttons."""
    rupiah = f"Rp{amount:,}".replace(",", ".")
    open_ = state in ("PENDING", "pending", "new")
    buttons = "".join(
        f'<button name="action" value="{v}" class="{v}">{label}</button>'
        for v, label in (("pay", "Bayar"), ("expire", "Kedaluwarsa"), ("fail", "Gagal"))
    ) if open_ else ""
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:28rem}}
form{{display:flex;flex-direction:column;gap:.75rem}}button{{font-size:1.1rem;padding:1rem;
border:0;border-radius:.5rem}}.pay{{background:#0a7d38;color:#fff}}.expire{{background:#ddd}}
.fail{{background:#b3261e;color:#fff}}</style></head><body>
<h1>{html.escape(title)}</h1><p>{html.escape(merchant)}</p>
<p class="amount"><strong>{rupiah}</strong></p>
<p class="state">Status: <span id="state">{html.escape(state)}</span></p>
{f'<p class="note">{html.escape(note)}</p>' if note else ''}
<form method="post">{buttons}</form></body></html>"""


class ServerThread:
    """Runs a WSGI app on loopback in a daemon thread (tests and the CLI both use it)."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()


def add_control(app: Any, deliverer: Deliverer) -> None:
    """Sandbox-only endpoints (under /_sandbox) to choose delivery faults and read the log."""
    from flask import jsonify, request

    @app.post("/_sandbox/delivery")
    def set_delivery() -> Any:
        data = request.get_json(silent=True) or {}
        try:
            deliverer.configure(str(data.get("mode", "normal")), data.get("delay_seconds"),
                                data.get("callback_url"))
        except (ValueError, TypeError):
            return jsonify({"error": f"mode must be one of {', '.join(MODES)}"}), 400
        return jsonify({"mode": deliverer.mode, "delay_seconds": deliverer.delay_seconds})

    @app.get("/_sandbox/deliveries")
    def deliveries() -> Any:
        return jsonify(deliverer.snapshot())


def basic_auth_user(pattern: re.Pattern[str]) -> str | None:
    """The user part of a Basic ``Authorization`` header when it matches ``pattern`` (the
    provider's key format); None otherwise, which the caller answers with a 401."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        user = base64.b64decode(header[6:], validate=True).decode().split(":", 1)[0]
    except ValueError:
        return None
    return user if pattern.match(user) else None
