"""Event-driven dispatch: one driver task per busy thread, a global bound on concurrent runs.

A run accepted on an idle thread starts at once (no polling). Each thread's driver takes its
pending runs in acceptance order, so at most one run per thread is ever `running`; drivers of
different threads run side by side up to `max_concurrency`. What a run's start and end change
is the lifecycle's; a driver survives any error (storage included) by backing off and retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from engine.runs.executor import Execution, execute
from engine.runs.lifecycle import RETRY_FIRST_S, RETRY_MAX_S, Lifecycle

log = logging.getLogger("doubletext.engine")


class Scheduler:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self.services = lifecycle.services
        self._slots = asyncio.Semaphore(self.services.settings.max_concurrency)
        self._drivers: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._closing = False

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
        delay = RETRY_FIRST_S
        try:
            while not self._closing:
                wake.clear()
                try:
                    await self.lifecycle.settled(thread_id)  # a stopped run is sealed first
                    row = await self.lifecycle.next_pending(thread_id)
                    if row is None:
                        if wake.is_set():
                            continue
                        return
                    wait = row["not_before"] - time.time()
                    if wait > 0:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(wake.wait(), wait)
                        continue
                    async with self._slots:
                        await self._run_one(row)
                    delay = RETRY_FIRST_S
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Storage trouble (disk full, ...): the queued run stays queued; try again.
                    log.exception(
                        "driver of thread %s failed; retrying in %.2f s", thread_id, delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
        finally:
            if self._drivers.get(thread_id) is asyncio.current_task():
                del self._drivers[thread_id]
                self._wake.pop(thread_id, None)

    async def _run_one(self, row) -> None:
        execution = await self.lifecycle.start(row)
        while execution is not None:
            await self._run(row, execution)
            # Its end may have started the thread's next run in the same write: that run keeps
            # this slot (it is `running` already) and its start point is fixed by that write.
            row, execution = self.lifecycle.take_started(row["thread_id"]) or (None, None)

    async def _run(self, row, execution: Execution) -> None:
        task = asyncio.create_task(self._execute_and_finish(row, execution))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            raise
        finally:
            if self.lifecycle.is_temporary(row["thread_id"]):
                with contextlib.suppress(Exception):
                    await self.lifecycle.drop_temporary(row["thread_id"])

    async def _execute_and_finish(self, row, execution: Execution) -> None:
        try:
            outcome = await execute(self.services, row, execution)
            await self.lifecycle.finish(execution, row, outcome)
        finally:
            self.lifecycle.release(execution)

    async def recover(self) -> None:
        """After a crash: let the lifecycle repair what was cut, then start every queued thread."""
        for thread_id in await self.lifecycle.recover():
            self.kick(thread_id)

    async def close(self) -> None:
        self._closing = True
        self.lifecycle.closing = True
        drivers = list(self._drivers.values())
        for task in drivers:
            task.cancel()
        for task in drivers:
            with contextlib.suppress(BaseException):
                await task
        await self.lifecycle.drain()
