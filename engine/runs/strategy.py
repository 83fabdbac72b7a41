"""What a new run does to a thread's in-flight runs: the double-texting decision, with no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from engine.runs.reasons import Intent

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


@dataclass(frozen=True)
class Acceptance:
    """What a strategy decided for a run it accepts: the run, the runs it cancels (and why),
    and those of them an interrupt marks `interrupted` at once."""

    run: dict[str, Any]
    cancels: Sequence[str] = ()
    intent: Intent | None = None
    stop_now: Sequence[str] = ()


@dataclass(frozen=True)
class Rejection:
    """A strategy refused the run (`reject` with runs active): the active runs it saw."""

    active: list[str]
