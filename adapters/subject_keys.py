"""Key store of data subjects: one AES-256 key per dentist, wrapped by the master key.

A dentist is known here only by a pseudonym, the HMAC-SHA256 of the CPF
under the pseudonym key, so the store contains no plaintext CPF. Each key row
keeps the data key encrypted with AES-GCM under the wrapping key. Erasure
sets the wrapped key to NULL: every field sealed under it becomes
unreadable, while the events themselves stay as they were written.
``case_subjects`` links each case to the pseudonyms whose data it holds.
"""

import base64
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
import uuid
from datetime import datetime, timezone
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.master_keys import MasterKeys

logger = logging.getLogger(__name__)

NONCE_BYTES = 12

# Cases whose current dentist one process keeps for sealing; the map is emptied when full.
MAX_CACHED_CASES = 10_000

_CREATE = [
    "CREATE TABLE IF NOT EXISTS subject_keys ("
    "key_id TEXT PRIMARY KEY, pseudonym TEXT NOT NULL, wrapped_key TEXT, "
    "created_at TEXT NOT NULL, erased_at TEXT)",
    # At most one usable key per dentist; erased keys stay as a record of the erasure.
    "CREATE UNIQUE INDEX IF NOT EXISTS subject_keys_active ON subject_keys (pseudonym) WHERE erased_at IS NULL",
    "CREATE TABLE IF NOT EXISTS case_subjects ("
    "case_id TEXT NOT NULL, pseudonym TEXT NOT NULL, linked_at TEXT NOT NULL, "
    "PRIMARY KEY (case_id, pseudonym))",
    "CREATE INDEX IF NOT EXISTS case_subjects_pseudonym ON case_subjects (pseudonym)",
]


