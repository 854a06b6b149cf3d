"""ASGI middleware that adds security headers to every response.

API responses forbid framing, sniffing, caching and any active content.
The interactive docs (``/docs``, ``/redoc``) load their scripts from a CDN,
so they get no Content-Security-Policy.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
API_ONLY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
DOC_PATHS = ("/docs", "/redoc")

_ENCODED = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]
_ENCODED_API_ONLY = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in API_ONLY_HEADERS.items()]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _ENCODED if scope.get("path", "").startswith(DOC_PATHS) else _ENCODED + _ENCODED_API_ONLY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A header the route already set (a download's Cache-Control, say) is kept.
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in added if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
