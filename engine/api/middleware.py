"""Pure-ASGI middleware: errors, Host check, API key, JSON-only bodies, body size limit.

Pure ASGI (not `BaseHTTPMiddleware`) so SSE responses stream through untouched.
"""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine import serde
from engine.api.failures import failure

DEFAULT_MAX_BODY = 10 * 1024 * 1024
# Names a browser uses for a loopback server; a DNS-rebound page sends its own domain instead.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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


def presented_key(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The key a request carries: `x-api-key` (what langgraph_sdk sends), else an
    `Authorization: Bearer` token (what clients of deployments with custom auth send)."""
    found = dict(headers)
    key = found.get(b"x-api-key")
    if key:
        return key
    scheme, _, token = found.get(b"authorization", b"").partition(b" ")
    return token.strip() or None if scheme.lower() == b"bearer" else None


class ApiKeyMiddleware:
    """With a key configured, every request needs it (`x-api-key` or `Authorization: Bearer`):
    401 if missing, 403 if wrong."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.api_key = api_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = presented_key(scope["headers"])
        if not given:
            await _send_error(
                send, 401, "Missing API key: send it in the x-api-key header (or as a Bearer token)"
            )
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


class ErrorMiddleware:
    """Unexpected exceptions: one log record and a JSON answer (507 when the disk is full).

    Starlette's own 500 handler re-raises after answering, so uvicorn logs a second traceback
    and closes the keep-alive connection; catching here keeps the connection usable.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            status, detail = failure(exc)
            with contextlib.suppress(Exception):  # the client may be gone
                if not started:
                    await _send_error(send, status, detail)
                else:  # a stream broke mid-way: end it rather than leave the message open
                    await send({"type": "http.response.body", "body": b"", "more_body": False})


class HostCheckMiddleware:
    """400 for a `Host` this server does not answer to: a page that rebinds its own domain to
    127.0.0.1 (DNS rebinding) would otherwise read and drive a loopback server."""

    def __init__(self, app: ASGIApp, allowed: Collection[str] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host")
            if host is not None and host_name(host) not in self.allowed:
                shown = host.decode("latin-1")[:100]
                await _send_error(
                    send,
                    400,
                    f"Invalid Host header {shown!r}: this server answers only to "
                    + ", ".join(sorted(self.allowed)),
                )
                return
        await self.app(scope, receive, send)


def host_name(host: bytes) -> str:
    """`127.0.0.1:8123` -> `127.0.0.1`, `[::1]:80` -> `[::1]`, lower-cased, port dropped."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[: text.find("]") + 1] if "]" in text else text
    name, colon, port = text.rpartition(":")
    return name if colon and port.isdigit() else text


class JsonBodyMiddleware:
    """415 for a request body that is not `application/json`.

    A web page may send `text/plain`, form or multipart bodies to any origin without a CORS
    preflight; parsing those as JSON let any page cancel or roll back every run. Requests without
    a body (the SDK's bodiless POSTs) need no Content-Type.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in BODY_METHODS:
            headers = dict(scope["headers"])
            ctype = headers.get(b"content-type")
            media = ctype.split(b";", 1)[0].strip().lower() if ctype is not None else None
            has_body = headers.get(b"content-length", b"0").strip() != b"0" or (
                b"transfer-encoding" in headers
            )
            if (media is not None and media != b"application/json") or (media is None and has_body):
                await _send_error(
                    send,
                    415,
                    "Unsupported Media Type: send request bodies as JSON "
                    "(Content-Type: application/json)",
                )
                return
        await self.app(scope, receive, send)
