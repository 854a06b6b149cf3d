"""Cases and histories as they stood at a version or recorded instant, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.application import project_aggregate

from api.presenters import present_case
from tests.conftest import ACTORS, Api, auth
from tests.helpers import drive_reference_case


def history(api: Api, case_id: str, **params: str) -> list[dict]:  # type: ignore[type-arg]
    response = api.client.get(f"/v1/cases/{case_id}/history", params=params, headers=auth("auditor"))
    assert response.status_code == 200, response.text
    return response.json()["events"]


def test_case_at_version_matches_its_events(api: Api) -> None:
    case = drive_reference_case(api)

    early = api.client.get(f"/v1/cases/{case['id']}", params={"version": 3}, headers=auth("auditor")).json()

    assert early["version"] == 3
    assert early["status"] == "contacting"
    assert len(early["attempts"]) == 2
    assert early["conclusion"] is None
    assert early["allowed_commands"] == []


def test_every_version_from_snapshots_equals_replay(api: Api) -> None:
    case_id = UUID(drive_reference_case(api)["id"])
    app = api.store.app
    events = app.case_events(case_id)
    auditor = ACTORS["auditor"]

    for version in range(1, len(events) + 1):
        from_snapshot = app.get_case(case_id, version=version)
        replayed = project_aggregate(None, events[:version])
        assert present_case(from_snapshot, auditor) == present_case(replayed, auditor), version


def test_case_as_of_instant_takes_last_recorded_version(api: Api) -> None:
    case = drive_reference_case(api)
    recorded = [datetime.fromisoformat(event["recorded_at"]) for event in history(api, case["id"])]

    at_fifth = api.client.get(
        f"/v1/cases/{case['id']}", params={"as_of": recorded[4].isoformat()}, headers=auth("auditor")
    )
    just_before = api.client.get(
        f"/v1/cases/{case['id']}",
        params={"as_of": (recorded[4] - timedelta(microseconds=1)).isoformat()},
        headers=auth("auditor"),
    )

    assert at_fifth.status_code == 200, at_fifth.text
    assert at_fifth.json()["version"] == 5
    assert just_before.json()["version"] == 4


def test_case_before_it_existed_is_not_found(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(
        f"/v1/cases/{case['id']}", params={"as_of": "2020-01-01T00:00:00-03:00"}, headers=auth("auditor")
    )

    assert response.status_code == 404
    problem = response.json()
    assert problem["code"] == "case_not_found"
    assert "ainda não existia" in problem["detail"]
    assert problem["field"] == "as_of"


def test_version_beyond_current_is_not_found(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(f"/v1/cases/{case['id']}", params={"version": 15}, headers=auth("auditor"))

    assert response.status_code == 404
    assert "a versão atual é 14" in response.json()["detail"]


def test_version_and_as_of_together_are_rejected(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(
        f"/v1/cases/{case['id']}", params={"version": 2, "as_of": "2026-01-01T00:00:00Z"}, headers=auth("auditor")
    )

    assert response.status_code == 422
    assert response.json()["field"] == "as_of"


def test_malformed_as_of_is_rejected(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(f"/v1/cases/{case['id']}", params={"as_of": "ontem"}, headers=auth("auditor"))

    assert response.status_code == 422
    assert "ontem" in response.json()["detail"]


def test_history_until_version_and_instant(api: Api) -> None:
    case = drive_reference_case(api)
    recorded = [event["recorded_at"] for event in history(api, case["id"])]

    by_version = history(api, case["id"], until="6")
    by_instant = history(api, case["id"], until=recorded[8])

    assert [event["version"] for event in by_version] == [1, 2, 3, 4, 5, 6]
    assert [event["version"] for event in by_instant] == list(range(1, 10))


def test_history_until_before_case_is_not_found(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(
        f"/v1/cases/{case['id']}/history", params={"until": "2001-01-01T00:00:00Z"}, headers=auth("auditor")
    )

    assert response.status_code == 404
    assert response.json()["field"] == "until"
