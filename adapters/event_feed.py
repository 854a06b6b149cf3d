"""Reads the application's events in commit order, by notification position.

Positions are the event store's notification ids. They increase with commit
order (the PostgreSQL recorder inserts under a table lock, SQLite has a
single writer) but may skip numbers, for example after a rolled-back insert.
A reader that resumes after the last position it processed misses nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol

# Rows read from the store per query while looking for matching events.
SCAN_BATCH = 500


@dataclass(frozen=True)
class FeedItem:
    position: int
    event: DomainEventProtocol


@dataclass(frozen=True)
class FeedPage:
    """Matching events and the position a reader resumes after.

    ``next_after`` is at least the last item's position. With a case filter
    it can be further on, past events of other cases that were scanned.
    """

    items: list[FeedItem]
    next_after: int


def read_feed(
    app: Application,
    after: int,
    limit: int,
    *,
    topics: Sequence[str] = (),
    case_id: UUID | None = None,
    max_scanned: int = 10 * SCAN_BATCH,
) -> FeedPage:
    """Return up to ``limit`` events after position ``after``, oldest first.

    ``topics`` keeps only events of those types. ``case_id`` keeps only one
    case's events. That filter is applied while scanning, so a call reads at
    most ``max_scanned`` rows and may return a short page before the end of the feed.
    """
    items: list[FeedItem] = []
    cursor = after
    scanned = 0
    expected_case = None if case_id is None else str(case_id)
    while len(items) < limit and scanned < max_scanned:
        batch_size = limit if case_id is None else SCAN_BATCH
        notifications = app.recorder.select_notifications(
            start=cursor, limit=batch_size, topics=topics, inclusive_of_start=False
        )
        for notification in notifications:
            cursor = notification.id
            scanned += 1
            if expected_case is None or str(notification.originator_id) == expected_case:
                items.append(FeedItem(notification.id, app.mapper.to_domain_event(notification)))
                if len(items) == limit:
                    break
        if len(notifications) < batch_size:
            break
    return FeedPage(items=items, next_after=cursor)
