"""Projection workers: catch up in batches, then follow new events.

A worker first takes the projection's lock (a second worker waits as a
standby), then reads the notification log after its tracked position,
``batch_size`` events at a time, applying each batch and the new position
in one transaction. When a read returns nothing it waits for a PostgreSQL
notification (LISTEN) or, on SQLite, for the poll interval. After a batch
smaller than ``batch_size`` it waits ``settle_seconds`` before reading
again, so that under steady writes one transaction applies many events
instead of one each.
"""

import logging
import sqlite3
import threading
import time
from typing import Any

import psycopg

from adapters.projections import case_summary
from adapters.projections.batches import PositionMoved, apply_tracked_batch, decode, read_batch
from adapters.projections.database import ReadDatabase
from adapters.projections.worker_lock import WorkerLock

logger = logging.getLogger(__name__)

# Connection failures a worker survives by reconnecting; anything else is a fault and stops it.
RETRYABLE_ERRORS = (psycopg.OperationalError, sqlite3.OperationalError)


class ProjectionWorker:
    def __init__(
        self,
        app: Any,
        db: ReadDatabase,
        *,
        batch_size: int,
        poll_seconds: float,
        settle_seconds: float = 0.0,
        standby_seconds: float = 1.0,
        name: str = case_summary.NAME,
    ) -> None:
        self.app = app
        self.db = db
        self.name = name
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.standby_seconds = standby_seconds
        self.position = 0
        self.active = threading.Event()

    def run(self, stop: threading.Event, retry_seconds: float = 2.0) -> None:
        """Run until ``stop`` is set, reconnecting after connection failures."""
        while not stop.is_set():
            try:
                self._run_locked(stop)
                return
            except RETRYABLE_ERRORS as error:
                logger.warning("projection connection failed name=%s error=%s; retrying in %ss", self.name, error, retry_seconds)
                stop.wait(retry_seconds)

    def _run_locked(self, stop: threading.Event) -> None:
        lock = WorkerLock(self.db, self.name)
        if not lock.wait(stop, self.standby_seconds):
            lock.release()
            logger.info("projection standby stopped name=%s", self.name)
            return
        try:
            self.active.set()
            self.position = self.db.position(self.name)
            logger.info("projection started name=%s position=%d batch_size=%d", self.name, self.position, self.batch_size)
            if lock.connection is not None:
                lock.connection.execute(f'LISTEN "{self.app.recorder.channel_name}"')
            while not stop.is_set():
                applied = self.step()
                if applied == 0:
                    self._wait_for_events(stop, lock.connection)
                elif applied < self.batch_size and self.settle_seconds > 0:
                    # Caught up: the events written meanwhile then share the next batch's transaction.
                    stop.wait(self.settle_seconds)
        finally:
            self.active.clear()
            lock.release()
            logger.info("projection stopped name=%s position=%d", self.name, self.position)

    def step(self) -> int:
        """Apply the next batch, if any; return how many events it held."""
        notifications = read_batch(self.app, self.position, self.batch_size)
        if not notifications:
            return 0
        started = time.monotonic()
        events = decode(self.app, notifications)
        try:
            self.position = apply_tracked_batch(self.db, self.name, self.position, notifications, events)
        except PositionMoved as moved:
            self.position = self.db.position(self.name)
            logger.info("projection position moved name=%s: %s; resuming at %d", self.name, moved, self.position)
            return 0
        head = self.app.recorder.max_notification_id() or 0
        logger.info(
            "projection batch name=%s events=%d position=%d behind=%d seconds=%.3f",
            self.name, len(events), self.position, max(head - self.position, 0), time.monotonic() - started,
        )  # fmt: skip
        return len(events)

    def _wait_for_events(self, stop: threading.Event, connection: Any) -> None:
        if connection is None:
            stop.wait(self.poll_seconds)
            return
        # A notification wakes the worker early; the timeout also covers one sent before LISTEN.
        for _ in connection.notifies(timeout=self.poll_seconds, stop_after=1):
            pass


class ProjectionThread:
    """A worker run in a background thread of the current process (API server, tests)."""

    def __init__(self, worker: ProjectionWorker) -> None:
        self.worker = worker
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"projection-{worker.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self.worker.run(self._stop)
        except BaseException as error:
            self.error = error
            logger.exception("projection failed name=%s", self.worker.name)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def position(self) -> int:
        return self.worker.db.position(self.worker.name)

    def wait_for(self, position: int | None, timeout: float = 5.0) -> bool:
        """Block until the read model has applied ``position``; return False on timeout or failure."""
        if not position:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.position() >= position:
                return True
            if self.error is not None:
                return False
            time.sleep(0.02)
        return False
