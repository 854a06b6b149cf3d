"""Bearer JWTs from the operator's identity provider, verified against its JWKS.

A token is accepted when its signature matches a key of the JWKS (file or
URL), and its issuer, audience and expiry are the configured ones. The
claim named by ``jwt_roles_claim`` (a dotted path, such as
``realm_access.roles``) lists the roles; names that are not roles of this
system are ignored.
"""

import json
import logging
from typing import Any

import jwt
from jwt import PyJWKClient, PyJWKSet

from adapters.settings import Settings
from domain.actor import Actor
from domain.catalog import Role

logger = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
ROLE_CODES = {role.value for role in Role}


class InvalidToken(Exception):
    """Raised when a bearer JWT fails verification; the message is safe to show."""


class JwtVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client = PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        self._key_set: PyJWKSet | None = None
        if settings.jwks_file is not None:
            self._key_set = PyJWKSet.from_json(settings.jwks_file.read_text(encoding="utf-8"))

    def verify(self, token: str) -> tuple[str, Actor]:
        """Return the token's subject and the actor it maps to."""
        try:
            key = self._signing_key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("Token JWT expirado.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("Token JWT emitido para outra audiência.") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("Token JWT de um emissor não reconhecido.") from None
        except (jwt.PyJWTError, json.JSONDecodeError) as error:
            logger.info("jwt rejected reason=%s", type(error).__name__)
            raise InvalidToken("Token JWT inválido.") from None
        roles = frozenset(Role(code) for code in _role_codes(claims, self.settings.jwt_roles_claim) if code in ROLE_CODES)
        name = claims.get(self.settings.jwt_name_claim)
        subject = str(claims["sub"])
        return subject, Actor(actor_id=subject, roles=roles, name=name if isinstance(name, str) else "")

    def _signing_key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._key_set is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for candidate in self._key_set.keys:
            if kid is None or candidate.key_id == kid:
                return candidate.key
        raise jwt.InvalidKeyError("no JWKS key matches the token's kid")


def looks_like_jwt(credential: str) -> bool:
    return credential.count(".") == 2 and not credential.startswith("rtc_")


def _role_codes(claims: dict[str, Any], path: str) -> list[str]:
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
