"""Schemathesis against /api/openapi.json: every operation called for real (the demo community's slug, a real
ticket number), with the document's examples, with generated valid data and with generated bad data; then
the document's links walked as a state machine (a ticket filed, read, moved, noted); then the same sequence
once, explicitly. Every answer is checked against its declared status codes, content types and shapes: no
5xx, bad input a 4xx problem. Each operation must have answered 2xx at least once.

A rule of the desk may refuse data of the right shape (an unknown service code, answers the service's
questions refuse, a status the ticket cannot move to, a notice ending before it starts): that is a 422 in
the problem shape, declared, and allowed for those operations only.

The operations are walked by hand (`get_all_operations` + `as_strategy`) rather than with
`schemathesis.pytest.from_fixture`, whose node-id rewriting does not work with pytest 9. Bounded, and
derandomized (the same cases every run): about 20 s here.
"""

from __future__ import annotations

import collections
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.examples import get_strategies_from_examples
from sqlalchemy import select

from webapp.api.routes import ROUTES
from webapp.models import Ticket
from webapp.shared.messages import DESK_ERRORS

SLUG = "guihua"
EXAMPLES = 60
# Where a rule may refuse data of the right shape (422), and the fields it may name: a service's questions are
# the catalog's (any field, with the desk's own codes); a status the ticket cannot move to; a notice's end.
DESK_CODES = {*DESK_ERRORS, "unknown", "inactive", "channel", "resident", "age", "disability"}
RULES: dict[str, set[str] | None] = {
    "ticket_create": None,
    "ticket_status": {"status"},
    "notice_publish": {"ends"},
}


