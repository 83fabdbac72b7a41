"""Pure-ASGI middleware: API key check and request body size limit.

Pure ASGI (not `BaseHTTPMiddleware`) so SSE responses stream through untouched.
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import serde

DEFAULT_MAX_BODY = 10 * 1024 * 1024


async def _send_error(send: Send, status: int, detail: str) -> None:
    body = serde.dumps({"detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ApiKeyMiddleware:
    """With a key configured, every request needs `x-api-key`: 401 if missing, 403 if wrong."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.api_key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-api-key")
        if not given:
            await _send_error(send, 401, "Missing API key: send it in the x-api-key header")
            return
        if not hmac.compare_digest(given, self.api_key):
            await _send_error(send, 403, "Invalid API key")
            return
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body too large: the limit is {limit} bytes")
        self.limit = limit


class BodyLimitMiddleware:
    """413 for bodies over the limit: at once from Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                await _send_error(send, 400, "Invalid Content-Length header")
                return
            if too_big:
                await _send_error(send, 413, str(BodyTooLarge(self.max_bytes)))
                return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)
