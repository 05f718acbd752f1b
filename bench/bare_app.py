"""The floor for the API lookup: bare Flask + psycopg, the same indexed lookup, nothing else.

``GET /bare/<tenant_id>/participants/<id>`` runs, as the application role, in one transaction:
``set_config('app.tenant_id', …, true)`` (RLS is on for this role too) and
``SELECT * FROM participants WHERE tenant_id = %s AND id = %s`` (the primary key), and answers the
row as JSON. One connection per worker process, opened after the fork. No token, no ORM, no
coverage, no logging: what is left is Flask, psycopg and PostgreSQL.

    BENCH_BARE_DSN=postgresql://gerai_bench_app@127.0.0.1:5432/gerai_bench \\
        .venv/bin/gunicorn --workers 2 --bind 127.0.0.1:8081 bench.bare_app:app
"""

from __future__ import annotations

import json
import os
import uuid

import psycopg
from flask import Flask, Response

app = Flask(__name__)
_conn: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["BENCH_BARE_DSN"])
    return _conn


@app.get("/bare/ping")
def ping() -> Response:
    return Response("ok", mimetype="text/plain")


@app.get("/bare/<tenant_id>/participants/<participant_id>")
def lookup(tenant_id: str, participant_id: str) -> Response:
    try:
        tid, pid = uuid.UUID(tenant_id), uuid.UUID(participant_id)
    except ValueError:
        return Response('{"error": "not found"}', status=404, mimetype="application/json")
    conn = connection()
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tid),))
        cur.execute("SELECT * FROM participants WHERE tenant_id = %s AND id = %s", (tid, pid))
        row = cur.fetchone()
        names = [d.name for d in cur.description or ()]
    if row is None:
        return Response('{"error": "not found"}', status=404, mimetype="application/json")
    body = json.dumps(dict(zip(names, row, strict=True)), default=str)
    return Response(body, mimetype="application/json")
