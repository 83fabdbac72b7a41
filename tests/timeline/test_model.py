"""The timeline model folded from contract events: lanes, segments, dots, cuts, ghosts, bounces."""

from __future__ import annotations

import pytest

from tests.timeline.stories import (
    R1,
    R2,
    R3,
    R4,
    SCENARIOS,
    Story,
    buy_milk_interrupted,
    ctrl_b_story,
    epoch,
    several_pending,
)
from tui.timeline.cuts import cut_from
from tui.timeline.model import Status, Timeline
from tui.timeline.render import render_rows
from tui.timeline.scale import Scale


def fold(story: Story) -> Timeline:
    return Timeline.from_events(story.events)


@pytest.mark.parametrize(
    ("name", "statuses", "dots", "bounces", "cuts"),
    [
        ("reject", ["success"], [5], 1, [""]),
        ("enqueue", ["success", "success"], [5, 5], 0, ["", ""]),
        ("interrupt", ["interrupted", "success"], [2, 5], 0, ["run 2 (interrupt)", ""]),
        ("rollback", ["rolled back", "success"], [3, 5], 0, ["run 2 (rollback)", ""]),
    ],
)
def test_the_four_scenarios(name, statuses, dots, bounces, cuts) -> None:
    timeline = fold(SCENARIOS[name]())
    lanes = timeline.ordered()
    assert [lane.status.value for lane in lanes] == statuses
    assert [len(lane.dots) for lane in lanes] == dots
    assert len(timeline.bounces) == bounces
    assert [timeline.cut_label(lane) for lane in lanes] == cuts
    assert [lane.ghost for lane in lanes] == [s == "rolled back" for s in statuses]
    assert not timeline.has_open()


def test_pending_then_running_segments_follow_the_events() -> None:
    timeline = fold(SCENARIOS["enqueue"]())
    first, second = timeline.ordered()
    assert second.queue_position == 1
    assert second.pending_span(0) == (epoch(0.05), epoch(1.22))
    assert second.running_span(0) == (epoch(1.22), epoch(2.32))
    assert first.waited_s(0) == pytest.approx(0.01)
    assert second.waited_s(0) == pytest.approx(1.17)


def test_open_runs_grow_with_now_one_event_at_a_time() -> None:
    events = SCENARIOS["interrupt"]().events
    timeline = Timeline()
    for event in events[:4]:  # accepted, started, two checkpoints: run 2 not yet sent
        assert timeline.fold(event) is not None
    lane = timeline.lane(R1)
    assert lane is not None and lane.open and lane.status is Status.RUNNING
    assert lane.running_span(epoch(0.5)) == (epoch(0.01), epoch(0.5))
    assert lane.running_span(epoch(0.9)) == (epoch(0.01), epoch(0.9))
    # "now" follows the clock while a run is open, and stops at the last event afterwards.
    assert timeline.now(epoch(0.9)) == epoch(0.9)
    for event in events[4:]:
        timeline.fold(event)
    assert timeline.now(epoch(99)) == epoch(2.43)
    assert timeline.span(timeline.now(epoch(99))) == (epoch(0.0), epoch(2.43))


def test_a_resumed_stream_repeating_events_changes_nothing() -> None:
    events = SCENARIOS["rollback"]().events
    timeline = Timeline.from_events(events)
    version = timeline.version
    assert all(timeline.fold(event) is None for event in events)
    assert timeline.version == version
    assert len(timeline.lane(R1).dots) == 3  # type: ignore[union-attr]


def test_unknown_kinds_are_ignored_and_unseen_runs_get_a_lane() -> None:
    timeline = Timeline()
    assert timeline.fold({"seq": 1, "kind": "something_new", "at": "2026-11-30T10:00:00Z"}) is None
    change = timeline.fold(
        {"seq": 2, "kind": "run_started", "at": "2026-11-30T10:00:01Z", "run_id": R3, "attempt": 1}
    )
    assert change is not None and change.run_id == R3
    assert timeline.lane(R3).number == 1  # type: ignore[union-attr]


def test_a_rollback_removes_its_checkpoints_and_keeps_its_store_write() -> None:
    timeline = fold(SCENARIOS["rollback"]())
    ghost = timeline.lane(R1)
    assert ghost is not None and ghost.ghost and ghost.cut is not None
    assert ghost.cut.action == "rollback" and ghost.cut.by_run == R2
    assert len(ghost.removed_checkpoints) == 3
    assert all(dot.removed for dot in ghost.dots)
    assert [(w.name, w.kept) for w in ghost.writes] == [("Call to make appointment at Yoga", True)]
    assert ghost.flagged  # rolled back, yet its todo stays
    assert [w.run_id for w in timeline.writes_to(ghost.writes[0].namespace, "k-yoga")] == [R1, R2]


