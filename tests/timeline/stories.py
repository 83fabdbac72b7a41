"""Hand-written thread stories per docs/story.md, with fixed times, for model/why/render tests.

`Story` writes events the way the engine will (seq 1, 2, …; ISO times with ms) so the same lists
can be replaced by captured engine stories once the engine serves them. The scenario functions
are the tutorial's four double texts plus Esc, Ctrl+B and several pending runs; every time is a
fixed offset from T0, so pictures drawn from them are deterministic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC)
THREAD = "5e1d7a20-3c4b-4f6e-9a8d-2b1c0d9e8f70"
R1 = "0a1b2c3d-1111-7000-8000-000000000001"
R2 = "4e5f6a7b-2222-7000-8000-000000000002"
R3 = "8c9d0e1f-3333-7000-8000-000000000003"
R4 = "c2d3e4f5-4444-7000-8000-000000000004"
TODOS = ("todo", "general", "Test-Double-Texting")


def iso(offset_s: float) -> str:
    return (
        (T0 + timedelta(seconds=offset_s)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def epoch(offset_s: float) -> float:
    return (T0 + timedelta(seconds=offset_s)).timestamp()


class Story:
    """Appends contract events in order; each method returns self for chaining."""

    def __init__(self, thread_id: str = THREAD) -> None:
        self.thread_id = thread_id
        self.events: list[dict[str, Any]] = []
        self._checkpoints = 0

    def _add(self, kind: str, at: float, run_id: str | None, **fields: Any) -> Story:
        self.events.append(
            {
                "seq": len(self.events) + 1,
                "at": iso(at),
                "kind": kind,
                "thread_id": self.thread_id,
                "run_id": run_id,
                **fields,
            }
        )
        return self

    def accepted(
        self,
        at: float,
        run: str,
        text: str,
        strategy: str = "enqueue",
        queue_position: int = 0,
        supersedes: tuple[str, ...] = (),
    ) -> Story:
        return self._add(
            "run_accepted",
            at,
            run,
            strategy=strategy,
            queue_position=queue_position,
            text=text,
            assistant_id="task_maistro",
            graph_id="task_maistro",
            supersedes=list(supersedes),
        )

    def started(self, at: float, run: str, attempt: int = 1) -> Story:
        return self._add("run_started", at, run, attempt=attempt)

    def checkpoint(
        self, at: float, run: str, node: str | None, next_: tuple[str, ...], source: str = "loop"
    ) -> Story:
        self._checkpoints += 1
        step = self._checkpoints - 2
        return self._add(
            "checkpoint",
            at,
            run,
            checkpoint_id=f"1f0c{self._checkpoints:04d}-cafe-6000-8000-00000000{step + 10:04d}",
            step=step,
            source=source,
            node=node,
            next=list(next_),
        )

    def turn_start(self, at: float, run: str) -> Story:
        """The input checkpoint and `__start__`'s, as every run writes first."""
        self.checkpoint(at, run, None, ("__start__",), source="input")
        return self.checkpoint(at + 0.01, run, "__start__", ("task_mAIstro",))

    def store(self, at: float, run: str, key: str, task: str | None, op: str = "put") -> Story:
        value = None if op == "delete" else {"task": task, "status": "not started"}
        return self._add("store_write", at, run, namespace=list(TODOS), key=key, op=op, value=value)

    def ended(
        self,
        at: float,
        run: str,
        status: str = "success",
        cause: dict[str, Any] | None = None,
        reason: str | None = None,
        started: float | None = None,
    ) -> Story:
        return self._add(
            "run_ended",
            at,
            run,
            status=status,
            reason=reason,
            cause=cause,
            error=None,
            duration_s=None if started is None else round(at - started, 3),
        )

    def superseded(self, at: float, run: str, by: str, strategy: str) -> Story:
        """`run_ended` (interrupt) or `run_rolled_back` (rollback) caused by run `by`."""
        reason = f"superseded by run {by} (multitask_strategy={strategy})"
        cause = {"run_id": by, "strategy": strategy}
        if strategy == "rollback":
            return self.rolled_back(at, run, cause, reason)
        return self.ended(at, run, "interrupted", cause, reason)

    def cancelled(self, at: float, run: str, action: str) -> Story:
        """What the app's Esc (interrupt) or Ctrl+B (rollback) does: an API cancel."""
        request = f"POST /threads/{self.thread_id}/runs/{run}/cancel"
        reason = f"{action} requested via {request}"
        if action == "rollback":
            return self.rolled_back(at, run, {"request": request}, reason)
        return self.ended(at, run, "interrupted", {"request": request}, reason)

    def rolled_back(
        self, at: float, run: str, cause: dict[str, Any], reason: str, undone: bool = False
    ) -> Story:
        removed = [
            e["checkpoint_id"]
            for e in self.events
            if e["kind"] == "checkpoint" and e["run_id"] == run
        ]
        effects = [
            {"namespace": e["namespace"], "key": e["key"], "op": e["op"], "kept": not undone}
            for e in self.events
            if e["kind"] == "store_write" and e["run_id"] == run
        ]
        return self._add(
            "run_rolled_back",
            at,
            run,
            reason=reason,
            cause=cause,
            checkpoints_removed=removed,
            side_effects=effects,
        )

    def rejected(self, at: float, text: str, busy: tuple[str, ...]) -> Story:
        return self._add(
            "rejected", at, None, text=text, strategy="reject", busy_run_ids=list(busy)
        )

    def todo_turn(self, start: float, run: str, key: str, task: str, length: float) -> Story:
        """A whole run that adds one todo: task_mAIstro → update_todos → task_mAIstro."""
        self.started(start, run).turn_start(start + 0.01, run)
        third = length / 3
        self.checkpoint(start + third, run, "task_mAIstro", ("update_todos",))
        self.store(start + third + 0.02, run, key, task)
        self.checkpoint(start + third + 0.03, run, "update_todos", ("task_mAIstro",))
        self.checkpoint(start + length - 0.01, run, "task_mAIstro", ())
        return self.ended(start + length, run, "success", started=start)


