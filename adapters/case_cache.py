"""Recently saved cases kept in memory, so a command replays only the events it has not seen.

The cache does not decide what is stored. A command first runs on the
cached case without reading the database. Saving then fails if any writer,
in this process or another, appended to the case since, and the command
runs again on the case as stored, as it does when it fails on the cached
one. Reads (``RetentionCases.get_case``) apply every event stored after the
cached version before they return the case. Each cached case is one this
process committed. Nothing mutates it afterwards, because readers get a
copy: new lists over the same immutable items when every attribute is an
immutable value or a list of them, as the aggregate's are, else a deep copy.

Cached cases hold the dentist's personal fields decrypted. An erasure
appends ``PersonalDataErased`` to each of the dentist's cases, and
``get_case`` reloads a case from the store when that event is among the
newer ones. Entries also expire after ``max_age_seconds``, which the
application sets to how long it caches dentists' keys, so a process shows
erased data no longer than it could decrypt it.
"""

import copy
import dataclasses
import threading
import time
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from domain.retention_case import RetentionCase


_IMMUTABLE_TYPES = (str, bytes, int, float, bool, type(None), date, Decimal, UUID, Enum)


class CaseCache:
    """A thread-safe LRU map from case id to the last case this process saved, with the time it was saved."""

    def __init__(self, max_size: int, max_age_seconds: float) -> None:
        self.max_size = max_size
        self.max_age_seconds = max_age_seconds
        self._cases: OrderedDict[UUID, tuple[float, RetentionCase, bool]] = OrderedDict()
        self._lock = threading.Lock()

    def copy_of(self, case_id: UUID) -> RetentionCase | None:
        """Return a private copy of the cached case, or None when it is not cached or has expired."""
        with self._lock:
            entry = self._cases.get(case_id)
            if entry is None:
                return None
            saved_at, cached, lists_only = entry
            if time.monotonic() - saved_at > self.max_age_seconds:
                del self._cases[case_id]
                return None
            self._cases.move_to_end(case_id)
        return _copy_lists(cached) if lists_only else copy.deepcopy(cached)

    def put(self, case: RetentionCase) -> None:
        """Keep ``case``, just committed, unless a newer version of it is already kept."""
        if self.max_size <= 0:
            return
        with self._lock:
            stored = self._cases.get(case.id)
            if stored is not None and stored[1].version > case.version:
                return
            checked = stored[1] if stored is not None and stored[2] else None
            self._cases[case.id] = (time.monotonic(), case, _only_lists_are_mutable(case, checked))
            self._cases.move_to_end(case.id)
            while len(self._cases) > self.max_size:
                self._cases.popitem(last=False)

    def __len__(self) -> int:
        return len(self._cases)


def _copy_lists(case: RetentionCase) -> RetentionCase:
    """Return a copy of ``case`` with new lists, sharing the immutable values with it."""
    clone = copy.copy(case)
    for name, value in vars(case).items():
        if type(value) is list:
            vars(clone)[name] = list(value)
    return clone


def _only_lists_are_mutable(case: RetentionCase, checked: RetentionCase | None = None) -> bool:
    """Tell whether every attribute of ``case`` is immutable or a list of immutable items.

    ``checked`` is an earlier version of the case that passed this test. Values
    ``case`` shares with it, the same objects, are not examined again, so a
    case copied from the cache costs only the items its command added.
    """
    known = vars(checked) if checked is not None else {}
    for name, value in vars(case).items():
        earlier = known.get(name)
        if value is earlier:
            continue
        if type(value) is list:
            start = _shared_prefix(value, earlier)
            if not all(_is_immutable(item) for item in value[start:]):
                return False
        elif not _is_immutable(value):
            return False
    return True


def _shared_prefix(items: list[Any], earlier: Any) -> int:
    """Return how many leading items of ``items`` are the very objects at the start of the list ``earlier``."""
    if type(earlier) is not list or len(earlier) > len(items):
        return 0
    for index, item in enumerate(earlier):
        if item is not items[index]:
            return 0
    return len(earlier)


def _is_immutable(value: Any) -> bool:
    if isinstance(value, _IMMUTABLE_TYPES):
        return True
    if type(value) in (tuple, frozenset):
        return all(_is_immutable(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return all(_is_immutable(getattr(value, field.name)) for field in dataclasses.fields(value))
    return False
