"""Wakes asynchronous readers of the event store when new events may have been committed.

On PostgreSQL the reader LISTENs on the channel that the ``eventsourcing``
recorder NOTIFYs in every insert, so it wakes right after a commit (a
notification is delivered only when the inserting transaction commits). On
SQLite there are no notifications, and the reader wakes every poll interval.
"""

import asyncio
import logging
from types import TracebackType

import anyio
import psycopg
from psycopg import sql

logger = logging.getLogger(__name__)


class PollingWakeup:
    """Wakes every ``interval`` seconds; for stores without notifications."""

    def __init__(self, interval: float) -> None:
        self.interval = interval

    async def __aenter__(self) -> "PollingWakeup":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def wait(self, timeout: float) -> bool:
        """Sleep until the next poll or ``timeout`` seconds; return True when it is time to read again."""
        await asyncio.sleep(min(timeout, self.interval))
        return timeout >= self.interval


class ListenWakeup:
    """Wakes when PostgreSQL delivers a notification on ``channel``.

    Each instance uses its own connection. LISTEN starts before the caller's
    first read, so a commit between a read and the next ``wait`` is not missed:
    its notification waits in the connection.
    """

    def __init__(self, database_url: str, channel: str) -> None:
        self.database_url = database_url
        self.channel = channel
        self._connection: psycopg.AsyncConnection | None = None

    async def __aenter__(self) -> "ListenWakeup":
        self._connection = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        await self._connection.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(self.channel)))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._connection is not None:
            # A client that disconnects cancels the stream; the shield lets the close finish anyway.
            with anyio.CancelScope(shield=True):
                await self._connection.close()
            self._connection = None

    async def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a notification; return True if one arrived."""
        assert self._connection is not None, "use ListenWakeup in 'async with'"
        received = False
        async for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            received = True
        if received:
            # Several commits may have notified; one read after them is enough.
            async for _ in self._connection.notifies(timeout=0.001):
                pass
        return received


def store_wakeup(database_url: str, channel: str | None, poll_interval: float) -> ListenWakeup | PollingWakeup:
    """Return a LISTEN wake-up for PostgreSQL (``channel`` set) and a polling one otherwise."""
    if channel is not None and database_url.startswith(("postgresql://", "postgres://")):
        return ListenWakeup(database_url, channel)
    return PollingWakeup(poll_interval)