# -- the tutorial's four scenarios ---------------------------------------------------------------


def reject_story() -> Story:
    s = Story().accepted(0.0, R1, "Add a ToDo to follow-up with DI Repairs.")
    s.started(0.01, R1).turn_start(0.02, R1)
    s.rejected(0.30, "Add a ToDo to mount dresser to the wall.", (R1,))
    s.checkpoint(0.60, R1, "task_mAIstro", ("update_todos",))
    s.store(0.62, R1, "k-di", "Follow-up with DI Repairs")
    s.checkpoint(0.63, R1, "update_todos", ("task_mAIstro",))
    s.checkpoint(1.10, R1, "task_mAIstro", ())
    return s.ended(1.11, R1, "success", started=0.01)


def enqueue_story() -> Story:
    s = Story().accepted(0.0, R1, "Send Erik his t-shirt gift this weekend.")
    s.accepted(0.05, R2, "Get cash and pay nanny for 2 weeks. Do this by Friday.", "enqueue", 1)
    s.todo_turn(0.01, R1, "k-erik", "Send Erik his t-shirt gift", 1.2)
    return s.todo_turn(1.22, R2, "k-nanny", "Get cash and pay nanny for 2 weeks", 1.1)


def interrupt_story() -> Story:
    s = Story().accepted(0.0, R1, "Give me a summary of my ToDos due tomrrow.")
    s.started(0.01, R1).turn_start(0.02, R1)
    s.accepted(
        1.2,
        R2,
        "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday.",
        "interrupt",
        0,
        (R1,),
    )
    s.superseded(1.21, R1, R2, "interrupt")
    return s.todo_turn(1.23, R2, "k-ham", "Order Ham for Thanksgiving", 1.2)


