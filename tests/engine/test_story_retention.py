"""The story is bounded: a thread keeps its newest `story_retention` events; numbering goes on."""

from __future__ import annotations

from engine.config import Settings
from engine.core import Engine
from engine.storage.story import TRIM_EVERY
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


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


async def test_each_thread_is_trimmed_by_its_own_run_ends(settings: Settings) -> None:
    """A run ending on another thread does not shift when this thread is trimmed."""
    settings.story_retention = 10
    async with await Engine.open(settings) as engine:
        other = (await engine.create_thread())["thread_id"]
        run = await engine.create_run(other, assistant_id="two_step", input={})
        await engine.join_run(other, run["run_id"])
        thread_id = (await engine.create_thread())["thread_id"]
        for _ in range(TRIM_EVERY):
            run = await engine.create_run(thread_id, assistant_id="two_step", input={})
            await engine.join_run(thread_id, run["run_id"])
        events = await engine.thread_story(thread_id)
    assert len(events) == settings.story_retention
    assert events[-1]["kind"] == "run_ended"


async def test_without_the_story_nothing_is_recorded(settings: Settings) -> None:
    settings.story = False
    async with await Engine.open(settings) as engine:
        thread_id = (await engine.create_thread())["thread_id"]
        run = await engine.create_run(thread_id, assistant_id="two_step", input={})
        await engine.join_run(thread_id, run["run_id"])
        assert await engine.thread_story(thread_id) == []


async def test_runs_from_before_the_story_are_told_from_their_rows(settings: Settings) -> None:
    """A data dir from before the story (or served with it off) gets one on its next start:
    what the rows keep (accepted, started, store writes, ended with reason and cause)."""
    settings.story = False
    async with await Engine.open(settings) as engine:
        thread_id = (await engine.create_thread())["thread_id"]
        first = await engine.create_run(thread_id, assistant_id="notes", input=human("hold:b"))
        await wait_until(lambda: gates.reached("b"), what="run 1 to hold")
        second = await engine.create_run(
            thread_id, assistant_id="notes", input=human("later"), multitask_strategy="interrupt"
        )
        gates.open("b")
        await engine.join_run(thread_id, second["run_id"])
    settings.story = True
    async with await Engine.open(settings) as engine:
        events = await engine.thread_story(thread_id)
    told = [(e["kind"], e["run_id"]) for e in events]
    assert told == [
        ("run_accepted", first["run_id"]),
        ("run_started", first["run_id"]),
        ("store_write", first["run_id"]),  # `notes` saves the text before it holds
        ("run_ended", first["run_id"]),
        ("run_accepted", second["run_id"]),
        ("run_started", second["run_id"]),
        ("store_write", second["run_id"]),
        ("run_ended", second["run_id"]),
    ]
    assert events[0]["text"] == "hold:b"
    assert events[3]["status"] == "interrupted"
    assert (
        events[3]["reason"]
        == f"superseded by run {second['run_id']} (multitask_strategy=interrupt)"
    )
