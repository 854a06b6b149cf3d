"""Ed25519 signatures over chain checkpoints, with a key kept outside the database.

A checkpoint states "the chain had this link at this position" and is
signed with a private key the database never stores. Rewriting the chain
from some position onward, even with correctly recomputed links, then no
longer matches the last checkpoint at or after that position.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapters.audit_chain import canonical_instant

CHECKPOINT_TAG = b"retencao-audit-checkpoint-v1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the chain's link at one position."""

    position: int
    link: bytes
    signed_at: datetime
    key_id: str
    signature: bytes


def checkpoint_message(position: int, link: bytes, signed_at: datetime) -> bytes:
    return CHECKPOINT_TAG + position.to_bytes(8, "big") + link + canonical_instant(signed_at).encode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    """Name a public key by the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class CheckpointSigner:
    """Signs checkpoints with an Ed25519 private key and checks them with its public key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    @classmethod
    def from_file(cls, path: Path) -> "CheckpointSigner":
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not contain an Ed25519 private key")
        return cls(key)

    def sign(self, position: int, link: bytes, signed_at: datetime) -> Checkpoint:
        signature = self._private_key.sign(checkpoint_message(position, link, signed_at))
        return Checkpoint(position, link, signed_at, self.key_id, signature)

    def is_valid(self, checkpoint: Checkpoint) -> bool:
        message = checkpoint_message(checkpoint.position, checkpoint.link, checkpoint.signed_at)
        try:
            self.public_key.verify(checkpoint.signature, message)
        except InvalidSignature:
            return False
        return True


def generate_key_file(path: Path) -> CheckpointSigner:
    """Write a new Ed25519 private key as unencrypted PKCS#8 PEM, readable by the owner only."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    path.chmod(0o600)
    return CheckpointSigner(key)
