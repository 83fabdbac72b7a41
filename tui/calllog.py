"""Every SDK call the app makes, as the learner should see it: method, path, status, duration
and a body excerpt (a 409's detail, the 404 after a rollback).

Recorded with httpx event hooks on the SDK's own HTTP client, so what is shown is exactly what
went over the wire. `scope()` collects the calls made inside it (by this task and the tasks it
starts), which is how a plan's runner knows which calls were its own. Streams (SSE) are logged
by their headers only: reading their body here would consume it.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import httpx
from langgraph_sdk.client import LangGraphClient

from tui.text import short_id

EXCERPT = 240
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RUN_IN_PATH_RE = re.compile(rf"/runs/({_UUID_RE.pattern})")
_RUN_IN_BODY_RE = re.compile(rf'"run_id"\s*:\s*"({_UUID_RE.pattern})"')
_T0 = "doubletext.t0"
_scopes: ContextVar[tuple[tuple[CallLog, list[Call]], ...]] = ContextVar(
    "doubletext_call_scopes", default=()
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    """Path and query, as sent."""
    status: int | None
    """None: no answer (the connection failed)."""
    duration_ms: float
    request: str
    """Excerpt of the request body ("" for none)."""
    response: str
    """Excerpt of the response body, or the error when there was no answer."""
    at: float
    """Wall-clock time it was sent (`time.time()`)."""
    run_id: str | None = None
    """The run it concerns, from the path or the answer, when there is one."""

    def line(self, short: Callable[[str], str] = short_id) -> str:
        """One line for a log view: ids shortened (run ids by `short`, the thread's by
        `tui.text.short_id`), the body excerpt last."""
        path = _RUN_IN_PATH_RE.sub(lambda m: f"/runs/{short(m.group(1))}", self.path)
        path = _UUID_RE.sub(lambda m: short_id(m.group(0)), path)
        status = str(self.status) if self.status is not None else "ERR"
        body = f"  {self.response}" if self.response else ""
        return f"{self.method} {path} → {status} in {self.duration_ms:.1f} ms{body}"


def excerpt(data: bytes | str, limit: int = EXCERPT) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_id(path: str, body: str) -> str | None:
    found = _RUN_IN_PATH_RE.search(path) or _RUN_IN_BODY_RE.search(body)
    return found.group(1) if found else None


class CallLog:
    """The last `limit` calls, plus listeners told of each new one (e.g. a log widget)."""

    def __init__(self, limit: int = 1000) -> None:
        self.calls: deque[Call] = deque(maxlen=limit)
        self._listeners: list[Callable[[Call], None]] = []

    def attach(self, client: LangGraphClient) -> None:
        """Record every call this SDK client makes (once per client)."""
        http = client.http.client
        hooks = http.event_hooks
        if any(getattr(h, "__self__", None) is self for h in hooks.get("response", [])):
            return
        hooks.setdefault("request", []).append(self._on_request)
        hooks.setdefault("response", []).append(self._on_response)
        http.event_hooks = hooks

    def subscribe(self, listener: Callable[[Call], None]) -> None:
        self._listeners.append(listener)

    @contextmanager
    def scope(self) -> Iterator[list[Call]]:
        """Yield a list that collects the calls made inside the block."""
        mine: list[Call] = []
        token = _scopes.set((*_scopes.get(), (self, mine)))
        try:
            yield mine
        finally:
            _scopes.reset(token)

    def add(self, call: Call) -> None:
        self.calls.append(call)
        for log, found in _scopes.get():
            if log is self:  # another log attached to the same client records it there
                found.append(call)
        for listener in self._listeners:
            listener(call)

    def add_failure(self, method: str, path: str, error: BaseException, started: float) -> None:
        """A call that got no answer (transport error): httpx calls no response hook."""
        elapsed = (time.perf_counter() - started) * 1000
        message = excerpt(f"{type(error).__name__}: {error}")
        self.add(Call(method, path, None, elapsed, "", message, time.time(), _run_id(path, "")))

    # -- httpx hooks -------------------------------------------------------------------------

    async def _on_request(self, request: httpx.Request) -> None:
        request.extensions[_T0] = (time.perf_counter(), time.time())

    async def _on_response(self, response: httpx.Response) -> None:
        request = response.request
        started, at = request.extensions.get(_T0, (time.perf_counter(), time.time()))
        elapsed = (time.perf_counter() - started) * 1000
        try:
            sent = excerpt(request.content)
        except httpx.RequestNotRead:
            sent = ""
        kind = response.headers.get("content-type", "")
        if "event-stream" in kind:
            body = "(stream)"
        else:
            await response.aread()
            body = excerpt(response.content)
        path = request.url.raw_path.decode("ascii", "replace")
        self.add(
            Call(
                request.method,
                path,
                response.status_code,
                elapsed,
                sent,
                body,
                at,
                _run_id(path, body),
            )
        )
