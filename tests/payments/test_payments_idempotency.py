"""Idempotency keys at the service: answers are kept per scope and key, hashes are canonical.

Written for mutants of ``app.payments.idempotency`` that survived ``make mutate``.
"""

from __future__ import annotations

import uuid

from app.payments import idempotency
from tenants.context import tenant_context
from tenants.db import db


def _remembered(scope: str, key: str, body: dict, resource: uuid.UUID) -> None:
    assert idempotency.claim(scope, key, idempotency.request_hash(body)) is None  # first use
    idempotency.remember(scope, key, 201, body, resource)
    db.session.commit()


def test_each_scope_and_key_keeps_its_own_answer(app, coop) -> None:  # type: ignore[no-untyped-def]
    ids = {name: uuid.uuid4() for name in ("api-k1", "api-k2", "web-k1")}
    answers = {
        ("api", "k1"): {"n": 1}, ("api", "k2"): {"n": 2}, ("web", "k1"): {"n": 3},
    }
    with app.app_context(), tenant_context(coop.ref):
        for (scope, key), body in answers.items():
            _remembered(scope, key, body, ids[f"{scope}-{key}"])
        for (scope, key), body in answers.items():
            replay = idempotency.claim(scope, key, idempotency.request_hash(body))
            assert replay is not None, (scope, key)
            assert (replay.status, replay.body, replay.resource_id) == (
                201, body, ids[f"{scope}-{key}"],
            )
        db.session.rollback()


def test_the_request_hash_is_canonical() -> None:
    pid = uuid.uuid4()
    assert idempotency.request_hash({"a": 1, "b": [1, 2]}) == idempotency.request_hash(
        {"b": [1, 2], "a": 1}
    )
    # Values JSON cannot encode (a UUID) hash as their text instead of failing.
    assert idempotency.request_hash({"id": pid}) == idempotency.request_hash({"id": str(pid)})
    assert idempotency.request_hash({"a": 1}) != idempotency.request_hash({"a": 2})
