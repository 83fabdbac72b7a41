"""One owner for a run's life: accept, start, finish, interrupt, roll back, delete, recover.

Every step of a run's life goes through here, and each does all it implies in one place: the run
record, its checkpoints, the store journal, its event channel and its thread's status. Status
moves obey `status.can_transition` (enforced in `Records`). A crash at any point is repaired by
`recover()` (engine/runs/recovery.py), which calls the same steps; deleting runs and threads
is `Removal`'s (engine/runs/removal.py):

* a strategy's cancels are recorded as intents on the target runs in the same transaction that
  accepts the new run, then carried out off the create's path (the create answers once they are
  durable); the thread's next run and every read of the thread wait until they are carried out
  (`settled`); recovery carries out any left;
* an interrupted run is `interrupted` at once, and sealed (`finalized`) only after its unanswered
  tool calls are closed and its thread settled; recovery finishes unsealed ones;
* a rollback deletes checkpoints before the row, so until it is done the row (and its intent)
  says what is left to do;
* a run's final status and its thread's status are one transaction;
* a run cut by a crash resumes; the attempt counts only if it made progress (a checkpoint);
* a stateless run's thread is flagged temporary from its insert and goes once nothing is queued
  on it (`drop_temporary`, idempotent); recovery drops any a crash left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from langchain_core.utils.uuid import uuid7

from engine.errors import ThreadBusy, ThreadNotFound
from engine.faults import crashpoint
from engine.graphs.registry import GraphEntry
from engine.runs import reasons
from engine.runs.executor import Execution, Outcome, close_dangling_tool_calls
from engine.runs.new_run import new_run, thread_graph
from engine.runs.next_run import NextRuns
from engine.runs.recovery import Recovery
from engine.runs.removal import CANCEL_GRACE_S, Removal
from engine.runs.request import RunRequest
from engine.runs.services import Services
from engine.runs.settling import Settling
from engine.runs.strategy import Acceptance, Rejection, decide
from engine.serde import loads
from engine.storage.checkpoints import Head as CheckpointHead
from engine.storage.checkpoints import (
    delete_run_checkpoints,
    known_empty,
    known_thread_head,
    thread_head,
)
from engine.storage.journal import side_effects
from engine.storage.records import StartNext
from engine.storage.story import first_human_text

log = logging.getLogger("doubletext.engine")

RETRY_FIRST_S, RETRY_MAX_S = 0.05, 2.0


def _base_of(row: Any) -> CheckpointHead | None:
    """Where rolling the run back returns its thread, as its row says: the head before its
    first attempt (None before that attempt's claim)."""
    if row["base_writes"] is None:
        return None
    keys = frozenset((task, int(idx)) for task, idx in loads(row["base_writes"]))
    return CheckpointHead(row["base_checkpoint_id"], keys)


def _storage_error(exc: BaseException) -> dict[str, str]:
    return {"error": "StorageError", "message": f"{type(exc).__name__}: {exc}"}


class Lifecycle(Recovery, Removal):
    def __init__(self, services: Services) -> None:
        self.services = services
        self.records = services.records
        self.channels = services.channels
        self.executions: dict[str, Execution] = {}
        self.closing = False
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._settling = Settling()  # per thread: accepted cancels still being carried out
        self._next = NextRuns()  # per thread: its next pending run, as a transaction just saw
        # per thread: its next run, started by the write that ended the run before it
        self._started: dict[str, tuple[Any, Execution]] = {}
        # stateless runs' threads (flagged `temporary` on disk): dropped once nothing is queued
        self._temporary: set[str] = set()

    def lock(self, thread_id: str) -> asyncio.Lock:
        """Serialises what changes a thread's set of runs, its metadata or its state by hand:
        accept, delete run, delete thread, state edit, metadata patch."""
        lock = self._locks.get(thread_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[thread_id] = lock
        return lock

    # -- accept ------------------------------------------------------------------------------

    async def accept(
        self,
        thread_id: str | None,
        request: RunRequest,
        assistant: dict[str, Any],
        entry: GraphEntry,
    ) -> dict[str, Any]:
        """Accept a run (`pending`) and carry out what its strategy decided for runs in flight.

        Returns once the run and its cancels are on disk: runs in flight are told to stop at
        once and finished in the background, and until that is done the thread's next run does
        not start and reads of the thread wait (`settled`), so the new run still starts from,
        and clients still see, a settled thread.
        """
        started_ms = int(time.time() * 1000)
        stateless = thread_id is None
        temporary = stateless and request.on_completion != "keep"
        if thread_id is None:
            thread_id = str(uuid7())
            await self.records.insert_thread(thread_id, {}, temporary)
            if temporary:
                self._temporary.add(thread_id)
            known_empty(self.services.saver, thread_id)
            crashpoint("stateless_thread_inserted")
        try:
            return await self._accept_on(
                thread_id, request, assistant, entry, stateless, temporary, started_ms
            )
        except BaseException:
            if stateless:  # refused: its thread was made for it alone, and nobody knows its id
                with contextlib.suppress(Exception):
                    await self.drop_temporary(thread_id)
            raise

    async def _accept_on(
        self,
        thread_id: str,
        request: RunRequest,
        assistant: dict[str, Any],
        entry: GraphEntry,
        stateless: bool,
        temporary: bool,
        started_ms: int,
    ) -> dict[str, Any]:
        """`accept` on an existing (or, unless stateless, created if asked) thread."""
        async with self.lock(thread_id):
            await self.settled(thread_id)  # an earlier create's cancels come first

            def plan(metadata: dict[str, Any], active: list[str]) -> Acceptance | Rejection:
                """Inside the accepting transaction (maybe on the database thread): no I/O."""
                run = new_run(thread_id, metadata, request, assistant, entry, temporary, started_ms)
                decision = decide(request.multitask_strategy, active)
                if not decision.accept:
                    return Rejection(active)
                if not decision.cancel:
                    return Acceptance(run)
                assert decision.action is not None
                intent = reasons.superseded(run["run_id"], decision.action)
                return Acceptance(run, decision.cancel, intent, self._stoppable(decision.cancel))

            not_before = datetime.now(UTC).timestamp() + request.after_seconds
            defaults = thread_graph(assistant, entry)

            async def attempt() -> Acceptance | Rejection | None:
                return await self.records.accept_run(
                    thread_id,
                    entry.graph_id,
                    not_before,
                    defaults,
                    plan,
                    peek=self._next.peeker(thread_id, adds=True),
                )

            decided = await attempt()
            if decided is None and not stateless and request.if_not_exists == "create":
                await self.records.insert_thread(thread_id, {})  # unless a create just did
                decided = await attempt()
            if decided is None:
                raise ThreadNotFound(thread_id)
            if isinstance(decided, Rejection):
                text = first_human_text(request.input)
                await self.records.record_rejection(
                    thread_id, text, request.multitask_strategy, decided.active
                )
                raise ThreadBusy()
            run, intent = decided.run, decided.intent
            crashpoint("run_accepted")
            self.channels.open(run["run_id"], thread_id)
            if intent is not None:
                self._signal(decided.cancels, intent.action)
                self._settling.start(thread_id, self._carry_out(decided.cancels, intent.action))
        return run

    async def settled(self, thread_id: str) -> None:
        """Wait until the cancels accepted on this thread's runs are carried out: the stopped
        runs are sealed (interrupted) or gone (rolled back), and the thread says so."""
        await self._settling.wait(thread_id)

    async def drain(self) -> None:
        """On close: let cancels being carried out finish (recovery would redo them anyway)."""
        await self._settling.drain(CANCEL_GRACE_S)

    def _stoppable(self, run_ids: Sequence[str]) -> list[str]:
        """The runs an interrupt stops now: all but those whose graph already finished."""
        stoppable = []
        for run_id in run_ids:
            execution = self.executions.get(run_id)  # one read: may run on the database thread
            if execution is None or not execution.graph_done:
                stoppable.append(run_id)
        return stoppable

    # -- cancel ------------------------------------------------------------------------------

    async def cancel(self, run_ids: Sequence[str], intent: reasons.Intent) -> list[str]:
        """Interrupt or roll back runs; returns (once each is stopped and done) those that were
        still active. A stateless run's thread goes with it, as after a run that ran (a queued
        one never reaches the driver that drops it)."""
        temporary: set[str] = set()
        if self._temporary:  # which threads the runs are on matters only for a stateless one
            rows = await self.records.runs_by_id(run_ids)
            temporary = {row["thread_id"] for row in rows if self.is_temporary(row["thread_id"])}
        marked = await self.records.record_cancel(run_ids, intent, self._stoppable(run_ids))
        crashpoint("cancel_recorded")
        if marked:
            await self._carry_out(marked, intent.action)
        crashpoint("cancel_carried_out")
        for thread_id in temporary:
            await self.drop_temporary(thread_id)
        return marked

    async def _carry_out(self, run_ids: Sequence[str], action: str) -> None:
        """Complete the cancel intents recorded on these runs."""
        self._signal(run_ids, action)
        executing = [self.executions[r] for r in run_ids if r in self.executions]
        idle = [r for r in run_ids if r not in self.executions]
        jobs = [self._stop(e, action) for e in executing]
        if idle:
            jobs.append(self._cancel_idle(idle, action))
        await asyncio.gather(*jobs)

    def _signal(self, run_ids: Sequence[str], action: str) -> None:
        """Tell the executing ones of these runs to stop (at once; idempotent)."""
        for run_id in run_ids:
            execution = self.executions.get(run_id)
            if execution is None:
                continue
            if execution.cancel_action != "rollback":
                execution.cancel_action = action
            if not (action == "interrupt" and execution.graph_done):
                execution.stop()

    async def _stop(self, execution: Execution, action: str) -> None:
        """Wait for a run a driver has taken to stop; `finish` then completes the interrupt or
        rollback."""
        if not await self._wait_stopped(execution):
            return
        if not execution.claimed:  # its driver lost the race to start it: still ours to do
            await self._cancel_idle([execution.run_id], action)

    async def _cancel_idle(self, run_ids: Sequence[str], action: str) -> None:
        """Runs no driver is executing (queued ones; after a crash, any)."""
        rest = list(run_ids)
        if action == "rollback":
            # Drop pending: runs that never started have nothing but their row.
            gone = await self.records.remove_pending(rest)
            for run_id, _ in gone:
                self.channels.discard(run_id)
            rest = [r for r in rest if r not in {g for g, _ in gone}]
        rows = {row["run_id"]: row for row in await self.records.runs_by_id(rest)}
        for run_id in rest:
            row = rows.get(run_id)
            if row is None:
                self.channels.discard(run_id)
            elif row["cancel_action"] == "rollback":
                await self._roll_back(row)
            elif row["status"] == "interrupted" and not row["finalized"]:
                await self._seal_interrupted(row)
            else:
                self.channels.close(run_id)

    # -- start and finish --------------------------------------------------------------------

    async def next_pending(self, thread_id: str) -> Any:
        """The thread's oldest pending run no cancel waits for (None: none): as the last
        transaction on its queue saw it when nothing was queued since, else read."""
        known, row = self._next.take(thread_id)
        if known:
            return row
        return await self.records.next_pending(thread_id)

    async def start(self, row: Any) -> Execution | None:
        """Claim a pending run (pending -> running). None if it was cancelled, deleted or could
        not start (then it ended `error`). Raises only if even that could not be recorded."""
        execution = Execution(row["run_id"], row["thread_id"])
        self.executions[execution.run_id] = execution
        try:
            head = await thread_head(self.services.saver, execution.thread_id)
            execution.base = _base_of(row) or head
            execution.claimed = await self.records.claim(
                execution.run_id, head.checkpoint_id, sorted(head.write_keys)
            )
        except Exception as exc:
            self.release(execution)
            if not isinstance(exc, sqlite3.Error):
                raise
            log.warning("run %s could not start: %r", execution.run_id, exc)
            await self._end_with_error(row, _storage_error(exc))
            return None
        if not execution.claimed:
            self.release(execution)
            return None
        crashpoint("run_claimed")
        return execution

    def _start_next_request(self, thread_id: str) -> StartNext | None:
        """Let the write that ends a driver's run start the thread's next run too (one trip,
        and the next run starts the moment the last one is done). Only when the thread's head
        is known without a read: its base then cannot fail the run that is ending."""
        if self.closing:
            return None
        base = known_thread_head(self.services.saver, thread_id)
        return None if base is None else StartNext(base)

    def _note_started(self, thread_id: str, start_next: StartNext | None) -> None:
        """The write has returned: if it started a run, that run is executing from now on (no
        await between the write and this, so a cancel accepted after it finds the run here)."""
        if start_next is None or start_next.started is None:
            return
        row = start_next.started
        base = _base_of(row) or start_next.base
        execution = Execution(row["run_id"], thread_id, claimed=True, base=base)
        self.executions[execution.run_id] = execution
        self._started[thread_id] = (row, execution)
        crashpoint("run_claimed")

    def take_started(self, thread_id: str) -> tuple[Any, Execution] | None:
        """The run the thread's last run's end started (its driver runs it next), once."""
        return self._started.pop(thread_id, None)

    def release(self, execution: Execution) -> None:
        self.executions.pop(execution.run_id, None)
        execution.finished.set()

    async def finish(self, execution: Execution, row: Any, outcome: Outcome) -> None:
        """Record how a run ended and everything that follows from it.

        Storage errors never leave a `running` row behind a dead task: the run's end is retried
        with backoff, as `error` with the storage error as its reason once it failed once, and
        joiners get that error at once.
        """
        delay, failed = RETRY_FIRST_S, False
        while True:
            try:
                await self._finish(execution, row, outcome)
                return
            except Exception as exc:  # storage errors; anything else is a bug, logged in full
                log.warning(
                    "ending run %s failed (%r); retrying",
                    execution.run_id,
                    exc,
                    exc_info=not isinstance(exc, sqlite3.Error),
                )
                if not failed:
                    failed = True
                    outcome = Outcome("error", _storage_error(exc))
                    channel = self.channels.get(execution.run_id)
                    if channel is not None and not channel.closed:
                        channel.publish("error", outcome.error)
                    self.channels.close(execution.run_id, {"__error__": outcome.error})
            if self.closing:
                return  # the row stays as it is; recovery finishes it on the next start
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def _finish(self, execution: Execution, row: Any, outcome: Outcome) -> None:
        run_id, thread_id = execution.run_id, execution.thread_id
        if execution.cancel_action == "drop":  # its thread is being deleted
            self.channels.discard(run_id)
            return
        if execution.cancel_action == "rollback":
            await self._roll_back_claimed(execution, row)
            return
        graph = self.services.graph(row["graph_id"])
        # The head, when the run's own last checkpoint still is it (no read back), or when
        # closing tool calls read it and left it unchanged.
        state = await self.services.written_state(graph, thread_id, run_id)
        if outcome.status == "interrupted":
            crashpoint("interrupt_before_repair")
            if graph is not None:
                state = await close_dangling_tool_calls(graph, thread_id, run_id, state)
        head = await self.services.head(graph, thread_id, state, self.channels.get(run_id))
        error = outcome.error
        start_next = self._start_next_request(thread_id)
        ended = await self.records.end_run(
            run_id,
            thread_id,
            outcome.status,
            error,
            head,
            peek=self._next.peeker(thread_id),
            start_next=start_next,
        )
        self._note_started(thread_id, start_next)
        crashpoint("run_ended")
        if ended is None:  # deleted meanwhile
            self.channels.discard(run_id)
        elif ended[1] == "rollback":  # a rollback was accepted as the graph finished
            await self._roll_back_claimed(execution, row)
        else:
            ended_error = error if ended[0] == outcome.status else None
            self.channels.close(run_id, self.services.run_output(head, ended_error))

    async def _end_with_error(self, row: Any, error: dict[str, Any]) -> None:
        """A run that could not start ends `error` with the reason; joiners get it at once."""
        await self.records.end_run(row["run_id"], row["thread_id"], "error", error, None)
        channel = self.channels.open(row["run_id"], row["thread_id"])
        channel.publish("error", error)
        self.channels.close(row["run_id"], {"__error__": error})

    async def _seal_interrupted(self, row: Any) -> None:
        """Finish an interrupt: close the tool calls it left open, seal it, settle its thread."""
        graph = self.services.graph(row["graph_id"])
        state = None
        if graph is not None:
            state = await close_dangling_tool_calls(graph, row["thread_id"], row["run_id"])
        head = await self.services.head(graph, row["thread_id"], state)
        await self.records.end_run(row["run_id"], row["thread_id"], "interrupted", None, head)
        self.channels.close(row["run_id"])

    async def _roll_back(self, row: Any) -> None:
        """Roll back a run as its row says (a queued run's cancel; after a crash, any)."""
        if row is None:
            return
        await self._delete_run(row["run_id"], row["thread_id"], row["graph_id"], _base_of(row))

    async def _roll_back_claimed(self, execution: Execution, row: Any) -> None:
        """Roll back a run this process claimed: where it started is known, no row read; its
        removal starts the thread's next run."""
        await self._delete_run(
            execution.run_id, execution.thread_id, row["graph_id"], execution.base, start=True
        )

    async def _delete_run(
        self,
        run_id: str,
        thread_id: str,
        graph_id: str | None,
        base: CheckpointHead | None,
        start: bool = False,
    ) -> None:
        """Delete a run as if it never happened: its checkpoints, (optionally) its store writes,
        its row and its stream. Checkpoints go first: until the row is gone, it says what is
        left to do."""
        crashpoint("rollback_before_checkpoints")
        removed = await delete_run_checkpoints(self.services.saver, thread_id, run_id, base)
        crashpoint("rollback_before_row")
        effects = None  # its store writes stay: `remove_run` reads them as it removes the row
        if self.services.settings.rollback_undoes_store:
            effects = side_effects(await self.services.store.entries(run_id), kept=False)
            await self.services.store.undo(run_id)
        head = await self.services.head(self.services.graph(graph_id), thread_id)
        start_next = self._start_next_request(thread_id) if start else None
        await self.records.remove_run(
            run_id,
            thread_id,
            head,
            checkpoints_removed=removed,
            side_effects=effects,
            start_next=start_next,
        )
        self._note_started(thread_id, start_next)
        self.channels.discard(run_id)

    # -- settle ----------------------------------------------------------------------

    async def settle(self, thread_id: str, graph: Any = None) -> None:
        """Recompute a thread's status (after a change that is not a run's, e.g. a state edit)."""
        await self.records.settle(thread_id, await self.services.head(graph, thread_id))
