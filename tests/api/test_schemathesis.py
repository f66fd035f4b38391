"""Schemathesis against /api/openapi.json: generated requests for every operation, each answer checked
against its declared status codes, content types and shapes (no 5xx; bad input a 4xx problem).

Bounded (a few examples per operation) so that the run stays well under two minutes in CI. The operations
are walked by hand (`get_all_operations` + `as_strategy`) rather than with `schemathesis.pytest.from_fixture`,
whose node-id rewriting does not work with pytest 9.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.api.conftest import bearer

EXAMPLES = 15


def test_api_answers_match_the_document(app, make_key, monkeypatch):
    monkeypatch.setitem(app.config["LINLI"].extra, "api_calls_per_minute", 1_000_000)
    headers = bearer(make_key())
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 14  # every route of /api/v1
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            case.call_and_validate(headers=headers)

        check()
