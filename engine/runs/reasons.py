"""Why a run was cancelled, in the reference server's own words (plus ours), with no I/O.

The reason is stored on the run (`cancel_reason` in the run JSON) together with its cause: the
run that superseded it, or the request that asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

THREAD_CANCEL_ROUTE = "POST /threads/{thread_id}/runs/{run_id}/cancel"
MANY_CANCEL_ROUTE = "POST /runs/cancel"
CLIENT_DISCONNECT = "client disconnected (on_disconnect=cancel)"
# A shutdown cancels nothing today (running runs resume on restart); the words are reserved.
ENGINE_SHUTDOWN = "engine shutdown"
# A run the engine gave up on after crashes ends `error` with a message starting with this.
CRASH_RECOVERY = "crash recovery"


@dataclass(frozen=True)
class Intent:
    """A cancel the engine has accepted and must carry out, even across a crash."""

    action: str  # interrupt | rollback
    reason: str
    cause: dict[str, Any] | None = None


def superseded(new_run_id: str, strategy: str) -> Intent:
    """A double text with `interrupt` or `rollback` cancels the runs in flight."""
    return Intent(
        strategy,
        f"superseded by run {new_run_id} (multitask_strategy={strategy})",
        {"run_id": new_run_id, "strategy": strategy},
    )


def thread_cancel(action: str, thread_id: str, run_id: str) -> Intent:
    """`POST /threads/{thread_id}/runs/{run_id}/cancel` (the reason keeps the route template,
    as the reference writes it; the cause names the real ids)."""
    request = f"POST /threads/{thread_id}/runs/{run_id}/cancel"
    return Intent(action, f"{action} requested via {THREAD_CANCEL_ROUTE}", {"request": request})


def many_cancel(action: str) -> Intent:
    return Intent(
        action, f"{action} requested via {MANY_CANCEL_ROUTE}", {"request": MANY_CANCEL_ROUTE}
    )


def client_disconnect() -> Intent:
    return Intent("interrupt", CLIENT_DISCONNECT, None)


def python_cancel(action: str) -> Intent:
    """A cancel through `Engine.cancel_runs` with no HTTP request behind it."""
    return Intent(action, f"{action} requested via Engine.cancel_runs", None)


def assistant_deleted(assistant_id: str) -> Intent:
    """Deleting an assistant interrupts its runs in flight."""
    return Intent("interrupt", f"assistant {assistant_id} deleted", {"assistant_id": assistant_id})
