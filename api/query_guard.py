"""Reject query parameters a route does not declare, or repeats it reads once, so neither is silently ignored."""

import types
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.problems import ApiProblem

_SEQUENCE_TYPES = (list, tuple, set, frozenset)


@dataclass(frozen=True)
class _DeclaredQuery:
    names: frozenset[str]
    repeatable: frozenset[str]


_declared_by_route: dict[int, _DeclaredQuery] = {}


def _is_sequence(annotation: Any) -> bool:
    """Tell whether a parameter annotated ``annotation`` takes several values, as ``list[str] | None`` does."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_sequence(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_sequence(arg) for arg in get_args(annotation))
    return origin in _SEQUENCE_TYPES or annotation in _SEQUENCE_TYPES


def _collect(dependant: Dependant, names: set[str], repeatable: set[str]) -> None:
    for param in dependant.query_params:
        names.add(param.alias)
        if _is_sequence(param.field_info.annotation):
            repeatable.add(param.alias)
    for sub_dependant in dependant.dependencies:
        _collect(sub_dependant, names, repeatable)


def _declared_query(route: APIRoute) -> _DeclaredQuery:
    declared = _declared_by_route.get(id(route))
    if declared is None:
        names: set[str] = set()
        repeatable: set[str] = set()
        _collect(route.dependant, names, repeatable)
        declared = _DeclaredQuery(frozenset(names), frozenset(repeatable))
        _declared_by_route[id(route)] = declared
    return declared


async def reject_unknown_query_parameters(request: Request) -> None:
    """Raise a 422 naming the first query parameter the matched route does not accept or reads only once.

    It is a coroutine because FastAPI runs a plain function dependency in a worker
    thread, and this check, which runs on every request, does not block.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    declared = _declared_query(route)
    unknown = [name for name in request.query_params if name not in declared.names]
    if unknown:
        accepted = ", ".join(sorted(declared.names)) or "nenhum"
        raise ApiProblem(
            422,
            "invalid_value",
            f"Parâmetro de consulta desconhecido: '{unknown[0][:80]}'. Parâmetros aceitos nesta rota: {accepted}.",
            field=unknown[0][:80],
            value=unknown[0][:80],
        )
    pairs = request.query_params.multi_items()
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen and name not in declared.repeatable:
            raise ApiProblem(
                422,
                "invalid_value",
                f"Parâmetro de consulta repetido: '{name}'. Envie-o uma vez só, com um único valor.",
                field=name,
                value=[value for key, value in pairs if key == name],
            )
        seen.add(name)
