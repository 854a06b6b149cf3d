"""Reading the notification log in batches and folding a batch into a table.

A batch is applied in one transaction together with its tracking update:
either every event of the batch and the new position are stored, or none.
"""

from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from adapters.projections import case_summary
from adapters.projections.database import ReadDatabase
from domain.retention_case import RetentionCase


class PositionMoved(Exception):
    """Raised when the stored position differs from the one a batch was read after."""


def read_batch(app: Application, after: int, limit: int) -> list[Notification]:
    return list(app.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False))


def decode(app: Application, notifications: Sequence[Notification]) -> list[RetentionCase.Event]:
    # NOTE: decoding through the application's mapper (JSON, then unsealing personal fields) is the
    # largest cost of a rebuild, which keeps it well below the raw read rate of the events table.
    return [app.mapper.to_domain_event(notification) for notification in notifications]  # type: ignore[misc]


def fold_into(db: ReadDatabase, cursor: Any, table: str, events: Sequence[RetentionCase.Event]) -> None:
    """Apply ``events`` in order to the rows they touch, then write those rows back."""
    case_ids = list(dict.fromkeys(str(event.originator_id) for event in events))
    rows = db.load_rows(cursor, table, case_ids)
    for event in events:
        case_id = str(event.originator_id)
        rows[case_id] = case_summary.apply_event(rows.get(case_id), event)
    db.write_rows(cursor, table, (rows[case_id] for case_id in case_ids))


def apply_tracked_batch(
    db: ReadDatabase, name: str, after: int, notifications: Sequence[Notification], events: Sequence[RetentionCase.Event]
) -> int:
    """Fold a batch read after position ``after`` and store the new position; return it.

    Raises ``PositionMoved`` (and writes nothing) when another writer, such
    as a rebuild that swapped the table, changed the position meanwhile.
    """
    new_position = notifications[-1].id
    with db.transaction(write=True) as cursor:
        stored = db.read_position(cursor, name, for_update=True)
        if stored != after:
            raise PositionMoved(f"projection {name} is at {stored}, batch was read after {after}")
        fold_into(db, cursor, case_summary.NAME, events)
        db.set_position(cursor, name, new_position, len(events))
    return new_position
