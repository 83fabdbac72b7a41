"""The timeline widget under Pilot: keys and mouse post the right Messages, the caption names the
hovered node, running bars grow with the clock, zoom; SVG snapshots of the tutorial's four
scenarios (deterministic: contract stories with fixed times, a pinned clock)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from tests.timeline.host import TimelineHost
from tests.timeline.stories import (
    R1,
    R2,
    SCENARIOS,
    THREAD,
    Story,
    epoch,
    interrupt_story,
    reject_story,
    rollback_story,
)
from tui.screens.inspector import RunInspector
from tui.timeline.checkpoints import CheckpointState, MessageLine, detail_of
from tui.timeline.client_side import ClientView, Sent, Snapshot
from tui.timeline.client_side import build as build_client_side
from tui.timeline.model import Timeline
from tui.widgets.checkpoint import CheckpointView
from tui.widgets.timeline import TimelineView
from tui.widgets.timeline_pane import TimelinePane

SIZE = (100, 18)


def host(story, clock_at: float = 10.0, **kwargs) -> TimelineHost:
    timeline = Timeline.from_events(story().events, thread_id=THREAD)
    return TimelineHost(timeline, lambda: epoch(clock_at), **kwargs)


def kinds(app: TimelineHost) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for message in app.seen:
        key = getattr(message, "checkpoint_id", None) or getattr(message, "run_id", None)
        found.append((type(message).__name__, key))
    return found


async def test_keys_walk_runs_dots_and_rejections_and_post_messages() -> None:
    app = host(reject_story)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TimelineView)
        await pilot.press("down", "right", "right")
        lane = app.timeline.lane(R1)
        assert lane is not None
        first, second = lane.dots[0].checkpoint_id, lane.dots[1].checkpoint_id
        assert kinds(app) == [
            ("RunSelected", R1),
            ("CheckpointSelected", first),
            ("CheckpointSelected", second),
        ]
        await pilot.press("end", "right")  # past the last dot: back to the whole run
        assert kinds(app)[-2:] == [
            ("CheckpointSelected", lane.dots[-1].checkpoint_id),
            ("RunSelected", R1),
        ]
        await pilot.press("down")
        assert type(app.seen[-1]).__name__ == "RejectedSelected"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunInspector)
        assert app.screen.report.title.startswith("rejected attempt")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not None and not isinstance(app.screen, RunInspector)
        await pilot.press("up", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RunInspector) and app.screen.report.title.startswith("run 1")
        assert view.selected is not None and view.selected.run_id == R1


async def test_hovering_a_dot_names_its_node_and_clicking_selects_it() -> None:
    app = host(interrupt_story)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TimelineView)
        await pilot.pause()
        rendered = view._rendered
        assert rendered is not None
        lane_two = app.timeline.lane(R2)
        assert lane_two is not None
        row = next(i for i, r in enumerate(rendered.rows) if r.kind == "lane" and r.item == 1)
        dot = 3  # run 2's task_mAIstro → update_todos checkpoint
        x = 1 + rendered.label_width + rendered.dot_columns[1][dot]
        await pilot.hover(TimelineView, offset=(x, row))
        await pilot.pause()
        caption = view._rendered.lines[-1].plain  # type: ignore[union-attr]
        assert f"written by {lane_two.dots[dot].node}" in caption
        assert "run 2 · checkpoint 4/5" in caption
        await pilot.click(TimelineView, offset=(x, row))
        assert kinds(app)[-1] == ("CheckpointSelected", lane_two.dots[dot].checkpoint_id)
        assert view.has_focus


async def test_running_bars_grow_with_the_clock_and_the_tick_stops_when_all_ended() -> None:
    clock = [epoch(0.5)]
    app = TimelineHost(Timeline(thread_id=THREAD), lambda: clock[0])
    events = interrupt_story().events
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TimelineView)
        for event in events[:4]:  # run 1 accepted, started, two checkpoints
            view.fold(event)
        await pilot.pause()
        assert view._ticker is not None  # a run is open: the view follows the clock

        def running_cells() -> int:
            bar = view._palette()["running"].bgcolor
            return sum(
                len(seg.text) for seg in view._strips[1] if seg.style and seg.style.bgcolor == bar
            )

        before = running_cells()
        clock[0] = epoch(1.1)
        await pilot.pause(0.25)  # two ticks
        assert view._rendered is not None
        grown = running_cells()
        assert grown > before > 0
        for event in events[4:]:
            view.fold(event)
        await pilot.pause(0.25)
        assert view._ticker is None and not app.timeline.has_open()


async def test_zoom_in_and_fit() -> None:
    app = host(rollback_story)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TimelineView)
        await pilot.pause()
        assert view._rendered is not None
        fitted = view._rendered.scale.seconds_per_cell
        await pilot.press("down", "right", "plus", "plus")
        await pilot.pause()
        assert view.zoom == 4 and view._rendered.scale.seconds_per_cell < fitted / 3
        await pilot.press("0")
        await pilot.pause()
        assert view.zoom == 1 and view._rendered.scale.seconds_per_cell == fitted


# -- snapshots -------------------------------------------------------------------------------


def test_snapshot_reject(snap_compare) -> None:
    assert snap_compare(host(SCENARIOS["reject"]), press=["down", "down"], terminal_size=SIZE)


def test_snapshot_enqueue(snap_compare) -> None:
    assert snap_compare(host(SCENARIOS["enqueue"]), press=["down", "down"], terminal_size=SIZE)


def test_snapshot_interrupt(snap_compare) -> None:
    assert snap_compare(host(SCENARIOS["interrupt"]), press=["down"], terminal_size=SIZE)


def test_snapshot_rollback_with_the_state_at_a_deleted_checkpoint(snap_compare) -> None:
    """Run 1's last checkpoint (deleted by the rollback), as the checkpoint view shows it."""
    timeline = Timeline.from_events(SCENARIOS["rollback"]().events, thread_id=THREAD)
    lane = timeline.lane(R1)
    assert lane is not None
    start, mid, last = lane.dots
    human = MessageLine("m1", "human", "Add a ToDo to call to make appointment at Yoga.")
    call = MessageLine("m2", "ai", '→ UpdateMemory({"update_type":"todo"})')

    def state(dot, messages) -> CheckpointState:
        parent = {id(mid): start, id(last): mid}.get(id(dot))
        return CheckpointState(
            dot.checkpoint_id,
            parent.checkpoint_id if parent else None,
            dot.step,
            dot.source,
            R1,
            None,
            dot.next,
            messages,
        )

    detail = detail_of(state(last, (human, call)), state(mid, (human,)), timeline)
    app = TimelineHost(timeline, lambda: epoch(10), details={last.checkpoint_id: detail})
    assert snap_compare(app, press=["down", "end"], terminal_size=(100, 24))


