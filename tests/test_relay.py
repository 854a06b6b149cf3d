"""The NATS JetStream relay against a real NATS server, on SQLite and PostgreSQL."""

import asyncio
import json
import logging
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nats
import psycopg
import pytest
from nats.js.errors import NotFoundError

from adapters.event_feed import read_feed
from adapters.jetstream import JetStreamPublisher
from adapters.relay_positions import PostgresRelayPositions, SQLiteRelayPositions
from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from adapters.store import Store
from api.cloud_events import to_cloud_event
from api.relay import outgoing_messages, relay_actor
from tests.conftest import ACTORS
from tests.event_helpers import free_port, open_case, record_contacts, wait_until
from tests.nats_helpers import RelayThread, read_stream, relay_settings, stored_count, stream_info  # noqa: F401

pytestmark = pytest.mark.usefixtures("relay_settings")


def positions_of(settings: Settings) -> PostgresRelayPositions | SQLiteRelayPositions:
    if settings.is_postgres:
        return PostgresRelayPositions(settings.database_url)
    return SQLiteRelayPositions(settings.sqlite_path())


def recorded_position(settings: Settings, relay_name: str) -> int:
    positions = positions_of(settings)
    try:
        return positions.load(relay_name)
    finally:
        positions.close()


def forget_positions(settings: Settings) -> None:
    if settings.is_postgres:
        with psycopg.connect(settings.database_url, autocommit=True) as connection:
            connection.execute("DELETE FROM relay_positions")
    else:
        with sqlite3.connect(settings.sqlite_path()) as connection:
            connection.execute("DELETE FROM relay_positions")


def test_relay_publishes_every_event_as_cloudevent(settings: Settings, store: Store, relay_settings: RelaySettings) -> None:
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 4)

    with RelayThread(settings, relay_settings):
        assert wait_until(lambda: stored_count(relay_settings.stream) == 5, timeout=10)

    messages = read_stream(relay_settings.stream)
    feed = read_feed(store.app, 0, 100).items
    service = ACTORS["service"]
    assert [message.event for message in messages] == [to_cloud_event(item, service) for item in feed]
    assert [message.subject for message in messages] == [
        f"{relay_settings.subject_prefix}.{name}"
        for name in ["CaseOpened", "ContactAttempted", "NoteAdded", "ContactAttempted", "NoteAdded"]
    ]
    assert [message.headers["Nats-Msg-Id"] for message in messages] == [message.event["id"] for message in messages]
    assert messages[0].event["data"]["data"]["header"]["provider"]["cpf"].startswith("***")
    positions = positions_of(settings)
    assert positions.load(relay_settings.name) == feed[-1].position
    positions.close()


def test_relay_creates_stream_with_configured_retention(settings: Settings, store: Store, relay_settings: RelaySettings) -> None:
    configured = relay_settings.model_copy(update={"retention": "interest", "max_age_days": 2})
    open_case(store.app)

    with RelayThread(settings, configured):
        assert wait_until(lambda: _stream_exists(configured.stream), timeout=10)

    config = stream_info(configured.stream).config
    assert config.retention == "interest"
    assert config.max_age == pytest.approx(2 * 86_400)
    assert config.duplicate_window == pytest.approx(configured.duplicate_window_seconds)
    assert config.subjects == [f"{configured.subject_prefix}.>"]


def test_relay_restart_resumes_without_gaps_or_repeats(settings: Settings, store: Store, relay_settings: RelaySettings) -> None:
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 3)
    with RelayThread(settings, relay_settings):
        assert wait_until(lambda: stored_count(relay_settings.stream) == 4, timeout=10)

    record_contacts(store.app, case_id, 3)
    with RelayThread(settings, relay_settings):
        assert wait_until(lambda: stored_count(relay_settings.stream) == 7, timeout=10)
        time.sleep(0.3)

    events = [message.event for message in read_stream(relay_settings.stream)]
    assert [event["caseversion"] for event in events] == list(range(1, 8))


