"""The whole v1 API fuzzed from its OpenAPI document: never a 500, answers match the schema.

A bounded run (a few dozen generated requests per operation) through the real WSGI app, against
PostgreSQL as the application role, with a real participant and payment in the coop.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.payments.helpers import pay, register

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]
EXAMPLES = 30


def test_api_never_fails_and_matches_its_schema(app, coop, set_today) -> None:
    set_today("2026-11-10")
    client = app.test_client()
    participant = register(client, coop)
    pay(client, coop, participant, 1)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    auth = coop.headers("admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8  # participants, quotes, payments, voids, me…
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            headers = dict(auth)
            if case.headers and "Idempotency-Key" in case.headers:
                headers["Idempotency-Key"] = case.headers["Idempotency-Key"]
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
