"""The four double-texting strategies, their keys and what each one will do.

Kept free of Textual so the picker, the palette and the tests share one source of truth. The
descriptions paraphrase the tutorial's comparison table (§1.4): what happens to the first request,
to the second one, and what the user ends up seeing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Strategy = Literal["enqueue", "interrupt", "rollback", "reject"]


@dataclass(frozen=True)
class StrategyInfo:
    name: Strategy
    key: str
    description: str
    use_when: str


STRATEGIES: tuple[StrategyInfo, ...] = (
    StrategyInfo(
        "enqueue",
        "f1",
        "Queue it: the running reply finishes, then this one; both answered.",
        "every request matters",
    ),
    StrategyInfo(
        "interrupt",
        "f2",
        "Stop the running reply; its message stays, unanswered; answer this.",
        "correcting or adding to what you said",
    ),
    StrategyInfo(
        "rollback",
        "f3",
        "Erase the running run and its message; answer only this one.",
        "you changed your mind completely",
    ),
    StrategyInfo(
        "reject",
        "f4",
        "Refuse this message (409) while a reply runs; only the first counts.",
        "strict one-at-a-time order",
    ),
)

BY_NAME: dict[str, StrategyInfo] = {s.name: s for s in STRATEGIES}


def info(name: str) -> StrategyInfo:
    """Look a strategy up by name; unknown names are a programming error."""
    return BY_NAME[name]


def describe(name: str) -> str:
    """The picker's line: what the selected strategy will do and when to use it."""
    s = BY_NAME[name]
    return f"{s.description} Use when {s.use_when}."
