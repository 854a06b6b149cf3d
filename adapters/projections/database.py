"""Connections and SQL for the read-model tables, on SQLite or PostgreSQL.

Statements are written once with ``%s`` placeholders; ``ReadDatabase.sql``
rewrites them to ``?`` for SQLite. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so that, like ``SELECT ... FOR UPDATE`` on PostgreSQL,
two writers of the same projection are serialized.
"""

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from adapters.projections import case_summary
from adapters.settings import Settings

logger = logging.getLogger(__name__)

TRACKING_TABLE = "projection_tracking"

# SQLite refuses statements with more than 32 766 parameters; rows are loaded in chunks below that.
_SQLITE_CHUNK = 900


class ReadDatabase:
    """The read-model side of the configured database."""

    def __init__(self, settings: Settings) -> None:
        self.is_postgres = settings.is_postgres
        self.url = settings.database_url
        self.sqlite_path: Path | None = None if self.is_postgres else settings.sqlite_path()
        self._pool: ConnectionPool | None = None
        if self.is_postgres:
            self._pool = ConnectionPool(
                self.url, min_size=1, max_size=4, kwargs={"row_factory": dict_row}, open=True, name="read-models"
            )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def sql(self, statement: str) -> str:
        return statement if self.is_postgres else statement.replace("%s", "?")

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Any]:
        """Yield a cursor in one transaction; reads see one snapshot of the database."""
        if self._pool is not None:
            with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
                if not write:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                yield cursor
            return
        conn = self.connect_sqlite()
        try:
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield cursor
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()

    def connect_sqlite(self) -> sqlite3.Connection:
        assert self.sqlite_path is not None
        conn = sqlite3.connect(self.sqlite_path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = _dict_factory
        return conn

    def connect_postgres(self) -> psycopg.Connection[Any]:
        """Open a dedicated autocommit connection, for advisory locks and LISTEN."""
        return psycopg.connect(self.url, autocommit=True, row_factory=dict_row)

    # Schema

    def create_tables(self) -> None:
        with self.transaction(write=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} (name TEXT PRIMARY KEY, position BIGINT NOT NULL, "
                "events_applied BIGINT NOT NULL, updated_at TEXT NOT NULL)"
            )
            cursor.execute(case_summary.create_table_sql(case_summary.NAME))
            for statement in case_summary.create_index_sql(case_summary.NAME):
                cursor.execute(statement)

    # Tracking

    def read_position(self, cursor: Any, name: str, *, for_update: bool = False) -> int:
        lock = " FOR UPDATE" if for_update and self.is_postgres else ""
        cursor.execute(self.sql(f"SELECT position FROM {TRACKING_TABLE} WHERE name = %s{lock}"), (name,))
        row = cursor.fetchone()
        return 0 if row is None else int(row["position"])

    def tracking_row(self, name: str) -> dict[str, Any] | None:
        with self.transaction() as cursor:
            cursor.execute(self.sql(f"SELECT * FROM {TRACKING_TABLE} WHERE name = %s"), (name,))
            return cursor.fetchone()

    def position(self, name: str) -> int:
        with self.transaction() as cursor:
            return self.read_position(cursor, name)

    def set_position(self, cursor: Any, name: str, position: int, applied: int, *, reset: bool = False) -> None:
        now = datetime.now(timezone.utc).isoformat()
        total = "excluded.events_applied" if reset else f"{TRACKING_TABLE}.events_applied + excluded.events_applied"
        cursor.execute(
            self.sql(
                f"INSERT INTO {TRACKING_TABLE} (name, position, events_applied, updated_at) VALUES (%s, %s, %s, %s) "
                f"ON CONFLICT (name) DO UPDATE SET position = excluded.position, events_applied = {total}, "
                "updated_at = excluded.updated_at"
            ),
            (name, position, applied, now),
        )

    # Rows

    def load_rows(self, cursor: Any, table: str, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if self.is_postgres:
            cursor.execute(f"SELECT * FROM {table} WHERE case_id = ANY(%s)", (list(case_ids),))
            found.update((row["case_id"], row) for row in cursor.fetchall())
            return found
        for start in range(0, len(case_ids), _SQLITE_CHUNK):
            chunk = case_ids[start : start + _SQLITE_CHUNK]
            cursor.execute(f"SELECT * FROM {table} WHERE case_id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update((row["case_id"], row) for row in cursor.fetchall())
        return found

    def write_rows(self, cursor: Any, table: str, rows: Iterable[dict[str, Any]]) -> None:
        columns = case_summary.COLUMNS
        updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column != "case_id")
        statement = self.sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT (case_id) DO UPDATE SET {updates}"
        )
        cursor.executemany(statement, [tuple(row[column] for column in columns) for row in rows])

    def erase_personal_data(self, case_id: str) -> None:
        """Set the personal columns of one case to NULL in the case summary."""
        assignments = ", ".join(f"{column} = NULL" for column in case_summary.PERSONAL_COLUMNS)
        with self.transaction(write=True) as cursor:
            cursor.execute(self.sql(f"UPDATE {case_summary.NAME} SET {assignments} WHERE case_id = %s"), (case_id,))


def _dict_factory(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}
