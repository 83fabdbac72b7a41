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

from engine.storage.db import fetch_one
from engine.storage.story import Pending, Story, read_events, stamp

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
