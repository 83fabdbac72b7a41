"""The story reducer over a recorded thread story: fates with causes, the ledger, replays."""

from __future__ import annotations

from tests.tui.story_events import R1, R2, R3, R4, R5, R6, R7, STORY, accepted
from tui.ledger import TodoLedger
from tui.runstate import Fate, ThreadLog, badge
from tui.story import StoryReducer

NS = ("todo", "general", "Test-Double-Texting")


def replay(events) -> StoryReducer:
    reducer = StoryReducer(ThreadLog(), TodoLedger())
    for event in events:
        reducer.apply(event)
    return reducer


def shown(reducer: StoryReducer) -> list[tuple[str, str]]:
    return [(e.text, badge(e, lambda r: r[:8])) for e in reducer.log.ordered()]


def test_every_fate_carries_its_cause() -> None:
    assert shown(replay(STORY)) == [
        ("Add a ToDo to buy milk", "done"),
        ("Add a ToDo to call mom", "interrupted by run 9e8d7c6b (F2 interrupt)"),
        ("What is due tomorrow?", "rejected: busy with 1a2b3c4d, 6325439b"),
        ("Never mind, order ham", "done"),
        ("I need to call the plumber", "rolled back by run 5a5a5a5a (F3 rollback)"),
        ("I need to buy a bike", "done"),
        ("Show me my todos", "interrupted by Esc (runs.cancel)"),
        ("From the other laptop", "error: ValueError: boom · attempt 2"),
    ]


def test_positions_and_attempts_follow_the_story() -> None:
    reducer = replay(STORY[:3])
    r2 = reducer.log.run(R2)
    assert r2 is not None and (r2.fate, r2.position) == (Fate.QUEUED, 1)
    assert reducer.log.active_run_ids() == [R1, R2]
    reducer = replay(STORY[:28])
    r7 = reducer.log.run(R7)
    assert r7 is not None and (r7.fate, r7.attempt) == (Fate.RUNNING, 2)


def test_ledger_names_each_todos_run_and_flags_the_rolled_back_one() -> None:
    reducer = replay(STORY)
    items = [{"key": k, "value": {"task": k}} for k in ("milk", "ham", "plumber", "bike")]
    rows = reducer.ledger.rows(NS, items, reducer.log.fates())
    assert [(r.task, r.flag, r.run) for r in rows] == [
        ("milk", "", R1),
        ("ham", "", R3),
        ("plumber", "⚠", R5),
        ("bike", "★", R4),
    ]


def test_a_replay_and_a_resumed_stream_change_nothing() -> None:
    whole = replay(STORY)
    again = replay(STORY)
    assert all(again.apply(e) == [] for e in STORY)
    resumed = replay(STORY[:10])
    for event in STORY[9:]:  # the resumed stream repeats the last event seen
        resumed.apply(event)
    assert shown(resumed) == shown(whole) == shown(again)
    assert resumed.seq == whole.seq == 29


def test_our_own_run_and_rejection_are_not_counted_twice() -> None:
    log = ThreadLog()
    reducer = StoryReducer(log)
    mine = log.add_local("local-1", "Add a ToDo to buy milk", "enqueue", 0.0, "h1")
    first = accepted(1, R1, "Add a ToDo to buy milk", "enqueue")
    assert reducer.unknown_run(first)  # the session defers it until its create call returns
    log.accepted("local-1", {"run_id": R1, "status": "pending"}, 1.0)
    assert not reducer.unknown_run(first)
    reducer.apply(first)
    reducer.apply(STORY[1])
    refused = log.add_local("local-2", "What is due tomorrow?", "reject", 2.0, "h2")
    log.rejected_local("local-2")
    reducer.apply(STORY[3])
    assert [e.key for e in log.ordered()] == ["local-1", "local-2"]
    assert (mine.run_id, mine.fate) == (R1, Fate.RUNNING)
    assert refused.cause is not None and refused.cause.busy == (R1, R2)


def test_events_about_runs_the_story_no_longer_keeps_still_count() -> None:
    reducer = replay(STORY[5:8])  # R1's acceptance trimmed away by retention
    r1 = reducer.log.run(R1)
    assert r1 is not None and r1.fate is Fate.DONE
    assert reducer.log.run(R6) is None


def refusal(seq: int, text: str) -> dict[str, object]:
    return {**STORY[3], "seq": seq, "text": text, "busy_run_ids": [R1]}


def test_a_retrying_policys_409s_are_its_own_message_not_new_rejections() -> None:
    log = ThreadLog()
    reducer = StoryReducer(log)
    log.add_local("local-1", "Add a ToDo to buy milk", "enqueue", 0.0, "h1")
    log.accepted("local-1", {"run_id": R1, "status": "running"}, 1.0)
    retrying = log.add_local("local-2", "What is due tomorrow?", "retry", 2.0, "h2")
    first, second, third = (refusal(seq, "What is due tomorrow?") for seq in (3, 4, 5))
    assert reducer.apply(first) == []  # told before the 409 answer: the create is in flight
    log.refused("local-2")
    log.refused("local-2")  # the retry's 409, answered before the story tells it
    assert reducer.apply(second) == []
    assert [e.key for e in log.ordered()] == ["local-1", "local-2"]
    assert (retrying.fate, retrying.told) == (Fate.SENDING, 2)
    log.set_fate("local-2", Fate.WITHDRAWN)  # the countdown cancelled: no attempt is left
    assert [e.key for e in reducer.apply(third)] == ["rejected:5"]  # so: another client's


def test_another_clients_policy_and_steer_come_from_the_runs_metadata() -> None:
    reducer = replay(
        [
            accepted(1, R1, "plain", "enqueue"),
            accepted(2, R2, "taken in", "enqueue", 1, metadata={"steer": True}),
            accepted(3, R3, "merged", "interrupt", metadata={"policy": "merge"}),
        ]
    )
    entries = {e.text: e for e in reducer.log.ordered()}
    assert [(t, e.policy, e.steer) for t, e in entries.items()] == [
        ("plain", "", False),
        ("taken in", "", True),
        ("merged", "merge", False),
    ]
