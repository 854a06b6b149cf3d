"""Per-request helpers: the command context, If-Match and Idempotency-Key headers."""

import re
import uuid
from datetime import datetime, timezone

from fastapi import Request

from adapters.store import Store
from api.problems import ApiProblem
from domain.actor import Actor, CommandContext

_TOKEN = re.compile(r"[\x21-\x7e]{1,200}")


def store_of(request: Request) -> Store:
    return request.app.state.store


def correlation_id(header_value: str) -> str:
    """Return the client's X-Request-ID when it is a short printable token, else a new UUID."""
    return header_value if _TOKEN.fullmatch(header_value) else str(uuid.uuid4())


def command_context(request: Request, actor: Actor) -> CommandContext:
    return CommandContext(actor=actor, correlation_id=request.state.correlation_id, now=datetime.now(timezone.utc))


def expected_version(request: Request) -> int | None:
    """Parse ``If-Match: "<version>"``; ``*`` or no header means no expectation.

    If-Match compares entity tags strongly (RFC 9110, section 13.1.1), so a weak tag
    (``W/"3"``) never matches and gets 412, and a version without quotes is malformed.
    """
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip()
    match = re.fullmatch(r'(W/)?"(\d{1,12})"', value)
    if not match:
        raise ApiProblem(
            400,
            "invalid_header",
            f"Cabeçalho If-Match inválido: '{raw[:40]}'. Envie a versão do caso entre aspas, como \"3\".",
            field="If-Match",
        )
    if match.group(2) != str(int(match.group(2))):
        raise ApiProblem(
            412,
            "version_conflict",
            f"O If-Match {value[:40]} não corresponde a nenhuma versão: envie o ETag exatamente como veio, "
            f"como \"{int(match.group(2))}\".",
            field="If-Match",
        )
    if match.group(1):
        raise ApiProblem(
            412,
            "version_conflict",
            f"O If-Match traz uma etag fraca ({value[:40]}), que nunca corresponde na comparação forte que "
            f"o If-Match exige. Envie a versão entre aspas, sem W/, como \"{match.group(2)}\".",
            field="If-Match",
        )
    return int(match.group(2))


def idempotency_key(request: Request) -> str | None:
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    if not _TOKEN.fullmatch(raw):
        raise ApiProblem(
            400,
            "invalid_header",
            "Cabeçalho Idempotency-Key inválido: use de 1 a 200 caracteres ASCII visíveis, sem espaços.",
            field="Idempotency-Key",
        )
    return raw


MINIMAL = "return=minimal"


def prefers_minimal(request: Request) -> bool:
    """Tell whether the client sent ``Prefer: return=minimal`` (RFC 7240): status and headers, no body."""
    for header in request.headers.getlist("prefer"):
        for preference in header.split(","):
            name, _, value = preference.split(";")[0].partition("=")
            if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
                return True
    return False
