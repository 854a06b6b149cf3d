"""Server-Sent Events of the feed: catch-up from a position, then live.

Each SSE message's ``id`` is the feed position of its event, so a client
that reconnects with ``Last-Event-ID`` resumes right after the last event it
received, missing none and receiving none twice.
"""

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from uuid import UUID

from anyio import to_thread

from adapters.event_feed import read_feed
from adapters.store import Store
from adapters.store_wakeup import store_wakeup
from api.cloud_events import to_cloud_event
from domain.actor import Actor

logger = logging.getLogger(__name__)

# Events read from the store per query while catching up.
STREAM_BATCH = 200

# Milliseconds a client waits before reconnecting, sent as the SSE ``retry`` field.
RECONNECT_MILLISECONDS = 2000

# Maximum idle wait between checks that the client is still connected. Under ASGI 2.4 servers
# Starlette notices a disconnect only on the next write, which would keep the LISTEN connection open.
DISCONNECT_CHECK_SECONDS = 1.0


def format_message(position: int, event_type: str, payload: dict) -> str:  # type: ignore[type-arg]
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"id: {position}\nevent: {event_type}\ndata: {data}\n\n"


async def stream_events(
    store: Store,
    database_url: str,
    poll_interval: float,
    actor: Actor,
    after: int,
    topics: Sequence[str],
    case_id: UUID | None,
    heartbeat_seconds: float,
    is_disconnected: Callable[[], Awaitable[bool]],
    max_events: int | None = None,
    on_read: Callable[[list[str]], None] | None = None,
) -> AsyncIterator[str]:
    """Yield SSE messages for every event after ``after``, then wait for new ones.

    The stream ends when the client leaves or, with ``max_events``, after that many events.
    ``on_read`` receives the case ids of each page read, before its events are sent.
    """
    channel = getattr(store.app.recorder, "channel_name", None)
    logger.info("event stream opened actor=%s after=%d", actor.actor_id, after)
    sent = 0
    try:
        # LISTEN before the first read, so a commit during catch-up still wakes the loop.
        async with store_wakeup(database_url, channel, poll_interval) as wakeup:
            yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
            last_write = time.monotonic()
            while True:
                page = await to_thread.run_sync(
                    lambda: read_feed(store.app, after, STREAM_BATCH, topics=topics, case_id=case_id)
                )
                if page.items and on_read is not None:
                    case_ids = sorted({str(item.event.originator_id) for item in page.items})
                    await to_thread.run_sync(on_read, case_ids)
                for item in page.items:
                    cloud_event = to_cloud_event(item, actor)
                    yield format_message(item.position, cloud_event["type"], cloud_event)
                    sent += 1
                    if sent == max_events:
                        after = item.position
                        return
                if page.items:
                    last_write = time.monotonic()

                # A read that moved forward may have stopped at the batch or scan limit, so read again at once.
                progressed = page.next_after > after
                after = page.next_after
                if progressed:
                    continue

                remaining = heartbeat_seconds - (time.monotonic() - last_write)
                if remaining <= 0 or not await wakeup.wait(min(remaining, DISCONNECT_CHECK_SECONDS)):
                    if await is_disconnected():
                        return
                    if time.monotonic() - last_write >= heartbeat_seconds:
                        yield ": heartbeat\n\n"
                        last_write = time.monotonic()
    finally:
        logger.info("event stream closed actor=%s sent=%d position=%d", actor.actor_id, sent, after)
