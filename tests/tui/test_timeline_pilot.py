"""The timeline in the app (issue 12), on the real embedded engine through the SDK.

For each of the tutorial's four scenarios, double texted as a learner would (message 2 held with
Ctrl+L, message 1 sent, the strategy picked, message 2 fired with F5 once reply 1 streams):
the app's lanes equal what the runs API says (a live lane per listed run, a ghost lane per
rolled-back run, a bounce per 409, a dot per history entry of each run), exactly one why line
follows the double text in the transcript, and an SVG snapshot of the app with the timeline.

Deterministic: ids are `run-N`/`thread-N`, the offline model's pace and date are fixed, message
2 is fired at a fixed point of run 1 (its reply streaming), fates come from `runs.list` polling
on every engine (the pictures do not change when the engine starts serving the story), and the
timeline is drawn with pinned times (`tui.timeline.pin`: each moment becomes its rank, so the
picture depends on the order of events, not on how fast this machine ran them); todo keys (fresh
uuids) are masked in tool lines, and the reject notification is cleared before the capture.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest

pytest.register_assert_rewrite("tests.timeline.checks")

from bench.timeline_bench import Cancel  # noqa: E402
from doubletext.demo import SCENARIOS, Scenario  # noqa: E402
from tests.timeline.checks import check_lanes_match_the_api, check_outcome  # noqa: E402
from tests.tui.conftest import Engine, RecordingApp  # noqa: E402
from tests.tui.helpers import (  # noqa: E402
    fate_of,
    hold,
    idle,
    ready,
    steady,
    turn,
    turns,
    wait_until,
)
from tui.client import Backend, NotServed  # noqa: E402
from tui.message_chunks import AIDelta, parse_message  # noqa: E402
from tui.runstate import FINAL, Fate  # noqa: E402
from tui.screens.inspector import RunInspector  # noqa: E402
from tui.strategies import BY_NAME  # noqa: E402
from tui.timeline.client_side import Sent  # noqa: E402
from tui.timeline.why import settled_whys  # noqa: E402
from tui.widgets.checkpoint import CheckpointView  # noqa: E402
from tui.widgets.runs import RunPanel  # noqa: E402
from tui.widgets.timeline_pane import TimelinePane  # noqa: E402
from tui.widgets.transcript import ToolLine, Transcript  # noqa: E402
from tui.widgets.why import WhyLine  # noqa: E402

LARGE = (160, 48)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CONFIG = {"doubletext_pace": 0.5, "now": "2026-01-05T09:00:00"}


def app_for(engine: Engine, name: str, tmp_path, **kw) -> RecordingApp:
    kw.setdefault("configurable", CONFIG)
    kw.setdefault("stable_ids", True)
    kw.setdefault("sources", ("poll",))
    return RecordingApp(
        engine.url,
        kw.pop("assistant", "task_maistro"),
        f"timeline-{name}",
        engine_label="embedded (test)",
        model="offline",
        state_file=tmp_path / "last.json",
        **kw,
    )


def pane(app: RecordingApp) -> TimelinePane:
    return app.chat.query_one(TimelinePane)


def whys(app: RecordingApp) -> list[str]:
    return [w.line for w in app.chat.query(WhyLine)]


async def double_text(pilot, scenario: Scenario) -> None:
    """Message 1, then message 2 fired (F5) once reply 1 has streamed 10 characters. For a cut
    run 1, its reply is shown only up to that point: what streams before the server stops it
    depends on timing, and it is exactly what the server throws away (shown dimmed).

    Reply 1 is counted from its first event (the hook is in place before message 1 is sent),
    and run 1 streams at a quarter of the test pace, so message 2 reaches the server while run
    1 is still streaming even on a loaded machine (the pictures rank moments, so the pace does
    not show in them). Message 2 goes at the test pace.
    """
    app = pilot.app
    await ready(pilot)
    session, streamed = app.session, [0]
    absorb = session._absorb

    def frozen_after_10(key: str, data) -> None:
        entry = session.log.entries.get(key)
        if entry is not None and entry.text == scenario.first:
            if streamed[0] >= 10 and scenario.strategy in ("interrupt", "rollback"):
                return
            update = parse_message(data)
            streamed[0] += len(update.text) if isinstance(update, AIDelta) else 0
        absorb(key, data)

    session._absorb = frozen_after_10
    test_pace = app.base_pace
    app.query_one("#composer").focus()
    app.query_one("#composer").value = scenario.second
    await pilot.press("ctrl+l", "f1")
    app.base_pace = test_pace * 4
    app.query_one("#composer").value = scenario.first
    await pilot.press("enter")
    sent = lambda: any(e.text == scenario.first for e in session.log.entries.values())  # noqa: E731
    await wait_until(pilot, sent, 10, "message 1 sent")
    app.base_pace = test_pace
    await pilot.press(BY_NAME[scenario.strategy].key)
    await wait_until(pilot, lambda: streamed[0] >= 10, 30, "reply 1 streaming")
    await pilot.press("f5")


async def settled(pilot, count: int) -> None:
    """The thread is idle, every reply rendered in full, and the timeline has said its `count`
    whys."""
    app = pilot.app
    await wait_until(pilot, lambda: idle(app) and len(whys(app)) >= count, 60, "the why")
    replies = lambda: [r for t in turns(app) for r in t.replies()]  # noqa: E731
    await wait_until(pilot, lambda: all(r.finished and r.caught_up for r in replies()), 10)
    await steady(pilot)


def mask_store_keys(app: RecordingApp) -> None:
    """Todo keys are fresh uuids, and a tool line may name one ("Document 1f1e… updated")."""
    for line in app.chat.query(ToolLine):
        line.title = UUID.sub("<key>", str(line.title))


async def check_app_lanes(app: RecordingApp, scenario: Scenario | Cancel) -> None:
    """The app's own timeline against the runs API, the outcome, and its why in the transcript."""
    session = app.session
    assert session is not None and session.recorder is not None and session.thread_id
    model = pane(app).model
    await check_lanes_match_the_api(
        app.backend.client, session.thread_id, session.recorder.view.sent, model
    )
    check_outcome(model, scenario)
    assert whys(app) == [line for _, line in settled_whys(pane(app).shown)]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.strategy)
