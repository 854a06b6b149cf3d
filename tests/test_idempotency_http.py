"""Idempotency-Key retries over HTTP: the first response comes back and nothing new is recorded."""

import pytest

from api import reference_case
from tests.conftest import Api, auth
from tests.helpers import command, open_reference_case

NOTE = {"text": "Dentista pediu retorno na segunda-feira."}


def test_open_retry_returns_same_case(api: Api) -> None:
    headers = auth("agent", **{"Idempotency-Key": "abrir-1"})

    first = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)
    events_after_first = api.event_count()
    retry = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert api.event_count() == events_after_first


@pytest.mark.parametrize("if_match", [{"If-Match": '"1"'}, {}], ids=["stale-if-match", "no-if-match"])
def test_retry_of_note_replays(api: Api, if_match: dict[str, str]) -> None:
    case = open_reference_case(api)
    headers = {**if_match, "Idempotency-Key": "nota-1"}

    first = command(api, case["id"], "add_note", NOTE, **headers)
    events_after_first = api.event_count()
    retry = command(api, case["id"], "add_note", NOTE, **headers)

    assert first.status_code == 200
    assert retry.status_code == 200
    assert retry.headers["ETag"] == '"2"'
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert api.event_count() == events_after_first


def test_retry_after_transition_replays(api: Api) -> None:
    case = open_reference_case(api)
    decline = {"notes": "Não quer continuar."}
    assert command(api, case["id"], "attempt_contact", reference_case.STEPS[-3][1]).status_code == 200

    first = command(api, case["id"], "record_decline", decline, **{"Idempotency-Key": "recusa-1"})
    events_after_first = api.event_count()
    retry = command(api, case["id"], "record_decline", decline, **{"Idempotency-Key": "recusa-1"})

    assert first.status_code == 200
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["status"] == "declined"
    assert api.event_count() == events_after_first


@pytest.mark.parametrize(
    ("trigger", "body"),
    [("add_note", {"text": "Outra nota."}), ("record_decline", {})],
    ids=["command-succeeds", "command-fails"],
)
def test_same_key_other_request_rejected(api: Api, trigger: str, body: dict[str, str]) -> None:
    case = open_reference_case(api)
    first = command(api, case["id"], "add_note", NOTE, **{"Idempotency-Key": "nota-3"})
    events_after_first = api.event_count()

    reused = command(api, case["id"], trigger, body, **{"Idempotency-Key": "nota-3"})

    assert first.status_code == 200
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert api.event_count() == events_after_first


def test_keys_are_scoped_per_actor(api: Api) -> None:
    case = open_reference_case(api)
    first = command(api, case["id"], "add_note", NOTE, **{"Idempotency-Key": "nota-5"})

    other_actor = command(api, case["id"], "add_note", NOTE, actor="agent2", **{"Idempotency-Key": "nota-5"})

    assert first.status_code == 200
    assert other_actor.status_code == 200
    assert "Idempotent-Replayed" not in other_actor.headers
    assert other_actor.headers["ETag"] == '"3"'


def test_minimal_response_has_no_body_or_read(api: Api) -> None:
    case = open_reference_case(api)
    headers = auth("agent", **{"Prefer": "return=minimal", "If-Match": '"1"', "Idempotency-Key": "nota-minima"})

    first = api.client.post(f"/v1/cases/{case['id']}/commands/add_note", json={"text": "Ligar amanhã."}, headers=headers)
    again = api.client.post(f"/v1/cases/{case['id']}/commands/add_note", json={"text": "Ligar amanhã."}, headers=headers)
    reads = api.client.get("/v1/lgpd/access-log", params={"case_id": case["id"]}, headers=auth("dpo")).json()

    assert first.status_code == 204
    assert first.content == b""
    assert first.headers["ETag"] == '"2"'
    assert first.headers["Preference-Applied"] == "return=minimal"
    assert again.status_code == 204
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.event_count() == 2
    minimal_requests = {first.headers["X-Request-ID"], again.headers["X-Request-ID"]}
    assert [item for item in reads["items"] if item["correlation_id"] in minimal_requests] == []


def test_minimal_preference_is_part_of_the_request(api: Api) -> None:
    case = open_reference_case(api)
    minimal = auth("agent", **{"Prefer": "return=minimal", "Idempotency-Key": "nota-x"})
    full = auth("agent", **{"Idempotency-Key": "nota-x"})

    first = api.client.post(f"/v1/cases/{case['id']}/commands/add_note", json={"text": "Retorno."}, headers=minimal)
    other = api.client.post(f"/v1/cases/{case['id']}/commands/add_note", json={"text": "Retorno."}, headers=full)

    assert first.status_code == 204
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert api.event_count() == 2


def test_minimal_opening_has_location_and_etag(api: Api) -> None:
    response = api.client.post(
        "/v1/cases", json=reference_case.OPEN_CASE, headers=auth("agent", Prefer='return="minimal"')
    )

    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["Location"].startswith("/v1/cases/")
    assert response.headers["ETag"] == '"1"'
