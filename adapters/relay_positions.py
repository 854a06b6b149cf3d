"""The relay's position: the last feed position JetStream acknowledged, per relay name.

The relay writes it only after JetStream acknowledged every event up to it,
so a relay restarted at any point resumes after an acknowledged event and
re-sends at most the events whose acknowledgement it did not record.
"""

import sqlite3
from pathlib import Path

import psycopg

POSITIONS_TABLE = "relay_positions"


class PostgresRelayPositions:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._connection: psycopg.Connection | None = None

    def _connect(self) -> psycopg.Connection:
        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(self.database_url, autocommit=True)
        return self._connection

    def create_table(self) -> None:
        self._connect().execute(
            f"CREATE TABLE IF NOT EXISTS {POSITIONS_TABLE} ("
            "relay_name text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())"
        )

    def load(self, relay_name: str) -> int:
        row = self._connect().execute(
            f"SELECT position FROM {POSITIONS_TABLE} WHERE relay_name = %s", (relay_name,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def save(self, relay_name: str, position: int) -> None:
        """Record ``position``; a lower position than the stored one is ignored."""
        self._connect().execute(
            f"INSERT INTO {POSITIONS_TABLE} (relay_name, position) VALUES (%s, %s) "
            f"ON CONFLICT (relay_name) DO UPDATE SET position = excluded.position, updated_at = now() "
            f"WHERE {POSITIONS_TABLE}.position < excluded.position",
            (relay_name, position),
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


class SQLiteRelayPositions:
    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)

    def create_table(self) -> None:
        self._connection.execute(
            f"CREATE TABLE IF NOT EXISTS {POSITIONS_TABLE} (relay_name TEXT PRIMARY KEY, position INTEGER NOT NULL, "
            "updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
        )

    def load(self, relay_name: str) -> int:
        row = self._connection.execute(
            f"SELECT position FROM {POSITIONS_TABLE} WHERE relay_name = ?", (relay_name,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def save(self, relay_name: str, position: int) -> None:
        """Record ``position``; a lower position than the stored one is ignored."""
        self._connection.execute(
            f"INSERT INTO {POSITIONS_TABLE} (relay_name, position) VALUES (?, ?) "
            "ON CONFLICT (relay_name) DO UPDATE SET position = excluded.position, "
            "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
            f"WHERE {POSITIONS_TABLE}.position < excluded.position",
            (relay_name, position),
        )

    def close(self) -> None:
        self._connection.close()