def refused_by_a_rule_only(ctx: Any, response: Any, case: Any) -> bool | None:
    """Valid-shaped data refused (422) only where a rule of the desk may, naming only what the rule checks:
    a refusal of the shape itself (a notice without a zh_Hans title) means the document does not say so."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    operation_id = case.operation.definition.raw["operationId"]
    errors = response.json().get("errors") or {}
    assert operation_id in RULES, f"{operation_id}: valid data refused: {errors}"
    fields = RULES[operation_id]
    if fields is None:
        assert set(errors.values()) <= DESK_CODES, f"{operation_id}: refused by its shape: {errors}"
    else:
        assert set(errors) <= fields, f"{operation_id}: refused by its shape: {errors}"
    return None


Seen = collections.defaultdict[str, collections.Counter[int]]


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def api(app, make_key, monkeypatch):
    monkeypatch.setitem(app.config["LINLI"].extra, "api_calls_per_minute", 1_000_000)
    secret = make_key()
    config = SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"key": {"bearer": secret}}},
            # For 4 generated tickets in 5, the demo's service code and answers its questions take: else
            # nearly every generated ticket is refused by the desk's rules and no link gets followed.
            "dictionaries": {
                "services": {"values": ["repair-light"]},
                "where": {"values": ["stairs", "lift"]},
                "yes_no": {"values": ["no"]},
            },
            "parameters": {
                "body.service_code": {"dictionary": "services", "probability": 0.8},
                "body.answers.where": {"dictionary": "where", "probability": 0.8},
                "body.answers.urgent": {"dictionary": "yes_no", "probability": 0.8},
            },
            "operations": [
                {
                    "include-operation-id": list(RULES),
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422"]}
                    },
                }
            ],
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)
    return schema, {"Authorization": f"Bearer {secret}"}


def test_every_operation_answers_examples_valid_and_bad_data_as_documented(api, session, demo_community):
    schema, key = api
    number = session.scalar(select(Ticket.number).where(Ticket.community_id == demo_community.id).limit(1))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.definition.raw["operationId"] for op in operations} == {r.view for r in ROUTES}
    seen: Seen = collections.defaultdict(collections.Counter)
    failures: dict[str, str] = {}  # the first failure of each operation

    def run(operation: Any, strategy: st.SearchStrategy, examples: int) -> None:
        @given(case=strategy)
        @bounded(examples)
        def check(case):
            response = case.call()
            seen[operation.label][response.status_code] += 1
            try:
                case.validate_response(response, additional_checks=[refused_by_a_rule_only])
            except (
                Exception,
                BaseExceptionGroup,
            ) as failure:  # Schemathesis' FailureGroup is a BaseExceptionGroup
                failures.setdefault(
                    operation.label, f"{operation.label} -> {response.status_code}: {failure}"[:2000]
                )

        check()

    for operation in operations:
        path = {"slug": SLUG} | ({"number": number} if "{number}" in operation.path else {})
        has_input = bool(len(operation.query) or len(operation.body))
        documented = get_strategies_from_examples(operation, path_parameters=path, headers=key)
        if documented:
            run(operation, st.one_of(documented), len(documented))
        run(operation, operation.as_strategy(path_parameters=path, headers=key), EXAMPLES)
        # Bad data where there is input to spoil; else the key itself (a spoiled Authorization header: 401).
        bad = operation.as_strategy(
            GenerationMode.NEGATIVE, path_parameters=path, headers=key if has_input else None
        )
        run(operation, bad, EXAMPLES)

    assert not failures, "\n\n".join(failures.values())
    missing = [label for label, codes in seen.items() if not any(200 <= code < 300 for code in codes)]
    assert not missing, f"never answered 2xx: {missing}"
    assert len(seen) == len(ROUTES)
    for label in (op.label for op in operations if len(op.query) or len(op.body)):
        assert any(code == 422 for code in seen[label]), f"{label}: no bad input refused"


def test_the_documents_links_walked_as_a_state_machine(api):
    """Schemathesis follows the declared links (and those it infers) from operation to operation: a ticket
    filed, then read, moved and noted by the number in the answer."""
    schema, _key = api
    seen: Seen = collections.defaultdict(collections.Counter)
    followed: set[tuple[str, str]] = set()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            case.path_parameters = {**(case.path_parameters or {}), "slug": SLUG}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            checks = [*(additional_checks or []), refused_by_a_rule_only]
            super().validate_response(response, case, additional_checks=checks, **kwargs)

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            operation_id = case.operation.definition.raw["operationId"]
            seen[operation_id][response.status_code] += 1
            node = self.recorder.cases[case.id]
            if node.transition is not None and node.parent_id in self.recorder.cases:
                parent = self.recorder.cases[node.parent_id].value.operation.definition.raw["operationId"]
                tried.add((parent, operation_id))
                if response.status_code < 300:
                    followed.add((parent, operation_id))

    tried: set[tuple[str, str]] = set()
    Workflow.run(settings=settings(bounded(80), stateful_step_count=6))
    assert any(200 <= code < 300 for code in seen["ticket_create"])
    # A new ticket's number, taken from the answer, reached another ticket operation and was answered 2xx.
    assert any(parent == "ticket_create" and child.startswith("ticket_") for parent, child in followed), (
        followed
    )
    # Which other links a walk of 80 takes is not fixed, even with derandomised data: schemathesis draws case
    # ids from its own random source and the walk follows the answers. Two local walks on the same code went
    # create -> read and note -> read; CI's, with every test module collected, never tried a note at all. So
    # the walk is asked only for the link that shows numbers are taken from answers; the next test files,
    # reads, moves and notes one ticket for sure.
    assert any(child in ("ticket_read", "ticket_status", "ticket_note") for _parent, child in tried), tried


def test_the_documented_sequence_file_read_move_note(api, client):
    """The links of the document, followed by hand once: the example ticket filed, then every operation its
    201 links to, with the number the link names; each answer checked against the document."""
    schema, key = api
    document = client.get("/api/openapi.json").get_json()
    create = schema["/api/v1/communities/{slug}/tickets"]["POST"]
    body = document["components"]["schemas"]["TicketIn"]["examples"][0]
    filed = create.Case(path_parameters={"slug": SLUG}, body=body, headers=key)
    answer = filed.call()
    filed.validate_response(answer, additional_checks=[refused_by_a_rule_only])
    assert answer.status_code == 201
    number = answer.json()["ticket"]["number"]

    links = document["paths"]["/api/v1/communities/{slug}/tickets"]["post"]["responses"]["201"]["links"]
    assert set(links) == {"ticket_read", "ticket_status", "ticket_note"}
    assert {link["parameters"]["number"] for link in links.values()} == {"$response.body#/ticket/number"}
    by_id = {op.definition.raw["operationId"]: op for op in (r.ok() for r in schema.get_all_operations())}
    bodies = {"ticket_status": {"status": "accepted"}, "ticket_note": {"note": "师傅下午两点到"}}
    for target in ("ticket_read", "ticket_status", "ticket_note", "ticket_read"):
        operation = by_id[target]
        kwargs = {"body": bodies[target]} if target in bodies else {}
        case = operation.Case(path_parameters={"slug": SLUG, "number": number}, headers=key, **kwargs)
        response = case.call()
        case.validate_response(response, additional_checks=[refused_by_a_rule_only])
        assert 200 <= response.status_code < 300, (target, response.text)
        assert response.json()["number"] == number
    assert response.json()["status"] == "accepted"
    assert response.json()["timeline"][-1]["note"] == "师傅下午两点到"