class SubjectKeyStore:
    """Creates, unwraps and destroys the per-dentist data keys, in the events' database."""

    def __init__(self, datastore: Any, *, is_postgres: bool, master: Callable[[], MasterKeys],
                 cache_seconds: float) -> None:  # fmt: skip
        self.datastore = datastore
        self.is_postgres = is_postgres
        # The master keys are read on first use, so opening a store that never touches personal data needs none.
        self._load_master = master
        self._master: MasterKeys | None = None
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, bytes | None]] = {}
        # Sealing side: each case's current dentist and each dentist's usable key, with their expiry.
        # The recorder checks in the events' transaction that a key taken from here is still usable
        # and belongs to the case's current dentist (``adapters.sealing_check``). A stale entry makes
        # the insert fail and the events be mapped again, so no data is sealed under a wrong or erased key.
        self._case_subjects: dict[str, tuple[float, str]] = {}
        self._active: dict[str, tuple[float, str, bytes]] = {}
        self._lock = threading.Lock()

    def create_tables(self) -> None:
        for statement in _CREATE:
            self._execute(statement, {})

    def pseudonym(self, cpf: str) -> str:
        """Return the keyed pseudonym of a CPF (11 digits)."""
        return hmac.new(self._keys().pseudonym_key, cpf.encode(), hashlib.sha256).hexdigest()

    # Keys

    def sealing_key(self, pseudonym: str) -> tuple[str, bytes]:
        """Return the dentist's usable key for sealing, from this process's cache when fresh."""
        with self._lock:
            cached = self._active.get(pseudonym)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        key_id, data_key = self.active_key(pseudonym)
        if self._cache_seconds > 0:
            with self._lock:
                self._active[pseudonym] = (time.monotonic() + self._cache_seconds, key_id, data_key)
        return key_id, data_key

    def case_subject(self, case_id: str) -> str | None:
        """Return the case's current dentist, from this process's cache when fresh."""
        with self._lock:
            cached = self._case_subjects.get(case_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        pseudonym = self.case_pseudonym(case_id)
        if pseudonym is not None:
            self._remember_subject(case_id, pseudonym)
        return pseudonym

    def forget_sealing(self, case_ids: Iterable[str]) -> None:
        """Drop the cached dentists of these cases and those dentists' cached keys."""
        with self._lock:
            for case_id in case_ids:
                cached = self._case_subjects.pop(case_id, None)
                if cached is not None:
                    self._active.pop(cached[1], None)

    def active_key(self, pseudonym: str) -> tuple[str, bytes]:
        """Return the usable key of a dentist, creating one if there is none (or only erased ones)."""
        found = self._fetch_one("SELECT key_id, wrapped_key FROM subject_keys WHERE pseudonym = :p AND erased_at IS NULL",
                                {"p": pseudonym})  # fmt: skip
        if found is None:
            key_id = uuid.uuid4().hex
            data_key = AESGCM.generate_key(bit_length=256)
            # A concurrent writer may create the key first; the unique index keeps only one.
            self._execute(
                "INSERT INTO subject_keys (key_id, pseudonym, wrapped_key, created_at) "
                "VALUES (:key_id, :p, :wrapped, :now) ON CONFLICT DO NOTHING",
                {"key_id": key_id, "p": pseudonym, "wrapped": self._wrap(key_id, data_key), "now": _now()},
            )
            found = self._fetch_one("SELECT key_id, wrapped_key FROM subject_keys WHERE pseudonym = :p "
                                    "AND erased_at IS NULL", {"p": pseudonym})  # fmt: skip
            assert found is not None
        key_id = found["key_id"]
        data_key = self._unwrap(key_id, found["wrapped_key"])
        self._remember(key_id, data_key)
        return key_id, data_key

    def data_key(self, key_id: str) -> bytes | None:
        """Return the unwrapped key, or None when it was erased.

        NOTE: a key erased by another process stays usable here until its cache entry expires.
        """
        with self._lock:
            cached = self._cache.get(key_id)
        if cached is not None and (cached[1] is None or cached[0] > time.monotonic()):
            return cached[1]
        row = self._fetch_one("SELECT wrapped_key FROM subject_keys WHERE key_id = :key_id", {"key_id": key_id})
        if row is None:
            raise LookupError(f"unknown subject key {key_id}")
        data_key = None if row["wrapped_key"] is None else self._unwrap(key_id, row["wrapped_key"])
        self._remember(key_id, data_key)
        return data_key

    def keys_of(self, pseudonym: str) -> list[dict[str, Any]]:
        return self._fetch_all(
            "SELECT key_id, created_at, erased_at FROM subject_keys WHERE pseudonym = :p ORDER BY created_at",
            {"p": pseudonym},
        )

    def erase(self, pseudonym: str) -> int:
        """Destroy every key of a dentist; return how many were still usable."""
        erased = self._fetch_all("SELECT key_id FROM subject_keys WHERE pseudonym = :p AND erased_at IS NULL",
                                 {"p": pseudonym})  # fmt: skip
        self._execute(
            "UPDATE subject_keys SET wrapped_key = NULL, erased_at = :now WHERE pseudonym = :p AND erased_at IS NULL",
            {"p": pseudonym, "now": _now()},
        )
        with self._lock:
            for row in erased:
                self._cache[row["key_id"]] = (0.0, None)
            self._active.pop(pseudonym, None)
        return len(erased)

    # Cases

    def link_case(self, case_id: str, pseudonym: str) -> None:
        """Record that ``case_id`` contains data of this dentist, as its most recent subject."""
        self._execute(
            "INSERT INTO case_subjects (case_id, pseudonym, linked_at) VALUES (:case_id, :p, :now) "
            "ON CONFLICT (case_id, pseudonym) DO UPDATE SET linked_at = excluded.linked_at",
            {"case_id": case_id, "p": pseudonym, "now": _now()},
        )
        self._remember_subject(case_id, pseudonym)

    def case_pseudonym(self, case_id: str) -> str | None:
        """Return the pseudonym of the case's current dentist (the most recent link)."""
        row = self._fetch_one("SELECT pseudonym FROM case_subjects WHERE case_id = :case_id "
                              "ORDER BY linked_at DESC LIMIT 1", {"case_id": case_id})  # fmt: skip
        return None if row is None else row["pseudonym"]

    def cases_of(self, pseudonym: str) -> list[str]:
        rows = self._fetch_all("SELECT case_id FROM case_subjects WHERE pseudonym = :p ORDER BY linked_at",
                               {"p": pseudonym})  # fmt: skip
        return [row["case_id"] for row in rows]

    # Helpers

    def _keys(self) -> MasterKeys:
        with self._lock:
            if self._master is None:
                self._master = self._load_master()
            return self._master

    def _wrap(self, key_id: str, data_key: bytes) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        wrapper = AESGCM(self._keys().wrapping_key)
        return base64.b64encode(nonce + wrapper.encrypt(nonce, data_key, key_id.encode())).decode()

    def _unwrap(self, key_id: str, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        wrapper = AESGCM(self._keys().wrapping_key)
        return wrapper.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())

    def _remember(self, key_id: str, data_key: bytes | None) -> None:
        with self._lock:
            self._cache[key_id] = (time.monotonic() + self._cache_seconds, data_key)

    def _remember_subject(self, case_id: str, pseudonym: str) -> None:
        if self._cache_seconds <= 0:
            return
        with self._lock:
            if len(self._case_subjects) >= MAX_CACHED_CASES:
                self._case_subjects.clear()
            self._case_subjects[case_id] = (time.monotonic() + self._cache_seconds, pseudonym)

    def _sql(self, statement: str) -> str:
        return re.sub(r":(\w+)", r"%(\1)s", statement) if self.is_postgres else statement

    def _execute(self, statement: str, params: dict[str, Any]) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql(statement), params)

    def _fetch_one(self, statement: str, params: dict[str, Any]) -> dict[str, Any] | None:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self._sql(statement), params)
            row = cursor.fetchone()
        return None if row is None else dict(row)

    def _fetch_all(self, statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self._sql(statement), params)
            return [dict(row) for row in cursor.fetchall()]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()
