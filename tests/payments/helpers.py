"""Small helpers shared by the payments tests."""

from __future__ import annotations

import uuid
from typing import Any

from tests.participants.helpers import person

PARTICIPANTS = "/api/v1/participants"
PAYMENTS = "/api/v1/payments"


def register(client, coop, role: str = "admin", **overrides: Any) -> str:  # type: ignore[no-untyped-def]
    response = client.post(PARTICIPANTS, json=person(**overrides), headers=coop.headers(role))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def pay(client, coop, participant_id: str, months: int = 1, *, key: str | None = None,  # type: ignore[no-untyped-def]
        role: str = "cashier", method: str = "cash"):
    headers = {**coop.headers(role), "Idempotency-Key": key or uuid.uuid4().hex}
    body = {"participant_id": participant_id, "months": months, "method": method}
    return client.post(PAYMENTS, json=body, headers=headers)


def detail(client, coop, participant_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(f"{PARTICIPANTS}/{participant_id}", headers=coop.headers())
    assert response.status_code == 200
    return response.get_json()
