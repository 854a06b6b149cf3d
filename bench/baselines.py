"""The two baselines an HTTP command is compared with, on the same PostgreSQL database.

``LibraryClient`` runs a command the way the bare ``eventsourcing`` library
does: get the aggregate, trigger one event, save. Its events are padded to
the same stored size as the API's. ``RawInsertClient`` inserts one row of
that size and commits, which bounds what any event store can do here.
"""

from urllib.parse import unquote, urlparse
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

RAW_TABLE = "bench_raw_rows"


class Dossier(Aggregate):
    """A minimal aggregate with one kind of event, a note."""

    @event("Opened")
    def __init__(self) -> None:
        self.notes: list[str] = []

    @event("NoteAdded")
    def add_note(self, text: str) -> None:
        self.notes.append(text)


class BareLibrary(Application):
    """A plain ``eventsourcing`` application: default recorder and transcoder, no snapshots."""

    name = "BareLibrary"


def open_bare_library(database_url: str, pool_size: int) -> BareLibrary:
    parsed = urlparse(database_url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "CREATE_TABLE": "y",
        "POSTGRES_DBNAME": parsed.path.lstrip("/"),
        "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
    }
    return BareLibrary(env=env)


def note_of_size(app: BareLibrary, state_bytes: int) -> str:
    """Return a note text that makes a stored ``NoteAdded`` event ``state_bytes`` long (at least the empty one)."""
    probe = Dossier()
    probe.add_note("")
    empty = len(app.mapper.to_stored_event(probe.collect_events()[-1]).state)
    return ("nota " * state_bytes)[: max(0, state_bytes - empty)]


def stored_note_size(app: BareLibrary, text: str) -> int:
    probe = Dossier()
    probe.add_note(text)
    return len(app.mapper.to_stored_event(probe.collect_events()[-1]).state)


def open_dossiers(app: BareLibrary, count: int) -> list[UUID]:
    dossiers = [Dossier() for _ in range(count)]
    app.save(*dossiers)
    return [dossier.id for dossier in dossiers]


class LibraryClient:
    """Adds a note to its own dossiers in turn: get, trigger, save."""

    def __init__(self, app: BareLibrary, dossier_ids: list[UUID], text: str) -> None:
        self.app = app
        self.dossier_ids = dossier_ids
        self.text = text
        self.count = 0

    def run_once(self) -> None:
        dossier: Dossier = self.app.repository.get(self.dossier_ids[self.count % len(self.dossier_ids)])
        dossier.add_note(self.text)
        self.app.save(dossier)
        self.count += 1

    def close(self) -> None:
        pass


def create_raw_table(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (id bigserial PRIMARY KEY, payload bytea NOT NULL)")


class RawInsertClient:
    """Inserts one row and commits, on its own connection."""

    def __init__(self, database_url: str, payload: bytes) -> None:
        self.conn = psycopg.connect(database_url)
        self.payload = payload

    def run_once(self) -> None:
        self.conn.execute(f"INSERT INTO {RAW_TABLE} (payload) VALUES (%s)", (self.payload,), prepare=True)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()
