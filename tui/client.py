"""The TUI's only door to an engine: a thin async wrapper over `langgraph_sdk`.

Everything here is plain SDK calls, so the same app drives our embedded engine, `doubletext
serve`, `langgraph dev` or a LangGraph Platform deployment. `friendly_error` turns SDK/httpx
exceptions into one sentence for a notification, so no traceback ever reaches the screen.

Streaming choice: each run is created with `runs.create(..., stream_resumable=True)` (so the
create call itself tells us the run id, or raises `ConflictError` for reject) and then followed
with `runs.join_stream(..., last_event_id="0")`, which replays from the run's first event; a run
that is queued behind another simply streams once it starts. `join_stream` is called without
`stream_mode`, so it yields every mode the run was created with (the SDK would encode a list as
repeated query keys, which servers read as one value).
"""

from __future__ import annotations

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

STREAM_MODES = ["messages-tuple", "values", "updates"]
TODO_CATEGORY = "general"


class EngineError(Exception):
    """A failure already phrased for the user."""


def friendly_error(exc: BaseException, url: str = "") -> str:
    """One readable sentence for a notification."""
    if isinstance(exc, EngineError):
        return str(exc)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
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


class Backend:
    """Threads, runs, streams and the store for one assistant on one server."""

    def __init__(
        self,
        url: str,
        assistant: str,
        api_key: str | None = None,
        configurable: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.assistant = assistant
        self.configurable = dict(configurable or {})
        timeout = httpx.Timeout(10, read=300)
        if api_key is None:  # let the SDK read LANGGRAPH_API_KEY / LANGSMITH_API_KEY
            self.client = get_client(url=url, timeout=timeout)
        else:
            self.client = get_client(url=url, api_key=api_key, timeout=timeout)

    async def check(self) -> dict[str, Any]:
        """Prove the server answers and knows the assistant; raise EngineError otherwise."""
        try:
            if _is_uuid(self.assistant):
                return dict(await self.client.assistants.get(self.assistant))
            found = await self.client.assistants.search(graph_id=self.assistant, limit=1)
        except NotFoundError as exc:
            raise EngineError(f"Unknown assistant {self.assistant!r}.") from exc
        except Exception as exc:
            raise EngineError(friendly_error(exc, self.url)) from exc
        if not found:
            raise EngineError(f"Unknown assistant {self.assistant!r} on {self.url}.")
        return dict(found[0])

    async def new_thread(self, user_id: str) -> str:
        thread = await self.client.threads.create(metadata={"user_id": user_id})
        return thread["thread_id"]

    async def threads(self, limit: int = 30) -> list[dict[str, Any]]:
        found = await self.client.threads.search(limit=limit)
        items = [dict(t) for t in found]
        items.sort(key=lambda t: t.get("updated_at") or "", reverse=True)
        return items

    async def messages(self, thread_id: str) -> list[dict[str, Any]]:
        state = await self.client.threads.get_state(thread_id)
        values = state.get("values") or {}
        return list(values.get("messages") or []) if isinstance(values, dict) else []

    async def create_run(
        self, thread_id: str, text: str, human_id: str, strategy: str, user_id: str
    ) -> dict[str, Any]:
        """Create a background run; raises ConflictError when the strategy is reject and busy."""
        run = await self.client.runs.create(
            thread_id,
            self.assistant,
            input={"messages": [{"type": "human", "content": text, "id": human_id}]},
            config={
                "configurable": {
                    "todo_category": TODO_CATEGORY,
                    **self.configurable,
                    "user_id": user_id,
                }
            },
            multitask_strategy=strategy,  # type: ignore[arg-type]
            stream_mode=STREAM_MODES,  # type: ignore[arg-type]
            stream_resumable=True,
        )
        return dict(run)

    def follow(self, thread_id: str, run_id: str) -> AsyncIterator[StreamPart]:
        return self.client.runs.join_stream(thread_id, run_id, last_event_id="0")

    async def runs(self, thread_id: str) -> list[Mapping[str, Any]]:
        return list(await self.client.runs.list(thread_id, limit=100))

    async def cancel(self, thread_id: str, run_id: str, action: str) -> None:
        await self.client.runs.cancel(thread_id, run_id, action=action)  # type: ignore[arg-type]

    async def todos(self, user_id: str) -> list[dict[str, Any]]:
        result = await self.client.store.search_items(("todo", TODO_CATEGORY, user_id), limit=100)
        return [dict(item) for item in result.get("items", [])]

    async def close(self) -> None:
        await self.client.http.client.aclose()
