"""The tutorial's help for choosing: the decision tree (§7.2), the comparison table (§7.1) and
the quick reference (§11.3), as data, plus `recommend`, which walks the tree.

Pure, so a help screen renders it and tests check it without a terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from tui.policies.plan import Strategy

# -- the decision tree (§7.2) ------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    yes: str
    no: str


@dataclass(frozen=True)
class Leaf:
    id: str
    strategy: Strategy | None
    """None: nothing to decide (the thread is idle, any strategy simply runs)."""
    why: str


ROOT = "busy"
TREE: dict[str, Question | Leaf] = {
    node.id: node
    for node in (
        Question("busy", "Is the first message still being processed?", "tight", "idle"),
        Question(
            "tight",
            "Are resources tight (each run is costly, or order must be strict)?",
            "reject",
            "important",
        ),
        Question("important", "Is the first message important?", "wait", "context"),
        Question("wait", "Can the new message wait for it?", "enqueue", "interrupt_now"),
        Question(
            "context", "Does the new message need the first one's context?", "interrupt", "rollback"
        ),
        Leaf("idle", None, "Nothing to decide: on an idle thread every strategy simply runs."),
        Leaf("reject", "reject", "Refuse the new message; the first finishes alone."),
        Leaf("enqueue", "enqueue", "Both matter and the new one can wait: queue it."),
        Leaf(
            "interrupt_now",
            "interrupt",
            "The first matters but the new one cannot wait: stop the first, keep its message.",
        ),
        Leaf(
            "interrupt",
            "interrupt",
            "The first is not important but its words are needed: stop it, keep its message.",
        ),
        Leaf("rollback", "rollback", "Neither the first nor its words matter: erase it."),
    )
}


@dataclass(frozen=True)
class Recommendation:
    path: tuple[tuple[Question, bool], ...]
    """The questions answered on the way, with their answers."""
    leaf: Leaf | None
    """Where the answers led; None while a question is still open."""
    next_question: Question | None

    @property
    def strategy(self) -> Strategy | None:
        return self.leaf.strategy if self.leaf else None


def recommend(answers: Mapping[str, bool]) -> Recommendation:
    """Walk the tree with the answers given (question id → yes/no); stop at the first
    unanswered question or at a leaf."""
    path: list[tuple[Question, bool]] = []
    node = TREE[ROOT]
    while isinstance(node, Question):
        if node.id not in answers:
            return Recommendation(tuple(path), None, node)
        answer = bool(answers[node.id])
        path.append((node, answer))
        node = TREE[node.yes if answer else node.no]
    return Recommendation(tuple(path), node, None)


# -- the comparison table (§7.1) ---------------------------------------------------------------

Verdict = Literal["good", "mixed", "bad"]


@dataclass(frozen=True)
class Cell:
    text: str
    verdict: Verdict


@dataclass(frozen=True)
class Row:
    feature: str
    cells: dict[Strategy, Cell]


def _row(feature: str, *cells: tuple[str, Verdict]) -> Row:
    order: tuple[Strategy, ...] = ("reject", "enqueue", "interrupt", "rollback")
    return Row(feature, {s: Cell(text, v) for s, (text, v) in zip(order, cells, strict=True)})


COLUMNS: tuple[Strategy, ...] = ("reject", "enqueue", "interrupt", "rollback")
COMPARISON: tuple[Row, ...] = (
    _row(
        "first run",
        ("completes", "good"),
        ("completes", "good"),
        ("interrupted", "mixed"),
        ("deleted", "bad"),
    ),
    _row(
        "second run",
        ("refused (409)", "bad"),
        ("after the first", "good"),
        ("completes at once", "good"),
        ("completes at once", "good"),
    ),
    _row("first input", ("kept", "good"), ("kept", "good"), ("kept", "good"), ("deleted", "bad")),
    _row(
        "first output",
        ("complete", "good"),
        ("complete", "good"),
        ("none", "bad"),
        ("none", "bad"),
    ),
    _row(
        "response time",
        ("fast (only one)", "good"),
        ("slow (in turn)", "bad"),
        ("medium", "mixed"),
        ("medium", "mixed"),
    ),
    _row(
        "user experience",
        ("handle an error", "bad"),
        ("waits unaware", "mixed"),
        ("quick response", "good"),
        ("cleanest", "good"),
    ),
    _row(
        "data integrity",
        ("highest", "good"),
        ("high", "good"),
        ("medium", "mixed"),
        ("low", "mixed"),
    ),
    _row(
        "side effects",
        ("safe", "good"),
        ("safe", "good"),
        ("need care", "mixed"),
        ("unsafe", "bad"),
    ),
    _row(
        "traceability",
        ("complete", "good"),
        ("complete", "good"),
        ("partial (status)", "good"),
        ("none", "bad"),
    ),
)

# -- the quick reference (§11.3) ---------------------------------------------------------------

NEEDS: tuple[tuple[str, tuple[Strategy, ...]], ...] = (
    ("every request must be handled", ("enqueue",)),
    ("the new request matters more", ("interrupt", "rollback")),
    ("the first request must not be cut", ("reject", "enqueue")),
    ("a fast response", ("interrupt", "rollback")),
    ("operations with side effects", ("reject", "enqueue")),
    ("the user plainly cancels the first", ("rollback",)),
    ("keep all history", ("enqueue", "interrupt")),
    ("the cleanest history", ("rollback",)),
)
