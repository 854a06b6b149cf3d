"""The lock that lets only one worker run a projection at a time.

On PostgreSQL it is a session advisory lock, held by a dedicated
connection, so it is released when the worker's process dies, even by
SIGKILL. On SQLite it is an exclusive ``flock`` on a file next to the
database, which the kernel also releases when the process dies.
"""

import fcntl
import logging
import threading
import zlib
from pathlib import Path
from typing import IO, Any

from adapters.projections.database import ReadDatabase

logger = logging.getLogger(__name__)

# First key of the two-key advisory lock form; the second is a hash of the projection name.
_LOCK_NAMESPACE = 0x72657465


def advisory_key(name: str) -> tuple[int, int]:
    digest = zlib.crc32(name.encode())
    return _LOCK_NAMESPACE, digest - (1 << 32) if digest >= (1 << 31) else digest


class WorkerLock:
    """Exclusive right to run projection ``name``; ``connection`` stays open while it is held."""

    def __init__(self, db: ReadDatabase, name: str) -> None:
        self.db = db
        self.name = name
        self.connection: Any = None
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        if self.db.is_postgres:
            if self.connection is None:
                self.connection = self.db.connect_postgres()
            row = self.connection.execute(
                "SELECT pg_try_advisory_lock(%s, %s) AS acquired", advisory_key(self.name)
            ).fetchone()
            return bool(row["acquired"])
        path = lock_file_path(self.db, self.name)
        handle = path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def wait(self, stop: threading.Event, retry_seconds: float) -> bool:
        """Block as a standby until the lock is acquired (True) or ``stop`` is set (False)."""
        announced = False
        while not stop.is_set():
            if self.try_acquire():
                if announced:
                    logger.info("projection lock acquired after standby name=%s", self.name)
                return True
            if not announced:
                logger.info("projection standby name=%s: another worker holds the lock", self.name)
                announced = True
            stop.wait(retry_seconds)
        return False

    def release(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def lock_file_path(db: ReadDatabase, name: str) -> Path:
    assert db.sqlite_path is not None
    return db.sqlite_path.with_name(f"{db.sqlite_path.name}.{name}.lock")


def is_held(db: ReadDatabase, name: str) -> bool:
    """Tell whether some worker currently holds the lock of projection ``name``."""
    if db.is_postgres:
        classid, objid = advisory_key(name)
        with db.transaction() as cursor:
            cursor.execute(
                "SELECT count(*) AS holders FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid = (%s::bigint & 4294967295)::oid AND objid = (%s::bigint & 4294967295)::oid",
                (classid, objid),
            )
            return bool(cursor.fetchone()["holders"])
    probe = WorkerLock(db, name)
    if probe.try_acquire():
        probe.release()
        return False
    return True
