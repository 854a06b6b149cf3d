"""Catalogue, workflow and OpenAPI documents."""

from domain.catalog import ActionCode, TerminationReason
from tests.conftest import Api, auth


def test_catalog_lists_every_code_with_label(api: Api) -> None:
    catalog = api.client.get("/v1/catalog").json()

    reasons = {item["code"]: item["label"] for item in catalog["termination_reason"]}
    assert set(reasons) == {reason.value for reason in TerminationReason}
    assert reasons["technical_rules"] == "Regras Técnicas"
    assert reasons["prices"] == "Valores"
    assert {item["code"] for item in catalog["action"]} == {action.value for action in ActionCode}
    assert len(catalog["uf"]) == 27


def test_workflow_document_matches_the_table(api: Api) -> None:
    document = api.client.get("/v1/workflow").json()

    states = {state["code"]: state for state in document["states"]}
    assert states["terminated"]["final"] is True
    assert states["terminated"]["label"] == "Desligamento"
    assert document["roles"]["approve_conclusion"] == ["supervisor"]
    assert "pending_approval --> terminated: approve_conclusion" in document["mermaid"]
    assert {"trigger": "reopen", "sources": ["retained", "terminated", "not_retention"], "destination": "negotiating"} in document["transitions"]


def test_openapi_has_pt_br_summaries_and_reference_examples(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()

    assert spec["paths"]["/v1/cases"]["post"]["summary"] == "Abrir caso de retenção"
    commands = [path for path in spec["paths"] if "/commands/" in path]
    assert len(commands) == 12
    schema = spec["components"]["schemas"]["OpenCaseBody"]
    assert schema["examples"][0]["protocol_number"] == "SAD10482736519"
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert operation.get("summary"), f"{path} has no summary"


def test_get_case_etag_and_commands(api: Api) -> None:
    from tests.helpers import open_reference_case

    case = open_reference_case(api)

    as_agent = api.client.get(f"/v1/cases/{case['id']}", headers=auth("agent"))
    as_auditor = api.client.get(f"/v1/cases/{case['id']}", headers=auth("auditor"))

    assert as_agent.headers["ETag"] == '"1"'
    assert as_agent.json()["allowed_commands"] == ["attempt_contact", "offer_action", "propose_conclusion", "add_note"]
    assert as_auditor.json()["allowed_commands"] == []


def test_service_role_sees_cpf_and_phones_masked(api: Api) -> None:
    from tests.helpers import command, open_reference_case

    case = open_reference_case(api)
    command(api, case["id"], "attempt_contact", {"channel": "phone", "outcome": "no_answer", "contact": "(92) 98000-1111"})

    body = api.client.get(f"/v1/cases/{case['id']}", headers=auth("service")).json()
    history = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("service")).json()

    assert body["header"]["provider"]["cpf"] == "***.147.306-**"
    assert "98000" not in body["attempts"][0]["contact"]
    assert history["events"][0]["data"]["header"]["provider"]["cpf"] == "***.147.306-**"
    assert "98000" not in history["events"][1]["data"]["attempt"]["contact"]
