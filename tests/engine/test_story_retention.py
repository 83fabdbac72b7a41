"""The story is bounded: a thread keeps its newest `story_retention` events; numbering goes on."""

from __future__ import annotations

from engine.config import Settings
from engine.core import Engine
from engine.storage.story import TRIM_EVERY


async def test_a_thread_keeps_its_newest_events_and_numbers_on(settings: Settings) -> None:
    settings.story_retention = 10
    async with await Engine.open(settings) as engine:
        thread_id = (await engine.create_thread())["thread_id"]
        per_run = 0
        for index in range(TRIM_EVERY):  # the trim comes with the TRIM_EVERY-th run end
            run = await engine.create_run(thread_id, assistant_id="two_step", input={})
            await engine.join_run(thread_id, run["run_id"])
            if index == 0:
                per_run = len(await engine.thread_story(thread_id))
        events = await engine.thread_story(thread_id)
    assert per_run >= 5  # accepted, started, checkpoints, ended
    assert len(events) == settings.story_retention
    assert events[-1]["seq"] == TRIM_EVERY * per_run  # nothing renumbered
    assert [e["seq"] for e in events] == list(range(events[0]["seq"], events[-1]["seq"] + 1))
    assert events[-1]["kind"] == "run_ended"


async def test_without_the_story_nothing_is_recorded(settings: Settings) -> None:
    settings.story = False
    async with await Engine.open(settings) as engine:
        thread_id = (await engine.create_thread())["thread_id"]
        run = await engine.create_run(thread_id, assistant_id="two_step", input={})
        await engine.join_run(thread_id, run["run_id"])
        assert await engine.thread_story(thread_id) == []
