"""A plan: the SDK steps a policy chose, in order, and one line saying why.

Steps are plain data so the app can show them before and while they run, tests can compare
them, and `runner.PlanRunner` is the only place that turns them into calls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from tui.text import short_id

Short = Callable[[str], str]
"""How run ids are shown (`tui.text.short_id` among the thread's runs)."""

Strategy = Literal["enqueue", "interrupt", "rollback", "reject"]
STRATEGIES: tuple[Strategy, ...] = ("enqueue", "interrupt", "rollback", "reject")

STEER_KEY = "steer"
"""Run metadata `{"steer": true}` asks the run already working to take this message in."""
POLICY_KEY = "policy"
"""Run metadata naming the policy that sent it, so any client can tell."""


@dataclass(frozen=True)
class Create:
    """`runs.create` with this text; `strategy=None` omits `multitask_strategy` (a plain send:
    the server's default, enqueue)."""

    strategy: Strategy | None
    text: str
    metadata: Mapping[str, object] = field(default_factory=dict)

    def describe(self, short: Short = short_id) -> str:
        shown = self.strategy or "server default"
        return f"POST /threads/{{thread}}/runs  multitask_strategy={shown}"


@dataclass(frozen=True)
class Cancel:
    """`runs.cancel`; with `only_if="pending"` the runner first checks the run has not started
    (a queued run that began meanwhile is left alone)."""

    run_id: str
    action: Literal["interrupt", "rollback"] = "interrupt"
    only_if: Literal["pending", "active"] = "active"

    def describe(self, short: Short = short_id) -> str:
        guard = " (if still pending)" if self.only_if == "pending" else ""
        run = short(self.run_id)
        return f"POST /threads/{{thread}}/runs/{run}/cancel  action={self.action}{guard}"


@dataclass(frozen=True)
class RetryOn409:
    """If the Create before it is refused (409), wait and send again: one retry per delay."""

    delays: tuple[float, ...] = (1.0, 2.0, 4.0)

    def describe(self, short: Short = short_id) -> str:
        waits = ", ".join(f"{d:g}" for d in self.delays)
        return f"on 409: retry after {waits} s (at most {len(self.delays)})"


@dataclass(frozen=True)
class Choice:
    """One answer to an Ask: a key, a strategy, what it would do right now, its own steps."""

    key: str
    strategy: Strategy
    now: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Ask:
    """Let the user pick; the runner calls its `ask` callback and runs the chosen steps."""

    question: str
    choices: tuple[Choice, ...]
    later: Callable[[float], Ask] | None = field(default=None, compare=False, repr=False)
    """The same ask that many seconds later, its runs older by as much, so a dialog left open
    keeps its ages true; None: nothing in it changes with time."""
    reread: Callable[[], Awaitable[Ask]] | None = field(default=None, compare=False, repr=False)
    """The ask as the thread is now, its runs read again: a dialog left open asks for it now and
    then, so a run that ends (or starts) meanwhile is seen. None: the asker cannot tell."""

    def describe(self, short: Short = short_id) -> str:
        return f"ask: {self.question} ({'/'.join(c.key for c in self.choices)})"


Step = Create | Cancel | RetryOn409 | Ask


@dataclass(frozen=True)
class Plan:
    policy: str
    steps: tuple[Step, ...]
    why: str

    @property
    def create(self) -> Create | None:
        return next((s for s in self.steps if isinstance(s, Create)), None)

    @property
    def strategy(self) -> Strategy | None:
        create = self.create
        return create.strategy if create else None

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        """The waits before each retry (empty: no retries), for a countdown the user can cancel."""
        return next((s.delays for s in self.steps if isinstance(s, RetryOn409)), ())

    @property
    def ask(self) -> Ask | None:
        return next((s for s in self.steps if isinstance(s, Ask)), None)

    def describe(self, short: Short = short_id) -> list[str]:
        """The steps as the call log will show them, numbered."""
        return [f"{i}. {step.describe(short)}" for i, step in enumerate(self.steps, 1)]
