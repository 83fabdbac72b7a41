"""Record what one client does and sees on a thread, for the client-side timeline.

An `Observer` sends runs and cancels through `langgraph_sdk` and notes each outcome (the run,
or the 409 and its detail), reads `runs.list` snapshots, follows the reference's `lifecycle`
stream where there is one, and at the end reads the history and checks which runs are gone.
`view` is then a `ClientView` for `client_side.build`. The app's session will note the same
things as it sends; benchmarks and tests drive scenarios with this.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from tui.timeline import fetch
from tui.timeline.client_side import CancelSent, ClientView, Sent, Snapshot, build
from tui.timeline.model import Timeline


def _detail(exc: Exception) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping) and body.get("detail"):
        return str(body["detail"])
    response = getattr(exc, "response", None)
    try:
        detail = response.json().get("detail") if response is not None else None
    except ValueError:
        detail = None
    return str(detail) if detail else None


class Observer:
    """One thread, seen by one client."""

    def __init__(self, client: Any, thread_id: str, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.thread_id = thread_id
        self.clock = clock
        self.view = ClientView(thread_id=thread_id)
        self._lifecycle: asyncio.Task[None] | None = None
        self.lifecycle_served: bool | None = None  # None until the stream answered or failed

    def active(self) -> tuple[str, ...]:
        """Runs the last snapshot showed pending or running (what the client believes)."""
        if not self.view.snapshots:
            return ()
        runs = self.view.snapshots[-1].runs
        return tuple(str(r["run_id"]) for r in runs if r.get("status") in ("pending", "running"))

    async def send(
        self, assistant: str, text: str, strategy: str | None = None, **kwargs: Any
    ) -> dict[str, Any] | None:
        """`runs.create` with one human message; None (and a noted 409) when rejected."""
        at = self.clock()
        extra = {"multitask_strategy": strategy} if strategy else {}
        try:
            run = await self.client.runs.create(
                self.thread_id,
                assistant,
                input={"messages": [{"role": "user", "content": text}]},
                **extra,
                **kwargs,
            )
        except ConflictError as exc:
            self.view.sent.append(
                Sent(at, text, strategy or "enqueue", None, 409, _detail(exc), self.active())
            )
            return None
        self.view.sent.append(Sent(at, text, strategy or "enqueue", run["run_id"]))
        return dict(run)

    async def cancel(self, run_id: str, action: str = "interrupt") -> None:
        at = self.clock()
        try:
            await self.client.runs.cancel(self.thread_id, run_id, action=action)
        except NotFoundError:
            self.view.cancels.append(CancelSent(at, run_id, action, 404))
            return
        self.view.cancels.append(CancelSent(at, run_id, action))

    async def snapshot(self) -> tuple[dict[str, Any], ...]:
        runs = tuple(await fetch.list_runs(self.client, self.thread_id))
        self.view.snapshots.append(Snapshot(self.clock(), runs))
        return runs

    def follow_lifecycle(self) -> None:
        """Start reading the `lifecycle` thread stream in the background (if served)."""

        async def follow() -> None:
            try:
                async for event in fetch.lifecycle(self.client, self.thread_id):
                    self.lifecycle_served = True
                    self.view.lifecycle.append(event)
            except (NotFoundError, UnprocessableEntityError):
                self.lifecycle_served = False

        self._lifecycle = asyncio.create_task(follow())

    async def poll_until_idle(self, timeout: float = 60.0, every: float = 0.05) -> None:
        """Snapshot runs.list until no run is pending or running."""
        deadline = self.clock() + timeout
        while True:
            runs = await self.snapshot()
            if not any(r.get("status") in ("pending", "running") for r in runs):
                return
            if self.clock() > deadline:
                raise TimeoutError(f"thread {self.thread_id} still busy after {timeout:.0f} s")
            await asyncio.sleep(every)

    async def finish(self, history: bool = True) -> ClientView:
        """A last snapshot, the history, 404 checks for sent runs; stops the lifecycle reader."""
        await self.snapshot()
        listed = {str(r["run_id"]) for r in self.view.snapshots[-1].runs}
        for sent in self.view.sent:
            if not sent.run_id or sent.run_id in listed:
                continue
            if not await fetch.run_exists(self.client, self.thread_id, sent.run_id):
                self.view.gone.setdefault(sent.run_id, self.clock())
        if history:
            self.view.history = await fetch.get_history(self.client, self.thread_id)
        if self._lifecycle is not None:
            await asyncio.sleep(0.1)  # let the last `done` arrive
            self._lifecycle.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lifecycle
        return self.view

    def timeline(self) -> Timeline:
        return build(self.view)
