"""The live event stream (Server-Sent Events) over a real HTTP server, on SQLite and PostgreSQL."""

import threading
import time

import httpx
import psycopg
import pytest

from adapters.settings import Settings
from adapters.store import Store
from tests.conftest import Api, auth
from tests.event_helpers import SseReader, live_server, open_case, record_contacts, wait_until

TIMEOUT = httpx.Timeout(10.0)


def committed_positions(store: Store) -> list[int]:
    notifications = store.app.recorder.select_notifications(start=1, limit=100_000)
    return [notification.id for notification in notifications]


def test_stream_catches_up_then_delivers_live_events(settings: Settings, store: Store) -> None:
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 3)

    with live_server(settings, store) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        with client.stream("GET", "/v1/events/stream", params={"heartbeat": 0.5}, headers=auth("service")) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            reader = SseReader()
            reader.read(response, count=4, timeout=10)
            writer = threading.Thread(target=record_contacts, args=(store.app, case_id, 3))
            writer.start()
            reader.read(response, count=7, timeout=10)
            writer.join()

    assert [int(message.id) for message in reader.messages] == committed_positions(store)
    assert [message.data["caseversion"] for message in reader.messages] == list(range(1, 8))
    assert reader.messages[0].event == "retencao.CaseOpened"
    assert reader.messages[1].data["data"]["data"]["attempt"]["contact"].startswith("***")


def test_stream_reconnect_with_last_event_id_misses_nothing(settings: Settings, store: Store) -> None:
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 4)
    received = SseReader()

    with live_server(settings, store) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        with client.stream("GET", "/v1/events/stream", headers=auth("auditor")) as response:
            received.read(response, count=3, timeout=10)
        last_id = received.messages[-1].id

        # Events committed while the client is away.
        record_contacts(store.app, case_id, 5)

        headers = auth("auditor", **{"Last-Event-ID": last_id})
        with client.stream("GET", "/v1/events/stream", params={"after": 0}, headers=headers) as response:
            received.read(response, count=5 + 5, timeout=10)
            record_contacts(store.app, case_id, 2)
            received.read(response, count=12, timeout=10)

    positions = [int(message.id) for message in received.messages]
    assert positions == committed_positions(store)
    assert len(set(positions)) == len(positions) == 12
    assert [message.data["caseversion"] for message in received.messages] == list(range(1, 13))


def test_stream_sends_heartbeats_and_applies_filters(settings: Settings, store: Store) -> None:
    first = open_case(store.app)
    second = open_case(store.app)
    record_contacts(store.app, first, 2)
    record_contacts(store.app, second, 2)
    reader = SseReader()

    with live_server(settings, store) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        params = {"heartbeat": 0.5, "types": "NoteAdded", "case_id": str(second)}
        with client.stream("GET", "/v1/events/stream", params=params, headers=auth("service")) as response:
            reader.read(response, count=1, timeout=10)
            reader.read(response, count=2, timeout=1.5)

    assert [message.event for message in reader.messages] == ["retencao.NoteAdded"]
    assert reader.messages[0].data["subject"] == str(second)
    assert reader.heartbeats >= 1


def test_stream_rejects_invalid_last_event_id(settings: Settings, store: Store) -> None:
    with live_server(settings, store) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        response = client.get("/v1/events/stream", headers=auth("service", **{"Last-Event-ID": "abc"}))

    assert response.status_code == 400
    assert response.json()["field"] == "Last-Event-ID"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_stream_on_postgres_wakes_on_notification(settings: Settings, store: Store) -> None:
    case_id = open_case(store.app)
    reader = SseReader()
    # The case list projection keeps a LISTEN connection of its own.
    listening_before = listening_connections(settings)

    with live_server(settings, store) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        # With a 60 s heartbeat the stream only wakes early on a LISTEN/NOTIFY notification.
        with client.stream("GET", "/v1/events/stream", params={"heartbeat": 60}, headers=auth("service")) as response:
            reader.read(response, count=1, timeout=5)
            started = time.monotonic()
            record_contacts(store.app, case_id, 1)
            reader.read(response, count=2, timeout=5)
            elapsed = time.monotonic() - started
            listening_during = listening_connections(settings)

        # The stream's LISTEN connection closes once the client has gone.
        assert wait_until(lambda: listening_connections(settings) == listening_before, timeout=5)
        assert listening_during == listening_before + 1

    assert len(reader.messages) == 2
    assert elapsed < 2


def listening_connections(settings: Settings) -> int:
    with psycopg.connect(settings.database_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_stream_ends_after_limit(api: Api) -> None:
    case_id = open_case(api.store.app)
    record_contacts(api.store.app, case_id, 3)

    response = api.client.get("/v1/events/stream", params={"after": 1, "limit": 2}, headers=auth("service"))

    ids = [line.removeprefix("id: ") for line in response.text.splitlines() if line.startswith("id: ")]
    assert response.status_code == 200
    assert ids == ["2", "3"]
