"""Publishing to a NATS JetStream stream with de-duplication by message id.

Every message carries ``Nats-Msg-Id`` (JetStream drops a second message with
the same id inside the stream's duplicate window) and ``Retencao-Position``
(the feed position), so the last stored message shows how far publishing got.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StreamConfig
from nats.js.errors import NotFoundError

from adapters.relay_settings import RelaySettings

logger = logging.getLogger(__name__)

POSITION_HEADER = "Retencao-Position"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


@dataclass(frozen=True)
class OutgoingMessage:
    subject: str
    message_id: str
    position: int
    payload: bytes


class PublishFailed(Exception):
    """Raised when JetStream rejected or did not acknowledge a message of a batch."""

    def __init__(self, message: str, acknowledged_position: int | None) -> None:
        super().__init__(message)
        self.acknowledged_position = acknowledged_position


@dataclass
class BatchResult:
    acknowledged_position: int | None
    duplicates: int


class JetStreamPublisher:
    """One connection to NATS and the stream the relay publishes to."""

    def __init__(self, settings: RelaySettings) -> None:
        self.settings = settings
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None
        self._closing = False

    async def connect(self) -> None:
        self._client = await nats.connect(
            self.settings.nats_url,
            name=f"retencao-relay-{self.settings.name}",
            # The relay reconnects by itself, with backoff, after any failure. nats-py 2.16 retries
            # even the first connection max_reconnect_attempts times, so keep that at one retry.
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.2,
            connect_timeout=5,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
        )
        self._jetstream = self._client.jetstream()
        logger.info("nats connected url=%s", self.settings.nats_url)

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            self._closing = True
            try:
                await self._client.close()
            finally:
                self._closing = False
        self._client = None
        self._jetstream = None

    @property
    def jetstream(self) -> JetStreamContext:
        assert self._jetstream is not None, "call connect() first"
        return self._jetstream

    async def ensure_stream(self) -> None:
        """Create the stream if missing; an existing stream keeps its configuration."""
        try:
            await self.jetstream.stream_info(self.settings.stream)
            return
        except NotFoundError:
            pass
        max_age = self.settings.max_age_days * 86_400 or None
        config = StreamConfig(
            name=self.settings.stream,
            subjects=[f"{self.settings.subject_prefix}.>"],
            retention=RetentionPolicy(self.settings.retention),
            max_age=max_age,
            max_bytes=self.settings.max_bytes,
            duplicate_window=self.settings.duplicate_window_seconds,
        )
        await self.jetstream.add_stream(config)
        logger.info(
            "jetstream stream created stream=%s retention=%s max_age_days=%s",
            self.settings.stream,
            self.settings.retention,
            self.settings.max_age_days,
        )

    async def last_published_position(self) -> int | None:
        """Return the position in the stream's last message, or None if the stream has none left."""
        info = await self.jetstream.stream_info(self.settings.stream)
        if not info.state.last_seq:
            return None
        try:
            message = await self.jetstream.get_msg(self.settings.stream, seq=info.state.last_seq)
        except NotFoundError:
            # Retention already removed it (interest or work-queue streams).
            return None
        raw = (message.headers or {}).get(POSITION_HEADER)
        return int(raw) if raw and raw.isdigit() else None

    async def publish_batch(self, messages: Sequence[OutgoingMessage]) -> BatchResult:
        """Publish in order, pipelined, and wait for every acknowledgement.

        Raise ``PublishFailed`` carrying the last position of the acknowledged
        prefix when a message is rejected or not acknowledged in time.
        """
        if not messages:
            return BatchResult(acknowledged_position=None, duplicates=0)
        futures = []
        for message in messages:
            headers = {
                "Nats-Msg-Id": message.message_id,
                POSITION_HEADER: str(message.position),
                "Content-Type": CONTENT_TYPE,
            }
            futures.append(
                await self.jetstream.publish_async(
                    message.subject, message.payload, stream=self.settings.stream, headers=headers
                )
            )
        done, _ = await asyncio.wait(futures, timeout=self.settings.ack_timeout_seconds)

        acknowledged = None
        duplicates = 0
        for message, future in zip(messages, futures, strict=True):
            if future not in done or future.exception() is not None:
                for pending in futures:
                    pending.cancel()
                reason = "timed out" if future not in done else repr(future.exception())
                raise PublishFailed(
                    f"publish of position {message.position} failed: {reason}", acknowledged_position=acknowledged
                )
            acknowledged = message.position
            duplicates += int(bool(future.result().duplicate))
        return BatchResult(acknowledged_position=acknowledged, duplicates=duplicates)

    async def _on_error(self, error: Exception) -> None:
        logger.warning("nats error url=%s error=%r", self.settings.nats_url, error)

    async def _on_disconnected(self) -> None:
        if self._closing:
            return
        logger.warning("nats disconnected url=%s", self.settings.nats_url)
