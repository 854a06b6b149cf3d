"""Concurrent writers and retried requests, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import Api
from tests.helpers import command, open_reference_case

ATTEMPT = {"channel": "phone", "outcome": "no_answer", "notes": "Sem resposta."}


def parallel(count: int, call):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)

    def run(index: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_writers_at_same_version_exactly_one_wins(api: Api) -> None:
    case = open_reference_case(api)
    before = api.event_count()

    responses = parallel(6, lambda i: command(api, case["id"], "attempt_contact", ATTEMPT, **{"If-Match": '"1"'}))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412, 412, 412, 412, 412]
    assert api.event_count() == before + 1
    losers = [r.json() for r in responses if r.status_code == 412]
    assert all(p["current_version"] == 2 for p in losers)
    assert all(p["code"] == "version_conflict" for p in losers)


def test_writers_without_if_match_all_apply(api: Api) -> None:
    case = open_reference_case(api)

    responses = parallel(4, lambda i: command(api, case["id"], "add_note", {"text": f"nota {i}"}))

    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    final = api.client.get(f"/v1/cases/{case['id']}", headers={"Authorization": "Bearer test-key-agent"}).json()
    assert final["version"] == 5
    assert sorted(n["text"] for n in final["notes"]) == ["nota 0", "nota 1", "nota 2", "nota 3"]


def test_stale_if_match_gets_412_with_current_version(api: Api) -> None:
    case = open_reference_case(api)
    assert command(api, case["id"], "attempt_contact", ATTEMPT).status_code == 200

    response = command(api, case["id"], "attempt_contact", ATTEMPT, **{"If-Match": '"1"'})

    assert response.status_code == 412
    assert response.headers["ETag"] == '"2"'
    assert response.json()["current_version"] == 2


def test_retry_with_same_key_returns_first_response(api: Api) -> None:
    case = open_reference_case(api)
    first = command(api, case["id"], "attempt_contact", ATTEMPT, **{"Idempotency-Key": "k-1"})
    count = api.event_count()

    retry = command(api, case["id"], "attempt_contact", ATTEMPT, **{"Idempotency-Key": "k-1"})

    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert api.event_count() == count


def test_same_key_with_other_body_is_rejected(api: Api) -> None:
    case = open_reference_case(api)
    command(api, case["id"], "attempt_contact", ATTEMPT, **{"Idempotency-Key": "k-2"})
    count = api.event_count()

    response = command(api, case["id"], "attempt_contact", {**ATTEMPT, "outcome": "reached"}, **{"Idempotency-Key": "k-2"})

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["field"] == "Idempotency-Key"
    assert api.event_count() == count


def test_concurrent_retries_with_same_key_record_once(api: Api) -> None:
    case = open_reference_case(api)
    count = api.event_count()

    responses = parallel(5, lambda i: command(api, case["id"], "add_note", {"text": "uma vez"}, **{"Idempotency-Key": "k-3"}))

    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.json()["version"] for r in responses}) == 1
    assert api.event_count() == count + 1


def test_open_case_retry_creates_one_case(api: Api) -> None:
    from api import reference_case

    headers = {"Authorization": "Bearer test-key-agent", "Idempotency-Key": "open-1"}
    first = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)
    retry = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.headers["Location"] == first.headers["Location"]
    assert api.event_count() == 1


def test_keys_are_scoped_per_actor(api: Api) -> None:
    case = open_reference_case(api)
    command(api, case["id"], "add_note", {"text": "a"}, **{"Idempotency-Key": "shared"})

    other = command(api, case["id"], "add_note", {"text": "a"}, actor="agent2", **{"Idempotency-Key": "shared"})

    assert other.status_code == 200
    assert other.json()["version"] == 3
