"""Every client policy, as the picker lists it: name, chapter, what it does, its function.

The four server strategies live in `tui.strategies`; these sit beside them as a second group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from tui.policies import decide
from tui.policies.plan import Plan
from tui.policies.situation import Situation


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    title: str
    chapter: str
    """Where the tutorial teaches it ("" for the two that go beyond it)."""
    description: str
    decide: Callable[[Situation], Plan]
    public_api_only: bool = True
    """Works against any LangGraph server (steer needs a graph that takes steer messages)."""


POLICIES: tuple[PolicyInfo, ...] = (
    PolicyInfo(
        "auto",
        "auto",
        "§8.1, §10.1",
        "Pick by the running run's age: under 5 s rollback, under 30 s interrupt, else enqueue;"
        " several active → reject; more than 5 waiting → rollback.",
        decide.auto,
    ),
    PolicyInfo(
        "ask",
        "ask",
        "§8.2",
        "When busy, ask which of the four strategies, showing what each would do right now.",
        decide.ask,
    ),
    PolicyInfo(
        "retry",
        "retry",
        "§9.2",
        "Send with reject; on 409 retry after 1, 2, 4 s (at most 3), cancellable.",
        decide.retry,
    ),
    PolicyInfo(
        "merge",
        "merge",
        "§10.3",
        "Fold the unanswered message(s) into this one as context and send with rollback.",
        decide.merge,
    ),
    PolicyInfo(
        "keep-latest",
        "keep latest",
        "",
        "Like enqueue, but a newer message replaces the one still waiting (ember-concurrency).",
        decide.keep_latest,
    ),
    PolicyInfo(
        "steer",
        "steer",
        "",
        "The run working takes this message in at its next model call; one reply answers both.",
        decide.steer,
        public_api_only=False,
    ),
    *(
        PolicyInfo(
            f"preset:{s.name}",
            f"{s.name} preset",
            "§7.3, §7.4",
            f"{s.name} → {s.strategy}: {s.reason}.",
            partial(decide.preset, scenario=s.name),
        )
        for s in decide.SCENARIOS
    ),
)
BY_NAME: dict[str, PolicyInfo] = {p.name: p for p in POLICIES}


def plan_for(name: str, situation: Situation) -> Plan:
    """Decide with the named policy; unknown names are a programming error (KeyError)."""
    return BY_NAME[name].decide(situation)
