"""The reference form's case driven over HTTP, on SQLite and PostgreSQL."""

from tests.conftest import Api, auth
from tests.helpers import drive_reference_case


def test_reference_case_ends_terminated_for_prices(api: Api) -> None:
    case = drive_reference_case(api)

    assert case["status"] == "terminated"
    assert case["status_label"] == "Desligamento"
    assert case["conclusion"]["reasons"] == ["prices"]
    assert case["duration_days"] == 113
    assert case["sign_off"]["reviewers"] == ["Paula R. Lima", "Jorge D'Ávila"]
    assert case["header"]["provider"]["cnpj"] == "31827465000144"
    assert case["header"]["provider"]["cpf"] == "52814730690"
    assert case["header"]["lives_in_area"] == 4886
    assert case["header"]["us_value"] == "0.30"
    assert case["header"]["last_production_on"] is None
    assert case["allowed_commands"] == ["reopen", "add_note", "correct_details", "reassign"]


def test_reference_case_history_lists_every_event(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("auditor"))

    assert response.status_code == 200
    events = response.json()["events"]
    assert [e["version"] for e in events] == list(range(1, 15))
    assert events[0]["type"] == "CaseOpened"
    assert events[-1]["type"] == "ConclusionApproved"
    assert events[-1]["actor_id"] == "paula"
    assert events[-1]["actor_role"] == "supervisor"
    attempts = [e for e in events if e["type"] == "ContactAttempted"]
    assert attempts[0]["occurred_at"] == "2023-10-03T08:35:00-04:00"
    assert all(e["recorded_at"] > "2026" for e in events)
    assert all(e["correlation_id"] for e in events)


def test_reference_case_appears_in_case_list(api: Api) -> None:
    case = drive_reference_case(api)
    api.wait_for_projection()

    response = api.client.get("/v1/cases", params={"status": "terminated", "uf": "am"}, headers=auth("supervisor"))

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["items"][0]["case_id"] == case["id"]
    assert body["items"][0]["outcome"] == "terminated"
    assert body["items"][0]["attempt_count"] == 7
