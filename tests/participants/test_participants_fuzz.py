"""Schemathesis against the participants endpoints: no 500 for any input, and every answer
conforms to the OpenAPI document (status codes, content types, response schemas)."""

from __future__ import annotations

import collections
from typing import Any

import pytest
import schemathesis
import schemathesis.specs.openapi.checks as checks
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.participants.helpers import person

# The token is valid on purpose, and a registration needs a NIK that agrees with a birth date,
# which a schema cannot say: these checks do not apply here.
EXCLUDED = [checks.ignored_auth, checks.positive_data_acceptance]


def _run(op: Any, mode: GenerationMode, headers: dict, pid: str, seen: collections.Counter) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        params = case.path_parameters or {}
        if "participant_id" in params and len(str(params)) % 2:
            params["participant_id"] = pid  # half the time, a participant that exists
        # A case whose headers were made invalid on purpose (no token, a malformed one) is sent
        # as generated: adding the valid token back would turn it into a valid request that the
        # negative-data check then expects to be refused.
        mutated = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        response = case.call(headers=None if mutated else headers)
        seen[response.status_code] += 1
        case.validate_response(response, excluded_checks=EXCLUDED)

    run()


@pytest.mark.slow
def test_participants_api_survives_fuzzing(app, make_coop, client) -> None:
    coop = make_coop()
    created = client.post("/api/v1/participants", json=person(), headers=coop.headers())
    assert created.status_code == 201
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    seen: collections.Counter = collections.Counter()
    for result in schema.get_all_operations():
        op = result.ok()
        if op.path.startswith("/participants"):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _run(op, mode, coop.headers(), created.get_json()["id"], seen)
    assert 500 not in seen and seen[200] > 0 and seen[422] > 0 and seen[404] > 0
