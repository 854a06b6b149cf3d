"""ASGI middleware: request ids and access log lines, body size limit and JSON content type."""

import json
import logging
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.context import correlation_id
from api.problems import PROBLEM_JSON, TITLES

logger = logging.getLogger(__name__)


class RequestId:
    """Store the request's correlation id in ``request.state`` and send it back in ``X-Request-ID``.

    Plain ASGI rather than ``@app.middleware("http")``, which runs every
    request through an extra task and memory streams.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = correlation_id(_headers(scope, (b"x-request-id",)).get(b"x-request-id", ""))
        scope.setdefault("state", {})["correlation_id"] = request_id

        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The path only: query strings may carry names or CPFs typed into search filters.
            logger.info("%s %s %d %.1fms request_id=%s", scope["method"], scope["path"], status,
                        (time.perf_counter() - started) * 1000, request_id)  # fmt: skip


class RequestGuard:
    """Reject oversized bodies (413) and POST bodies that are not JSON (415) before routing.

    A body without Content-Length (chunked) is read into memory up to the
    limit before the app runs, so an oversized one gets 413 rather than
    the framework's English body-parsing error.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope, _GUARDED_HEADERS)
        content_type = headers.get(b"content-type", "").split(";")[0].strip().lower()
        has_body_method = scope["method"] in ("POST", "PUT", "PATCH")
        if has_body_method and content_type and content_type != "application/json" and not content_type.endswith("+json"):
            await _problem(send, scope, 415, "unsupported_media_type",
                           f"Tipo de conteúdo '{content_type}' não suportado: envie application/json.",
                           field="Content-Type")  # fmt: skip
            return
        declared = headers.get(b"content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _problem(send, scope, 413, "payload_too_large", self._too_large_detail(), field="body")
            return

        if not declared and (has_body_method or b"transfer-encoding" in headers):
            buffered = await self._read_body(receive)
            if buffered is None:
                await _problem(send, scope, 413, "payload_too_large", self._too_large_detail(), field="body")
                return
            receive = _replay(buffered, receive)
            body_size = len(buffered)
        else:
            body_size = int(declared) if declared.isdigit() else 0
        if has_body_method and not content_type and body_size > 0:
            await _problem(send, scope, 415, "unsupported_media_type",
                           "Corpo enviado sem tipo de conteúdo: envie o cabeçalho 'Content-Type: application/json'.",
                           field="Content-Type")  # fmt: skip
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge
            return message

        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await _problem(send, scope, 413, "payload_too_large", self._too_large_detail(), field="body")

    async def _read_body(self, receive: Receive) -> bytes | None:
        """Read the whole body; return None as soon as it exceeds the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large_detail(self) -> str:
        return f"O corpo da requisição excede o limite de {self.max_body_bytes} bytes."


_GUARDED_HEADERS = (b"content-type", b"content-length", b"transfer-encoding")


def _headers(scope: Scope, names: tuple[bytes, ...]) -> dict[bytes, str]:
    """Return the first value of each header in ``names`` that the request carries, by lowercase name."""
    found: dict[bytes, str] = {}
    for key, value in scope["headers"]:
        name = key.lower()
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return found


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a ``receive`` that yields ``body`` once, then defers to the server (for disconnects)."""
    sent = False

    async def replay_receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay_receive


class _BodyTooLarge(Exception):
    pass


async def _problem(send: Send, scope: Scope, status: int, code: str, detail: str, *, field: str) -> None:
    body: dict[str, Any] = {
        "type": f"urn:retencao:problem:{code}",
        "title": TITLES[code],
        "status": status,
        "detail": detail,
        "code": code,
        "instance": scope.get("path", ""),
        "field": field,
    }
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(payload)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": payload})