def test_relay_skips_stored_events_after_lost_position(
    settings: Settings, store: Store, relay_settings: RelaySettings
) -> None:
    # A duplicate window this short expires before the restart, so only the stream check prevents repeats.
    short_window = relay_settings.model_copy(update={"duplicate_window_seconds": 0.2})
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 3)
    with RelayThread(settings, short_window):
        assert wait_until(lambda: stored_count(short_window.stream) == 4, timeout=10)
    forget_positions(settings)
    time.sleep(0.5)

    record_contacts(store.app, case_id, 1)
    with RelayThread(settings, short_window):
        assert wait_until(lambda: stored_count(short_window.stream) == 5, timeout=10)
        time.sleep(0.3)

    assert stored_count(short_window.stream) == 5
    positions = positions_of(settings)
    assert positions.load(short_window.name) == store.app.recorder.max_notification_id()
    positions.close()


def test_jetstream_drops_resent_message_ids(settings: Settings, store: Store, relay_settings: RelaySettings) -> None:
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 2)
    messages = outgoing_messages(read_feed(store.app, 0, 100).items, relay_actor(relay_settings), relay_settings.subject_prefix)

    async def publish_twice() -> tuple[int, int]:
        publisher = JetStreamPublisher(relay_settings)
        await publisher.connect()
        try:
            await publisher.ensure_stream()
            first = await publisher.publish_batch(messages)
            second = await publisher.publish_batch(messages)
            return first.duplicates, second.duplicates
        finally:
            await publisher.close()

    assert asyncio.run(publish_twice()) == (0, 3)
    assert stored_count(relay_settings.stream) == 3


def test_relay_retries_with_backoff_while_nats_is_unreachable(
    settings: Settings, store: Store, relay_settings: RelaySettings, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = relay_settings.model_copy(update={"nats_url": f"nats://127.0.0.1:{free_port()}"})
    open_case(store.app)

    with caplog.at_level(logging.WARNING, logger="api.relay"), RelayThread(settings, unreachable):
        assert wait_until(lambda: len([r for r in caplog.records if "relay failed" in r.getMessage()]) >= 2, timeout=10)

    failures = [record.getMessage() for record in caplog.records if "relay failed" in record.getMessage()]
    assert "retrying in" in failures[0]
    assert unreachable.name in failures[0]


def _stream_exists(stream: str) -> bool:
    try:
        stream_info(stream)
        return True
    except NotFoundError:
        return False


@contextmanager
def private_nats_server(port: int, store_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run a JetStream-enabled nats-server of this test's own on ``port``."""
    process = subprocess.Popen(
        ["nats-server", "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: _port_open(port), timeout=10), "private nats-server did not start"
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_relay_resumes_after_nats_restart(
    settings: Settings, store: Store, relay_settings: RelaySettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    private = relay_settings.model_copy(update={"nats_url": f"nats://127.0.0.1:{port}"})
    positions = positions_of(settings)
    positions.create_table()
    positions.close()
    case_id = open_case(store.app)
    record_contacts(store.app, case_id, 2)

    with caplog.at_level(logging.WARNING, logger="api.relay"), RelayThread(settings, private):
        with private_nats_server(port, tmp_path / "nats"):
            assert wait_until(lambda: recorded_position(settings, private.name) == 3, timeout=10)

        # Events written while NATS is down wait in the store.
        record_contacts(store.app, case_id, 3)
        assert wait_until(lambda: any("relay failed" in r.getMessage() for r in caplog.records), timeout=10)

        with private_nats_server(port, tmp_path / "nats"):
            assert wait_until(lambda: recorded_position(settings, private.name) == 6, timeout=15)
            versions = asyncio.run(_caseversions(private))

    assert versions == list(range(1, 7))


async def _caseversions(relay: RelaySettings) -> list[int]:
    client = await nats.connect(relay.nats_url)
    try:
        jetstream = client.jetstream()
        info = await jetstream.stream_info(relay.stream)
        found = []
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            message = await jetstream.get_msg(relay.stream, seq=sequence)
            found.append(json.loads(message.data)["caseversion"])
        return found
    finally:
        await client.close()


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