def test_scenario_with_the_timeline_160x48(snap_compare, engine, tmp_path, scenario) -> None:
    async def run_before(pilot) -> None:
        app = pilot.app
        await double_text(pilot, scenario)
        await settled(pilot, 1)
        await check_app_lanes(app, scenario)
        children = list(app.chat.query_one(Transcript).children)
        why = next(c for c in children if isinstance(c, WhyLine))
        second = turn(app, scenario.second)
        assert children.index(why) == children.index(second) + 1  # right after message 2
        mask_store_keys(app)
        app.clear_notifications()
        await steady(pilot)

    app = app_for(engine, scenario.strategy, tmp_path)
    assert snap_compare(app, run_before=run_before, terminal_size=LARGE)


async def test_esc_and_ctrl_b_lanes_equal_the_runs(make_app) -> None:
    """A cancel is a cut too: Esc leaves run 1 interrupted, Ctrl+B deletes run 2 (a ghost)."""
    app = make_app(sources=("poll",))
    async with app.run_test(size=LARGE) as pilot:
        await ready(pilot)
        await hold(app)  # each run runs until its key cuts it
        for text, key in (("first", "escape"), ("second", "ctrl+b")):
            app.query_one("#composer").value = text
            await pilot.press("enter")
            await wait_until(pilot, lambda t=text: fate_of(app, t) is Fate.RUNNING, 20)
            await pilot.press(key)
            await wait_until(pilot, lambda t=text: fate_of(app, t) in FINAL, 20)
        await settled(pilot, 2)
        model = pane(app).model
        session = app.session
        assert session is not None and session.recorder is not None and session.thread_id
        await check_lanes_match_the_api(
            app.backend.client, session.thread_id, session.recorder.view.sent, model
        )
        first, second = model.ordered()
        assert (first.status.value, second.status.value) == ("interrupted", "rolled back")
        assert (model.cut_label(first), model.cut_label(second)) == ("Esc", "Ctrl+B")
        assert [line.split(" (")[0] for line in whys(app)] == ["Esc", "Ctrl+B"]


