"""The ordered event feed and its JSON Schemas, on SQLite and PostgreSQL."""

import jsonschema
import pytest
from jsonschema import Draft202012Validator

from api.cloud_events import event_id
from api.event_schemas import event_classes
from tests.conftest import Api, auth
from tests.helpers import drive_reference_case, open_reference_case


def all_events(api: Api, actor: str = "auditor", **params: object) -> list[dict]:  # type: ignore[type-arg]
    response = api.client.get("/v1/events", params={"limit": 1000, **params}, headers=auth(actor))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def schema_validators(api: Api) -> dict[str, Draft202012Validator]:
    response = api.client.get("/v1/events/schemas", headers=auth("service"))
    assert response.status_code == 200
    return {
        item["dataschema"]: Draft202012Validator(item["schema"], format_checker=Draft202012Validator.FORMAT_CHECKER)
        for item in response.json()["items"]
    }


def test_feed_lists_events_in_commit_order_as_cloudevents(api: Api) -> None:
    case = drive_reference_case(api)

    events = all_events(api)

    positions = [event["position"] for event in events]
    assert len(events) == api.event_count() == 14
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    first = events[0]
    assert first["specversion"] == "1.0"
    assert first["type"] == "retencao.CaseOpened"
    assert first["subject"] == case["id"]
    assert first["source"] == "/retencao/cases"
    assert first["id"] == event_id(case["id"], 1)
    assert first["caseversion"] == 1
    assert first["actorid"] == "marina"
    assert first["time"] == first["data"]["recorded_at"]
    assert first["occurredat"] == first["data"]["occurred_at"]
    assert [event["caseversion"] for event in events] == list(range(1, 15))
    assert events[-1]["type"] == "retencao.ConclusionApproved"


def test_feed_data_equals_case_history(api: Api) -> None:
    case = drive_reference_case(api)

    history = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("service")).json()["events"]
    events = all_events(api, actor="service")

    assert [event["data"] for event in events] == history


def test_feed_events_match_their_json_schema(api: Api) -> None:
    drive_reference_case(api)
    validators = schema_validators(api)

    events = all_events(api)

    assert {event["dataschema"] for event in events} <= set(validators)
    for event in events:
        validators[event["dataschema"]].validate(event["data"])


def test_schema_rejects_a_changed_event(api: Api) -> None:
    drive_reference_case(api)
    validators = schema_validators(api)
    event = all_events(api, types="ContactAttempted")[0]

    event["data"]["data"]["attempt"]["channel"] = "pombo-correio"

    with pytest.raises(jsonschema.ValidationError):
        validators[event["dataschema"]].validate(event["data"])


def test_schemas_cover_every_event_type(api: Api) -> None:
    response = api.client.get("/v1/events/schemas")

    types = {item["type"] for item in response.json()["items"]}
    assert types == {f"retencao.{name}" for name in event_classes()}
    single = api.client.get("/v1/events/schemas/retencao.NoteAdded")
    assert single.status_code == 200
    assert single.headers["content-type"].startswith("application/schema+json")
    assert single.json()["$id"] == "urn:retencao:schema:NoteAdded:v1"
    assert api.client.get("/v1/events/schemas/Inexistente").status_code == 404


def test_feed_masks_personal_data_for_service_role(api: Api) -> None:
    drive_reference_case(api)

    masked = all_events(api, actor="service", types="CaseOpened,ContactAttempted")
    clear = all_events(api, actor="auditor", types="CaseOpened,ContactAttempted")

    assert masked[0]["data"]["data"]["header"]["provider"]["cpf"] == "***.147.306-**"
    assert clear[0]["data"]["data"]["header"]["provider"]["cpf"] == "52814730690"
    assert masked[1]["data"]["data"]["attempt"]["contact"].endswith("11")
    assert "98000" not in masked[1]["data"]["data"]["attempt"]["contact"]
    assert clear[1]["data"]["data"]["attempt"]["contact"] == "(92) 98000-1111"


def test_feed_pages_resume_after_last_position(api: Api) -> None:
    drive_reference_case(api)
    everything = all_events(api)

    collected = []
    after = 0
    while True:
        response = api.client.get("/v1/events", params={"after": after, "limit": 4}, headers=auth("service"))
        page = response.json()
        if not page["items"]:
            break
        collected.extend(page["items"])
        after = page["next_after"]

    assert [event["id"] for event in collected] == [event["id"] for event in everything]
    assert after == everything[-1]["position"]


def test_feed_filters_by_type_and_case(api: Api) -> None:
    first = drive_reference_case(api)
    second = open_reference_case(api)

    opened = all_events(api, types="CaseOpened")
    of_second = all_events(api, case_id=second["id"])
    approvals = all_events(api, types="retencao.ConclusionApproved", case_id=first["id"])

    assert [event["subject"] for event in opened] == [first["id"], second["id"]]
    assert [event["type"] for event in of_second] == ["retencao.CaseOpened"]
    assert len(approvals) == 1
    assert approvals[0]["subject"] == first["id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"types": "CaseOpened,Foo"}, "types"), ({"after": "-1"}, "after"), ({"limit": "0"}, "limit"), ({"case_id": "x"}, "case_id")],
)
def test_feed_rejects_invalid_query(api: Api, params: dict[str, str], field: str) -> None:
    response = api.client.get("/v1/events", params=params, headers=auth("service"))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


def test_feed_requires_authentication(api: Api) -> None:
    assert api.client.get("/v1/events").status_code == 401


def test_feed_reads_of_personal_data_are_logged(api: Api) -> None:
    case = open_reference_case(api)

    assert api.client.get("/v1/events", headers=auth("auditor")).status_code == 200
    assert api.client.get("/v1/events", headers=auth("service")).status_code == 200
    assert api.client.get("/v1/events", params={"after": 999}, headers=auth("auditor")).status_code == 200

    log = api.client.get("/v1/lgpd/access-log", headers=auth("auditor")).json()
    feed_reads = [entry for entry in log["items"] if entry["purpose"] == "event_feed"]
    assert [entry["actor_id"] for entry in feed_reads] == ["auditoria"]
    assert feed_reads[0]["case_id"] == case["id"]


def test_stream_reads_of_personal_data_are_logged(api: Api) -> None:
    case = open_reference_case(api)

    response = api.client.get("/v1/events/stream", params={"limit": 1}, headers=auth("supervisor"))

    assert response.status_code == 200
    log = api.client.get("/v1/lgpd/access-log", headers=auth("auditor")).json()
    stream_reads = [entry for entry in log["items"] if entry["purpose"] == "event_feed"]
    assert [(entry["actor_id"], entry["case_id"]) for entry in stream_reads] == [("paula", case["id"])]
