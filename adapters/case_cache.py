"""Recently saved cases kept in memory, so a command replays only the events it has not seen.

The cache does not replace reading the database. Before a command runs
on a cached case, ``RetentionCases.get_case`` applies every event stored
after the cached version, by this process or any other, and saving still
fails if another writer appended first. Each cached case is one this
process committed. Nothing mutates it afterwards, because readers get a
deep copy.

Cached cases hold the dentist's personal fields decrypted. An erasure
appends ``PersonalDataErased`` to each of the dentist's cases, and
``get_case`` reloads a case from the store when that event is among the
newer ones. Entries also expire after ``max_age_seconds``, which the
application sets to how long it caches dentists' keys, so a process shows
erased data no longer than it could decrypt it.
"""

import copy
import threading
import time
from collections import OrderedDict
from uuid import UUID

from domain.retention_case import RetentionCase


class CaseCache:
    """A thread-safe LRU map from case id to the last case this process saved, with the time it was saved."""

    def __init__(self, max_size: int, max_age_seconds: float) -> None:
        self.max_size = max_size
        self.max_age_seconds = max_age_seconds
        self._cases: OrderedDict[UUID, tuple[float, RetentionCase]] = OrderedDict()
        self._lock = threading.Lock()

    def copy_of(self, case_id: UUID) -> RetentionCase | None:
        """Return a private copy of the cached case, or None when it is not cached."""
        with self._lock:
            entry = self._cases.get(case_id)
            if entry is None:
                return None
            saved_at, cached = entry
            if time.monotonic() - saved_at > self.max_age_seconds:
                del self._cases[case_id]
                return None
            self._cases.move_to_end(case_id)
        return copy.deepcopy(cached)

    def put(self, case: RetentionCase) -> None:
        """Keep ``case``, just committed, unless a newer version of it is already kept."""
        if self.max_size <= 0:
            return
        with self._lock:
            stored = self._cases.get(case.id)
            if stored is not None and stored[1].version > case.version:
                return
            self._cases[case.id] = (time.monotonic(), case)
            self._cases.move_to_end(case.id)
            while len(self._cases) > self.max_size:
                self._cases.popitem(last=False)

    def __len__(self) -> int:
        return len(self._cases)
