"""Work a thread owes before it is settled: cancels a create accepted, carried out in the
background so the create can answer once they are durable.

Until a thread's work is done its next run must not start and reads of it must wait
(`Lifecycle.settled`); a failure is only logged, since what the work carries out is already
recorded as intents on disk and recovery finishes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("doubletext.engine")


class Settling:
    def __init__(self) -> None:
        self._tasks: dict[str, set[asyncio.Task[None]]] = {}

    def start(self, thread_id: str, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` for this thread off the caller's path."""
        task = asyncio.create_task(work, name=f"settle:{thread_id}")
        tasks = self._tasks.setdefault(thread_id, set())
        tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            if not tasks and self._tasks.get(thread_id) is tasks:
                del self._tasks[thread_id]
            if not task.cancelled() and task.exception() is not None:
                log.error(
                    "carrying out cancels on thread %s failed",
                    thread_id,
                    exc_info=task.exception(),
                )

        task.add_done_callback(done)

    async def wait(self, thread_id: str) -> None:
        """Until the thread owes nothing (work started meanwhile included)."""
        while tasks := self._tasks.get(thread_id):
            await asyncio.wait(list(tasks))

    async def drain(self, grace_s: float) -> None:
        """On close: let what is under way finish, within `grace_s`; cancel the rest (recovery
        redoes it on the next start)."""
        tasks = [t for found in self._tasks.values() for t in found]
        if not tasks:
            return
        _, stuck = await asyncio.wait(tasks, timeout=grace_s)
        for task in stuck:
            task.cancel()
        await asyncio.gather(*stuck, return_exceptions=True)
