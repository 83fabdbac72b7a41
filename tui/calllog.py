"""A log of the HTTP calls a `langgraph_sdk` client makes: method, path, status, time, excerpts.

It hooks into the client's httpx event hooks (public httpx API), so it records exactly what went
over the wire — the 409 of a rejected double text with its detail, the 404 for a rolled-back run
— and a view can put those calls next to what they caused, connecting the screen to the SDK
code a learner would write. Tiny and general: any SDK client, any use (inspector, policies).
Calls that never got a response (connection refused) raise in the SDK and are not logged here.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RUN_IN_PATH = re.compile(rf"/runs/({_UUID})")
_THREAD_IN_PATH = re.compile(rf"/threads/({_UUID})")
_STARTED = "doubletext.calllog.started"


@dataclass(frozen=True)
class Call:
    """One request and its response."""

    at: float  # wall clock when the request was sent
    method: str
    path: str
    query: str
    status: int
    duration_s: float  # until the response headers (for streams) or the whole body
    request: str  # body excerpt
    response: str  # body excerpt; "(stream)" for server-sent events
    run_id: str | None = None
    thread_id: str | None = None

    @property
    def line(self) -> str:
        """`POST /threads/…/runs → 409 (12 ms)`."""
        return f"{self.method} {self.path} → {self.status} ({self.duration_s * 1000:.0f} ms)"

    @property
    def detail(self) -> str | None:
        """The error's `detail` when the response was `{"detail": ...}` (409, 404, 422)."""
        try:
            body = json.loads(self.response)
        except ValueError:
            return None
        return str(body["detail"]) if isinstance(body, dict) and "detail" in body else None


def excerpt(raw: bytes | str, limit: int) -> str:
    """A body as one short line: JSON re-encoded compactly, whitespace collapsed, cut at limit."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ids(path: str, body: Any) -> tuple[str | None, str | None]:
    run = _RUN_IN_PATH.search(path)
    thread = _THREAD_IN_PATH.search(path)
    run_id = run.group(1) if run else None
    thread_id = thread.group(1) if thread else None
    if isinstance(body, dict):  # a create answers with the run it made
        run_id = run_id or (body.get("run_id") if isinstance(body.get("run_id"), str) else None)
        tid = body.get("thread_id")
        thread_id = thread_id or (tid if isinstance(tid, str) else None)
    return run_id, thread_id


class CallLog:
    """The last `limit` calls, oldest first; listeners hear each new one."""

    def __init__(
        self, limit: int = 1000, excerpt_chars: int = 300, clock: Callable[[], float] = time.time
    ) -> None:
        self.calls: deque[Call] = deque(maxlen=limit)
        self.excerpt_chars = excerpt_chars
        self.clock = clock
        self._listeners: list[Callable[[Call], None]] = []

    def __iter__(self) -> Iterator[Call]:
        return iter(list(self.calls))

    def __len__(self) -> int:
        return len(self.calls)

    def record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in list(self._listeners):
            listener(call)

    def subscribe(self, listener: Callable[[Call], None]) -> Callable[[], None]:
        """Call `listener` with every new call; returns a function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def for_run(self, run_id: str) -> list[Call]:
        return [c for c in self.calls if c.run_id == run_id]

    def for_thread(self, thread_id: str) -> list[Call]:
        return [c for c in self.calls if c.thread_id == thread_id]

    # -- recording through httpx event hooks ----------------------------------------------------

    def attach(self, client: Any) -> CallLog:
        """Record every call of a `langgraph_sdk` client (or a bare `httpx.AsyncClient`)."""
        http = getattr(getattr(client, "http", None), "client", client)
        if not isinstance(http, httpx.AsyncClient):
            raise TypeError(f"cannot log calls of {type(client).__name__}: no httpx.AsyncClient")
        hooks = http.event_hooks
        hooks["request"] = [*hooks.get("request", []), self._on_request]
        hooks["response"] = [*hooks.get("response", []), self._on_response]
        http.event_hooks = hooks
        return self

    async def _on_request(self, request: httpx.Request) -> None:
        request.extensions[_STARTED] = (self.clock(), time.perf_counter())

    async def _on_response(self, response: httpx.Response) -> None:
        request = response.request
        at, started = request.extensions.get(_STARTED, (self.clock(), time.perf_counter()))
        streamed = response.headers.get("content-type", "").startswith("text/event-stream")
        body: Any = None
        if streamed:
            answer = "(stream)"
        else:
            raw = await response.aread()  # cached: the SDK reads the same bytes afterwards
            answer = excerpt(raw, self.excerpt_chars)
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
        try:
            sent = excerpt(request.content, self.excerpt_chars) if request.content else ""
        except httpx.RequestNotRead:
            sent = "(stream)"
        run_id, thread_id = _ids(request.url.path, body)
        self.record(
            Call(
                at=at,
                method=request.method,
                path=request.url.path,
                query=request.url.query.decode("ascii", "replace"),
                status=response.status_code,
                duration_s=time.perf_counter() - started,
                request=sent,
                response=answer,
                run_id=run_id,
                thread_id=thread_id,
            )
        )
