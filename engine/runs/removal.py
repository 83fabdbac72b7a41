"""Removal: deleting a finished run, a whole thread, and a stateless run's thread once it is done.

A mixin of `Lifecycle` (engine/runs/lifecycle.py), beside `Recovery`: each removal holds the
thread's lock, as accepting a run does, so a run accepted concurrently either lands before the
removal (and goes with it) or finds no thread. A thread's deletion is begun and ended by two
writes; a crash between them is finished by `recover`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from engine.errors import Conflict, RunNotFound, ThreadNotFound
from engine.faults import crashpoint
from engine.runs.events import ChannelRegistry
from engine.runs.executor import Execution
from engine.runs.next_run import NextRuns
from engine.runs.services import Services
from engine.runs.status import ACTIVE
from engine.storage.checkpoints import delete_run_checkpoints, delete_thread_checkpoints
from engine.storage.records import Records

log = logging.getLogger("doubletext.engine")

CANCEL_GRACE_S = 10.0


class Removal:
    """Mixed into `Lifecycle`; the annotations and stubs name what it takes from there."""

    services: Services
    records: Records
    channels: ChannelRegistry
    executions: dict[str, Execution]
    _next: NextRuns
    _temporary: set[str]  # stateless runs' threads (flagged `temporary` on disk)

    if TYPE_CHECKING:  # the lifecycle's: no stubs at run time, a missing one would pass silently

        def lock(self, thread_id: str) -> asyncio.Lock: ...
        async def settled(self, thread_id: str) -> None: ...

    async def delete_run(self, thread_id: str, run_id: str) -> None:
        """Delete a finished run: its record and its own checkpoints. Later runs' checkpoints,
        and so the thread's state after them, stay (as on the reference)."""
        async with self.lock(thread_id):
            await self.settled(thread_id)
            row = await self.records.run_row(run_id)
            if row is None or row["thread_id"] != thread_id:
                raise RunNotFound(thread_id, run_id)
            if row["status"] in ACTIVE:
                raise Conflict(f"Run {run_id} is {row['status']}; cancel it before deleting")
            removed = await delete_run_checkpoints(self.services.saver, thread_id, run_id)
            head = await self.services.head(self.services.graph(row["graph_id"]), thread_id)
            await self.records.remove_run(
                run_id, thread_id, head, kind="run_deleted", checkpoints_removed=removed
            )
            self.channels.discard(run_id)

    async def delete_thread(self, thread_id: str) -> None:
        """Stop the thread's runs and delete everything it had. Serialised with run creation,
        so a run accepted concurrently either lands before (and is deleted) or finds no
        thread; a crash half way is finished by `recover`."""
        async with self.lock(thread_id):
            await self.settled(thread_id)
            if await self.records.thread(thread_id) is None:
                raise ThreadNotFound(thread_id)
            active = await self.records.begin_thread_deletion(thread_id)
            crashpoint("thread_deletion_begun")
            executing = [self.executions[r] for r in active if r in self.executions]
            for execution in executing:
                execution.cancel_action = "drop"
                execution.stop()
            await asyncio.gather(*(self._wait_stopped(e) for e in executing))
            for run_id in active:
                self.channels.discard(run_id)
            await self._finish_thread_deletion(thread_id)

    def is_temporary(self, thread_id: str) -> bool:
        """A stateless run's thread: whichever of its runs ends last takes it along."""
        return thread_id in self._temporary

    async def drop_temporary(self, thread_id: str) -> None:
        """A stateless run's thread goes once nothing more is queued on it."""
        async with self.lock(thread_id):
            if await self.records.active_run_ids(thread_id):
                return
            if await self.records.thread(thread_id) is not None:
                await self.records.begin_thread_deletion(thread_id)
                await self._finish_thread_deletion(thread_id)

    async def _finish_thread_deletion(self, thread_id: str) -> None:
        self._temporary.discard(thread_id)
        self._next.changed(thread_id)
        self.channels.forget_thread(thread_id)
        await delete_thread_checkpoints(self.services.saver, thread_id)
        await self.records.end_thread_deletion(thread_id)

    async def _wait_stopped(self, execution: Execution) -> bool:
        """Wait (at most `CANCEL_GRACE_S`) for a stopped run's driver to let go of it; whether
        it did (a run that would not stop is logged)."""
        try:
            await asyncio.wait_for(execution.finished.wait(), CANCEL_GRACE_S)
        except TimeoutError:
            log.error("run %s did not stop within %.0f s", execution.run_id, CANCEL_GRACE_S)
            return False
        return True
