"""Fates without a story: runs.list snapshots, inferred causes, and how causes read."""

from __future__ import annotations

from tui.runstate import Cause, Fate, ThreadLog, badge, cause_from, describe

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"


def run(rid: str, status: str, second: str, strategy: str = "enqueue", **extra) -> dict:
    ts = f"2026-01-01T00:00:{second}+00:00"
    return {
        "run_id": rid,
        "status": status,
        "created_at": ts,
        "updated_at": ts,
        "multitask_strategy": strategy,
        "kwargs": {"input": {"messages": [{"type": "human", "content": f"msg {rid[0]}"}]}},
        **extra,
    }


def short(run_id: str) -> str:
    return run_id[:8]


def test_causes_read_as_the_issue_asks() -> None:
    by_run = Cause("run", run_id=A, strategy="interrupt")
    assert describe(Fate.INTERRUPTED, by_run, short) == "interrupted by run aaaaaaaa (F2 interrupt)"
    cancel = cause_from({"request": f"POST /threads/t/runs/{A}/cancel"})
    assert describe(Fate.ROLLED_BACK, cancel, short) == "rolled back by Ctrl+B (runs.cancel)"
    assert describe(Fate.INTERRUPTED, cancel, short) == "interrupted by Esc (runs.cancel)"
    bulk = cause_from(None, "interrupt requested via POST /runs/cancel")
    assert describe(Fate.INTERRUPTED, bulk, short) == "interrupted by POST /runs/cancel"
    busy = Cause("busy", busy=("6325439b-aaaa",))
    assert describe(Fate.REJECTED, busy, short) == "rejected: busy with 6325439b"
    for reason, words in [
        ("client disconnected (on_disconnect=cancel)", "interrupted: client disconnected"),
        ("engine shutdown", "interrupted: engine shut down"),
    ]:
        assert describe(Fate.INTERRUPTED, cause_from(None, reason), short) == words
    parsed = cause_from(None, f"superseded by run {B} (multitask_strategy=rollback)")
    assert parsed == Cause("run", run_id=B, strategy="rollback")
    assert describe(Fate.INTERRUPTED, Cause("unknown"), short) == "interrupted (cause unknown)"


def test_runs_list_gives_fates_positions_and_other_clients_runs() -> None:
    log = ThreadLog()
    mine = log.add_local("l1", "msg a", "enqueue", 0.0, "h1")
    log.accepted("l1", run(A, "running", "01"), 1.0)
    changed = log.apply_runs([run(B, "pending", "02"), run(A, "running", "01")], now=2.0)
    other = log.run(B)
    assert other is not None and not other.mine and other.text == "msg b"
    assert {e.key for e in changed} == {B}
    assert (mine.fate, other.fate, other.position) == (Fate.RUNNING, Fate.QUEUED, 1)
    assert log.active_run_ids() == [A, B]
    assert log.apply_runs([run(B, "pending", "02"), run(A, "running", "01")], now=3.0) == []


def test_a_vanished_run_was_rolled_back_by_the_next_rollback_run() -> None:
    log = ThreadLog()
    log.apply_runs([run(A, "running", "01")], now=1.0)
    changed = log.apply_runs([run(B, "running", "05", "rollback")], now=6.0)
    gone = log.run(A)
    assert gone is not None and gone in changed
    assert badge(gone, short) == "rolled back by run bbbbbbbb (F3 rollback)"


def test_interrupted_runs_take_the_servers_reason_else_an_inference() -> None:
    log = ThreadLog()
    reason = f"superseded by run {C} (multitask_strategy=interrupt)"
    log.apply_runs([run(A, "interrupted", "01", cancel_reason=reason)], now=1.0)
    log.apply_runs([run(B, "interrupted", "02"), run(C, "running", "03", "interrupt")], now=4.0)
    log.cancels[C] = "interrupt"
    log.apply_runs([run(C, "interrupted", "03", "interrupt")], now=5.0)
    assert [badge(e, short) for e in log.ordered()] == [
        "interrupted by run cccccccc (F2 interrupt)",
        "interrupted by run cccccccc (F2 interrupt)",
        "interrupted by Esc (runs.cancel)",
    ]


def test_a_run_created_after_the_poll_was_sent_is_not_taken_for_rolled_back() -> None:
    log = ThreadLog()
    log.add_local("l1", "first", "enqueue", 0.0, "h1")
    log.accepted("l1", run(A, "pending", "10"), now=0.0)
    poll_sent = run(A, "pending", "05")["created_at"]
    from tui.runstate import parse_ts

    log.apply_runs([], now=11.0, since=parse_ts(poll_sent))
    assert log.entries["l1"].fate is Fate.QUEUED
    log.apply_runs([], now=12.0, since=parse_ts(run(A, "pending", "11")["created_at"]))
    assert log.entries["l1"].fate is Fate.ROLLED_BACK


def test_policy_causes_and_what_runs_list_says_of_a_policy_run() -> None:
    taken = Cause("taken", run_id=A)
    assert describe(Fate.INTERRUPTED, taken, short) == "taken in by run aaaaaaaa (steer)"
    replaced = Cause("replaced")
    assert (
        describe(Fate.INTERRUPTED, replaced, short) == "replaced by a newer message (keep latest)"
    )
    log = ThreadLog()
    [entry] = log.apply_runs([run(A, "running", "01", metadata={"policy": "auto"})], 10.0)
    assert (entry.policy, entry.started) == ("auto", 10.0)  # first seen running now
    log.apply_runs([run(A, "running", "01")], 12.0)
    assert entry.started == 10.0
