"""What a new run does to a thread's in-flight runs: the double-texting decision, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Strategy = Literal["reject", "enqueue", "interrupt", "rollback"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)
DEFAULT_STRATEGY: Strategy = "enqueue"

CancelAction = Literal["interrupt", "rollback"]
CANCEL_ACTIONS: tuple[str, ...] = get_args(CancelAction)


@dataclass(frozen=True)
class Decision:
    """accept=False means refuse the new run (409); otherwise insert it and cancel `cancel`."""

    accept: bool
    cancel: tuple[str, ...] = ()
    action: CancelAction | None = None


def decide(strategy: Strategy, inflight: list[str] | tuple[str, ...]) -> Decision:
    """Busy means any pending or running run; every strategy simply runs on an idle thread."""
    if not inflight:
        return Decision(accept=True)
    if strategy == "reject":
        return Decision(accept=False)
    if strategy == "enqueue":
        return Decision(accept=True)
    return Decision(accept=True, cancel=tuple(inflight), action=strategy)
