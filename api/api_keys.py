"""API keys kept as SHA-256 hashes in a JSON file, each mapped to an actor and roles.

Keys are 192-bit random tokens, so a plain SHA-256 is enough to make the
file useless to a reader: there is nothing to guess. Revoked keys stay in
the file with ``revoked_at`` so the list shows when each stopped working.
The running API reloads the file when it changes, so revocation applies
without a restart.
"""

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from domain.actor import Actor
from domain.catalog import Role

KEY_PREFIX = "rtc_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class KeyEntry:
    key_id: str
    key_sha256: str
    actor: Actor
    created_at: str = ""
    revoked_at: str | None = None

    def document(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "key_sha256": self.key_sha256,
            "actor_id": self.actor.actor_id,
            "name": self.actor.name,
            "roles": sorted(role.value for role in self.actor.roles),
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


class KeyNotFound(LookupError):
    """Raised when a key id is not in the keys file."""


@dataclass
class KeyRing:
    """The configured keys, looked up by hash in constant time per entry."""

    entries: list[KeyEntry]
    path: Path | None = None
    _mtime: float | None = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path) -> "KeyRing":
        ring = cls([], path=path)
        ring.reload_if_changed()
        return ring

    def reload_if_changed(self) -> None:
        if self.path is None:
            return
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            self.entries, self._mtime = [], None
            return
        if mtime != self._mtime:
            self.entries = read_entries(self.path)
            self._mtime = mtime

    def find(self, key: str) -> KeyEntry | None:
        """Return the active entry of ``key``, comparing every hash so timing does not depend on the match."""
        self.reload_if_changed()
        digest = hash_key(key)
        found = None
        for entry in self.entries:
            if hmac.compare_digest(entry.key_sha256, digest) and entry.revoked_at is None:
                found = entry
        return found

    def authenticate(self, key: str) -> Actor | None:
        entry = self.find(key)
        return None if entry is None else entry.actor


def read_entries(path: Path) -> list[KeyEntry]:
    if not path.exists():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    entries = []
    for item in document.get("keys", []):
        roles = frozenset(Role(role) for role in item["roles"])
        actor = Actor(actor_id=item["actor_id"], roles=roles, name=item.get("name", ""))
        entries.append(KeyEntry(item["key_id"], item["key_sha256"], actor, item.get("created_at", ""), item.get("revoked_at")))
    return entries


def write_entries(path: Path, entries: list[KeyEntry]) -> None:
    """Replace the keys file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"keys": [entry.document() for entry in entries]}, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(temporary, path)


def create_key(path: Path, actor: Actor) -> tuple[KeyEntry, str]:
    """Add a key for ``actor``; return the entry and the plain key, which is shown once and never stored."""
    entries = read_entries(path)
    taken = {entry.key_id for entry in entries}
    number = 1
    while f"{actor.actor_id}-{number}" in taken:
        number += 1
    key = new_key()
    entry = KeyEntry(f"{actor.actor_id}-{number}", hash_key(key), actor, _now())
    write_entries(path, [*entries, entry])
    return entry, key


def revoke_key(path: Path, key_id: str) -> KeyEntry:
    entries = read_entries(path)
    target = _find_id(entries, key_id)
    revoked = KeyEntry(target.key_id, target.key_sha256, target.actor, target.created_at, target.revoked_at or _now())
    write_entries(path, [revoked if entry.key_id == key_id else entry for entry in entries])
    return revoked


def rotate_key(path: Path, key_id: str) -> tuple[KeyEntry, str]:
    """Revoke ``key_id`` and create a new key for the same actor and roles."""
    old = _find_id(read_entries(path), key_id)
    if old.revoked_at is not None:
        raise KeyNotFound(f"A chave '{key_id}' já foi revogada; crie uma nova com `retencao keys create`.")
    entry, key = create_key(path, old.actor)
    revoke_key(path, key_id)
    return entry, key


def _find_id(entries: list[KeyEntry], key_id: str) -> KeyEntry:
    for entry in entries:
        if entry.key_id == key_id:
            return entry
    raise KeyNotFound(f"Chave '{key_id}' não encontrada. Veja as chaves com `retencao keys list`.")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
