"""How far each projection is behind the event store, in events and in seconds."""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from adapters.projections.batches import decode, read_batch
from adapters.projections.database import ReadDatabase
from adapters.projections.worker_lock import is_held

@dataclass(frozen=True)
class ProjectionLag:
    name: str
    position: int
    head: int
    events_behind: int
    seconds_behind: float
    updated_at: str | None
    worker_active: bool


def projection_lag(app: Any, db: ReadDatabase, name: str) -> ProjectionLag:
    """Measure lag: unapplied events, and the age of the oldest unapplied one."""
    tracking = db.tracking_row(name) or {}
    position = int(tracking.get("position", 0))
    head = app.recorder.max_notification_id() or 0
    with db.transaction() as cursor:
        # Counted rather than subtracted, because notification ids may have gaps.
        id_column = "notification_id" if db.is_postgres else "rowid"
        statement = f"SELECT count(*) AS behind FROM {events_table(app, db)} WHERE {id_column} > %s"
        cursor.execute(db.sql(statement), (position,))
        behind = int(cursor.fetchone()["behind"])
    seconds = 0.0
    if behind:
        oldest = decode(app, read_batch(app, position, 1))
        if oldest:
            seconds = max((datetime.now(timezone.utc) - oldest[0].timestamp).total_seconds(), 0.0)
    return ProjectionLag(
        name=name,
        position=position,
        head=head,
        events_behind=behind,
        seconds_behind=round(seconds, 3),
        updated_at=tracking.get("updated_at"),
        worker_active=is_held(db, name),
    )


def events_table(app: Any, db: ReadDatabase) -> str:
    recorder = app.recorder
    if db.is_postgres:
        return f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
    return recorder.events_table_name
