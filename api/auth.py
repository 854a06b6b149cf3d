"""API keys: each key maps to an actor and its roles.

The keys file holds only the SHA-256 of each key. ``create_first_run_keys``
makes one key per role for a newcomer and returns the plain keys so the
command line can show them once.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from api.problems import ApiProblem
from domain.actor import Actor
from domain.catalog import Role


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyEntry:
    key_id: str
    key_sha256: str
    actor: Actor


class KeyRing:
    """The configured keys, looked up by hash in constant time per entry."""

    def __init__(self, entries: list[KeyEntry]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, path: Path) -> "KeyRing":
        if not path.exists():
            return cls([])
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = []
        for item in document.get("keys", []):
            roles = frozenset(Role(role) for role in item["roles"])
            actor = Actor(actor_id=item["actor_id"], roles=roles, name=item.get("name", ""))
            entries.append(KeyEntry(key_id=item["key_id"], key_sha256=item["key_sha256"], actor=actor))
        return cls(entries)

    def authenticate(self, key: str) -> Actor | None:
        digest = hash_key(key)
        found = None
        for entry in self.entries:
            if hmac.compare_digest(entry.key_sha256, digest):
                found = entry.actor
        return found


FIRST_RUN_ACTORS = [
    ("marina", "Marina Souza Alves", [Role.AGENT]),
    ("paula", "Paula R. Lima", [Role.SUPERVISOR]),
    ("jorge", "Jorge D'Ávila", [Role.SUPERVISOR]),
    ("auditoria", "Auditoria interna", [Role.AUDITOR]),
    ("cadastro", "Sistema de cadastro de prestadores", [Role.SERVICE]),
]


def create_first_run_keys(path: Path) -> list[tuple[str, str, list[Role], str]]:
    """Write a keys file with one key per first-run actor; return (actor, name, roles, key)."""
    created = []
    document = {"keys": []}
    for actor_id, name, roles in FIRST_RUN_ACTORS:
        key = "rtc_" + secrets.token_urlsafe(24)
        document["keys"].append(
            {
                "key_id": f"{actor_id}-1",
                "key_sha256": hash_key(key),
                "actor_id": actor_id,
                "name": name,
                "roles": [role.value for role in roles],
            }
        )
        created.append((actor_id, name, roles, key))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return created


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the actor behind ``Authorization: Bearer <key>``."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiProblem(
            401,
            "unauthenticated",
            "Envie a chave de API no cabeçalho 'Authorization: Bearer <chave>'.",
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )
    actor = request.app.state.keys.authenticate(key.strip())
    if actor is None:
        raise ApiProblem(
            401,
            "unauthenticated",
            "Chave de API inválida ou revogada.",
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


def require_any_role(actor: Actor, roles: set[Role], what: str) -> None:
    if not actor.roles & roles:
        needed = ", ".join(sorted(role.value for role in roles))
        raise ApiProblem(403, "permission_denied", f"{what} exige um destes papéis: {needed}.", field="role")
