"""Event-driven dispatch: one driver task per busy thread, a global bound on concurrent runs.

A run accepted on an idle thread starts at once (no polling). Each thread's driver takes its
pending runs in acceptance order, so at most one run per thread is ever `running`; drivers of
different threads run side by side up to `max_concurrency`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from engine.runs.executor import Execution, execute
from engine.runs.services import Services
from engine.serde import loads
from engine.storage.checkpoints import Head, delete_run_checkpoints, thread_head

log = logging.getLogger("doubletext.engine")

CANCEL_GRACE_S = 10.0


class Scheduler:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._slots = asyncio.Semaphore(services.settings.max_concurrency)
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._executions: dict[str, Execution] = {}
        self._closing = False

    # -- dispatch --------------------------------------------------------------------------

    def kick(self, thread_id: str) -> None:
        """Something changed on this thread: make sure a driver looks at it."""
        if self._closing:
            return
        self._wake.setdefault(thread_id, asyncio.Event()).set()
        if thread_id not in self._drivers:
            self._drivers[thread_id] = asyncio.create_task(
                self._drive(thread_id), name=f"driver:{thread_id}"
            )

    async def _drive(self, thread_id: str) -> None:
        wake = self._wake[thread_id]
        records = self.services.records
        try:
            while not self._closing:
                wake.clear()
                row = await records.next_pending(thread_id)
                if row is None:
                    if wake.is_set():
                        continue
                    return
                delay = row["not_before"] - time.time()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), delay)
                    continue
                async with self._slots:
                    await self._run_one(row)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("driver of thread %s failed", thread_id)
        finally:
            self._drivers.pop(thread_id, None)

    async def _run_one(self, row) -> None:
        run_id, thread_id = row["run_id"], row["thread_id"]
        execution = Execution(run_id, thread_id)
        self._executions[run_id] = execution
        try:
            head = await thread_head(self.services.saver, thread_id)
            claimed = await self.services.records.claim(
                run_id, head.checkpoint_id, sorted(head.write_keys)
            )
            task = asyncio.create_task(execute(self.services, row, execution, claimed))
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                raise
        finally:
            self._executions.pop(run_id, None)
            execution.finished.set()
            if row["kwargs"] and loads(row["kwargs"]).get("temporary"):
                await self._drop_temporary(thread_id)

    async def _drop_temporary(self, thread_id: str) -> None:
        if not await self.services.records.active_run_ids(thread_id):
            everything = Head(None, frozenset())
            await delete_run_checkpoints(self.services.saver, thread_id, "", base=everything)
            await self.services.records.delete_thread(thread_id)

    # -- cancellation ----------------------------------------------------------------------

    async def cancel(self, run_ids: list[str], action: str) -> None:
        """Interrupt or roll back runs; returns once each is fully stopped and finalised."""
        executing = [self._executions[r] for r in run_ids if r in self._executions]
        waiting = [r for r in run_ids if r not in self._executions]
        jobs = [self._cancel_execution(e, action) for e in executing]
        if waiting:
            jobs.append(self._cancel_waiting(waiting, action))
        await asyncio.gather(*jobs)

    async def _cancel_waiting(self, run_ids: list[str], action: str) -> None:
        """Runs no driver has taken yet: one statement for all of them, one settle per thread."""
        services = self.services
        if action == "rollback":
            gone = await services.records.delete_pending(run_ids)
            for run_id, thread_id, attempt in gone:
                if attempt:  # a run resumed after a crash may have checkpoints already
                    await delete_run_checkpoints(services.saver, thread_id, run_id)
                if services.settings.rollback_undoes_store:
                    await services.store.undo(run_id)
                services.channels.discard(run_id)
        else:
            gone = await services.records.interrupt_pending(run_ids)
            for run_id, _, _ in gone:
                services.channels.open(run_id)
                services.channels.close(run_id)
        for thread_id in dict.fromkeys(thread_id for _, thread_id, _ in gone):
            await services.settle_thread(thread_id)
        # A driver may have claimed some of them meanwhile: those are executions now.
        handled = {run_id for run_id, _, _ in gone}
        claimed = [
            self._executions[r] for r in run_ids if r not in handled and r in self._executions
        ]
        await asyncio.gather(*(self._cancel_execution(e, action) for e in claimed))

    async def _cancel_execution(self, execution: Execution, action: str) -> None:
        if execution.cancel_action != "rollback":
            execution.cancel_action = action
        if action == "interrupt" and execution.graph_done:
            pass  # it already finished its work; it ends as `success`
        else:
            await self.services.records.set_status(
                execution.run_id, "interrupted", only_from=("pending", "running")
            )
        if execution.task is not None:
            execution.task.cancel()
        try:
            await asyncio.wait_for(execution.finished.wait(), CANCEL_GRACE_S)
        except TimeoutError:
            log.error("run %s did not stop within %.0f s", execution.run_id, CANCEL_GRACE_S)

    # -- lifecycle -------------------------------------------------------------------------

    async def recover(self) -> None:
        """After a crash: resume runs that were running, then start every thread with work."""
        records = self.services.records
        max_attempts = self.services.settings.max_attempts
        for row in await records.runs_with_status("running"):
            if row["attempt"] >= max_attempts:
                error = {
                    "error": "EngineRestart",
                    "message": f"the engine stopped during this run {row['attempt']} times;"
                    " giving up",
                }
                await records.set_status(row["run_id"], "error", error=error)
                await self.services.settle_thread(row["thread_id"], error=error)
            else:
                await records.set_status(row["run_id"], "pending", only_from=("running",))
        for thread_id in await records.threads_with_pending():
            await self.services.settle_thread(thread_id)
            self.kick(thread_id)

    async def close(self) -> None:
        self._closing = True
        drivers = list(self._drivers.values())
        for task in drivers:
            task.cancel()
        for task in drivers:
            with contextlib.suppress(BaseException):
                await task
