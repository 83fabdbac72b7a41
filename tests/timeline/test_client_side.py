"""The client-side builder on hand-made observations: what it infers, what it cannot know."""

from __future__ import annotations

from tests.timeline.stories import R1, R2, R3, THREAD, epoch, iso
from tui.timeline.client_side import (
    CancelSent,
    ClientView,
    LifecycleEvent,
    Sent,
    Snapshot,
    build,
    lifecycle_event,
)
from tui.timeline.model import Status
from tui.timeline.why import settled_whys


def run(rid: str, status: str, created: float, updated: float, strategy: str = "enqueue", **kw):
    return {
        "run_id": rid,
        "thread_id": THREAD,
        "status": status,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "multitask_strategy": strategy,
        "kwargs": {"input": {"messages": [{"role": "user", "content": f"text of {rid[:4]}"}]}},
        **kw,
    }


def history_entry(rid: str, cid: str, parent: str | None, step: int, at: float, next_, source):
    return {
        "checkpoint": {"checkpoint_id": cid},
        "parent_checkpoint": {"checkpoint_id": parent} if parent else None,
        "metadata": {"run_id": rid, "step": step, "source": source},
        "created_at": iso(at),
        "next": list(next_),
        "values": {},
    }


def test_reference_lifecycle_parts_are_read_with_the_server_clock() -> None:
    started = lifecycle_event("metadata", {"run_id": R1, "attempt": 2}, 5.0, "1796032800123-0")
    assert started == LifecycleEvent(1796032800.123, R1, "started", 2)
    done = lifecycle_event("metadata", {"status": "run_done", "run_id": R1}, 7.5, None)
    assert done == LifecycleEvent(7.5, R1, "done")
    assert lifecycle_event("values", {"run_id": R1}, 1.0) is None


def test_an_interrupt_seen_only_through_runs_list_is_inferred_and_said_so() -> None:
    view = ClientView(
        thread_id=THREAD,
        sent=[Sent(epoch(0), "first", "enqueue", R1), Sent(epoch(1.0), "second", "interrupt", R2)],
        snapshots=[
            Snapshot(epoch(0.5), (run(R1, "running", 0, 0.4),)),
            Snapshot(
                epoch(3),
                (run(R2, "success", 1.0, 2.5, "interrupt"), run(R1, "interrupted", 0, 1.01)),
            ),
        ],
    )
    timeline = build(view)
    first, second = timeline.ordered()
    assert first.status is Status.INTERRUPTED and first.cut and first.cut.inferred
    assert timeline.cut_label(first) == "run 2 (interrupt)?"
    assert second.supersedes == (R1,)
    assert first.started_at == epoch(0.5) and not first.start_known  # bounded by the poll
    assert second.started_at == epoch(1.01)  # FIFO: when the run before it ended
    assert first.dots == [] and not timeline.knowledge.checkpoints
    caveats = timeline.knowledge.caveats()
    assert "no checkpoint dots" in caveats and "causes guessed (?)" in caveats
    [(_, line)] = settled_whys(timeline)
    assert line.startswith("Run 2 (interrupt) probably stopped run 1 after about 0.5 s;")
    assert line.endswith("any store writes it made are not reported by this server.")


def test_our_engines_cancel_reason_makes_the_cause_known() -> None:
    reason = f"superseded by run {R2} (multitask_strategy=interrupt)"
    view = ClientView(
        thread_id=THREAD,
        snapshots=[
            Snapshot(
                epoch(3),
                (
                    run(R2, "success", 1.0, 2.5, "interrupt"),
                    run(R1, "interrupted", 0, 1.01, cancel_reason=reason),
                ),
            )
        ],
    )
    timeline = build(view)
    first = timeline.lane(R1)
    assert first is not None and first.cut is not None and not first.cut.inferred
    assert timeline.cut_label(first) == "run 2 (interrupt)"
    assert timeline.knowledge.causes


def test_a_rolled_back_run_ends_when_it_was_cut_even_if_a_poll_missed_it_first() -> None:
    """The create that cut it answered after a poll already lacked the run (the server
    answers once the cancel is on disk and rolls back in the background): the ghost still
    ends at the cut, the rollback's send, not at that earlier poll."""
    view = ClientView(
        thread_id=THREAD,
        sent=[Sent(epoch(0), "first", "enqueue", R1), Sent(epoch(0.6), "again", "rollback", R2)],
        snapshots=[
            Snapshot(epoch(0.1), (run(R1, "running", 0, 0.05),)),
            # a poll sent at 0.55 and answered after the rollback: run 2 pending, run 1 gone
            Snapshot(epoch(0.55), (run(R2, "pending", 0.6, 0.6, "rollback"),)),
            Snapshot(epoch(2), (run(R2, "success", 0.6, 1.5, "rollback"),)),
        ],
    )
    ghost = build(view).lane(R1)
    assert ghost is not None and ghost.ghost
    assert ghost.ended_at == epoch(0.6)


