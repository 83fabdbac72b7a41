"""Recovery: after a crash (or any start), finish what was cut, with the lifecycle's own steps.

A mixin of `Lifecycle` (engine/runs/lifecycle.py): deletions a crash cut are finished, the store
journal reconciled, the story given what a crash kept from it, intents carried out, runs the
crash cut resumed (or failed once they used up their attempts), unsealed runs sealed, stateless
runs' threads with nothing left queued dropped, threads settled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.runs import reasons
from engine.runs.next_run import NextRuns
from engine.runs.services import Services
from engine.runs.status import ACTIVE
from engine.serde import loads
from engine.storage.checkpoints import run_checkpoints, run_progressed
from engine.storage.records import Records


class Recovery:
    """Mixed into `Lifecycle`; the annotations and stubs name what it takes from there."""

    services: Services
    records: Records
    _next: NextRuns
    _temporary: set[str]

    if TYPE_CHECKING:  # the lifecycle's: no stubs at run time, a missing one would pass silently

        async def _roll_back(self, row: Any) -> None: ...
        async def _seal_interrupted(self, row: Any) -> None: ...
        async def _finish_thread_deletion(self, thread_id: str) -> None: ...
        async def drop_temporary(self, thread_id: str) -> None: ...

    async def recover(self) -> list[str]:
        """After a crash (or any start): finish what was interrupted; returns the threads with
        queued work, in the order their oldest run was accepted."""
        records = self.records
        for thread_id in await records.unfinished_thread_deletions():
            await self._finish_thread_deletion(thread_id)
        await self.services.store.reconcile()
        await self._recover_story()
        for row in await records.runs_with_intent():
            if row["cancel_action"] == "rollback":
                await self._roll_back(row)
                continue
            if row["status"] in ACTIVE:
                intent = reasons.Intent(
                    "interrupt", row["cancel_reason"], loads(row["cancel_cause"])
                )
                await records.record_cancel([row["run_id"]], intent, [row["run_id"]])
                row = await records.run_row(row["run_id"])
            if row is not None and not row["finalized"]:
                await self._seal_interrupted(row)
        for row in await records.runs_with_status("running"):
            await self._resume_or_fail(row)
        for row in await records.unfinalized_runs():
            if row["status"] == "interrupted":
                await self._seal_interrupted(row)
            else:
                head = await self.services.head(
                    self.services.graph(row["graph_id"]), row["thread_id"]
                )
                await records.end_run(row["run_id"], row["thread_id"], row["status"], None, head)
        for thread_id in await records.temporary_threads():
            self._temporary.add(thread_id)
            await self.drop_temporary(thread_id)  # unless a run on it is still queued
        pending = await records.threads_with_pending()
        for thread_id in dict.fromkeys([*await records.busy_thread_ids(), *pending]):
            await records.settle(thread_id)
        return pending

    async def _recover_story(self) -> None:
        """Threads with runs but no story get one from their rows; checkpoints a crash kept
        from the story are told (they are told after they are saved)."""
        await self.records.backfill_stories()
        rows = [
            *await self.records.runs_with_status("running"),
            *await self.records.unfinalized_runs(),
            *await self.records.runs_with_intent(),
        ]
        for row in {r["run_id"]: r for r in rows}.values():
            found = await run_checkpoints(self.services.saver, row["thread_id"], row["run_id"])
            await self.records.recover_checkpoints(row["thread_id"], row["run_id"], found)

    async def _resume_or_fail(self, row: Any) -> None:
        """A run the crash cut: queue it again to resume from its checkpoints, unless it has
        used up its attempts. An attempt that wrote no checkpoint does not count."""
        progressed = await run_progressed(
            self.services.saver, row["thread_id"], row["run_id"], row["claim_checkpoint_id"]
        )
        attempts = row["attempt"] if progressed else row["attempt"] - 1
        if attempts >= self.services.settings.max_attempts:
            error = {
                "error": "EngineRestart",
                "message": f"{reasons.CRASH_RECOVERY}: the engine stopped during this run"
                f" {attempts} times; giving up",
            }
            await self.records.end_run(
                row["run_id"], row["thread_id"], "error", error, None, reasons.CRASH_RECOVERY
            )
        else:
            self._next.changed(row["thread_id"])
            await self.records.requeue(row["run_id"], count_attempt=progressed)
