"""Polling helpers: wait for a condition with a deadline instead of sleeping and hoping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.messages import HumanMessage

from engine.graphs.bench import GATES


def human(text: str) -> dict[str, Any]:
    return {"messages": [HumanMessage(content=text)]}


def transcript(state: dict[str, Any]) -> list[str]:
    """`["human:first", "ai:reply to: first"]` — the thread's messages, compactly."""
    messages = (state.get("values") or {}).get("messages") or []
    return [f"{m['type']}:{m['content']}" for m in messages]


async def eventually(
    probe: Callable[[], Awaitable[Any]],
    check: Callable[[Any], bool],
    *,
    timeout: float = 15,
    what: str = "condition",
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.02)


async def hold(client: Any, thread_id: str) -> None:
    """Shut the thread's gate: its `slow` runs wait for `release` (≤ 60 s), however slow the CI."""
    await client.store.put_item(list(GATES), thread_id, {"open": False})


async def release(client: Any, thread_id: str) -> None:
    """Open the thread's gate: held `slow` runs reply now, later ones sleep their 2 s."""
    await client.store.put_item(list(GATES), thread_id, {"open": True})


async def run_status(client: Any, thread_id: str, run_id: str, *wanted: str) -> dict[str, Any]:
    return await eventually(
        lambda: client.runs.get(thread_id, run_id),
        lambda run: run["status"] in wanted,
        what=f"run {run_id} to be {'/'.join(wanted)}",
    )


async def state_has(client: Any, thread_id: str, entry: str) -> list[str]:
    """Wait until the thread's messages include `entry` (e.g. run 1's input checkpoint)."""
    return await eventually(
        lambda: _transcript_of(client, thread_id),
        lambda messages: entry in messages,
        what=f"{entry!r} in the thread state",
    )


async def _transcript_of(client: Any, thread_id: str) -> list[str]:
    return transcript(await client.threads.get_state(thread_id))
