"""The relay: publishes every event of the feed, in order, to a NATS JetStream stream.

Each round reads the events after the recorded position, publishes them as
CloudEvents to ``<prefix>.<event type>`` and records the position of the
last acknowledged one. Killed at any point, a restarted relay resumes there:

- events published but not recorded are sent again with the same
  ``Nats-Msg-Id``, and JetStream drops them inside its duplicate window;
- on start the relay reads the position in the stream's last message and
  skips what is already stored, so re-sends after a longer outage are also
  avoided. This assumes the stream receives events from this relay only.
"""

import asyncio
import json
import logging
import random
from collections.abc import Sequence

import psycopg
from anyio import to_thread
from eventsourcing.persistence import PersistenceError
from nats.errors import Error as NatsError

from adapters.event_feed import FeedItem, read_feed
from adapters.jetstream import JetStreamPublisher, OutgoingMessage, PublishFailed
from adapters.relay_positions import PostgresRelayPositions, SQLiteRelayPositions
from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from adapters.store import Store, open_store
from adapters.store_wakeup import store_wakeup
from api.cloud_events import to_cloud_event
from domain.actor import Actor
from domain.catalog import Role

logger = logging.getLogger(__name__)

# Failures after which the relay waits and starts over: broker, network and database errors.
RETRYABLE_ERRORS = (NatsError, PublishFailed, OSError, asyncio.TimeoutError, psycopg.OperationalError, PersistenceError)


def relay_actor(settings: RelaySettings) -> Actor:
    """Return the actor whose view of personal data the relay publishes."""
    roles = frozenset(Role(part.strip()) for part in settings.roles.split(",") if part.strip())
    return Actor(actor_id=f"relay:{settings.name}", roles=roles, name="Relay NATS")


def outgoing_messages(items: Sequence[FeedItem], actor: Actor, subject_prefix: str) -> list[OutgoingMessage]:
    messages = []
    for item in items:
        cloud_event = to_cloud_event(item, actor)
        payload = json.dumps(cloud_event, ensure_ascii=False, separators=(",", ":")).encode()
        subject = f"{subject_prefix}.{cloud_event['data']['type']}"
        messages.append(OutgoingMessage(subject, cloud_event["id"], item.position, payload))
    return messages


class Backoff:
    """Exponential wait between retries, with jitter, capped at ``maximum`` seconds."""

    def __init__(self, maximum: float, initial: float = 0.2) -> None:
        self.maximum = maximum
        self.initial = initial
        self.attempt = 0

    def next_delay(self) -> float:
        delay = min(self.maximum, self.initial * 2**self.attempt)
        self.attempt += 1
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.attempt = 0


class Relay:
    def __init__(self, settings: Settings, relay_settings: RelaySettings, store: Store) -> None:
        self.settings = settings
        self.relay_settings = relay_settings
        self.store = store
        self.actor = relay_actor(relay_settings)
        self.publisher = JetStreamPublisher(relay_settings)
        if settings.is_postgres:
            self.positions: PostgresRelayPositions | SQLiteRelayPositions = PostgresRelayPositions(settings.database_url)
        else:
            self.positions = SQLiteRelayPositions(settings.sqlite_path())
        self.position = 0
        self.published = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set, starting over with backoff after each retryable failure."""
        name = self.relay_settings.name
        backoff = Backoff(self.relay_settings.max_backoff_seconds)
        logger.info("relay started name=%s stream=%s", name, self.relay_settings.stream)
        try:
            while not stop.is_set():
                try:
                    await self._connect()
                    await self._publish_until(stop, backoff)
                except RETRYABLE_ERRORS as error:
                    delay = backoff.next_delay()
                    logger.warning(
                        "relay failed name=%s position=%d error=%r; retrying in %.1f s", name, self.position, error, delay
                    )
                    await self.publisher.close()
                    await _sleep_unless(stop, delay)
        finally:
            await self.publisher.close()
            self.positions.close()
            logger.info("relay stopped name=%s position=%d published=%d", name, self.position, self.published)

    async def _connect(self) -> None:
        name = self.relay_settings.name
        await to_thread.run_sync(self.positions.create_table)
        self.position = await to_thread.run_sync(self.positions.load, name)
        await self.publisher.connect()
        await self.publisher.ensure_stream()

        # A message stored just before a crash may be past the recorded position.
        stored = await self.publisher.last_published_position()
        if stored is not None and stored > self.position:
            logger.info("relay skips events already in the stream name=%s from=%d to=%d", name, self.position, stored)
            await to_thread.run_sync(self.positions.save, name, stored)
            self.position = stored
        logger.info("relay resumes name=%s position=%d", name, self.position)

    async def _publish_until(self, stop: asyncio.Event, backoff: Backoff) -> None:
        channel = getattr(self.store.app.recorder, "channel_name", None)
        wakeup = store_wakeup(self.settings.database_url, channel, self.settings.projection_poll_seconds)
        async with wakeup:
            while not stop.is_set():
                page = await to_thread.run_sync(
                    lambda: read_feed(self.store.app, self.position, self.relay_settings.batch_size)
                )
                if page.items:
                    await self._publish(page.items)
                    backoff.reset()
                if len(page.items) < self.relay_settings.batch_size:
                    await _first_of(stop, wakeup.wait(self.relay_settings.idle_wait_seconds))

    async def _publish(self, items: Sequence[FeedItem]) -> None:
        messages = outgoing_messages(items, self.actor, self.relay_settings.subject_prefix)
        try:
            result = await self.publisher.publish_batch(messages)
        except PublishFailed as error:
            # Keep what JetStream acknowledged before the failure.
            acknowledged = error.acknowledged_position
            if acknowledged is not None:
                await self._record(acknowledged, sum(1 for message in messages if message.position <= acknowledged))
            raise
        assert result.acknowledged_position is not None
        await self._record(result.acknowledged_position, len(messages))
        logger.debug(
            "relay published name=%s count=%d duplicates=%d position=%d",
            self.relay_settings.name,
            len(messages),
            result.duplicates,
            self.position,
        )

    async def _record(self, position: int, count: int) -> None:
        await to_thread.run_sync(self.positions.save, self.relay_settings.name, position)
        self.position = position
        self.published += count


async def run_relay(settings: Settings, relay_settings: RelaySettings, stop: asyncio.Event) -> None:
    store = open_store(settings)
    try:
        await Relay(settings, relay_settings, store).run(stop)
    finally:
        store.close()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def _first_of(stop: asyncio.Event, waiting) -> None:  # type: ignore[no-untyped-def]
    """Run ``waiting`` until it finishes or ``stop`` is set."""
    stopper = asyncio.ensure_future(stop.wait())
    waiter = asyncio.ensure_future(waiting)
    done, pending = await asyncio.wait({stopper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in done:
        if task is waiter:
            task.result()
