"""Four concurrent writers on PostgreSQL: the feed and the stream list exactly the committed events, in commit order."""

import threading
import time

import httpx
import pytest

from adapters.settings import Settings
from adapters.store import Store
from api.cloud_events import event_id
from tests.conftest import auth
from tests.event_helpers import SseReader, live_server, open_case, record_contacts

WRITERS = 4
EVENTS_PER_WRITER = 60


def poll_feed(base: str, until: threading.Event, seen: list[dict]) -> None:  # type: ignore[type-arg]
    """Page through the feed while the writers run, then once more after they stop."""
    after = 0
    with httpx.Client(base_url=base, timeout=10) as client:
        while True:
            finished = until.is_set()
            response = client.get("/v1/events", params={"after": after, "limit": 7}, headers=auth("service"))
            page = response.json()
            seen.extend(page["items"])
            after = page["next_after"]
            if finished and not page["items"]:
                return
            if not page["items"]:
                time.sleep(0.005)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_concurrent_writers_feed_and_stream_list_committed_events(settings: Settings, store: Store) -> None:
    cases = [open_case(store.app) for _ in range(WRITERS)]
    writers_done = threading.Event()
    polled: list[dict] = []  # type: ignore[type-arg]
    streamed = SseReader()

    with live_server(settings, store) as base, httpx.Client(base_url=base, timeout=10) as client:
        with client.stream("GET", "/v1/events/stream", params={"heartbeat": 0.5}, headers=auth("service")) as response:
            poller = threading.Thread(target=poll_feed, args=(base, writers_done, polled))
            poller.start()
            writers = [
                threading.Thread(target=record_contacts, args=(store.app, case_id, EVENTS_PER_WRITER)) for case_id in cases
            ]
            for writer in writers:
                writer.start()
            total = WRITERS * (EVENTS_PER_WRITER + 1)
            streamed.read(response, count=total, timeout=60)
            for writer in writers:
                writer.join()
            writers_done.set()
            poller.join(timeout=30)

    committed = store.app.recorder.select_notifications(start=1, limit=100_000)
    expected = [(n.id, event_id(n.originator_id, n.originator_version)) for n in committed]
    assert len(expected) == total
    assert [(event["position"], event["id"]) for event in polled] == expected
    assert [(int(message.id), message.data["id"]) for message in streamed.messages] == expected
    for case_id in cases:
        versions = [event["caseversion"] for event in polled if event["subject"] == str(case_id)]
        assert versions == list(range(1, EVENTS_PER_WRITER + 2))
