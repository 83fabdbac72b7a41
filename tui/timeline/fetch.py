"""What the timeline reads from a server, through `langgraph_sdk` only.

Small functions taking an SDK client: the story where the engine serves it, else the pieces the
client-side builder needs (all runs past the default page of 10, the whole checkpoint history,
the reference's `lifecycle` thread stream), and a thread's state at one checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from tui.timeline.client_side import LifecycleEvent, lifecycle_event

PAGE = 100


async def read_story(client: Any, thread_id: str, after: int = 0) -> list[dict[str, Any]] | None:
    """Every story event after `after` (`GET /threads/{id}/story`), or None where not served.

    A 404 from a thread that exists means the route is missing: the server has no story."""
    events: list[dict[str, Any]] = []
    while True:
        try:
            page = await client.http.get(
                f"/threads/{thread_id}/story", params={"after": after, "limit": 1000}
            )
        except (NotFoundError, UnprocessableEntityError):
            if events:
                raise
            await client.threads.get(thread_id)  # raises NotFoundError if the thread is gone
            return None
        if not isinstance(page, list):
            return None
        events += page
        if len(page) < 1000:
            return events
        after = int(page[-1]["seq"])


async def list_runs(client: Any, thread_id: str) -> list[dict[str, Any]]:
    """All runs of a thread, newest first (`runs.list` pages of PAGE)."""
    found: list[dict[str, Any]] = []
    while True:
        page = await client.runs.list(thread_id, limit=PAGE, offset=len(found))
        found += [dict(r) for r in page]
        if len(page) < PAGE:
            return found


async def get_history(client: Any, thread_id: str) -> list[dict[str, Any]]:
    """Every checkpoint of a thread, newest first (`threads.get_history`, paged by `before`)."""
    found: list[dict[str, Any]] = []
    before: Any = None
    while True:
        page = await client.threads.get_history(thread_id, limit=PAGE, before=before)
        found += [dict(s) for s in page]
        if len(page) < PAGE:
            return found
        before = page[-1]["checkpoint"]


async def run_exists(client: Any, thread_id: str, run_id: str) -> bool:
    """False when the server answers 404 (a rolled-back run is deleted)."""
    try:
        await client.runs.get(thread_id, run_id)
    except NotFoundError:
        return False
    return True


async def lifecycle(client: Any, thread_id: str) -> AsyncIterator[LifecycleEvent]:
    """The reference's thread stream in `lifecycle` mode, as LifecycleEvents, until cancelled.

    The SDK sends `stream_mode`; langgraph-api reads `stream_modes`, so both are sent.
    Raises NotFoundError / UnprocessableEntityError where the server has no such stream."""
    stream = await client.threads.join_stream(
        thread_id, stream_mode="lifecycle", params={"stream_modes": "lifecycle"}
    )
    async for part in stream:
        event = lifecycle_event(part.event, part.data, time.time(), getattr(part, "id", None))
        if event is not None:
            yield event


async def checkpoint_state(client: Any, thread_id: str, checkpoint_id: str) -> Mapping[str, Any]:
    """The thread's state at one checkpoint (`GET /threads/{id}/state/{checkpoint_id}`)."""
    return await client.threads.get_state(thread_id, checkpoint_id=checkpoint_id)
