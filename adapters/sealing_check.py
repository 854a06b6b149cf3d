"""Check, in the events' transaction, that every key sealing the new events may still seal them.

The mapper seals personal fields under a key it may have taken from its
process's cache. Before the events commit, the recorder reads each used key
with the case's current dentist in the same transaction: the key must be
unerased and belong to that dentist. On PostgreSQL the function in
``adapters.postgres_append`` runs this check and locks the key rows ``FOR
SHARE``. An erasure (an UPDATE of those rows) then either commits first and
makes the check fail, or waits until these events are stored and makes them
unreadable with the rest. On SQLite ``check_sealing_keys`` runs the check,
and the write transaction already excludes every other writer.
"""

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

# A sealed value in the compact JSON of a stored state. A quote inside a JSON string is escaped,
# so text written by a user cannot produce this pattern.
_SEALED_KEY = re.compile(rb'"_sealed_":"([0-9a-f]{32})\.')

_SQLITE = (
    "SELECT k.key_id FROM subject_keys k WHERE k.key_id IN ({ids}) AND k.erased_at IS NULL "
    "AND k.pseudonym = (SELECT s.pseudonym FROM case_subjects s WHERE s.case_id = ? "
    "ORDER BY s.linked_at DESC LIMIT 1)"
)


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