@pytest.mark.requires_story
async def test_the_story_feeds_the_timeline_live_and_on_reload(engine, tmp_path) -> None:
    """On an engine with the story: StoryEvents fold into the timeline (store writes known, no
    caveat), its lanes equal the runs API, and a second app on the thread replays the same."""
    scenario = next(s for s in SCENARIOS if s.strategy == "rollback")
    seen: list[str] = []
    app = app_for(engine, "story", tmp_path, stable_ids=False, sources=("story",))
    hook = lambda m: seen.append(type(m).__name__)  # noqa: E731
    async with app.run_test(size=LARGE, message_hook=hook) as pilot:
        await double_text(pilot, scenario)
        await settled(pilot, 1)
        assert app.session is not None and app.session.source == "story"
        assert "StoryEvent" in seen and "TimelineBuilt" not in seen
        model = pane(app).model
        assert model.knowledge.caveats() == []
        sent = [
            Sent(0.0, e.text, e.strategy, e.run_id, 409 if e.fate is Fate.REJECTED else 200)
            for e in app.session.log.ordered()
        ]
        await check_lanes_match_the_api(app.backend.client, app.session.thread_id, sent, model)
        check_outcome(model, scenario)
        said = whys(app)
    again = app_for(engine, "story", tmp_path, stable_ids=False, sources=("story",))
    async with again.run_test(size=LARGE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: whys(again) == said, 20, "the same why, replayed")


async def test_the_lifecycle_stream_is_asked_for_in_both_spellings(engine) -> None:
    """`langgraph dev` reads `stream_modes`, the SDK sends `stream_mode`: the probe and the
    follow send both (seen in the app's call log, whatever this engine answers)."""
    backend = Backend(engine.url, "task_maistro")
    try:
        thread_id = await backend.new_thread("both-spellings")
        await backend.stream_served(thread_id, "lifecycle")

        async def first_part() -> None:
            async for _part in backend.follow_thread(thread_id, "lifecycle"):
                return

        with contextlib.suppress(NotServed, TimeoutError):  # served: nothing happens here
            await asyncio.wait_for(first_part(), 2.0)
    finally:
        await backend.close()
    asked = [c.path for c in backend.calls.calls if c.path.startswith(f"/threads/{thread_id}/st")]
    assert len(asked) == 2
    assert all("stream_mode=lifecycle" in p and "stream_modes=lifecycle" in p for p in asked)


async def test_dots_runs_and_rejections_open_what_they_show(engine, tmp_path) -> None:
    """F12 focuses the timeline; a dot shows the thread's state there; Enter (timeline or runs
    panel) opens the run inspector with the app's SDK calls for it, a rejected row its 409;
    Ctrl+F hides and shows what a rolled-back run streamed."""
    rollback = next(s for s in SCENARIOS if s.strategy == "rollback")
    reject = next(s for s in SCENARIOS if s.strategy == "reject")
    app = app_for(engine, "inspect", tmp_path, stable_ids=False)
    async with app.run_test(size=LARGE) as pilot:
        await double_text(pilot, rollback)
        await settled(pilot, 1)
        label = app.chat.query_one(".not-kept-label")
        assert label.display and turn(app, rollback.first).query(".not-kept")
        await pilot.press("ctrl+f")
        assert not label.display
        await pilot.press("ctrl+f")
        assert label.display

        await pilot.press("f12")
        view = pane(app).view
        assert view.has_focus
        await pilot.press("down", "down", "right")  # run 2, its first checkpoint
        box = app.chat.query_one(CheckpointView)
        await wait_until(pilot, lambda: box.display and box.detail is not None, 10, "the state")
        run2 = pane(app).model.ordered()[1]
        assert box.detail.state.checkpoint_id == run2.dots[0].checkpoint_id
        await pilot.press("up", "enter")  # run 1: gone, rolled back
        await wait_until(pilot, lambda: isinstance(app.screen, RunInspector), 5, "inspector")
        report = app.screen.report
        assert report.title.startswith("run 1")
        create = [c for c in report.calls if c.method == "POST" and c.status == 200]
        assert len(create) == 1 and create[0].run_id == pane(app).model.ordered()[0].run_id
        await pilot.press("escape")

        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: not whys(app), 10, "a new thread")
        await double_text(pilot, reject)
        await settled(pilot, 1)
        runs = app.chat.query_one(RunPanel)
        runs.focus()
        runs.move_cursor(row=1)  # the rejected message: no run
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunInspector), 5, "inspector")
        assert app.screen.report.title.startswith("rejected attempt")
        assert [c.status for c in app.screen.report.calls] == [409]
