"""Check, in the events' transaction, that every key sealing the new events may still seal them.

The mapper seals personal fields under a key it may have taken from its
process's cache. Before the events commit, the recorder reads each used key
with the case's current dentist in the same transaction: the key must be
unerased and belong to that dentist. On PostgreSQL the key rows are locked
``FOR SHARE``, so an erasure (an UPDATE of those rows) either commits first
and makes this check fail, or waits until these events are stored and then
makes them unreadable with the rest. On SQLite the write transaction
already excludes every other writer.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent

# A sealed value in the compact JSON of a stored state. A quote inside a JSON string is escaped,
# so text written by a user cannot produce this pattern.
_SEALED_KEY = re.compile(rb'"_sealed_":"([0-9a-f]{32})\.')

# One statement for every case of the batch, so it can be pipelined with the insert.
_POSTGRES = (
    "SELECT c.case_id, k.key_id FROM unnest(%s::text[], %s::text[]) AS c(case_id, key_id) "
    "JOIN subject_keys k ON k.key_id = c.key_id AND k.erased_at IS NULL "
    "AND k.pseudonym = (SELECT s.pseudonym FROM case_subjects s WHERE s.case_id = c.case_id "
    "ORDER BY s.linked_at DESC LIMIT 1) FOR SHARE OF k"
)
_SQLITE = (
    "SELECT k.key_id FROM subject_keys k WHERE k.key_id IN ({ids}) AND k.erased_at IS NULL "
    "AND k.pseudonym = (SELECT s.pseudonym FROM case_subjects s WHERE s.case_id = ? "
    "ORDER BY s.linked_at DESC LIMIT 1)"
)

_ABORT = "DO $$ BEGIN RAISE EXCEPTION 'sealing keys of the new events changed'; END $$"


class SealingKeyChanged(Exception):
    """Raised inside the events' transaction when a key that sealed them was erased or is not the case's."""

    def __init__(self, case_ids: list[str]) -> None:
        super().__init__(f"sealing keys of cases {case_ids} changed; map the events again")
        self.case_ids = case_ids


def keys_by_case(stored_events: Sequence[StoredEvent]) -> dict[str, set[str]]:
    used: dict[str, set[str]] = defaultdict(set)
    for stored in stored_events:
        found = _SEALED_KEY.findall(stored.state)
        if found:
            used[str(stored.originator_id)].update(key_id.decode() for key_id in found)
    return used


def check_sealing_keys(cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
    """SQLite: raise ``SealingKeyChanged`` unless every key used by ``stored_events`` is usable for its case."""
    stale = []
    for case_id, key_ids in keys_by_case(stored_events).items():
        cursor.execute(_SQLITE.format(ids=",".join("?" * len(key_ids))), (*sorted(key_ids), case_id))
        if {row["key_id"] for row in cursor.fetchall()} != key_ids:
            stale.append(case_id)
    if stale:
        raise SealingKeyChanged(stale)


class PostgresSealingCheck:
    """PostgreSQL: ``start`` sends the check without waiting, ``verify`` reads its rows once the pipeline synced."""

    def __init__(self, cursor: Any, stored_events: Sequence[StoredEvent]) -> None:
        self.cursor = cursor
        self.used = keys_by_case(stored_events)

    def start(self) -> None:
        pairs = [(case_id, key_id) for case_id, key_ids in self.used.items() for key_id in sorted(key_ids)]
        if pairs:
            self.cursor.execute(_POSTGRES, ([case for case, _ in pairs], [key for _, key in pairs]))

    def verify(self) -> None:
        if not self.used:
            return
        usable: dict[str, set[str]] = defaultdict(set)
        for row in self.cursor.fetchall():
            usable[row["case_id"]].add(row["key_id"])
        stale = [case_id for case_id, key_ids in self.used.items() if usable.get(case_id) != key_ids]
        if stale:
            self._abort_transaction()
            raise SealingKeyChanged(stale)

    def _abort_transaction(self) -> None:
        # The library's insert_events catches the exception raised here and leaves its transaction block
        # normally, which commits unless the server already failed the transaction. An error raised
        # by the server makes that commit a rollback, as with a duplicate event.
        try:
            with self.cursor.connection.pipeline() as pipeline:
                self.cursor.execute(_ABORT)
                pipeline.sync()
        except psycopg.errors.RaiseException:
            pass

