"""The hash chain over stored events: canonical encoding, digests and links.

Each stored event gets a position in one chain that spans every case. Its
digest is SHA-256 over a canonical encoding of the stored row (originator
id, version, topic, the state bytes as stored) and the instant it was
recorded. Its link is SHA-256 over the previous link and that digest, so
editing, deleting, inserting or reordering any stored row changes a digest
or a link. The state bytes are hashed as stored, so fields encrypted inside
the state and later erased by destroying their keys still verify.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

# Version tag of the encoding, hashed into every digest.
ENCODING_TAG = b"retencao-audit-chain-v1"

# The link before the first event.
GENESIS_LINK = bytes(32)


@dataclass(frozen=True)
class ChainEntry:
    """One link of the chain as stored beside the events."""

    position: int
    case_id: UUID
    version: int
    recorded_at: datetime
    digest: bytes
    link: bytes


def canonical_instant(instant: datetime) -> str:
    """Format an aware instant as UTC ISO-8601 with microseconds, the only form hashed."""
    if instant.tzinfo is None:
        raise ValueError("the recording instant must carry a time zone")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def encode_event(case_id: UUID, version: int, topic: str, state: bytes, recorded_at: datetime) -> bytes:
    """Encode a stored event as length-prefixed fields, so no two rows encode alike."""
    fields = [
        ENCODING_TAG,
        str(case_id).encode("ascii"),
        str(version).encode("ascii"),
        topic.encode("utf-8"),
        bytes(state),
        canonical_instant(recorded_at).encode("ascii"),
    ]
    return b"".join(len(field).to_bytes(8, "big") + field for field in fields)


def event_digest(case_id: UUID, version: int, topic: str, state: bytes, recorded_at: datetime) -> bytes:
    return hashlib.sha256(encode_event(case_id, version, topic, state, recorded_at)).digest()


def next_link(previous: bytes, digest: bytes) -> bytes:
    return hashlib.sha256(previous + digest).digest()