def test_snapshot_live_mid_stream(snap_compare) -> None:
    """Run 2 (interrupt) has cut run 1 and is running: the clock is pinned at 1.8 s."""
    events = [e for e in interrupt_story().events if e["at"] <= "2026-11-30T10:00:01.800Z"]
    timeline = Timeline.from_events(events, thread_id=THREAD)
    assert timeline.has_open()
    app = TimelineHost(timeline, lambda: epoch(1.8))
    assert snap_compare(app, terminal_size=SIZE)


def test_snapshot_built_without_the_story(snap_compare) -> None:
    """An interrupt seen only through runs.list: the cause is inferred (?) and the view says
    what it cannot know."""
    run = {"thread_id": THREAD, "kwargs": {}}
    view = ClientView(
        thread_id=THREAD,
        sent=[Sent(epoch(0), "first", "enqueue", R1), Sent(epoch(1.0), "second", "interrupt", R2)],
        snapshots=[
            Snapshot(
                epoch(0.5),
                ({**run, "run_id": R1, "status": "running", "created_at": "2026-11-30T10:00:00Z"},),
            ),
            Snapshot(
                epoch(3),
                (
                    {
                        **run,
                        "run_id": R2,
                        "status": "success",
                        "multitask_strategy": "interrupt",
                        "created_at": "2026-11-30T10:00:01Z",
                        "updated_at": "2026-11-30T10:00:02.5Z",
                    },
                    {
                        **run,
                        "run_id": R1,
                        "status": "interrupted",
                        "multitask_strategy": "enqueue",
                        "created_at": "2026-11-30T10:00:00Z",
                        "updated_at": "2026-11-30T10:00:01.01Z",
                    },
                ),
            ),
        ],
    )
    app = TimelineHost(build_client_side(view), lambda: epoch(10))
    assert snap_compare(app, press=["down"], terminal_size=SIZE)


