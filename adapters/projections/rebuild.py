"""Rebuild a read model from the first event into a new table, then swap it in.

The new table is filled in batches while the live table keeps serving
queries and the live worker keeps following. Once a read comes back
short, the swap runs in one transaction that locks the projection's
tracking row (``FOR UPDATE``, or ``BEGIN IMMEDIATE`` on SQLite). It folds
the last events, replaces the live table with the new one, creates the
indexes and stores the rebuilt position. A live worker's next batch then
finds its position moved and resumes after the rebuilt one.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from typing import Any

from adapters.projections import PROJECTION_NAMES, case_summary
from adapters.projections.fast_fold import EventReader, FastFold
from adapters.projections.database import ReadDatabase

logger = logging.getLogger(__name__)

# Called after each batch with (events done so far, events in the store when the rebuild started).
Progress = Callable[[int, int], None]


class UnknownProjection(ValueError):
    pass


def rebuild(app: Any, db: ReadDatabase, name: str, *, batch_size: int = 5000, progress: Progress | None = None) -> int:
    """Rebuild projection ``name`` and return the position it was rebuilt up to."""
    if name not in PROJECTION_NAMES:
        raise UnknownProjection(name)
    table = f"{name}_rebuild"
    started = time.monotonic()
    total = count_events(app, db)
    with db.transaction(write=True) as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(case_summary.create_table_sql(table))
    logger.info("rebuild started name=%s events=%d", name, total)

    folder = FastFold(app)
    events = EventReader(app, db)
    position, done = 0, 0
    try:
        # Read-ahead: the next batch is fetched in a thread while this one is folded and written.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"rebuild-{name}") as reader:
            batch = events.read(position, batch_size)
            while len(batch) == batch_size:
                upcoming = reader.submit(events.read, batch[-1].id, batch_size)
                with db.transaction(write=True) as cursor:
                    folder.fold_into(db, cursor, table, batch)
                position = batch[-1].id
                done += len(batch)
                if progress:
                    progress(done, total)
                batch = upcoming.result()

        with db.transaction(write=True) as cursor:
            db.read_position(cursor, name, for_update=True)
            while batch:
                folder.fold_into(db, cursor, table, batch)
                position = batch[-1].id
                done += len(batch)
                batch = events.read(position, batch_size)
            _swap(db, cursor, table, name)
            db.set_position(cursor, name, position, done, reset=True)
    finally:
        events.close()
    if progress:
        progress(done, max(total, done))
    logger.info("rebuild finished name=%s events=%d position=%d seconds=%.1f", name, done, position, time.monotonic() - started)
    return position


def _swap(db: ReadDatabase, cursor: Any, table: str, name: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"ALTER TABLE {table} RENAME TO {name}")
    if db.is_postgres:
        cursor.execute(f"ALTER TABLE {name} RENAME CONSTRAINT {table}_pkey TO {name}_pkey")
    for statement in case_summary.create_index_sql(name):
        cursor.execute(statement)


def count_events(app: Any, db: ReadDatabase) -> int:
    from adapters.projections.lag import events_table

    with db.transaction() as cursor:
        cursor.execute(f"SELECT count(*) AS events FROM {events_table(app, db)}")
        return int(cursor.fetchone()["events"])
