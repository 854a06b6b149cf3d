"""Every endpoint × every role (and no credentials) against the role table of WORKFLOW.md.

An agent works cases. A supervisor also approves, returns, reopens,
corrects and reassigns. An auditor reads everything and changes nothing.
A service reads, and advances the workflow only when also granted agent.
A dpo handles data-subject requests and reads the personal-data access log.
The retention report and the projection status are for supervisors, auditors and services.
The reference endpoints (catalogue, workflow) are public.
"""

from collections.abc import Callable
from typing import Any

import pytest

from api import reference_case
from tests.conftest import Api, auth
from tests.helpers import command, open_reference_case

COLUMNS = ("agent", "supervisor", "auditor", "service", "service_agent", "dpo", None)
PROPOSAL = reference_case.STEPS[-1][1]
REASON = {"reason": "Ajuste pedido pela supervisão."}


def setup_open(api: Api) -> str:
    return open_reference_case(api)["id"]


def setup_contacting(api: Api) -> str:
    case_id = setup_open(api)
    assert command(api, case_id, "attempt_contact", {"channel": "phone", "outcome": "no_answer"}).status_code == 200
    return case_id


def setup_negotiating(api: Api) -> str:
    case_id = setup_open(api)
    assert command(api, case_id, "attempt_contact", {"channel": "phone", "outcome": "reached"}).status_code == 200
    return case_id


def setup_offered(api: Api) -> str:
    case_id = setup_negotiating(api)
    assert command(api, case_id, "offer_action", {"code": "support"}).status_code == 200
    return case_id


def setup_pending(api: Api) -> str:
    case_id = setup_open(api)
    assert command(api, case_id, "propose_conclusion", PROPOSAL).status_code == 200
    return case_id


def setup_terminated(api: Api) -> str:
    case_id = setup_pending(api)
    assert command(api, case_id, "approve_conclusion", {}, actor="supervisor").status_code == 200
    return case_id


Setup = Callable[[Api], str] | None
CMD = "/v1/cases/{case_id}/commands/"

# (method, path, setup, body): expected status for agent, supervisor, auditor, service, service+agent, dpo, none.
MATRIX: list[tuple[str, str, Setup, Any, tuple[int, ...]]] = [
    ("POST", "/v1/cases", None, reference_case.OPEN_CASE, (201, 201, 403, 403, 201, 403, 401)),
    ("GET", "/v1/cases", None, None, (200, 200, 200, 200, 200, 403, 401)),
    ("GET", "/v1/cases/{case_id}", setup_open, None, (200, 200, 200, 200, 200, 403, 401)),
    ("GET", "/v1/cases/{case_id}/history", setup_open, None, (200, 200, 200, 200, 200, 403, 401)),
    ("POST", CMD + "attempt_contact", setup_open, {"channel": "phone", "outcome": "no_answer"},
     (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "record_reply", setup_contacting, {"notes": "Retornou a ligação."}, (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "offer_action", setup_open, {"code": "support"}, (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "record_decline", setup_negotiating, {}, (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "record_acceptance", setup_offered, {"action_number": 1}, (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "propose_conclusion", setup_open, PROPOSAL, (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "approve_conclusion", setup_pending, {}, (403, 200, 403, 403, 403, 403, 401)),
    ("POST", CMD + "return_conclusion", setup_pending, REASON, (403, 200, 403, 403, 403, 403, 401)),
    ("POST", CMD + "reopen", setup_terminated, REASON, (403, 200, 403, 403, 403, 403, 401)),
    ("POST", CMD + "add_note", setup_open, {"text": "Sem novidades."}, (200, 200, 403, 403, 200, 403, 401)),
    ("POST", CMD + "correct_details", setup_open, {"changes": {"city": "PARINTINS"}, **REASON},
     (403, 200, 403, 403, 403, 403, 401)),
    ("POST", CMD + "reassign", setup_open, {"assignee_id": "lucas", **REASON}, (403, 200, 403, 403, 403, 403, 401)),
    ("GET", "/v1/catalog", None, None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/v1/workflow", None, None, (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/v1/lgpd/erasures", setup_open,
     {"cpf": "52814730690", "legal_basis": "LGPD art. 18, VI", "requester": "protocolo 1"},
     (403, 403, 403, 403, 403, 200, 401)),
    ("POST", "/v1/lgpd/reports", setup_open, {"cpf": "52814730690"}, (403, 403, 403, 403, 403, 200, 401)),
    ("GET", "/v1/lgpd/access-log", None, None, (403, 403, 200, 403, 403, 200, 401)),
    ("GET", "/v1/cases/{case_id}/dossier", setup_open, None, (200, 200, 200, 403, 200, 403, 401)),
    ("GET", "/v1/audit/verification", None, None, (403, 200, 200, 403, 403, 403, 401)),
    ("GET", "/v1/events", setup_open, None, (200, 200, 200, 200, 200, 403, 401)),
    # limit=1 ends the stream after the opened case's first event.
    ("GET", "/v1/events/stream?limit=1", setup_open, None, (200, 200, 200, 200, 200, 403, 401)),
    ("GET", "/v1/events/schemas", None, None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/v1/events/schemas/{event_type}", None, None, (200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/v1/reports/retention", setup_terminated, None, (403, 200, 200, 200, 200, 403, 401)),
    ("GET", "/v1/projections", None, None, (403, 200, 200, 200, 200, 403, 401)),
]  # fmt: skip


def test_matrix_covers_every_endpoint(api: Api) -> None:
    documented = {
        (method.upper(), path)
        for path, operations in api.client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in operations
    }

    assert documented == {(method, path.partition("?")[0]) for method, path, *_ in MATRIX}


@pytest.mark.parametrize(("method", "path", "setup", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
def test_endpoint_enforces_role_table(api: Api, method: str, path: str, setup: Setup, body: Any,
                                      expected: tuple[int, ...]) -> None:  # fmt: skip
    denied_case_id = setup(api) if setup else None
    outcomes = {}
    for column, status in zip(COLUMNS, expected, strict=True):
        # An allowed request changes the case, so it gets a case of its own.
        case_id = setup(api) if setup and status < 400 else denied_case_id
        url = path.format(case_id=case_id, event_type="CaseOpened")
        headers = auth(column) if column else {}
        response = api.client.request(method, url, json=body, headers=headers)
        outcomes[column or "none"] = response.status_code
        if status >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), (column, url)

    assert outcomes == dict(zip([c or "none" for c in COLUMNS], expected, strict=True))
