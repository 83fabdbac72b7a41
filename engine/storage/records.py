"""Run rows: the durable record of what the engine accepted, and every change to them (reads:
`run_reads.py`; thread rows: `thread_rows.py`).

Rows come back as plain dicts shaped like the LangGraph API's Thread and Run objects, so the API
layer only has to serialise them.

Every change of a run's life is one transaction (`atomic`), run whole (`inline.call`):
the run's row, the cancel intents it records, and the thread's status it implies land together
or not at all, and a cancelled caller cannot leave one half written. A run's status only moves
along `engine.runs.status.can_transition` (the `WHERE status IN (...)` guards below).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiosqlite

from engine.runs.reasons import Intent
from engine.runs.status import sources
from engine.runs.strategy import Acceptance, Rejection
from engine.serde import dumps_str, loads
from engine.storage import journal
from engine.storage.checkpoints import Head as CheckpointHead
from engine.storage.db import marks
from engine.storage.inline import call
from engine.storage.run_reads import NEXT_PENDING, RunReads
from engine.storage.story import Pending, Story, first_human_text
from engine.storage.story_records import StoryRecords
from engine.storage.thread_rows import Head, ThreadRows, now_iso, settle_thread

log = logging.getLogger("doubletext.engine")

T = TypeVar("T")


def _in_status(new: str) -> str:
    """`status IN ('a', 'b')`: the statuses from which moving to `new` is legal."""
    return "status IN (" + ", ".join(f"'{s}'" for s in sources(new)) + ")"


def _transaction(
    conn: aiosqlite.Connection,
    story: Story,
    pending: list[Pending],
    work: Callable[[sqlite3.Connection], T],
) -> tuple[T, list[str]]:
    """One transaction: buffered checkpoint events first (they happened before), then `work`.
    Returns its result and the threads whose story it changed."""
    db = conn._conn  # the loop or the connection's thread, never both at once (`inline`)
    db.execute("BEGIN IMMEDIATE")
    story.begin()
    try:
        story.write_pending(db, pending)
        result = work(db)
        db.execute("COMMIT")
    except BaseException:
        story.touched()
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result, story.touched()


Peek = Callable[[Any], None]


@dataclass
class StartNext:
    """Asks the write that ends (or removes) a thread's run to start its next run too, from
    `base` (the thread's head then); `started` is that run's row (as it was queued) if it did."""

    base: CheckpointHead
    started: Any = None


class Records(ThreadRows, StoryRecords, RunReads):
    def __init__(self, conn: aiosqlite.Connection, story: Story | None = None) -> None:
        self.conn = conn
        self.story = story or Story()
        self._flushing: asyncio.Task[None] | None = None
        self._flush_due: asyncio.TimerHandle | None = None

    async def atomic(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(db)` as one transaction, whole: on the loop when the connection is idle,
        else on its thread (`inline.call`).

        Either way it runs to the end even if the awaiting task is cancelled (aiosqlite runs
        queued calls one at a time and to the end; a call on the loop has no await), so no
        other statement interleaves and no transaction is left open.
        """
        pending = self.story.take_buffered()
        try:
            result, touched = await call(
                self.conn, _transaction, self.conn, self.story, pending, work
            )
        except asyncio.CancelledError:
            self.story.restore(pending)  # told twice at worst: checkpoint events are idempotent
            self.story.wake_all()  # it may have committed: let followers look
            raise
        except BaseException:
            self.story.restore(pending)
            raise
        self.story.wake(touched)
        return result

    async def _atomic_peek(
        self, work: Callable[[sqlite3.Connection], T], thread_id: str, peek: Peek | None
    ) -> T:
        """`atomic(work)`; with `peek`, also hand it the thread's next pending run as this
        transaction leaves it (the driver's next read, in the same trip)."""
        if peek is None:
            return await self.atomic(work)

        def both(db: sqlite3.Connection) -> tuple[T, Any]:
            return work(db), db.execute(NEXT_PENDING, (thread_id,)).fetchone()

        result, row = await self.atomic(both)
        peek(row)
        return result

    # -- accepting runs --------------------------------------------------------------------

    async def accept_run(
        self,
        thread_id: str,
        graph_id: str,
        not_before: float,
        thread_defaults: dict[str, Any],
        plan: Callable[[dict[str, Any], list[str]], Acceptance | Rejection],
        peek: Peek | None = None,
    ) -> Acceptance | Rejection | None:
        """Read the thread's queue, let `plan` decide, and insert the pending run and record the
        cancels it decided, all in one transaction (one call).

        `plan(thread metadata, active run ids in acceptance order)` runs inside the transaction
        (pure: build the run, apply the strategy). Its `stop_now` are the targets an interrupt
        marks `interrupted` at once (pending runs, and running ones whose graph has not
        finished). Returns what it decided (a rejection writes nothing), or None if the thread
        does not exist. `peek` gets the thread's next pending run afterwards (see
        `_atomic_peek`).
        """
        defaults = dumps_str(thread_defaults)

        def work(db: sqlite3.Connection) -> Acceptance | Rejection | None:
            found = db.execute(
                "SELECT metadata FROM threads WHERE thread_id = ?", (thread_id,)
            ).fetchone()
            if found is None:
                return None
            active = [
                r[0]
                for r in db.execute(
                    "SELECT run_id FROM runs WHERE thread_id = ? AND status IN ('pending',"
                    " 'running') ORDER BY seq",
                    (thread_id,),
                )
            ]
            decided = plan(loads(found[0]), active)
            if isinstance(decided, Rejection):
                return decided
            run, cancels, intent, stop_now = (
                decided.run,
                decided.cancels,
                decided.intent,
                decided.stop_now,
            )
            kwargs = dumps_str(run["kwargs"])  # too-deep input is a 422 here (nothing written)
            metadata = dumps_str(run["metadata"])
            db.execute(
                "UPDATE threads SET status = 'busy', updated_at = ?, graph_id = ?,"
                " metadata = json_patch(metadata, ?) WHERE thread_id = ?",
                (run["created_at"], graph_id, defaults, run["thread_id"]),
            )
            db.execute(
                "INSERT INTO runs (run_id, thread_id, assistant_id, graph_id, status,"
                " multitask_strategy, created_at, updated_at, not_before, metadata, kwargs,"
                " finalized) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, 0)",
                (
                    run["run_id"],
                    run["thread_id"],
                    run["assistant_id"],
                    graph_id,
                    run["multitask_strategy"],
                    run["created_at"],
                    run["updated_at"],
                    not_before,
                    metadata,
                    kwargs,
                ),
            )
            queued = db.execute(
                "SELECT COUNT(*) FROM runs WHERE thread_id = ? AND status IN ('pending',"
                " 'running') AND cancel_action IS NULL AND run_id != ?",
                (run["thread_id"], run["run_id"]),
            ).fetchone()[0]
            superseding = bool(cancels and intent is not None)
            self.story.add(
                db,
                run["thread_id"],
                "run_accepted",
                run["run_id"],
                strategy=run["multitask_strategy"],
                queue_position=0 if superseding else int(queued),
                text=first_human_text(run["kwargs"].get("input")),
                assistant_id=run["assistant_id"],
                graph_id=graph_id,
                supersedes=list(cancels) if superseding else [],
                metadata=run["metadata"],
            )
            if superseding:
                assert intent is not None
                _record_intent(db, self.story, cancels, intent, stop_now)
            return decided

        return await self._atomic_peek(work, thread_id, peek)

    async def record_cancel(
        self, run_ids: Sequence[str], intent: Intent, stop_now: Sequence[str]
    ) -> list[str]:
        """Record a requested cancel on those runs still active; returns their ids.

        Queued runs an interrupt stops are finished here, their threads settled with them.
        """

        def work(db: sqlite3.Connection) -> list[str]:
            marked = _record_intent(db, self.story, run_ids, intent, stop_now)
            if marked and intent.action == "interrupt":
                threads = db.execute(
                    f"SELECT DISTINCT thread_id FROM runs WHERE run_id IN ({marks(marked)})",
                    marked,
                ).fetchall()
                for (thread_id,) in threads:
                    settle_thread(db, thread_id, None, None)
            return marked

        return await self.atomic(work)

    async def claim(self, run_id: str, head_id: str | None, head_writes: Any) -> bool:
        """pending -> running, only if nobody cancelled it meanwhile.

        The thread's head before the run's first attempt is kept (`base_*`), so a rollback of a
        resumed run still restores the state from before it; the head at this claim is kept too
        (`claim_checkpoint_id`), so recovery can tell whether this attempt made any progress.
        """
        return await self.atomic(lambda db: self._claim(db, run_id, head_id, head_writes))

    def _claim(self, db: sqlite3.Connection, run_id: str, head_id: str | None, writes: Any) -> bool:
        found = db.execute(
            "UPDATE runs SET status = 'running', attempt = attempt + 1, updated_at = ?,"
            " base_checkpoint_id = CASE WHEN base_writes IS NULL THEN ? ELSE"
            " base_checkpoint_id END, base_writes = COALESCE(base_writes, ?),"
            " claim_checkpoint_id = ?"
            f" WHERE run_id = ? AND {_in_status('running')} AND cancel_action IS NULL"
            " RETURNING thread_id, attempt",
            (now_iso(), head_id, dumps_str(writes), head_id, run_id),
        ).fetchall()
        if found:
            self.story.add(db, found[0][0], "run_started", run_id, attempt=int(found[0][1]))
        return bool(found)

    def _start_next(self, db: sqlite3.Connection, thread_id: str, start: StartNext) -> None:
        """Inside the write that ends or removes a thread's run: claim its next run when it may
        start at once (queued, not delayed, nothing else running), from `start.base`."""
        row = db.execute(NEXT_PENDING, (thread_id,)).fetchone()
        if row is None or row["not_before"] > time.time():
            return
        running = db.execute(
            "SELECT 1 FROM runs WHERE thread_id = ? AND status = 'running' LIMIT 1", (thread_id,)
        ).fetchone()
        base = start.base
        if running is None and self._claim(
            db, row["run_id"], base.checkpoint_id, sorted(base.write_keys)
        ):
            start.started = row

    # -- ending runs -----------------------------------------------------------------------

    async def end_run(
        self,
        run_id: str,
        thread_id: str,
        status: str,
        error: Any,
        head: Head | None,
        reason: str | None = None,
        peek: Peek | None = None,
        start_next: StartNext | None = None,
    ) -> tuple[str, str | None] | None:
        """Move the run to its final status (if legal), seal it and settle its thread at once.

        A run a rollback was accepted for is left alone (the caller must roll it back). Returns
        the run's (status, cancel_action) afterwards, which may show another end that won the
        race, or None if the run no longer exists. `peek`: as in `accept_run`. `start_next`:
        start the thread's next run in the same write, when it may (see `_start_next`).
        """
        encoded = None if error is None else dumps_str(error)

        def work(db: sqlite3.Connection) -> tuple[str, str | None] | None:
            row = db.execute("SELECT finalized FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            sealing = row is not None and not row[0]  # this call seals it: its end, told once
            db.execute(
                "UPDATE runs SET status = ?, error = ?, updated_at = ? WHERE run_id = ?"
                f" AND {_in_status(status)} AND cancel_action IS NOT 'rollback'",
                (status, encoded, now_iso(), run_id),
            )
            found = db.execute(
                "UPDATE runs SET finalized = CASE WHEN cancel_action IS 'rollback' THEN finalized"
                " ELSE 1 END WHERE run_id = ? RETURNING status, cancel_action, cancel_reason,"
                " cancel_cause, error, created_at",
                (run_id,),
            ).fetchall()
            if not found:
                return None
            final, action, cancel_reason, cause, stored_error, created_at = found[0]
            if action != "rollback":
                settle_thread(db, thread_id, head, error if final == status else None)
                if sealing:
                    self.story.add(
                        db,
                        thread_id,
                        "run_ended",
                        run_id,
                        status=final,
                        reason=cancel_reason if action else reason,
                        cause=loads(cause),
                        error=loads(stored_error),
                        duration_s=_seconds_since(created_at),
                    )
                if start_next is not None:
                    self._start_next(db, thread_id, start_next)
            return final, action

        return await self._atomic_peek(work, thread_id, peek)

    async def remove_run(
        self,
        run_id: str,
        thread_id: str,
        head: Head | None,
        *,
        kind: str = "run_rolled_back",
        checkpoints_removed: Sequence[str] = (),
        side_effects: Sequence[dict[str, Any]] | None = None,
        start_next: StartNext | None = None,
    ) -> bool:
        """Delete a run's row (rolled back or deleted) and settle its thread, in one write; the
        story keeps the run (`kind`) with what went with it and what outlived it. Without
        `side_effects`, the run's journaled store writes are read in the same transaction: they
        stayed in the store. `start_next`: as in `end_run`."""

        def work(db: sqlite3.Connection) -> bool:
            gone = db.execute(
                "DELETE FROM runs WHERE run_id = ? RETURNING cancel_reason, cancel_cause",
                (run_id,),
            ).fetchall()
            settle_thread(db, thread_id, head, None)
            if gone:
                effects = side_effects
                if effects is None:
                    effects = journal.side_effects(journal.run_entries(db, run_id), kept=True)
                self.story.add(
                    db,
                    thread_id,
                    kind,
                    run_id,
                    reason=gone[0][0],
                    cause=loads(gone[0][1]),
                    checkpoints_removed=list(checkpoints_removed),
                    side_effects=list(effects),
                )
            if start_next is not None:
                self._start_next(db, thread_id, start_next)
            return bool(gone)

        return await self.atomic(work)

    async def remove_pending(self, run_ids: Sequence[str]) -> list[tuple[str, str]]:
        """Delete those of the runs that never started (a rollback of queued runs needs nothing
        else); returns (run_id, thread_id) of each, and settles their threads."""

        def work(db: sqlite3.Connection) -> list[tuple[str, str]]:
            rows = db.execute(
                f"DELETE FROM runs WHERE run_id IN ({marks(run_ids)}) AND status = 'pending'"
                " AND attempt = 0 RETURNING run_id, thread_id, cancel_reason, cancel_cause",
                list(run_ids),
            ).fetchall()
            for run_id, thread_id, reason, cause in rows:
                self.story.add(
                    db,
                    thread_id,
                    "run_rolled_back",
                    run_id,
                    reason=reason,
                    cause=loads(cause),
                    checkpoints_removed=[],
                    side_effects=[],
                )
            for thread_id in dict.fromkeys(r[1] for r in rows):
                settle_thread(db, thread_id, None, None)
            return [(r[0], r[1]) for r in rows]

        return await self.atomic(work)

    async def requeue(self, run_id: str, count_attempt: bool) -> None:
        """running -> pending after a crash; an attempt that made no progress is not counted."""
        await self.conn.execute(
            "UPDATE runs SET status = 'pending', updated_at = ?,"
            " attempt = attempt - CASE WHEN ? THEN 0 ELSE 1 END"
            f" WHERE run_id = ? AND {_in_status('pending')}",
            (now_iso(), count_attempt, run_id),
        )


def _seconds_since(iso: str) -> float:
    return round((datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds(), 3)


def _record_intent(
    db: sqlite3.Connection,
    story: Story,
    run_ids: Iterable[str],
    intent: Intent,
    stop_now: Sequence[str],
) -> list[str]:
    """Write a cancel intent on each still-active run (a rollback overrides an interrupt, never
    the reverse; the first reason is kept), and mark `stop_now` interrupted at once."""
    ids = list(run_ids)
    cause = None if intent.cause is None else dumps_str(intent.cause)
    marked = [
        r[0]
        for r in db.execute(
            "UPDATE runs SET"
            " cancel_reason = CASE WHEN cancel_action IS NULL OR (? = 'rollback' AND"
            " cancel_action = 'interrupt') THEN ? ELSE cancel_reason END,"
            " cancel_cause = CASE WHEN cancel_action IS NULL OR (? = 'rollback' AND"
            " cancel_action = 'interrupt') THEN ? ELSE cancel_cause END,"
            " cancel_action = CASE WHEN cancel_action = 'rollback' THEN 'rollback' ELSE ? END"
            f" WHERE run_id IN ({marks(ids)}) AND status IN ('pending', 'running')"
            " RETURNING run_id",
            [intent.action, intent.reason, intent.action, cause, intent.action, *ids],
        )
    ]
    now = list(stop_now)
    if now and intent.action == "interrupt":
        stopped = db.execute(
            f"UPDATE runs SET status = 'interrupted', updated_at = ?,"
            " finalized = CASE WHEN status = 'pending' AND attempt = 0 THEN 1 ELSE 0 END"
            f" WHERE run_id IN ({marks(now)}) AND {_in_status('interrupted')}"
            " AND cancel_action = 'interrupt'"
            " RETURNING run_id, thread_id, finalized, cancel_reason, cancel_cause, created_at",
            [now_iso(), *now],
        ).fetchall()
        for run_id, thread_id, finalized, reason, cause, created_at in stopped:
            if finalized:  # a queued run that never started: its end is now
                story.add(
                    db,
                    thread_id,
                    "run_ended",
                    run_id,
                    status="interrupted",
                    reason=reason,
                    cause=loads(cause),
                    error=None,
                    duration_s=_seconds_since(created_at),
                )
    return marked
