"""The model on real stories: events captured from the engine that serves the thread story
(docs/story.md), and — where the session's engine serves it — stories read live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.timeline_bench import Cancel, drive
from doubletext.demo import SCENARIOS
from tests.timeline.checks import check_lanes_equal_runs
from tui.timeline import fetch
from tui.timeline.model import Status, Timeline
from tui.timeline.why import settled_whys

CAPTURED = Path(__file__).with_name("captured")
EXPECTED = {  # statuses, bounces, the one why line starts with
    "reject": (["success"], 1, "Message 'Add a ToDo to mount dresser to the wall.' was rejected"),
    "enqueue": (["success", "success"], 0, "Run 2 (enqueue) waited"),
    "interrupt": (["interrupted", "success"], 0, "Run 2 (interrupt) stopped run 1 after"),
    "rollback": (["rolled back", "success"], 0, "Run 2 (rollback) rolled back run 1 after"),
    "esc": (["interrupted"], 0, "Esc (cancel) stopped run 1 after"),
    "ctrl_b": (["rolled back"], 0, "Ctrl+B (cancel with rollback) rolled back run 1 after"),
    "several_interrupt": (
        ["interrupted"] * 3 + ["success"],
        0,
        "Run 4 (interrupt) stopped run 1 after",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_captured_stories_fold_into_the_runs_the_server_listed(name) -> None:
    captured = json.loads((CAPTURED / f"{name}.json").read_text())
    timeline = Timeline.from_events(captured["story"], thread_id=captured["thread_id"])
    statuses, bounces, why = EXPECTED[name]
    lanes = timeline.ordered()
    assert [lane.status.value for lane in lanes] == statuses
    assert len(timeline.bounces) == bounces
    listed = {r["run_id"]: r["status"] for r in captured["runs"]}
    assert {lane.run_id: str(lane.status) for lane in lanes if not lane.ghost} == listed
    for lane in lanes:
        history = [h["checkpoint_id"] for h in captured["history"] if h["run_id"] == lane.run_id]
        kept = [d.checkpoint_id for d in lane.dots if not d.removed]
        assert kept == history[::-1]
        if lane.ghost:
            assert [d.checkpoint_id for d in lane.dots] == list(lane.removed_checkpoints)
        if lane.status is Status.INTERRUPTED:
            reason = next(
                r["cancel_reason"] for r in captured["runs"] if r["run_id"] == lane.run_id
            )
            assert lane.reason == reason and lane.cut is not None and not lane.cut.inferred
    [(_, line)] = settled_whys(timeline)
    assert line.startswith(why)
    assert timeline.knowledge.caveats() == []


@pytest.mark.parametrize(
    "scenario",
    [*SCENARIOS, Cancel("interrupt"), Cancel("rollback")],
    ids=lambda s: f"{type(s).__name__}-{s.strategy}",
)
async def test_a_live_story_equals_the_runs(client, scenario) -> None:
    probe = await client.threads.create()
    if await fetch.read_story(client, probe["thread_id"]) is None:
        pytest.skip("this engine does not serve the thread story yet")
    observer = await drive(client, scenario)
    story = await fetch.read_story(client, observer.thread_id)
    assert story is not None
    timeline = Timeline.from_events(story, thread_id=observer.thread_id)
    await check_lanes_equal_runs(client, observer, scenario, timeline)
