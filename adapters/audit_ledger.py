"""Tables of the hash chain and its signed checkpoints, for SQLite and PostgreSQL.

On SQLite ``append`` runs inside the transaction that inserts the events,
after the events table is locked for writing, so chain positions follow
commit order and a rolled-back write leaves no link behind. On PostgreSQL
the function in ``adapters.postgres_append`` appends the links in the same
way, and the recorder then calls ``checkpoint_if_due`` right after the
commit. The read methods serve the verifier and time travel.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from adapters.audit_chain import GENESIS_LINK, ChainEntry, canonical_instant, event_digest, next_link
from adapters.audit_signing import Checkpoint, CheckpointSigner

# Recording instants of the events being inserted, keyed by (case id, version).
RecordedAt = Mapping[tuple[UUID, int], datetime]


@dataclass(frozen=True)
class ChainHead:
    position: int
    link: bytes


class AuditLedger:
    """The SQL both databases share; subclasses supply table names and type conversions."""

    placeholder = "?"
    chain_table = "audit_chain"
    checkpoint_table = "audit_checkpoints"

    def __init__(self, transaction: Callable[..., AbstractContextManager[Any]], events_table: str) -> None:
        self._transaction = transaction
        self.events_table = events_table
        self.signer: CheckpointSigner | None = None
        self.checkpoint_interval = 10

    # Writing, inside the events' transaction

    def append(self, cursor: Any, stored_events: Sequence[StoredEvent], recorded_at: RecordedAt) -> None:
        head = self._head(cursor)
        position, link = head.position, head.link
        p = self.placeholder
        digests = chain_digests(stored_events, recorded_at)
        for stored, (case_id, instant, digest) in zip(stored_events, digests, strict=True):
            position += 1
            link = next_link(link, digest)
            cursor.execute(
                f"INSERT INTO {self.chain_table} "
                "(position, originator_id, originator_version, recorded_at, digest, link) "
                f"VALUES ({p},{p},{p},{p},{p},{p})",
                (position, self.id_to_db(case_id), stored.originator_version, self.instant_to_db(instant), digest, link),
            )
        self.checkpoint_if_due(cursor, head.position, position, link)

    def checkpoint_if_due(self, cursor: Any, previous: int, position: int, link: bytes) -> None:
        """Sign the head at ``position`` when the events just linked after ``previous`` crossed an interval."""
        if self.signer is not None and position // self.checkpoint_interval > previous // self.checkpoint_interval:
            self._insert_checkpoint(cursor, self.signer.sign(position, link, datetime.now(UTC)))

    def _insert_checkpoint(self, cursor: Any, checkpoint: Checkpoint) -> None:
        p = self.placeholder
        cursor.execute(
            f"INSERT INTO {self.checkpoint_table} (position, link, signed_at, key_id, signature) "
            f"VALUES ({p},{p},{p},{p},{p}) ON CONFLICT (position) DO NOTHING",
            (
                checkpoint.position,
                checkpoint.link,
                self.instant_to_db(checkpoint.signed_at),
                checkpoint.key_id,
                checkpoint.signature,
            ),
        )

    def _head(self, cursor: Any) -> ChainHead:
        cursor.execute(f"SELECT position, link FROM {self.chain_table} ORDER BY position DESC LIMIT 1")
        row = cursor.fetchone()
        if row is None:
            return ChainHead(0, GENESIS_LINK)
        return ChainHead(row["position"], bytes(row["link"]))

    def checkpoint_head(self, signer: CheckpointSigner) -> Checkpoint | None:
        """Sign the current head now, outside the periodic schedule; None for an empty chain.

        The head is read and the checkpoint written in separate transactions, so a
        write in between only makes the checkpoint cover a slightly older position.
        """
        head = self.head()
        if head.position == 0:
            return None
        checkpoint = signer.sign(head.position, head.link, datetime.now(UTC))
        with self._transaction(commit=True) as cursor:
            self._insert_checkpoint(cursor, checkpoint)
        return checkpoint

    # Reading

    def head(self) -> ChainHead:
        with self._transaction(commit=False) as cursor:
            return self._head(cursor)

    def entries(self, after: int = 0, limit: int = 1000) -> list[ChainEntry]:
        p = self.placeholder
        with self._transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT * FROM {self.chain_table} WHERE position > {p} ORDER BY position LIMIT {p}", (after, limit)
            )
            return [self._entry(row) for row in cursor.fetchall()]

    def iter_entries(self, batch: int = 1000) -> Iterator[ChainEntry]:
        after = 0
        while True:
            rows = self.entries(after, batch)
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].position

    def case_entries(self, case_id: UUID) -> list[ChainEntry]:
        p = self.placeholder
        with self._transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT * FROM {self.chain_table} WHERE originator_id = {p} ORDER BY originator_version",
                (self.id_to_db(case_id),),
            )
            return [self._entry(row) for row in cursor.fetchall()]

    def case_ids(self) -> list[UUID]:
        """List every case in the chain, in the order the cases were opened."""
        with self._transaction(commit=False) as cursor:
            cursor.execute(f"SELECT originator_id FROM {self.chain_table} WHERE originator_version = 1 ORDER BY position")
            return [self.id_from_db(row["originator_id"]) for row in cursor.fetchall()]

    def entry_at(self, position: int) -> ChainEntry | None:
        rows = self.entries(position - 1, 1)
        return rows[0] if rows and rows[0].position == position else None

    def stored_events(self, keys: Sequence[tuple[UUID, int]]) -> dict[tuple[UUID, int], StoredEvent]:
        """Fetch the stored rows of the given (case id, version) pairs, as they are in the table."""
        found: dict[tuple[UUID, int], StoredEvent] = {}
        by_case: dict[UUID, list[int]] = {}
        for case_id, version in keys:
            by_case.setdefault(case_id, []).append(version)
        p = self.placeholder
        with self._transaction(commit=False) as cursor:
            for case_id, versions in by_case.items():
                cursor.execute(
                    f"SELECT originator_id, originator_version, topic, state FROM {self.events_table} "
                    f"WHERE originator_id = {p} AND originator_version >= {p} AND originator_version <= {p}",
                    (self.id_to_db(case_id), min(versions), max(versions)),
                )
                for row in cursor.fetchall():
                    key = (case_id, row["originator_version"])
                    found[key] = StoredEvent(case_id, row["originator_version"], row["topic"], bytes(row["state"]))
        return found

    def first_unchained_event(self, case_id: UUID | None = None) -> tuple[UUID, int] | None:
        """Find a stored event that has no link, the earliest by insertion order."""
        p = self.placeholder
        where = f"AND e.originator_id = {p}" if case_id is not None else ""
        params = (self.id_to_db(case_id),) if case_id is not None else ()
        with self._transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT e.originator_id, e.originator_version FROM {self.events_table} e "
                f"LEFT JOIN {self.chain_table} c ON c.originator_id = e.originator_id "
                "AND c.originator_version = e.originator_version "
                f"WHERE c.position IS NULL {where} ORDER BY {self.insertion_order} LIMIT 1",
                params,
            )
            row = cursor.fetchone()
        return None if row is None else (self.id_from_db(row["originator_id"]), row["originator_version"])

    def checkpoints(self) -> list[Checkpoint]:
        with self._transaction(commit=False) as cursor:
            cursor.execute(f"SELECT * FROM {self.checkpoint_table} ORDER BY position")
            return [
                Checkpoint(
                    position=row["position"],
                    link=bytes(row["link"]),
                    signed_at=self.instant_from_db(row["signed_at"]),
                    key_id=row["key_id"],
                    signature=bytes(row["signature"]),
                )
                for row in cursor.fetchall()
            ]

    def version_at(self, case_id: UUID, instant: datetime) -> int | None:
        """Return the last version of the case recorded at or before ``instant``; None if none was."""
        p = self.placeholder
        with self._transaction(commit=False) as cursor:
            # NOTE: this walks the (case, instant) index backwards, which assumes a case's recording
            # instants grow with its versions, as they do when one clock stamps its events.
            cursor.execute(
                f"SELECT originator_version FROM {self.chain_table} "
                f"WHERE originator_id = {p} AND recorded_at <= {p} "
                "ORDER BY recorded_at DESC, originator_version DESC LIMIT 1",
                (self.id_to_db(case_id), self.instant_to_db(instant)),
            )
            row = cursor.fetchone()
        return None if row is None else row["originator_version"]

    def _entry(self, row: Any) -> ChainEntry:
        return ChainEntry(
            position=row["position"],
            case_id=self.id_from_db(row["originator_id"]),
            version=row["originator_version"],
            recorded_at=self.instant_from_db(row["recorded_at"]),
            digest=bytes(row["digest"]),
            link=bytes(row["link"]),
        )

    # Dialect hooks

    insertion_order = "e.rowid"

    def id_to_db(self, case_id: UUID) -> Any:
        return case_id.hex

    def id_from_db(self, value: Any) -> UUID:
        return _as_uuid(value)

    def instant_to_db(self, instant: datetime) -> Any:
        return canonical_instant(instant)

    def instant_from_db(self, value: Any) -> datetime:
        return datetime.fromisoformat(value)


class SQLiteAuditLedger(AuditLedger):
    """Instants are stored as fixed-width UTC ISO-8601 text, so text order is time order."""


SQLITE_AUDIT_TABLES = [
    "CREATE TABLE IF NOT EXISTS audit_chain ("
    "position INTEGER PRIMARY KEY, originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
    "recorded_at TEXT NOT NULL, digest BLOB NOT NULL, link BLOB NOT NULL, "
    "UNIQUE (originator_id, originator_version))",
    "CREATE INDEX IF NOT EXISTS audit_chain_recorded ON audit_chain (originator_id, recorded_at, originator_version)",
    "CREATE TABLE IF NOT EXISTS audit_checkpoints ("
    "position INTEGER PRIMARY KEY, link BLOB NOT NULL, signed_at TEXT NOT NULL, "
    "key_id TEXT NOT NULL, signature BLOB NOT NULL)",
]


class PostgresAuditLedger(AuditLedger):
    placeholder = "%s"
    insertion_order = "e.notification_id"

    def __init__(self, transaction: Callable[..., AbstractContextManager[Any]], schema: str, events_table: str) -> None:
        super().__init__(transaction, f'"{schema}".{events_table}')
        self.chain_table = f'"{schema}".audit_chain'
        self.checkpoint_table = f'"{schema}".audit_checkpoints'

    def id_to_db(self, case_id: UUID) -> Any:
        return case_id

    def instant_to_db(self, instant: datetime) -> Any:
        return instant

    def instant_from_db(self, value: Any) -> datetime:
        return value

    def create_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.chain_table} ("
            "position bigint PRIMARY KEY, originator_id uuid NOT NULL, originator_version integer NOT NULL, "
            "recorded_at timestamptz NOT NULL, digest bytea NOT NULL, link bytea NOT NULL, "
            "UNIQUE (originator_id, originator_version))",
            f"CREATE INDEX IF NOT EXISTS audit_chain_recorded ON {self.chain_table} "
            "(originator_id, recorded_at, originator_version)",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoint_table} ("
            "position bigint PRIMARY KEY, link bytea NOT NULL, signed_at timestamptz NOT NULL, "
            "key_id text NOT NULL, signature bytea NOT NULL)",
        ]


def chain_digests(
    stored_events: Sequence[StoredEvent], recorded_at: RecordedAt
) -> list[tuple[UUID, datetime, bytes]]:
    """Return the case id, recording instant and chain digest of each stored event, in order."""
    digests = []
    for stored in stored_events:
        case_id = _as_uuid(stored.originator_id)
        instant = recorded_at.get((case_id, stored.originator_version)) or datetime.now(UTC)
        digest = event_digest(case_id, stored.originator_version, stored.topic, stored.state, instant)
        digests.append((case_id, instant, digest))
    return digests


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
