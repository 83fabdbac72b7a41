"""Where a session learns what happened on its thread, best first, and what each cannot know.

1. `story`: the engine's durable record of every run's life (docs/story.md);
2. `lifecycle`: the reference server's thread stream of run starts and ends, each one a prompt
   to read `runs.list`;
3. `poll`: `runs.list` alone.

A server that lacks one answers 404 or 422; the next one is tried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tui.client import Backend, NotServed
from tui.story import StoryReducer

SOURCES = ("story", "lifecycle", "poll")
BLIND_SPOTS = {
    "story": "",
    "lifecycle": (
        "no story on this server: causes are inferred; rollbacks and rejections seen by "
        "other sessions are unknown"
    ),
    "poll": (
        "no story on this server (polling runs.list): causes are inferred; rollbacks and "
        "rejections seen by other sessions are unknown"
    ),
}


async def choose_source(
    backend: Backend,
    thread_id: str,
    sources: Sequence[str],
    story: StoryReducer,
    now: float,
    replay: list[Mapping[str, Any]] | None = None,
) -> str:
    """Probe in order; fold what the chosen source already knows into `story`'s log (and the
    story's events into `replay`, for the timeline)."""
    for source in sources:
        if source == "story":
            try:
                events = await backend.story(thread_id)
            except NotServed:
                continue
            for event in events:
                story.apply(event)
            if replay is not None:
                replay += events
            return source
        if source == "lifecycle" and not await backend.stream_served(thread_id, source):
            continue
        story.log.apply_runs(await backend.runs(thread_id), now)
        return source
    raise ValueError(f"no usable source among {sources}")