def rollback_story() -> Story:
    s = Story().accepted(0.0, R1, "Add a ToDo to call to make appointment at Yoga.")
    s.started(0.01, R1).turn_start(0.02, R1)
    s.checkpoint(1.50, R1, "task_mAIstro", ("update_todos",))
    s.store(2.00, R1, "k-yoga", "Call to make appointment at Yoga")
    s.accepted(
        2.21, R2, "Actually, add a ToDo to drop by Yoga in person on Sunday.", "rollback", 0, (R1,)
    )
    s.superseded(2.22, R1, R2, "rollback")
    s.started(2.24, R2).turn_start(2.25, R2)
    s.checkpoint(2.80, R2, "task_mAIstro", ("update_todos",))
    s.store(2.82, R2, "k-yoga", "Drop by Yoga in person")
    s.checkpoint(2.83, R2, "update_todos", ("task_mAIstro",))
    s.checkpoint(3.30, R2, "task_mAIstro", ())
    return s.ended(3.31, R2, "success", started=2.24)


# -- the app's own keys, and several runs waiting ------------------------------------------------


def buy_milk_interrupted(by: str = "strategy") -> Story:
    """Run 1 saves 'Buy milk' and is stopped 1.2 s in, in update_todos (the issue's example)."""
    s = Story().accepted(0.0, R1, "Add a ToDo to buy milk, then tell me what else is due")
    s.started(0.0, R1).turn_start(0.01, R1)
    s.checkpoint(0.50, R1, "task_mAIstro", ("update_todos",))
    s.store(0.90, R1, "k-milk", "Buy milk")
    if by == "esc":
        return s.cancelled(1.20, R1, "interrupt")
    s.accepted(1.19, R2, "Stop, just add oat milk", "interrupt", 0, (R1,))
    s.superseded(1.20, R1, R2, "interrupt")
    return s.todo_turn(1.22, R2, "k-oat", "Buy oat milk", 0.9)


def ctrl_b_story() -> Story:
    s = Story().accepted(0.0, R1, "Add a ToDo to renew the passport")
    s.started(0.01, R1).turn_start(0.02, R1)
    s.checkpoint(0.40, R1, "task_mAIstro", ("update_todos",))
    s.store(0.45, R1, "k-pass", "Renew the passport")
    s.checkpoint(0.46, R1, "update_todos", ("task_mAIstro",))
    return s.cancelled(0.90, R1, "rollback")


def several_pending(strategy: str) -> Story:
    """Run 1 running, runs 2 and 3 queued behind it, then run 4 with `strategy`."""
    s = Story().accepted(0.0, R1, "Add a ToDo to water the plants")
    s.started(0.01, R1).turn_start(0.02, R1)
    s.accepted(0.20, R2, "Add a ToDo to feed the cat", "enqueue", 1)
    s.accepted(0.40, R3, "Add a ToDo to call grandma", "enqueue", 2)
    s.checkpoint(0.60, R1, "task_mAIstro", ("update_todos",))
    if strategy == "enqueue":
        s.accepted(0.70, R4, "Add a ToDo to book the vet", "enqueue", 3)
        s.store(0.75, R1, "k-plants", "Water the plants")
        s.checkpoint(0.76, R1, "update_todos", ("task_mAIstro",))
        s.checkpoint(1.00, R1, "task_mAIstro", ()).ended(1.01, R1, started=0.01)
        s.todo_turn(1.02, R2, "k-cat", "Feed the cat", 0.6)
        s.todo_turn(1.63, R3, "k-grandma", "Call grandma", 0.6)
        return s.todo_turn(2.24, R4, "k-vet", "Book the vet", 0.6)
    s.store(0.75, R1, "k-plants", "Water the plants")
    s.accepted(
        0.80, R4, "Never mind all that, add a ToDo to book the vet", strategy, 0, (R1, R2, R3)
    )
    for run in (R1, R2, R3):
        s.superseded(0.81, run, R4, strategy)
    return s.todo_turn(0.83, R4, "k-vet", "Book the vet", 0.6)


SCENARIOS = {
    "reject": reject_story,
    "enqueue": enqueue_story,
    "interrupt": interrupt_story,
    "rollback": rollback_story,
}
