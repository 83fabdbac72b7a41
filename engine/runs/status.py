"""Run and thread statuses and the rules that connect them, with no I/O.

`can_transition` is the rule every run status write obeys: the lifecycle turns it into the
`WHERE status IN (...)` guard of its UPDATE (`sources`), so an illegal transition is simply not
written, whoever races whom.
"""

from __future__ import annotations

from typing import Literal

ThreadStatus = Literal["idle", "busy", "interrupted", "error"]

RUN_STATUSES: tuple[str, ...] = ("pending", "running", "error", "success", "timeout", "interrupted")
THREAD_STATUSES: tuple[str, ...] = ("idle", "busy", "interrupted", "error")
ACTIVE: frozenset[str] = frozenset({"pending", "running"})
TERMINAL: frozenset[str] = frozenset({"success", "error", "timeout", "interrupted"})

# pending -> error: the run could not be started (its graph is gone, storage failed).
# running -> pending: a run cut by a crash is queued again to resume from its checkpoints.
# Rolled-back and deleted runs leave no status: their row is removed.
_ALLOWED: dict[str, frozenset[str]] = {
    "pending": frozenset({"running", "interrupted", "error"}),
    "running": frozenset({"success", "error", "timeout", "interrupted", "pending"}),
}


def can_transition(old: str, new: str) -> bool:
    return new in _ALLOWED.get(old, frozenset())


def sources(new: str) -> tuple[str, ...]:
    """Every status a run may be in for a move to `new` to be legal."""
    return tuple(old for old in RUN_STATUSES if can_transition(old, new))


def thread_status(
    active_runs: int, last_finished_status: str | None, head_has_next: bool
) -> ThreadStatus:
    """busy > error > interrupted (head checkpoint still has work) > idle, as on LangGraph."""
    if active_runs:
        return "busy"
    if last_finished_status in ("error", "timeout"):
        return "error"
    if head_has_next:
        return "interrupted"
    return "idle"
