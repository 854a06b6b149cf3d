"""JSON request bodies that name a member twice, or hold NaN or Infinity, are rejected.

RFC 8259 leaves duplicate names to the parser, and Python's keeps the last
one, so ``{"text": "a", "text": "b"}`` would store "b" without a word. Routes
built with ``StrictJsonRoute`` parse bodies with a hook that raises on the
second occurrence. The error is a ``json.JSONDecodeError``, which FastAPI
turns into its usual malformed-JSON validation error; ``api.problems`` reads
the name back from it for the pt-BR detail.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

# Start of the parser message a repeated name produces; the name follows it.
DUPLICATE_NAME = "duplicate member name: "


def _no_constant(name: str) -> Any:
    """Reject NaN, Infinity and -Infinity, which Python's parser accepts but JSON does not have."""
    raise json.JSONDecodeError(f"{name} is not JSON", "", 0)


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise json.JSONDecodeError(DUPLICATE_NAME + name, "", 0)
        result[name] = value
    return result


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = json.loads(body, object_pairs_hook=_object_without_repeats, parse_constant=_no_constant)
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route whose JSON body may not repeat a member name at any depth."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict_handler
