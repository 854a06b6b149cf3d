"""The schema check that commands working on an existing database run before they open the store."""

import sqlite3
from pathlib import Path

import psycopg

from adapters.schema_check import POSTGRES_APPEND_FUNCTION, missing_schema_objects, schema_objects
from adapters.settings import Settings
from adapters.store import migrate


def postgres_tables(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return sorted(row[0] for row in rows)


def sqlite_tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    return sorted(row[0] for row in rows)


def test_check_lists_what_migrate_creates(settings: Settings) -> None:
    assert missing_schema_objects(settings) == list(schema_objects(settings))

    migrate(settings)

    assert missing_schema_objects(settings) == []
    if settings.is_postgres:
        tables = postgres_tables(settings.database_url)
    else:
        tables = sqlite_tables(settings.sqlite_path())
    expected = [name for name in schema_objects(settings) if name != POSTGRES_APPEND_FUNCTION]
    assert tables == sorted(expected)
