"""Run and thread statuses and the rules that connect them, with no I/O."""

from __future__ import annotations

from typing import Literal

RunStatus = Literal["pending", "running", "success", "error", "timeout", "interrupted"]
ThreadStatus = Literal["idle", "busy", "interrupted", "error"]

RUN_STATUSES: tuple[str, ...] = ("pending", "running", "success", "error", "timeout", "interrupted")
ACTIVE: frozenset[str] = frozenset({"pending", "running"})
TERMINAL: frozenset[str] = frozenset({"success", "error", "timeout", "interrupted"})

# running -> pending happens only when a crashed run is queued again to resume.
_ALLOWED: dict[str, frozenset[str]] = {
    "pending": frozenset({"running", "interrupted"}),
    "running": frozenset({"success", "error", "timeout", "interrupted", "pending"}),
}


def can_transition(old: str, new: str) -> bool:
    return new in _ALLOWED.get(old, frozenset())


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
