"""Mapper that seals the dentist's personal fields inside each stored event.

Each event class names its personal attributes in ``personal_fields``
(dotted paths; a path through a list applies to every item). Before a
stored event is written, the value at each path is replaced by
``{"_sealed_": "<key id>.<base64 nonce + AES-GCM ciphertext>"}``, sealed
under the data key of the case's dentist. The event type, case id, dates,
codes and figures stay in clear. Reading unseals each value, or puts the pt-BR erased
marker where the key was destroyed.
"""

import base64
import json
import secrets
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic

from adapters.subject_keys import NONCE_BYTES, SubjectKeyStore
from domain.personal_data import ERASED

SEALED = "_sealed_"

# Personal attributes of a case's snapshot: the aggregate's own state.
SNAPSHOT_PERSONAL_FIELDS = (
    "state.header.provider.dentist_name",
    "state.header.provider.cpf",
    "state.attempts.contact",
    "state.attempts.notes",
    "state.replies.notes",
    "state.decisions.notes",
    "state.notes.text",
)


class PersonalDataMapper(Mapper):  # type: ignore[type-arg]
    """``Mapper`` that encrypts personal fields per data subject; ``key_store`` is set once the recorder exists."""

    def __init__(self, transcoder: Transcoder) -> None:
        super().__init__(transcoder)
        self.key_store: SubjectKeyStore | None = None

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        paths = personal_paths(type(domain_event))
        if not paths:
            return stored
        case_id = str(stored.originator_id)
        key: list[tuple[str, AESGCM]] = []

        def seal(value: Any, aad: bytes) -> Any:
            # Empty and already erased values hold nothing, so they need no key.
            if value is None or value in ("", ERASED):
                return value
            if not key:
                key_id, data_key = self._key_for(domain_event, case_id)
                key.append((key_id, AESGCM(data_key)))
            key_id, cipher = key[0]
            nonce = secrets.token_bytes(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, json.dumps(value, ensure_ascii=False).encode(), aad)
            return {SEALED: f"{key_id}.{base64.b64encode(nonce + sealed).decode()}"}

        state = json.loads(stored.state)
        for path in paths:
            aad = f"{case_id}:{stored.originator_version}:{path}".encode()
            state = _transform(state, path.split("."), lambda value, aad=aad: seal(value, aad))
        return StoredEvent(
            originator_id=stored.originator_id,
            originator_version=stored.originator_version,
            topic=stored.topic,
            state=_dumps(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        paths = personal_paths(resolve_topic(stored_event.topic))
        if paths:
            case_id = str(stored_event.originator_id)
            state = json.loads(stored_event.state)
            for path in paths:
                aad = f"{case_id}:{stored_event.originator_version}:{path}".encode()
                state = _transform(state, path.split("."), lambda value, aad=aad: self._unseal(value, aad))
            stored_event = StoredEvent(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=_dumps(state),
            )
        return super().to_domain_event(stored_event)

    def _key_for(self, domain_event: Any, case_id: str) -> tuple[str, bytes]:
        store = self._store()
        snapshot = isinstance(domain_event, Snapshot)
        header = domain_event.state.get("header") if snapshot else getattr(domain_event, "header", None)
        cpf = header.provider.cpf if header is not None else None
        # Snapshots go to their own table, outside the check of keys in the events' transaction,
        # so they always read the case's dentist and key from the database.
        current = store.case_pseudonym(case_id) if snapshot else store.case_subject(case_id)
        if cpf and cpf != ERASED:
            pseudonym = store.pseudonym(cpf)
            if current != pseudonym:
                store.link_case(case_id, pseudonym)
        else:
            pseudonym = current
            if pseudonym is None:
                raise LookupError(f"case {case_id} has no data subject to encrypt its personal data under")
        return store.active_key(pseudonym) if snapshot else store.sealing_key(pseudonym)

    def _unseal(self, value: Any, aad: bytes) -> Any:
        if not (isinstance(value, dict) and SEALED in value):
            return value
        key_id, _, payload = value[SEALED].partition(".")
        data_key = self._store().data_key(key_id)
        if data_key is None:
            return ERASED
        raw = base64.b64decode(payload)
        return json.loads(AESGCM(data_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad))

    def _store(self) -> SubjectKeyStore:
        if self.key_store is None:
            raise RuntimeError("PersonalDataMapper used before its key store was set")
        return self.key_store


def personal_paths(cls: type) -> tuple[str, ...]:
    if isinstance(cls, type) and issubclass(cls, Snapshot):
        return SNAPSHOT_PERSONAL_FIELDS
    return getattr(cls, "personal_fields", ())


def _transform(node: Any, parts: list[str], change: Callable[[Any], Any]) -> Any:
    """Return ``node`` with ``change`` applied at the path ``parts``, through tagged values and lists."""
    if isinstance(node, dict) and set(node) == {"_type_", "_data_"}:
        return {**node, "_data_": _transform(node["_data_"], parts, change)}
    if isinstance(node, list):
        return [_transform(item, parts, change) for item in node]
    if not parts:
        return change(node)
    if isinstance(node, dict) and parts[0] in node:
        return {**node, parts[0]: _transform(node[parts[0]], parts[1:], change)}
    return node


def _dumps(state: Any) -> bytes:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
