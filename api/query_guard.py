"""Reject query parameters a route does not declare, so a typo is not silently ignored."""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.problems import ApiProblem

_declared_by_route: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _query_names(sub_dependant)
    return names


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    names = _declared_by_route.get(id(route))
    if names is None:
        names = frozenset(_query_names(route.dependant))
        _declared_by_route[id(route)] = names
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """Raise a 422 naming the first query parameter the matched route does not accept.

    It is a coroutine because FastAPI runs a plain function dependency in a worker
    thread, and this check, which runs on every request, does not block.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    declared = _declared_query_names(route)
    unknown = [name for name in request.query_params if name not in declared]
    if not unknown:
        return
    accepted = ", ".join(sorted(declared)) or "nenhum"
    raise ApiProblem(
        422,
        "invalid_value",
        f"Parâmetro de consulta desconhecido: '{unknown[0][:80]}'. Parâmetros aceitos nesta rota: {accepted}.",
        field=unknown[0][:80],
        value=unknown[0][:80],
    )