def test_a_run_that_vanished_is_a_ghost_and_a_409_is_a_bounce() -> None:
    view = ClientView(
        thread_id=THREAD,
        sent=[
            Sent(epoch(0), "first", "enqueue", R1),
            Sent(epoch(0.2), "no", "reject", None, 409, "Thread is already running a task.", ()),
            Sent(epoch(0.6), "again", "rollback", R2),
        ],
        snapshots=[
            Snapshot(epoch(0.1), (run(R1, "running", 0, 0.05),)),
            Snapshot(epoch(2), (run(R2, "success", 0.6, 1.5, "rollback"),)),
        ],
        gone={R1: epoch(2.1)},
    )
    timeline = build(view)
    ghost = timeline.lane(R1)
    assert ghost is not None and ghost.ghost
    assert ghost.ended_at == epoch(0.6)  # cut when the rollback arrived, not when we noticed
    assert timeline.cut_label(ghost) == "run 2 (rollback)?"
    [bounce] = timeline.bounces
    assert bounce.busy_run_ids == (R1,) and bounce.detail == "Thread is already running a task."
    lines = [line for _, line in settled_whys(timeline)]
    assert lines[0].startswith("Message 'no' was rejected (409): run 1 was")
    assert lines[1].startswith("Run 2 (rollback) probably rolled back run 1 after about")
    assert "its message and checkpoints are gone" in lines[1]


def test_own_cancels_name_esc_and_ctrl_b() -> None:
    view = ClientView(
        thread_id=THREAD,
        sent=[Sent(epoch(0), "a", "enqueue", R1), Sent(epoch(1), "b", "enqueue", R2)],
        cancels=[CancelSent(epoch(0.5), R1, "interrupt"), CancelSent(epoch(1.5), R2, "rollback")],
        snapshots=[Snapshot(epoch(2), (run(R1, "interrupted", 0, 0.51),))],
    )
    timeline = build(view)
    assert [timeline.cut_label(lane) for lane in timeline.ordered()] == ["Esc", "Ctrl+B"]
    assert timeline.lane(R2).ghost  # type: ignore[union-attr]
    assert timeline.knowledge.causes


def test_history_gives_dots_with_the_node_that_wrote_them() -> None:
    history = [
        history_entry(R1, "c3", "c2", 1, 0.5, ["update_todos"], "loop"),
        history_entry(R1, "c2", "c1", 0, 0.11, ["task_mAIstro"], "loop"),
        history_entry(R1, "c1", None, -1, 0.1, ["__start__"], "input"),
    ]
    lifecycle = [LifecycleEvent(epoch(0.09), R1, "started"), LifecycleEvent(epoch(0.9), R1, "done")]
    view = ClientView(
        thread_id=THREAD,
        sent=[Sent(epoch(0), "a", "enqueue", R1)],
        snapshots=[Snapshot(epoch(1), (run(R1, "success", 0, 0.9),))],
        lifecycle=lifecycle,
        history=history,
    )
    timeline = build(view)
    lane = timeline.lane(R1)
    assert lane is not None and lane.start_known and lane.started_at == epoch(0.09)
    assert [(d.checkpoint_id, d.node, d.step) for d in lane.dots] == [
        ("c1", None, -1),
        ("c2", "__start__", 0),
        ("c3", "task_mAIstro", 1),
    ]
    assert timeline.knowledge.source == "lifecycle" and timeline.knowledge.start_times


def test_another_clients_run_is_drawn_from_runs_list_alone() -> None:
    view = ClientView(
        thread_id=THREAD,
        snapshots=[Snapshot(epoch(1), (run(R3, "pending", 0.5, 0.5), run(R1, "running", 0, 0)))],
    )
    timeline = build(view)
    assert [lane.run_id for lane in timeline.ordered()] == [R1, R3]
    assert [lane.status for lane in timeline.ordered()] == [Status.RUNNING, Status.PENDING]
    assert timeline.lane(R3).text == f"text of {R3[:4]}"  # type: ignore[union-attr]


def test_a_rollback_that_left_its_victim_interrupted_is_still_named() -> None:
    """langgraph dev, followed through its thread stream, can leave a rolled-back pending run
    `interrupted` rather than deleted: the cut is still put on the rollback run."""
    view = ClientView(
        thread_id=THREAD,
        sent=[Sent(epoch(0), "first", "enqueue", R1), Sent(epoch(0.1), "second", "rollback", R2)],
        snapshots=[
            Snapshot(
                epoch(3),
                (run(R2, "success", 0.1, 2.0, "rollback"), run(R1, "interrupted", 0, 0.11)),
            )
        ],
    )
    timeline = build(view)
    first = timeline.lane(R1)
    assert first is not None and first.started_at is None
    assert timeline.cut_label(first) == "run 2 (rollback)?"
    [(_, line)] = settled_whys(timeline)
    assert line.startswith("Run 2 (rollback) probably stopped run 1 before it started")
