"""The timeline a client builds equals what the runs API says: on the real embedded engine, the
tutorial's four scenarios plus Esc and Ctrl+B, observed through the SDK (runs.list + history +
the client's own calls), give a lane per run, a checkpoint dot per history entry of that run, a
ghost lane per rolled-back run and a bounce per 409."""

from __future__ import annotations

import pytest

from bench.timeline_bench import Cancel, drive
from doubletext.demo import SCENARIOS
from tui.timeline import fetch
from tui.timeline.export import story_markdown, timeline_svg
from tui.timeline.render import render_rows
from tui.timeline.why import settled_whys

CASES = [*SCENARIOS, Cancel("interrupt"), Cancel("rollback")]


@pytest.mark.parametrize("scenario", CASES, ids=lambda s: f"{type(s).__name__}-{s.strategy}")
async def test_lanes_equal_the_runs(client, scenario) -> None:
    observer = await drive(client, scenario)
    tid = observer.thread_id
    timeline = observer.timeline()
    runs = await fetch.list_runs(client, tid)
    history = await fetch.get_history(client, tid)
    sent = [s.run_id for s in observer.view.sent if s.run_id]
    gone = [rid for rid in sent if not await fetch.run_exists(client, tid, rid)]

    alive = {lane.run_id for lane in timeline.lanes.values() if not lane.ghost}
    assert alive == {r["run_id"] for r in runs}
    assert sorted(lane.run_id for lane in timeline.lanes.values() if lane.ghost) == sorted(gone)
    assert len(timeline.bounces) == sum(s.status == 409 for s in observer.view.sent)
    for lane in timeline.lanes.values():
        written = [h for h in history if h["metadata"].get("run_id") == lane.run_id]
        assert [d.checkpoint_id for d in lane.dots] == [
            h["checkpoint"]["checkpoint_id"] for h in reversed(written)
        ]
        status = next((r["status"] for r in runs if r["run_id"] == lane.run_id), "rolled back")
        assert lane.status == status

    # What the strategy did, as the builder infers it from what the client saw.
    lanes = timeline.ordered()
    expected = {
        "reject": (["success"], 1, 0),
        "enqueue": (["success", "success"], 0, 0),
        "interrupt": (["interrupted", "success"], 0, 0),
        "rollback": (["rolled back", "success"], 0, 1),
    }[scenario.strategy]
    if isinstance(scenario, Cancel):
        expected = (["interrupted" if scenario.strategy == "interrupt" else "rolled back"], 0, 0)
        assert timeline.cut_label(lanes[0]) == (
            "Esc" if scenario.strategy == "interrupt" else "Ctrl+B"
        )
    elif scenario.strategy in ("interrupt", "rollback"):
        assert lanes[0].cut is not None and lanes[0].cut.by_run == lanes[1].run_id
        assert lanes[1].supersedes == (lanes[0].run_id,)
    statuses, bounces, _ = expected
    assert [lane.status.value for lane in lanes] == statuses
    assert len(timeline.bounces) == bounces
    assert "store writes unknown" in timeline.knowledge.caveats()

    # Every view of it works: one why per double text, the picture, the export.
    whys = [line for _, line in settled_whys(timeline)]
    assert len(whys) == 1, whys
    rows = render_rows(timeline, 100, timeline.now())
    assert len(rows.lines) >= len(lanes) + 2
    assert "<svg" in timeline_svg(timeline, width=100)
    assert whys[0] in story_markdown(timeline)