async def test_checkpoint_view_starts_empty() -> None:
    app = host(reject_story)
    async with app.run_test(size=SIZE):
        assert app.query_one(CheckpointView).detail is None


async def test_live_bars_end_at_the_servers_now_when_its_clock_is_ahead() -> None:
    """Events stamped 30 s ahead of our clock: the open run keeps growing with our clock, from
    the server's time (without the skew it would stay stuck at its last event)."""
    clock = [epoch(0.03) - 30.0]
    app = TimelineHost(Timeline(thread_id=THREAD), lambda: clock[0])
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TimelineView)
        for event in interrupt_story().events[:4]:  # run 1 running; latest event at 0.03 s
            view.fold(event)
        await pilot.pause()
        assert view.now() == pytest.approx(epoch(0.03))
        clock[0] += 0.5
        assert view.now() == pytest.approx(epoch(0.53))


def many_runs(count: int) -> Timeline:
    """`count` runs one after another, a second apart, each with one checkpoint."""
    s = Story()
    for i in range(count):
        run = f"0a1b2c3d-{i:04d}-7000-8000-000000000001"
        s.accepted(i, run, f"message {i}").started(i + 0.01, run)
        s.checkpoint(i + 0.5, run, "task_mAIstro", ())
        s.ended(i + 0.9, run, "success", started=i + 0.01)
    return Timeline.from_events(s.events, thread_id=THREAD)


class PaneHost(App[None]):
    """The timeline in its pane, as the chat screen holds it: taller than the room it has."""

    CSS = "TimelinePane { height: auto; max-height: 12; }"

    def compose(self) -> ComposeResult:
        yield TimelinePane(lambda: None)


async def test_the_selected_run_stays_in_sight_among_many_runs() -> None:
    app = PaneHost()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(TimelinePane)
        pane.show(many_runs(60))
        pane.view.focus()
        await pilot.pause()

        def row_in_sight() -> bool:
            focus = pane.view.focus_of(pane.view.selected)
            assert focus is not None
            row = pane.view.virtual_region.y + 1 + focus.item  # the axis is row 0
            return pane.scroll_y <= row < pane.scroll_y + pane.scrollable_content_region.height

        for _ in range(40):
            await pilot.press("down")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert pane.view.selected is not None and row_in_sight()
        for _ in range(40):
            await pilot.press("up")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert pane.view.selected.run_id.startswith("0a1b2c3d-0000") and row_in_sight()


async def test_another_thread_starts_fitted_with_nothing_selected() -> None:
    """Zoom and selection belong to the thread they were made on: the next thread opened
    (Ctrl+T, Ctrl+N) is shown whole, not zoomed ×64 onto its last second."""
    app = PaneHost()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(TimelinePane)
        pane.show(many_runs(3))
        pane.view.focus()
        await pilot.press("down", "plus", "plus", "plus")
        assert pane.view.zoom == 8 and pane.view.selected is not None
        pane.reset("another-thread")
        pane.show(many_runs(2))
        await pilot.pause()
        assert pane.view.zoom == 1 and pane.view.selected is None
