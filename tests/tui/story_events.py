"""Thread stories as the engine serves them (docs/story.md), for the reducer's tests.

Written event by event from the contract: the tutorial's four double texts on one thread
(reject, enqueue, interrupt, rollback), a cancel by hand, a crash resume, and another client's
run. Run ids are uuid-shaped so their first 8 characters are what the app prints.
"""

from __future__ import annotations

from typing import Any

THREAD = "7f000000-0000-4000-8000-000000000000"
R1 = "1a2b3c4d-0000-4000-8000-000000000001"  # "Add a ToDo to buy milk", enqueue
R2 = "6325439b-0000-4000-8000-000000000002"  # "Add a ToDo to call mom", enqueue → queued
R3 = "9e8d7c6b-0000-4000-8000-000000000003"  # interrupt: cuts R2
R4 = "5a5a5a5a-0000-4000-8000-000000000004"  # rollback: removes R3's successor R5
R5 = "4b4b4b4b-0000-4000-8000-000000000005"  # enqueued behind nothing, rolled back by R4
R6 = "3c3c3c3c-0000-4000-8000-000000000006"  # cancelled by hand (Esc), then resumed? no: ended
R7 = "2d2d2d2d-0000-4000-8000-000000000007"  # another client's run, crash-resumed (attempt 2)
NS = ["todo", "general", "Test-Double-Texting"]


def _event(seq: int, kind: str, run_id: str | None, **extra: Any) -> dict[str, Any]:
    second = f"{seq:02d}"
    return {
        "seq": seq,
        "at": f"2026-01-05T09:00:{second}.000Z",
        "kind": kind,
        "thread_id": THREAD,
        "run_id": run_id,
        **extra,
    }


def accepted(seq: int, run_id: str, text: str, strategy: str, position: int = 0, **kw: Any):
    return _event(
        seq,
        "run_accepted",
        run_id,
        strategy=strategy,
        queue_position=position,
        text=text,
        assistant_id="a",
        graph_id="task_maistro",
        supersedes=kw.get("supersedes", []),
        metadata=kw.get("metadata", {}),
    )


def started(seq: int, run_id: str, attempt: int = 1):
    return _event(seq, "run_started", run_id, attempt=attempt)


def ended(seq: int, run_id: str, status: str, reason: str | None = None, cause=None, error=None):
    return _event(
        seq,
        "run_ended",
        run_id,
        status=status,
        reason=reason,
        cause=cause,
        error=error,
        duration_s=1.0,
    )


def store_write(seq: int, run_id: str, key: str, op: str = "put"):
    value = None if op == "delete" else {"task": key}
    return _event(seq, "store_write", run_id, namespace=NS, key=key, op=op, value=value)


STORY: list[dict[str, Any]] = [
    # enqueue: R1 runs, R2 waits
    accepted(1, R1, "Add a ToDo to buy milk", "enqueue"),
    started(2, R1),
    accepted(3, R2, "Add a ToDo to call mom", "enqueue", position=1),
    # reject while R1 runs: no run exists
    _event(
        4, "rejected", None, text="What is due tomorrow?", strategy="reject", busy_run_ids=[R1, R2]
    ),
    store_write(5, R1, "milk"),
    _event(6, "checkpoint", R1, checkpoint_id="c1", step=1, source="loop", node="x", next=[]),
    ended(7, R1, "success"),
    started(8, R2),
    # interrupt: R3 cuts R2
    accepted(9, R3, "Never mind, order ham", "interrupt", supersedes=[R2]),
    ended(
        10,
        R2,
        "interrupted",
        reason=f"superseded by run {R3} (multitask_strategy=interrupt)",
        cause={"run_id": R3, "strategy": "interrupt"},
    ),
    started(11, R3),
    store_write(12, R3, "ham"),
    ended(13, R3, "success"),
    # rollback: R5 runs and writes, R4 removes it; the write outlives it
    accepted(14, R5, "I need to call the plumber", "enqueue"),
    started(15, R5),
    store_write(16, R5, "plumber"),
    accepted(17, R4, "I need to buy a bike", "rollback", supersedes=[R5]),
    ended(18, R5, "interrupted", reason=f"superseded by run {R4} (multitask_strategy=rollback)"),
    _event(
        19,
        "run_rolled_back",
        R5,
        reason=f"superseded by run {R4} (multitask_strategy=rollback)",
        cause={"run_id": R4, "strategy": "rollback"},
        checkpoints_removed=["c5"],
        side_effects=[{"namespace": NS, "key": "plumber", "op": "put", "kept": True}],
    ),
    started(20, R4),
    store_write(21, R4, "bike"),
    ended(22, R4, "success"),
    # Esc: an API cancel
    accepted(23, R6, "Show me my todos", "enqueue"),
    started(24, R6),
    ended(
        25,
        R6,
        "interrupted",
        reason=f"interrupt requested via POST /threads/{THREAD}/runs/{R6}/cancel",
        cause={"request": f"POST /threads/{THREAD}/runs/{R6}/cancel"},
    ),
    # another client's run, resumed after a crash, then failing
    accepted(26, R7, "From the other laptop", "enqueue"),
    started(27, R7),
    started(28, R7, attempt=2),
    ended(29, R7, "error", error={"error": "ValueError", "message": "boom"}),
]
