"""Records' side of the thread's story: the events no run transition carries, and reading.

Run transitions tell the story inside their own transactions (records.py); what is here is
told on its own (a rejected double text, a hand edit of the state), arrives from the saver (a
checkpoint), or reads the story back.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from engine.serde import loads
from engine.storage.db import fetch_one
from engine.storage.story import Pending, Story, first_human_text, read_events, stamp

log = logging.getLogger("doubletext.engine")
T = TypeVar("T")

# Checkpoint events ride on the next transaction; if none comes within this long (a run in a
# long node), one is made for them, so followers still see checkpoints live.
STORY_FLUSH_S = 0.05


class StoryRecords:
    """Mixed into `Records`, which provides the connection, the story and `atomic`."""

    conn: aiosqlite.Connection
    story: Story
    _flushing: asyncio.Task[None] | None
    _flush_due: asyncio.TimerHandle | None

    async def atomic(self, work: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    def note_checkpoint(self, thread_id: str, run_id: str | None, fields: dict[str, Any]) -> None:
        """The saver saved a checkpoint of a run: tell the story with the next transaction,
        and make sure one comes soon (followers see checkpoints live). A short run's end
        carries them all, at no extra write."""
        if not self.story.enabled:
            return
        self.story.buffer(Pending(thread_id, run_id, stamp(), fields))
        if self._flush_due is None:
            loop = asyncio.get_running_loop()
            self._flush_due = loop.call_later(STORY_FLUSH_S, self._start_flush)

    @property
    def story_unwritten(self) -> bool:
        """Story events still to be written: buffered, or a flush due or under way."""
        flushing = self._flushing is not None and not self._flushing.done()
        return self.story.buffered or self._flush_due is not None or flushing

    def _start_flush(self) -> None:
        self._flush_due = None
        if self.story.buffered:
            self._flushing = asyncio.get_running_loop().create_task(self._flush_story())

    async def _flush_story(self) -> None:
        try:
            if self.story.buffered:
                await self.atomic(lambda db: None)
        except Exception as exc:  # the next transaction carries them (or recovery re-derives)
            log.info("story flush failed: %r", exc)

    async def recover_checkpoints(
        self, thread_id: str, run_id: str, checkpoints: Sequence[dict[str, Any]]
    ) -> None:
        """After a crash: tell any checkpoint of the run the story has not (idempotent)."""
        if checkpoints:
            items = [Pending(thread_id, run_id, stamp(), fields) for fields in checkpoints]
            await self.atomic(lambda db: self.story.write_pending(db, items))

    async def record_rejection(
        self, thread_id: str, text: str | None, strategy: str, busy: Sequence[str]
    ) -> None:
        """A double text refused (409): no run exists for it, only this event."""

        def work(db: sqlite3.Connection) -> None:
            self.story.add(
                db, thread_id, "rejected", text=text, strategy=strategy, busy_run_ids=list(busy)
            )

        await self.atomic(work)

    async def record_state_update(
        self, thread_id: str, checkpoint_id: str | None, as_node: str | None
    ) -> None:
        def work(db: sqlite3.Connection) -> None:
            self.story.add(
                db, thread_id, "state_updated", checkpoint_id=checkpoint_id, as_node=as_node
            )

        await self.atomic(work)

    async def story_seq(self, thread_id: str) -> int:
        """The thread's newest story event (0 when it has none)."""
        row = await fetch_one(
            self.conn, "SELECT COALESCE(MAX(seq), 0) FROM story WHERE thread_id = ?", (thread_id,)
        )
        return int(row[0]) if row else 0

    async def story_events(
        self, thread_id: str, after: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]:
        return await read_events(self.conn, thread_id, after, limit)

    async def backfill_stories(self) -> int:
        """Tell, from their rows, the runs of threads that have runs but no story (a data dir
        from before the story, or one served with `--no-story`). What the rows keep is told:
        accepted, started, store writes, ended with reason and cause; rejections, rolled-back
        runs and checkpoints were never kept, so they are not. Returns how many threads."""
        if not self.story.enabled:
            return 0
        return await self.atomic(self._backfill)

    def _backfill(self, db: sqlite3.Connection) -> int:
        threads = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT thread_id FROM runs WHERE thread_id NOT IN"
                " (SELECT DISTINCT thread_id FROM story)"
            )
        ]
        for thread_id in threads:
            runs = db.execute(
                "SELECT run_id, assistant_id, graph_id, status, multitask_strategy, created_at,"
                " updated_at, kwargs, attempt, error, cancel_reason, cancel_cause, finalized"
                " FROM runs WHERE thread_id = ? ORDER BY seq",
                (thread_id,),
            ).fetchall()
            for run in runs:
                self._backfill_run(db, thread_id, run)
        return len(threads)

    def _backfill_run(self, db: sqlite3.Connection, thread_id: str, run: Any) -> None:
        (run_id, assistant_id, graph_id, status, strategy, created_at, updated_at, kwargs) = run[:8]
        attempt, error, reason, cause, finalized = run[8:]
        add = self.story.add
        add(
            db,
            thread_id,
            "run_accepted",
            run_id,
            at=created_at,
            strategy=strategy,
            queue_position=None,  # not kept by the row
            text=first_human_text((loads(kwargs) or {}).get("input")),
            assistant_id=assistant_id,
            graph_id=graph_id,
            supersedes=[],
        )
        if attempt:
            add(db, thread_id, "run_started", run_id, at=created_at, attempt=int(attempt))
        writes = db.execute(
            "SELECT namespace, key, current, at FROM store_journal WHERE run_id = ?"
            " AND applied = 1 ORDER BY id",
            (run_id,),
        ).fetchall()
        for namespace, key, current, at in writes:
            value = loads(current)
            op = "delete" if value is None else "put"
            add(db, thread_id, "store_write", run_id, at=at, namespace=loads(namespace), key=key,
                op=op, value=value)  # fmt: skip
        if finalized and status not in ("pending", "running"):
            add(
                db,
                thread_id,
                "run_ended",
                run_id,
                at=updated_at,
                status=status,
                reason=reason,
                cause=loads(cause),
                error=loads(error),
                duration_s=None,
            )
