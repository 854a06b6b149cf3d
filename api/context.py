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


def correlation_id(given: str) -> str:
    """Return the client's X-Request-ID, ``given``, when it is a short printable token, else a new UUID."""
    return given if _TOKEN.fullmatch(given) else str(uuid.uuid4())


def command_context(request: Request, actor: Actor) -> CommandContext:
    return CommandContext(actor=actor, correlation_id=request.state.correlation_id, now=datetime.now(timezone.utc))


def expected_version(request: Request) -> int | None:
    """Parse ``If-Match: "<version>"``; ``*`` or no header means no expectation."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,12})"?\s*', raw)
    if not match:
        raise ApiProblem(
            400,
            "invalid_header",
            f"Cabeçalho If-Match inválido: '{raw[:40]}'. Envie a versão do caso entre aspas, como \"3\".",
            field="If-Match",
        )
    return int(match.group(1))


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
