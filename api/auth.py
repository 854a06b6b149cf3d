"""Caller identification: API keys or bearer JWTs mapped to an actor and its roles, with a rate limit.

``create_first_run_keys`` makes one key per role for a newcomer and returns
the plain keys so the command line can show them once.
"""

from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.api_keys import KeyEntry, KeyRing, create_key, hash_key
from api.jwt_auth import InvalidToken, looks_like_jwt
from api.problems import ApiProblem
from api.rate_limit import retry_after_header
from domain.actor import Actor
from domain.catalog import Role

__all__ = ["KeyEntry", "KeyRing", "hash_key", "current_actor", "require_any_role", "create_first_run_keys"]

FIRST_RUN_ACTORS = [
    ("marina", "Marina Souza Alves", [Role.AGENT]),
    ("paula", "Paula R. Lima", [Role.SUPERVISOR]),
    ("jorge", "Jorge D'Ávila", [Role.SUPERVISOR]),
    ("auditoria", "Auditoria interna", [Role.AUDITOR]),
    ("cadastro", "Sistema de cadastro de prestadores", [Role.SERVICE]),
    ("encarregado", "Encarregado de dados", [Role.DPO]),
]


def create_first_run_keys(path: Path) -> list[tuple[str, str, list[Role], str]]:
    """Add one key per first-run actor to the keys file; return (actor, name, roles, key)."""
    created = []
    for actor_id, name, roles in FIRST_RUN_ACTORS:
        _, key = create_key(path, Actor(actor_id=actor_id, roles=frozenset(roles), name=name))
        created.append((actor_id, name, roles, key))
    return created


async def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the actor behind ``Authorization: Bearer <API key or JWT>``.

    It is a coroutine, so an API key is checked on the event loop without a
    hop to a worker thread: that check hashes the key and compares it in
    memory. A JWT is verified in a worker thread because fetching the JWKS
    from a URL blocks.
    """
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise _unauthenticated("Envie a chave de API ou o token no cabeçalho 'Authorization: Bearer <credencial>'.")
    verifier = getattr(request.app.state, "jwt", None)
    if verifier is not None and looks_like_jwt(credential):
        try:
            subject, actor = await run_in_threadpool(verifier.verify, credential)
        except InvalidToken as error:
            _limit(request, f"address:{_client_address(request)}")
            raise _unauthenticated(str(error)) from None
        _limit(request, f"jwt:{subject}")
        return actor
    entry = request.app.state.keys.find(credential)
    if entry is None:
        _limit(request, f"address:{_client_address(request)}")
        raise _unauthenticated("Chave de API inválida ou revogada.")
    _limit(request, f"key:{entry.key_id}")
    return entry.actor


def require_any_role(actor: Actor, roles: set[Role], what: str) -> None:
    if not actor.roles & roles:
        needed = ", ".join(sorted(role.value for role in roles))
        raise ApiProblem(403, "permission_denied", f"{what} exige um destes papéis: {needed}.", field="role")


def _limit(request: Request, identity: str) -> None:
    wait = request.app.state.rate_limiter.acquire(identity)
    if wait > 0:
        raise ApiProblem(
            429,
            "rate_limited",
            f"Muitas requisições com esta credencial. Tente de novo em {retry_after_header(wait)} s.",
            headers={"Retry-After": retry_after_header(wait)},
        )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unauthenticated(detail: str) -> ApiProblem:
    return ApiProblem(401, "unauthenticated", detail, field="Authorization", headers={"WWW-Authenticate": "Bearer"})
