"""Event recorders that also store idempotency records, audit links and access rows in the events' transaction.

A command that arrives with an ``Idempotency-Key`` is saved with
``idempotency=IdempotencyRecord(...)``. The recorder inserts that record in
the same transaction as the events, so a request is either recorded with
its response or not recorded at all. A concurrent retry with the same key
fails on the record's primary key and reads the winner's response instead.

Each inserted event is also linked into the audit hash chain
(``adapters.audit_ledger``) in that transaction, after the events table is
locked for writing, so links follow commit order. In that transaction the
recorder also checks the keys that sealed the events' personal fields
(``adapters.sealing_check``). It inserts the personal-data access row of the
command's response there too (``save(case, access=AccessRecord(...))``), so
the read is logged if and only if the command is stored.

On PostgreSQL all of this is one call of a PL/pgSQL function
(``adapters.postgres_append``). On SQLite the recorder runs the statements
one by one in the library's write transaction.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from threading import Event, Thread
from typing import Any

from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    ListenNotifySubscription,
    OperationalError,
    StoredEvent,
    Subscription,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry
import psycopg
from psycopg.sql import SQL

from adapters.access_log import AccessRecord, insert_access
from adapters.audit_ledger import SQLITE_AUDIT_TABLES, AuditLedger, PostgresAuditLedger, SQLiteAuditLedger
from adapters.postgres_append import (
    SEALING_KEYS_CHANGED,
    call_arguments,
    call_statement,
    create_function_statement,
)
from adapters.sealing_check import SealingKeyChanged, check_sealing_keys

IDEMPOTENCY_TABLE = "idempotency_keys"


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first response to a request, kept under the actor and the client's key.

    Only the case id and version the response showed are kept, never the
    rendered body: the body contains personal data, which lives sealed in the
    events alone. A replay renders the case at that version again.
    """

    actor_id: str
    key: str
    request_hash: str
    status_code: int
    case_id: str
    case_version: int
    headers: dict[str, str]

    def row(self) -> tuple[str, str, str, int, str, int, str]:
        return (
            self.actor_id,
            self.key,
            self.request_hash,
            self.status_code,
            self.case_id,
            self.case_version,
            json.dumps(self.headers),
        )

    @classmethod
    def from_row(cls, row: Any) -> "IdempotencyRecord":
        return cls(
            actor_id=row["actor_id"],
            key=row["idempotency_key"],
            request_hash=row["request_hash"],
            status_code=row["status_code"],
            case_id=row["case_id"],
            case_version=row["case_version"],
            headers=json.loads(row["headers"]),
        )


class SQLiteCaseRecorder(SQLiteApplicationRecorder):
    """SQLite recorder with idempotency records and a polling subscription."""

    poll_interval = 0.2

    def __init__(self, datastore: Any, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.audit_ledger: AuditLedger = SQLiteAuditLedger(self.datastore.transaction, self.events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *SQLITE_AUDIT_TABLES,
            f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} ("
            "actor_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, request_hash TEXT NOT NULL, "
            "status_code INTEGER NOT NULL, case_id TEXT NOT NULL, case_version INTEGER NOT NULL, headers TEXT NOT NULL, "
            "recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), "
            "PRIMARY KEY (actor_id, idempotency_key))",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute(
                f"INSERT INTO {IDEMPOTENCY_TABLE} "
                "(actor_id, idempotency_key, request_hash, status_code, case_id, case_version, headers) VALUES (?,?,?,?,?,?,?)",
                record.row(),
            )
        returning = super()._insert_events(c, stored_events, **kwargs)
        check_sealing_keys(c, stored_events)
        self.audit_ledger.append(c, stored_events, kwargs.get("recorded_at") or {})
        _insert_access(c, kwargs.get("access"), is_postgres=False)
        return returning

    def find_idempotency_record(self, actor_id: str, key: str) -> IdempotencyRecord | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {IDEMPOTENCY_TABLE} WHERE actor_id=? AND idempotency_key=?",
                (actor_id, key),
            )
            row = c.fetchone()
        return None if row is None else IdempotencyRecord.from_row(row)

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[ApplicationRecorder]:
        return PollingSubscription(recorder=self, gt=gt, topics=topics, interval=self.poll_interval)


class PostgresCaseRecorder(PostgresApplicationRecorder):
    """PostgreSQL recorder that stores a command's events with its records in one function call."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = self.datastore.schema
        self.idempotency_table = f'"{schema}".{IDEMPOTENCY_TABLE}'
        self.sql_create_statements.append(
            SQL(
                f"CREATE TABLE IF NOT EXISTS {self.idempotency_table} ("
                "actor_id text NOT NULL, idempotency_key text NOT NULL, request_hash text NOT NULL, "
                "status_code integer NOT NULL, case_id text NOT NULL, case_version bigint NOT NULL, headers text NOT NULL, "
                "recorded_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (actor_id, idempotency_key))"
            )
        )
        ledger = PostgresAuditLedger(self.datastore.transaction, schema, events_table_name)
        self.sql_create_statements.extend(SQL(statement) for statement in ledger.create_statements())  # type: ignore[misc]
        self.audit_ledger: AuditLedger = ledger
        self.sql_create_statements.append(
            SQL(create_function_statement(schema, events_table_name, self.idempotency_table, self.channel_name))  # type: ignore[arg-type]
        )
        self.append_statement = call_statement(schema, events_table_name)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # One statement, so the events table is locked for the server's work alone; see adapters.postgres_append.
        if not stored_events:
            return []
        arguments = call_arguments(
            stored_events,
            self.datastore.lock_timeout,
            kwargs.get("recorded_at") or {},
            kwargs.get("idempotency"),
            kwargs.get("access"),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute(self.append_statement, arguments, prepare=True)
            except psycopg.Error as error:
                if error.sqlstate == SEALING_KEYS_CHANGED:
                    raise SealingKeyChanged((error.diag.message_detail or "").split(",")) from None
                raise
            row = curs.fetchone()
            assert row is not None
            self.audit_ledger.checkpoint_if_due(curs, row["first_position"] - 1, row["last_position"], row["last_link"])
        return row["notification_ids"]

    def find_idempotency_record(self, actor_id: str, key: str) -> IdempotencyRecord | None:
        # Pool connections are in autocommit mode, so the single SELECT needs no BEGIN and ROLLBACK.
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                f"SELECT * FROM {self.idempotency_table} "  # type: ignore[arg-type]
                "WHERE actor_id=%s AND idempotency_key=%s",
                (actor_id, key),
            )
            row = curs.fetchone()
        return None if row is None else IdempotencyRecord.from_row(row)


def _insert_access(cursor: Any, record: AccessRecord | None, *, is_postgres: bool) -> None:
    if record is not None and record.case_ids:
        insert_access(cursor, record, is_postgres=is_postgres)


class PollingSubscription(ListenNotifySubscription[ApplicationRecorder]):
    """A subscription for stores without notifications: it pulls new events every ``interval`` seconds."""

    def __init__(self, recorder: ApplicationRecorder, gt: int | None, topics: Sequence[str], interval: float) -> None:
        self._interval = interval
        self._stopped = Event()
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._ticker = Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self) -> None:
        while not self._stopped.wait(self._interval):
            self._has_been_notified.set()

    def stop(self) -> None:
        self._stopped.set()
        super().stop()
