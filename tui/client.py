"""The TUI's only door to an engine: a thin async wrapper over `langgraph_sdk`.

Everything here is plain SDK calls, so the same app drives our embedded engine, `doubletext
serve`, `langgraph dev` or a LangGraph Platform deployment. `friendly_error` turns SDK/httpx
exceptions into one sentence for a notification, so no traceback ever reaches the screen.

Each message is a background run (`runs.create(..., stream_resumable=True)`: the create call
tells us the run id, or raises `ConflictError` for reject), followed with
`runs.join_stream(..., last_event_id="0")`, which replays from the run's first event. The app
reads only the `messages` stream, so that is the only mode it asks for. What happened to each
run comes from the thread's story where the server serves it (`story`, `follow_story`), else
from the reference's `lifecycle` thread stream plus `runs.list`, else from `runs.list` alone.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from langgraph_sdk import get_client
from langgraph_sdk.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)
from langgraph_sdk.schema import StreamPart

from tui.calllog import CallLog
from tui.policies.observe import takes_steer
from tui.terminal_safe import guard_terminal

STREAM_MODE = "messages-tuple"
TODO_CATEGORY = "general"
PAGE = 100


class EngineError(Exception):
    """A failure already phrased for the user."""


class NotServed(Exception):
    """The server does not offer this route or stream mode (404/422): use a fallback."""


def is_disconnect(exc: BaseException) -> bool:
    """The engine is unreachable or went away (as opposed to answering with an error)."""
    return isinstance(
        exc,
        httpx.ConnectError
        | httpx.ConnectTimeout
        | httpx.RemoteProtocolError
        | httpx.ReadError
        | httpx.WriteError,
    )


def friendly_error(exc: BaseException, url: str = "") -> str:
    """One readable sentence for a notification."""
    if isinstance(exc, EngineError):
        return str(exc)
    if is_disconnect(exc):
        return f"Engine unreachable at {url or 'the given URL'} ({exc.__class__.__name__})."
    if isinstance(exc, AuthenticationError):
        return "401 Unauthorized: the server wants an API key (set LANGGRAPH_API_KEY)."
    if isinstance(exc, PermissionDeniedError):
        return "403 Forbidden: this API key may not do that."
    if isinstance(exc, ConflictError):
        return "Rejected (409): the thread is busy with another run."
    detail = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    if isinstance(exc, UnprocessableEntityError) and "assistant" in detail.lower():
        return f"Unknown assistant: {detail.splitlines()[0]}"
    if isinstance(exc, NotFoundError):
        return f"Not found: {detail}"
    if isinstance(exc, httpx.HTTPError):
        return f"Engine error: {detail.splitlines()[0] if detail else exc.__class__.__name__}"
    return f"{exc.__class__.__name__}: {detail.splitlines()[0] if detail else ''}"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def thread_stream_params(mode: str) -> dict[str, str]:
    """Query of `GET /threads/{id}/stream`: the SDK and our engine say `stream_mode`, while
    `langgraph dev` reads `stream_modes` (and silently streams its default without it)."""
    return {"stream_mode": mode, "stream_modes": mode}


def todo_namespace(user_id: str) -> tuple[str, str, str]:
    return ("todo", TODO_CATEGORY, user_id)


class Backend:
    """Threads, runs, streams and the store for one assistant on one server."""

    def __init__(
        self,
        url: str,
        assistant: str,
        api_key: str | None = None,
        configurable: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url
        self.assistant = assistant
        self.configurable = dict(configurable or {})
        timeout = httpx.Timeout(10, read=300)
        extra = dict(headers or {})
        if api_key is None:  # let the SDK read LANGGRAPH_API_KEY / LANGSMITH_API_KEY
            self.client = get_client(url=url, timeout=timeout, headers=extra)
        else:
            self.client = get_client(url=url, api_key=api_key, timeout=timeout, headers=extra)
        guard_terminal(self.client)  # server text never reaches the terminal as controls
        self.calls = CallLog()
        """Every SDK call this app makes (the one call log: policies and views read it)."""
        self.calls.attach(self.client)
        self._steers: bool | None = None

    async def check(self) -> dict[str, Any]:
        """Prove the server answers and knows the assistant; raise EngineError otherwise."""
        try:
            if _is_uuid(self.assistant):
                return dict(await self.client.assistants.get(self.assistant))
            found = await self.client.assistants.search(graph_id=self.assistant, limit=1)
        except NotFoundError as exc:
            raise EngineError(f"Unknown assistant {self.assistant!r}.") from exc
        except Exception as exc:
            if is_disconnect(exc):
                raise
            raise EngineError(friendly_error(exc, self.url)) from exc
        if not found:
            raise EngineError(f"Unknown assistant {self.assistant!r} on {self.url}.")
        return dict(found[0])

    # -- threads ---------------------------------------------------------------------------

    async def new_thread(self, user_id: str) -> str:
        thread = await self.client.threads.create(metadata={"user_id": user_id})
        return thread["thread_id"]

    async def thread_exists(self, thread_id: str) -> bool:
        try:
            await self.client.threads.get(thread_id)
        except NotFoundError:
            return False
        return True

    async def delete_thread(self, thread_id: str) -> None:
        await self.client.threads.delete(thread_id)

    async def thread_summaries(self, limit: int = 30) -> list[dict[str, Any]]:
        """Newest first, each with `first_message` and `run_count` for the picker."""
        found = [dict(t) for t in await self.client.threads.search(limit=limit)]
        found.sort(key=lambda t: t.get("updated_at") or "", reverse=True)
        gate = asyncio.Semaphore(4)

        async def count(thread: dict[str, Any]) -> None:
            async with gate:
                try:
                    thread["run_count"] = len(await self.runs(thread["thread_id"]))
                except Exception:
                    thread["run_count"] = None

        await asyncio.gather(*(count(t) for t in found))
        for thread in found:
            values = thread.get("values") or {}
            messages = values.get("messages") if isinstance(values, dict) else None
            human = next((m for m in messages or [] if m.get("type") == "human"), None)
            content = human.get("content") if human else ""
            thread["first_message"] = content if isinstance(content, str) else str(content or "")
        return found

    async def messages(self, thread_id: str) -> list[dict[str, Any]]:
        state = await self.client.threads.get_state(thread_id)
        values = state.get("values") or {}
        return list(values.get("messages") or []) if isinstance(values, dict) else []

    # -- runs ------------------------------------------------------------------------------

    async def create_run(
        self,
        thread_id: str,
        text: str,
        human_id: str,
        strategy: str,
        user_id: str,
        configurable: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a background run; raises ConflictError when the strategy is reject and busy."""
        run = await self.client.runs.create(
            thread_id,
            self.assistant,
            input={"messages": [{"type": "human", "content": text, "id": human_id}]},
            multitask_strategy=strategy,  # type: ignore[arg-type]
            **self.run_kwargs(user_id, configurable),
        )
        return dict(run)

    def run_kwargs(
        self, user_id: str, configurable: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """What every run this app creates carries besides its input and strategy (a policy's
        runner gets the same): the config, and the stream the app follows."""
        return {
            "config": {
                "configurable": {
                    "todo_category": TODO_CATEGORY,
                    **self.configurable,
                    **(configurable or {}),
                    "user_id": user_id,
                }
            },
            "stream_mode": [STREAM_MODE],
            "stream_resumable": True,
        }

    async def takes_steer(self) -> bool:
        """Whether the assistant's graph takes steer messages in (asked once, then known)."""
        if self._steers is None:
            self._steers = await takes_steer(self.client, self.assistant)
        return self._steers

    async def run_writes(self, thread_id: str, run_id: str) -> int | None:
        """How many store items a run wrote so far (our side-effects route); None where the
        server does not tell."""
        try:
            found = await self.client.http.get(f"/threads/{thread_id}/runs/{run_id}/side_effects")
        except (NotFoundError, UnprocessableEntityError, httpx.HTTPError):
            return None
        if not isinstance(found, list):
            return None
        keys = {(str(w.get("namespace")), str(w.get("key"))) for w in found if w.get("op") == "put"}
        return len(keys)

    def follow(self, thread_id: str, run_id: str) -> AsyncIterator[StreamPart]:
        return self.client.runs.join_stream(
            thread_id,
            run_id,
            last_event_id="0",
            stream_mode=STREAM_MODE,  # type: ignore[arg-type]
        )

    async def run(self, thread_id: str, run_id: str) -> dict[str, Any] | None:
        try:
            return dict(await self.client.runs.get(thread_id, run_id))
        except NotFoundError:
            return None

    async def runs(self, thread_id: str) -> list[Mapping[str, Any]]:
        """Every run of the thread (servers answer 10 by default: ask for pages until done)."""
        found: list[Mapping[str, Any]] = []
        while True:
            page = await self.client.runs.list(thread_id, limit=PAGE, offset=len(found))
            found += page
            if len(page) < PAGE:
                return found

    async def cancel(self, thread_id: str, run_id: str, action: str) -> None:
        await self.client.runs.cancel(thread_id, run_id, action=action)  # type: ignore[arg-type]

    # -- the thread's story, and its fallbacks ----------------------------------------------

    async def story(self, thread_id: str, after: int = 0) -> list[dict[str, Any]]:
        """Every story event after `after`; raises NotServed where the server has no story."""
        events: list[dict[str, Any]] = []
        while True:
            try:
                page = await self.client.http.get(
                    f"/threads/{thread_id}/story", params={"after": after, "limit": 1000}
                )
            except (NotFoundError, UnprocessableEntityError) as exc:
                if events or not await self.thread_exists(thread_id):
                    raise  # a real error about this thread, not a missing route
                raise NotServed(str(exc)) from exc
            if not isinstance(page, list):
                raise NotServed("story route answered something other than a list")
            events += page
            if len(page) < 1000:
                return events
            after = int(page[-1]["seq"])

    async def stream_served(self, thread_id: str, mode: str) -> bool:
        """Does `GET /threads/{id}/stream?stream_mode=mode` open? Reads the status line only."""
        http = self.client.http.client
        path = f"/threads/{thread_id}/stream"
        headers = {"Accept": "text/event-stream"}
        params = thread_stream_params(mode)
        async with http.stream("GET", path, params=params, headers=headers) as res:
            return res.status_code == 200

    async def follow_thread(
        self, thread_id: str, mode: str, last_seq: int = 0
    ) -> AsyncIterator[Any]:
        """`threads.join_stream` in `mode` ("story" or "lifecycle"); NotServed on 404/422."""
        try:
            stream = await self.client.threads.join_stream(  # type: ignore[misc]
                thread_id,
                stream_mode=mode,  # type: ignore[arg-type]
                last_event_id=str(last_seq) if last_seq else None,
                params={"stream_modes": mode},
            )
            async for part in stream:
                yield part
        except (NotFoundError, UnprocessableEntityError) as exc:
            if isinstance(exc, NotFoundError) and not await self.thread_exists(thread_id):
                raise  # the thread is gone, not the stream mode
            raise NotServed(f"{mode}: {exc}") from exc

    # -- the store -------------------------------------------------------------------------

    async def todos(self, user_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            result = await self.client.store.search_items(
                todo_namespace(user_id), limit=PAGE, offset=len(items)
            )
            page = [dict(item) for item in result.get("items", [])]
            items += page
            if len(page) < PAGE:
                return items

    async def clear_todos(self, user_id: str) -> int:
        items = await self.todos(user_id)
        for item in items:
            await self.client.store.delete_item(todo_namespace(user_id), key=item["key"])
        return len(items)

    async def close(self) -> None:
        await self.client.http.client.aclose()
