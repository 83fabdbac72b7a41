"""The checkpoint view and the run inspector on a real engine run, through the SDK."""

from __future__ import annotations

import io
import time

from rich.console import Console

from bench.timeline_bench import Cancel, drive
from doubletext.demo import SCENARIOS
from tests.timeline.checks import skip_if_engine_defect
from tests.timeline.host import TimelineHost
from tui.calllog import CallLog
from tui.screens.inspector import RunInspector
from tui.timeline import fetch
from tui.timeline.checkpoints import CheckpointState
from tui.timeline.inspect import detail
from tui.widgets.checkpoint import CheckpointView
from tui.widgets.timeline import TimelineView

SIZE = (110, 40)


async def until(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await pilot.pause(0.02)


async def test_selecting_a_dot_shows_the_thread_at_that_checkpoint(client) -> None:
    interrupt = next(s for s in SCENARIOS if s.strategy == "interrupt")
    observer = await drive(client, interrupt)
    timeline = observer.timeline()
    run_two = timeline.ordered()[1]
    history = {
        h["checkpoint"]["checkpoint_id"]: h
        for h in await fetch.get_history(client, observer.thread_id)
    }
    app = TimelineHost(timeline, time.time, client=client)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(CheckpointView)
        await pilot.press("down", "down", "right", "right", "right", "right")  # run 2, 4th dot
        dot = run_two.dots[3]
        await until(
            pilot,
            lambda: (
                view.detail is not None and view.detail.state.checkpoint_id == dot.checkpoint_id
            ),
        )
        detail = view.detail
        assert detail is not None
        expected = CheckpointState.from_thread_state(history[dot.checkpoint_id])
        assert detail.state.messages == expected.messages
        assert detail.state.next == tuple(history[dot.checkpoint_id]["next"])
        parent = CheckpointState.from_thread_state(history[expected.parent_id or ""])
        assert detail.previous == parent
        new = [m for m in expected.messages if m not in parent.messages]
        assert list(detail.change.added) == new and new
        assert detail.node == dot.node
        assert detail.todos is None  # no story on this engine yet: store writes unknown
        console = Console(width=SIZE[0], file=io.StringIO(), record=True)
        console.print(view.content)
        shown = console.export_text()
        assert f"checkpoint {dot.checkpoint_id[:8]}" in shown
        assert f"+ {new[0].kind}" in shown and f"messages ({len(expected.messages)})" in shown
        assert "not reported by this server" in shown


async def open_inspector(pilot, app: TimelineHost, keys: tuple[str, ...]) -> RunInspector:
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(app.screen, RunInspector))
    screen = app.screen
    assert isinstance(screen, RunInspector)
    return screen


async def test_the_inspector_shows_the_sdk_calls_for_a_rolled_back_run_and_a_409(
    isolated_client,
) -> None:
    client = isolated_client  # it rolls a run back: see the fixture
    log = CallLog()
    log.attach(client)
    rollback = next(s for s in SCENARIOS if s.strategy == "rollback")
    reject = next(s for s in SCENARIOS if s.strategy == "reject")

    observer = await drive(client, rollback)
    await skip_if_engine_defect(client, observer.thread_id)
    app = TimelineHost(observer.timeline(), time.time, calls=log.calls)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot, app, ("down", "enter"))  # the ghost lane
        statuses = [c.status for c in screen.report.calls]
        assert statuses[0] == 200 and 404 in statuses  # created, then gone
        assert screen.report.chain[-1] == "run 2 then success"
        await pilot.pause()
        assert screen.query_one("#calls").size.height >= len(statuses)

    observer = await drive(client, reject)
    app = TimelineHost(observer.timeline(), time.time, calls=log.calls)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspector(pilot, app, ("down", "down", "enter"))  # the bounce
        assert screen.report.title.startswith("rejected")
        [refused] = screen.report.calls
        assert refused.status == 409
        assert (detail(refused) or "").startswith("Thread is already running")


async def test_esc_reads_as_such_on_the_timeline(client) -> None:
    observer = await drive(client, Cancel("interrupt"))
    app = TimelineHost(observer.timeline(), time.time)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TimelineView)
        await pilot.pause()
        assert view._rendered is not None
        assert "✂ Esc" in view._rendered.lines[1].plain
