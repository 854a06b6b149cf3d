"""Request helpers shared by the HTTP tests."""

import copy
from typing import Any

from api import reference_case
from tests.conftest import Api, auth


def open_reference_case(api: Api, actor: str = "agent", **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(reference_case.OPEN_CASE)
    body.update(changes)
    response = api.client.post("/v1/cases", json=body, headers=auth(actor))
    assert response.status_code == 201, response.text
    return response.json()


def command(api: Api, case_id: str, trigger: str, body: dict[str, Any] | None = None, actor: str = "agent", **headers: str):  # type: ignore[no-untyped-def]
    return api.client.post(f"/v1/cases/{case_id}/commands/{trigger}", json=body or {}, headers=auth(actor, **headers))


def drive_reference_case(api: Api) -> dict[str, Any]:
    """Run the whole reference form's case and return the final case body."""
    case = open_reference_case(api)
    for trigger, body in reference_case.STEPS:
        response = command(api, case["id"], trigger, body)
        assert response.status_code == 200, (trigger, response.text)
    response = command(api, case["id"], "approve_conclusion", reference_case.APPROVAL, actor="supervisor")
    assert response.status_code == 200, response.text
    return response.json()