def test_an_undone_side_effect_is_not_kept() -> None:
    s = Story().accepted(0, R1, "Add a ToDo to x").started(0.01, R1)
    s.store(0.2, R1, "k", "X").accepted(0.3, R2, "no", "rollback", 0, (R1,))
    s.rolled_back(0.31, R1, {"run_id": R2, "strategy": "rollback"}, "superseded", undone=True)
    lane = fold(s).lane(R1)
    assert lane is not None and [w.kept for w in lane.writes] == [False] and not lane.flagged


@pytest.mark.parametrize(("by", "label"), [("strategy", "run 2 (interrupt)"), ("esc", "Esc")])
def test_an_interrupted_run_is_cut_in_its_node_with_its_todo_flagged(by, label) -> None:
    timeline = fold(buy_milk_interrupted(by))
    lane = timeline.lane(R1)
    assert lane is not None and lane.status is Status.INTERRUPTED
    assert timeline.cut_label(lane) == label
    assert lane.node_at(lane.ended_at or 0) == "update_todos"
    assert lane.ran_s(0) == pytest.approx(1.2)
    assert lane.flagged and [w.kept for w in lane.writes] == [True]


def test_ctrl_b_is_a_rollback_cancel() -> None:
    timeline = fold(ctrl_b_story())
    lane = timeline.lane(R1)
    assert lane is not None and lane.ghost
    assert timeline.cut_label(lane) == "Ctrl+B"
    assert lane.cut is not None and lane.cut.kind == "cancel" and lane.cut.request


@pytest.mark.parametrize("strategy", ["interrupt", "rollback"])
def test_several_pending_runs_are_all_cut_by_one_newcomer(strategy) -> None:
    timeline = fold(several_pending(strategy))
    cut = [timeline.lane(r) for r in (R1, R2, R3)]
    assert all(lane is not None and lane.cut and lane.cut.by_run == R4 for lane in cut)
    assert [lane.started_at is None for lane in cut] == [False, True, True]  # type: ignore[union-attr]
    assert timeline.lane(R4).supersedes == (R1, R2, R3)  # type: ignore[union-attr]
    assert timeline.lane(R4).status is Status.SUCCESS  # type: ignore[union-attr]


def test_the_reference_reason_wording_is_read_when_no_cause_is_given() -> None:
    cut = cut_from("interrupt", None, f"superseded by run {R2} (multitask_strategy=interrupt)")
    assert (cut.kind, cut.by_run, cut.strategy) == ("superseded", R2, "interrupt")
    cut = cut_from("interrupt", None, "interrupt requested via POST /runs/cancel")
    assert (cut.kind, cut.request) == ("cancel", "POST /runs/cancel")
    assert cut_from("interrupt", None, "client disconnected (on_disconnect=cancel)").kind == (
        "disconnect"
    )
    assert cut_from("interrupt", None, None).kind == "unknown"


def test_active_at_lists_who_was_busy() -> None:
    timeline = fold(several_pending("enqueue"))
    assert [lane.run_id for lane in timeline.active_at(epoch(0.7), exclude=R4)] == [R1, R2, R3]
    assert [lane.run_id for lane in timeline.active_at(epoch(1.5))] == [R2, R3, R4]


def test_zoom_to_fit_maps_the_whole_span_onto_the_track() -> None:
    scale = Scale.fit(100.0, 110.0, 51)
    assert scale.column(100.0) == 0 and scale.column(110.0) == 50
    assert scale.column(105.0) == 25
    zoomed = Scale.fit(100.0, 110.0, 51, zoom=4, focus=103.0)
    assert zoomed.start == pytest.approx(101.75) and zoomed.column(103.0) == 25
    edge = Scale.fit(100.0, 110.0, 51, zoom=4)  # no focus: follow the live end
    assert edge.column(110.0) == 50
    assert Scale.fit(5.0, 5.0, 11).column(6.0) == 10  # an instant still gets MIN_SPAN_S


def test_zoomed_in_marks_outside_the_window_are_not_drawn_at_its_edge() -> None:
    """Zoomed in on the live end, a rejection and a cut that happened well before the window
    were drawn at its left edge, as if they had happened there; they are out of sight."""
    s = Story().accepted(0.0, R1, "one").started(0.01, R1).turn_start(0.02, R1)
    s.rejected(0.3, "refused", (R1,))
    s.accepted(1.0, R2, "two", "interrupt", 0, (R1,)).superseded(1.01, R1, R2, "interrupt")
    s.started(1.02, R2).checkpoint(30.0, R2, "task_mAIstro", ())
    s.ended(60.0, R2, "success", started=1.02)
    timeline = fold(s)
    fitted = render_rows(timeline, 100, epoch(60.0), hints=False)
    assert "↩ 409" in fitted.lines[2].plain and "✂" in fitted.lines[1].plain
    zoomed = render_rows(timeline, 100, epoch(60.0), zoom=64, hints=False)
    assert zoomed.scale.start > epoch(50.0)  # the window: the last second or so
    shown = [line.plain for line in zoomed.lines]
    assert "↩" not in shown[2] and "409" not in shown[2], shown[2]
    assert "✂" not in shown[1], shown[1]
