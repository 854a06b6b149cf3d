"""Lists the tables and function of the ``retencao migrate`` schema that the configured database lacks.

The check reads only the catalog (``information_schema`` and ``to_regproc``
on PostgreSQL, ``sqlite_master`` on SQLite). It creates no table, and on
SQLite it neither creates a missing database file nor its folder.
"""

import sqlite3

import psycopg

from adapters.postgres_append import function_name
from adapters.settings import Settings

# Tables on both backends. tests/test_cli_schema.py checks that `migrate` creates exactly these and the
# backend's events and snapshots tables.
COMMON_TABLES = (
    "idempotency_keys",
    "audit_chain",
    "audit_checkpoints",
    "subject_keys",
    "case_subjects",
    "projection_tracking",
    "case_summary",
    "personal_data_access",
)

# eventsourcing 9.5 names the events and snapshots tables after the application (RetentionCases) on
# PostgreSQL, and stored_events and stored_snapshots on SQLite.
# Settings sets no POSTGRES_SCHEMA, so the library creates its tables in the default schema, public.
POSTGRES_SCHEMA = "public"
POSTGRES_EVENTS_TABLE = "retentioncases_events"
POSTGRES_TABLES = (POSTGRES_EVENTS_TABLE, "retentioncases_snapshots", *COMMON_TABLES)
SQLITE_TABLES = ("stored_events", "stored_snapshots", *COMMON_TABLES)

# The function that appends a command's events with its records. Databases migrated by older versions lack it.
POSTGRES_APPEND_FUNCTION = function_name(POSTGRES_SCHEMA, POSTGRES_EVENTS_TABLE)


def schema_objects(settings: Settings) -> tuple[str, ...]:
    """Return the names of the tables, and on PostgreSQL the function, that a migrated database has."""
    if settings.is_postgres:
        return (*POSTGRES_TABLES, POSTGRES_APPEND_FUNCTION)
    return SQLITE_TABLES


def missing_schema_objects(settings: Settings) -> list[str]:
    """Return the names from ``schema_objects`` that the configured database lacks, in that order.

    Raises ``psycopg.OperationalError`` when PostgreSQL cannot be reached and
    ``sqlite3.DatabaseError`` when the SQLite file cannot be read as a database.
    """
    if settings.is_postgres:
        return _missing_on_postgres(settings.database_url)
    return _missing_on_sqlite(settings)


def _missing_on_postgres(database_url: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name = ANY(%s)",
            (POSTGRES_SCHEMA, list(POSTGRES_TABLES)),
        ).fetchall()
        function_row = conn.execute("SELECT to_regproc(%s) IS NOT NULL", (POSTGRES_APPEND_FUNCTION,)).fetchone()
    found = {row[0] for row in rows}
    if function_row is not None and function_row[0]:
        found.add(POSTGRES_APPEND_FUNCTION)
    return [name for name in (*POSTGRES_TABLES, POSTGRES_APPEND_FUNCTION) if name not in found]


def _missing_on_sqlite(settings: Settings) -> list[str]:
    path = settings.sqlite_path()
    if not path.exists():
        return list(SQLITE_TABLES)
    # Read-only, so the check cannot write. On a database in WAL mode SQLite still creates the
    # -wal and -shm files beside it, as any reader does, and leaves them for the next writer.
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    found = {row[0] for row in rows}
    return [name for name in SQLITE_TABLES if name not in found]
