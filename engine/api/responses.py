"""Response helpers: JSON with the engine's serializer, SSE run streams, keep-alive JSON.

SSE framing follows the reference server: `event:` / `data:` (/ `id:`) lines separated by CRLF,
a `: heartbeat` comment every 5 s, `metadata` first, no `end` event. Long-polling endpoints
(`/wait`, `/join`, `cancel?wait=1`) send whitespace while they wait so proxies keep the
connection open; JSON parsers skip leading whitespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from engine import errors, serde
from engine.api.failures import DISK_FULL_STATUS, failure, is_disk_full

log = logging.getLogger(__name__)

SEP = "\r\n"
HEARTBEAT_S = 5.0
KEEPALIVE_S = 5.0

OnDisconnect = Callable[[], Awaitable[None]]


class JSONResponse(Response):
    """JSON rendered with `engine.serde` so messages, datetimes and UUIDs all serialize."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return serde.dumps(content)


def selected(items: list[dict[str, Any]], select: list[str] | None) -> list[dict[str, Any]]:
    """A search's `select`: only the fields asked for (all of them without one)."""
    if not select:
        return items
    return [{k: v for k, v in item.items() if k in select} for item in items]


def error_body(message: str) -> dict[str, str]:
    return {"detail": message}


def run_paths(thread_id: str, run_id: str) -> tuple[str, str]:
    base = f"/threads/{thread_id}/runs/{run_id}"
    return base, f"{base}/stream"


HEARTBEAT = b": heartbeat\r\n\r\n"


def frame(event: str, data: Any, event_id: int | str | None = None) -> bytes:
    """One SSE frame in the reference's field order: event, data, then id."""
    text = f"event: {event}{SEP}data: {serde.dumps_str(data)}{SEP}"
    if event_id is not None:
        text += f"id: {event_id}{SEP}"
    return (text + SEP).encode()


async def _frames(events: AsyncIterator[Any], with_ids: bool) -> AsyncIterator[bytes | memoryview]:
    """SSE bytes for engine events, with a heartbeat comment after 5 s without one.

    Heartbeats come from here, between frames, never from a side task: a large event goes out
    in slices of its shared JSON (`Event.chunks`), and nothing may land between two slices.
    """
    iterator = aiter(events)
    pending: asyncio.Future[Any] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_S)
            if not done:
                yield HEARTBEAT
                continue
            finished, pending = pending, None
            try:
                event = finished.result()
            except StopAsyncIteration:
                return
            except errors.NotFound:
                # The run was rolled back or deleted under us: like the reference, it just ends.
                return
            except errors.EngineError as exc:
                yield frame("error", {"error": type(exc).__name__, "message": exc.message})
                return
            for chunk in event.chunks(with_ids):  # the JSON encoded once, for every subscriber
                yield chunk
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
        with contextlib.suppress(BaseException):
            await iterator.aclose()  # type: ignore[attr-defined]


def sse_response(
    events: AsyncIterator[Any],
    *,
    with_ids: bool,
    headers: Mapping[str, str],
    on_disconnect: OnDisconnect | None = None,
) -> EventSourceResponse:
    """Stream engine events; `on_disconnect` runs only if the client leaves before the end."""

    async def closed(_message: Any) -> None:
        if on_disconnect is None:
            return
        try:
            await on_disconnect()
        except Exception:  # a failing cancel must not break the connection teardown
            log.exception("on_disconnect handler failed")

    return EventSourceResponse(
        _frames(events, with_ids),
        headers=dict(headers),
        ping=0,  # heartbeats come from `_frames`, between whole frames
        sep=SEP,
        media_type="text/event-stream; charset=utf-8",
        client_close_handler_callable=closed,
    )


class KeepAliveJSONResponse:
    """A JSON body produced by a slow awaitable, with whitespace keep-alives while waiting.

    The status line is sent as late as possible: if the result (or an engine error) arrives
    before the first keep-alive is due, the client gets the real status code (e.g. 404 for a
    run that does not exist). Once the 200 has gone out, an engine error is reported in the
    body as `{"__error__": {"error", "message"}}`, the same shape as a failed run.
    """

    def __init__(
        self,
        compute: Callable[[], Awaitable[Any]],
        *,
        headers: Mapping[str, str] | None = None,
        on_disconnect: OnDisconnect | None = None,
        interval: float = KEEPALIVE_S,
    ) -> None:
        self.compute = compute
        self.headers = dict(headers or {})
        self.on_disconnect = on_disconnect
        self.interval = interval

    def _start(self, status: int, length: int | None = None) -> dict[str, Any]:
        headers = [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        headers.append((b"content-type", b"application/json"))
        if length is not None:
            headers.append((b"content-length", str(length).encode()))
        return {"type": "http.response.start", "status": status, "headers": headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        work = asyncio.ensure_future(self.compute())
        gone = asyncio.ensure_future(_wait_disconnect(receive))
        started = False
        try:
            while True:
                done, _ = await asyncio.wait(
                    {work, gone}, timeout=self.interval, return_when=asyncio.FIRST_COMPLETED
                )
                if work in done:
                    break
                if gone in done:
                    work.cancel()
                    if self.on_disconnect is not None:
                        await self.on_disconnect()
                    return
                if not started:
                    await send(self._start(200))
                    started = True
                await send({"type": "http.response.body", "body": b"\n", "more_body": True})
            status, body = _outcome(work, started)
            if not started:
                await send(self._start(status, len(body)))
            await send({"type": "http.response.body", "body": body, "more_body": False})
        finally:
            for task in (work, gone):
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(work, gone, return_exceptions=True)


def _outcome(work: asyncio.Future[Any], started: bool) -> tuple[int, bytes]:
    exc = work.exception()
    if exc is None:
        return 200, serde.dumps(work.result())
    if isinstance(exc, errors.EngineError) and not is_disk_full(exc):
        status, name, message = exc.status_code, type(exc).__name__, exc.message
    else:
        status, message = failure(exc)
        name = "StorageFull" if status == DISK_FULL_STATUS else "EngineError"
    if started:
        return 200, serde.dumps({"__error__": {"error": name, "message": message}})
    return status, serde.dumps(error_body(message))


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
