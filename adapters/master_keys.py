"""The two secrets of personal-data protection, read from settings or a local file.

``wrapping_key`` encrypts (wraps) each dentist's data key in the key store.
``pseudonym_key`` keys the HMAC that turns a CPF into the pseudonym cases
are found by. Environment variables take precedence over the file, which is
created with fresh random keys on first run, readable by its owner only.
"""

import base64
import binascii
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from adapters.settings import Settings

logger = logging.getLogger(__name__)

KEY_BYTES = 32


class MasterKeyError(Exception):
    """Raised when a configured master key is missing or malformed."""


@dataclass(frozen=True)
class MasterKeys:
    wrapping_key: bytes
    pseudonym_key: bytes

    def __repr__(self) -> str:
        return "MasterKeys(<secret>)"


def load_master_keys(settings: Settings, *, create: bool = False) -> MasterKeys:
    """Return the configured keys; with ``create``, write a new key file when there is none."""
    stored: dict[str, str] = {}
    path = settings.master_key_file
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    elif create and not (settings.master_key and settings.pseudonym_key):
        stored = {name: _new_key() for name in ("wrapping_key", "pseudonym_key")}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
        logger.info("master key file created path=%s", path)
    wrapping = settings.master_key.get_secret_value() if settings.master_key else stored.get("wrapping_key")
    pseudonym = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else stored.get("pseudonym_key")
    return MasterKeys(
        wrapping_key=_decode(wrapping, "RETENCAO_MASTER_KEY", path),
        pseudonym_key=_decode(pseudonym, "RETENCAO_PSEUDONYM_KEY", path),
    )


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _decode(value: str | None, variable: str, path: Path) -> bytes:
    if not value:
        raise MasterKeyError(f"Chave ausente: defina {variable} ou rode `retencao migrate` para criar {path}.")
    try:
        key = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise MasterKeyError(f"{variable} inválida: informe {KEY_BYTES} bytes em base64.") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"{variable} inválida: tem {len(key)} bytes, são necessários {KEY_BYTES} (base64).")
    return key
