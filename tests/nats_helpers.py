"""NATS JetStream helpers for the relay tests: a unique stream per test, an in-process relay, reading a stream back."""

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import nats
import pytest

from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from api.relay import run_relay

NATS_URL = "nats://127.0.0.1:4222"


@dataclass(frozen=True)
class StoredMessage:
    sequence: int
    subject: str
    headers: dict[str, str]
    event: dict[str, Any]


async def _read_stream(stream: str) -> list[StoredMessage]:
    client = await nats.connect(NATS_URL)
    try:
        jetstream = client.jetstream()
        info = await jetstream.stream_info(stream)
        subscription = await jetstream.subscribe(info.config.subjects[0], stream=stream, ordered_consumer=True)
        messages = []
        while len(messages) < info.state.messages:
            raw = await subscription.next_msg(timeout=5)
            sequence = raw.metadata.sequence.stream
            messages.append(StoredMessage(sequence, raw.subject, dict(raw.headers or {}), json.loads(raw.data)))
        await subscription.unsubscribe()
        return messages
    finally:
        await client.close()


def read_stream(stream: str) -> list[StoredMessage]:
    """Return every message stored in ``stream``, in stream order."""
    return asyncio.run(_read_stream(stream))


async def _stream_info(stream: str) -> Any:
    client = await nats.connect(NATS_URL)
    try:
        return await client.jetstream().stream_info(stream)
    finally:
        await client.close()


def stream_info(stream: str) -> Any:
    return asyncio.run(_stream_info(stream))


def stored_count(stream: str) -> int:
    """Return how many messages ``stream`` holds; 0 before the relay created it."""
    try:
        return stream_info(stream).state.messages
    except nats.js.errors.NotFoundError:
        return 0


async def _delete_stream(stream: str) -> None:
    client = await nats.connect(NATS_URL)
    try:
        await client.jetstream().delete_stream(stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


@pytest.fixture
def relay_settings() -> Iterator[RelaySettings]:
    """Relay settings with a stream and subjects no other test uses; the stream is deleted afterwards."""
    token = uuid.uuid4().hex[:10]
    settings = RelaySettings(
        nats_url=NATS_URL,
        name=f"test-{token}",
        stream=f"RETENCAO_TEST_{token}",
        subject_prefix=f"retencao-test.{token}",
        max_backoff_seconds=1,
        idle_wait_seconds=0.5,
    )
    try:
        yield settings
    finally:
        asyncio.run(_delete_stream(settings.stream))


class RelayThread:
    """Runs the relay on its own event loop in a thread until ``stop()``."""

    def __init__(self, settings: Settings, relay_settings: RelaySettings) -> None:
        self.settings = settings
        self.relay_settings = relay_settings
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(run_relay(self.settings, self.relay_settings, self._stop))
        except BaseException as error:  # reported by stop()
            self.error = error
        finally:
            self._loop.close()

    def __enter__(self) -> "RelayThread":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=15)
        assert not self._thread.is_alive(), "relay did not stop"
        if self.error is not None:
            raise self.error
