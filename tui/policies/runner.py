"""Run a Plan with `langgraph_sdk`: the only place a policy's steps become SDK calls.

Every call goes through the client's `CallLog`, and the outcome lists the ones this plan made.
A 409 followed by `RetryOn409` waits out each delay as a countdown the caller can cancel
(`cancel()`), announced through `on_event` so a UI can show it. `Ask` steps call the `ask`
callback (the app's dialog; a test's function) and run the chosen steps.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

from tui.calllog import Call, CallLog
from tui.policies.catalog import plan_for
from tui.policies.observe import read_situation, takes_steer
from tui.policies.plan import Ask, Cancel, Choice, Create, Plan, RetryOn409, Short, Step
from tui.policies.situation import Situation, Thresholds
from tui.text import short_id

Status = Literal["created", "rejected", "cancelled", "failed"]


@dataclass(frozen=True)
class StepStarted:
    step: Step


@dataclass(frozen=True)
class StepFinished:
    step: Step
    result: str
    """One plain line: "run 1a2b3c4d created", "409: thread busy", "run … left alone: running"."""
    error: Exception | None = None
    """What the call raised (the 409's ConflictError, whose detail a client-side timeline
    keeps)."""


@dataclass(frozen=True)
class RetryWait:
    """A countdown started: retry `attempt` of `of` in `delay_s` (monotonic `deadline`)."""

    attempt: int
    of: int
    delay_s: float
    deadline: float


RunnerEvent = StepStarted | StepFinished | RetryWait


@dataclass
class Outcome:
    plan: Plan
    status: Status = "failed"
    run: dict[str, Any] | None = None
    """The run the plan created (its `run_id`, `status`, `metadata`, …)."""
    text: str = ""
    """What was (or would have been) sent; for merge, the merged message."""
    choice: Choice | None = None
    attempts: int = 0
    """Create calls made (1 + retries)."""
    cancelled: dict[str, str] = field(default_factory=dict)
    """Run id → what the Cancel step found: "interrupted", "rolled back", "left alone: running",
    "already gone"."""
    error: Exception | None = None
    calls: list[Call] = field(default_factory=list)

    @property
    def run_id(self) -> str | None:
        return str(self.run["run_id"]) if self.run else None


AskFn = Callable[[Ask], Awaitable[Choice | None]]


class PlanRunner:
    """Runs plans on one thread for one assistant; reusable, one plan at a time."""

    def __init__(
        self,
        client: LangGraphClient,
        thread_id: str,
        assistant_id: str,
        *,
        log: CallLog | None = None,
        run_kwargs: Mapping[str, Any] | None = None,
        ask: AskFn | None = None,
        on_event: Callable[[RunnerEvent], None] | None = None,
        short: Short = short_id,
    ) -> None:
        self.client = client
        self.thread_id = thread_id
        self.assistant_id = assistant_id
        self.log = log or CallLog()
        self.log.attach(client)
        self.run_kwargs = dict(run_kwargs or {})
        self.ask = ask
        self.on_event = on_event or (lambda _event: None)
        self.short = short  # run ids in the results' words, as the app shows them
        self._stop = asyncio.Event()
        self._steer: bool | None = None

    # -- deciding --------------------------------------------------------------------------

    async def situation(
        self,
        text: str,
        *,
        thresholds: Thresholds | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Situation:
        """What the public API tells: active runs (runs.list) and whether the graph steers."""
        if self._steer is None:
            self._steer = await takes_steer(self.client, self.assistant_id)
        return await read_situation(
            self.client,
            self.thread_id,
            text,
            steer=self._steer,
            thresholds=thresholds,
            labels=labels,
        )

    async def send(
        self,
        policy: str,
        text: str,
        *,
        thresholds: Thresholds | None = None,
        human_id: str | None = None,
    ) -> Outcome:
        """Observe, decide with the named policy, run the plan; the observing calls are logged
        with the outcome too."""
        with self.log.scope() as calls:
            situation = await self.situation(text, thresholds=thresholds)
            outcome = await self.run(plan_for(policy, situation), human_id=human_id)
        outcome.calls = calls
        return outcome

    # -- running ---------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop a retry countdown (or an Ask waiting): the plan ends as `cancelled`."""
        self._stop.set()

    async def run(self, plan: Plan, *, human_id: str | None = None) -> Outcome:
        self._stop = asyncio.Event()
        outcome = Outcome(plan)
        human_id = human_id or str(uuid.uuid4())
        with self.log.scope() as calls:
            await self._steps(plan.steps, outcome, human_id)
        outcome.calls = calls
        return outcome

    async def _steps(self, steps: Sequence[Step], outcome: Outcome, human_id: str) -> None:
        for i, step in enumerate(steps):
            if isinstance(step, Cancel):
                await self._cancel(step, outcome)
            elif isinstance(step, Create):
                following = steps[i + 1] if i + 1 < len(steps) else None
                retry = following if isinstance(following, RetryOn409) else None
                await self._create(step, retry, outcome, human_id)
                if outcome.status != "created":
                    return
            elif isinstance(step, Ask):
                self.on_event(StepStarted(step))
                choice = await self._ask(step)
                outcome.choice = choice
                if choice is None:
                    outcome.status = "cancelled"
                    outcome.text = next((c.text for c in _creates(step)), "")
                    self.on_event(StepFinished(step, "cancelled"))
                    return
                self.on_event(StepFinished(step, f"chose {choice.key}: {choice.strategy}"))
                await self._steps(choice.steps, outcome, human_id)
                return
            # a RetryOn409 is consumed by the Create before it

    async def _ask(self, step: Ask) -> Choice | None:
        if self.ask is None:
            return None
        asking = asyncio.ensure_future(self.ask(step))
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({asking, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not asking.done():
            asking.cancel()
            return None
        return asking.result()

    async def _create(
        self, step: Create, retry: RetryOn409 | None, outcome: Outcome, human_id: str
    ) -> None:
        outcome.text = step.text
        delays = retry.delays if retry else ()
        kwargs = dict(self.run_kwargs)
        kwargs["metadata"] = {**(kwargs.get("metadata") or {}), **step.metadata}
        if step.strategy is not None:
            kwargs["multitask_strategy"] = step.strategy
        message = {"type": "human", "content": step.text, "id": human_id}
        for attempt in range(len(delays) + 1):
            self.on_event(StepStarted(step))
            outcome.attempts += 1
            started = time.perf_counter()
            try:
                run = await self.client.runs.create(
                    self.thread_id, self.assistant_id, input={"messages": [message]}, **kwargs
                )
            except ConflictError as exc:
                outcome.error = exc
                self.on_event(StepFinished(step, "409: the thread is busy", exc))
                if attempt == len(delays):
                    outcome.status = "rejected"
                    return
                if not await self._countdown(attempt + 1, len(delays), delays[attempt]):
                    outcome.status = "cancelled"
                    return
                continue
            except (httpx.HTTPError, OSError) as exc:
                self._log_failure("POST", f"/threads/{self.thread_id}/runs", exc, started)
                outcome.status, outcome.error = "failed", exc
                self.on_event(StepFinished(step, f"failed: {type(exc).__name__}"))
                return
            outcome.status, outcome.run, outcome.error = "created", dict(run), None
            self.on_event(StepFinished(step, f"run {self.short(run['run_id'])} created"))
            return

    async def _countdown(self, attempt: int, of: int, delay: float) -> bool:
        """Wait `delay` seconds unless cancelled; True when it ran out (so: retry)."""
        deadline = asyncio.get_running_loop().time() + delay
        self.on_event(RetryWait(attempt, of, delay, deadline))
        try:
            await asyncio.wait_for(self._stop.wait(), delay)
        except TimeoutError:
            return True
        return False

    async def _cancel(self, step: Cancel, outcome: Outcome) -> None:
        self.on_event(StepStarted(step))
        result = await self._cancel_result(step)
        outcome.cancelled[step.run_id] = result
        self.on_event(StepFinished(step, f"run {self.short(step.run_id)}: {result}"))

    async def _cancel_result(self, step: Cancel) -> str:
        started = time.perf_counter()
        path = f"/threads/{self.thread_id}/runs/{step.run_id}"
        try:
            if step.only_if == "pending":
                run = await self.client.runs.get(self.thread_id, step.run_id)
                if run["status"] != "pending":
                    return f"left alone: {run['status']}"
            await self.client.runs.cancel(self.thread_id, step.run_id, action=step.action)
        except (NotFoundError, ConflictError):
            return "already gone"
        except (httpx.HTTPError, OSError) as exc:
            self._log_failure("POST", f"{path}/cancel", exc, started)
            return f"failed: {type(exc).__name__}"
        return "rolled back" if step.action == "rollback" else "interrupted"

    def _log_failure(self, method: str, path: str, exc: BaseException, started: float) -> None:
        if not isinstance(exc, httpx.HTTPStatusError):  # those were logged by the hook
            self.log.add_failure(method, path, exc, started)


def _creates(step: Ask) -> list[Create]:
    return [s for c in step.choices for s in c.steps if isinstance(s, Create)]
