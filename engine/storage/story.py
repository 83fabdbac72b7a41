"""The thread's story: what happened to its runs and why, durable and in order (docs/story.md).

Each event is appended inside the transaction that makes it true (a run accepted, started,
ended, rolled back; a store write applied; a double text rejected), so the story never tells
what did not happen and never misses what did, across kill -9 too. Checkpoints are saved by
LangGraph's saver in another database: their events are buffered in memory and written first
thing by the next transaction on the engine database (a flush is scheduled at once), and
recovery re-derives from the checkpoint table any a crash lost (`INSERT OR IGNORE` on the
checkpoint id keeps that idempotent).

Every thread numbers its events 1, 2, … (`seq`), the id a client resumes from. Retention keeps
the newest `retention` events of a thread; deleting the thread deletes its story.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from engine.serde import dumps_str, loads

KINDS = (
    "run_accepted",
    "run_started",
    "checkpoint",
    "store_write",
    "run_ended",
    "run_rolled_back",
    "run_deleted",
    "rejected",
    "state_updated",
)
# Trimming costs a statement; do it once per this many of a thread's runs ending.
TRIM_EVERY = 64


def stamp() -> str:
    """ISO-8601 UTC with milliseconds, the story's clock."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Pending:
    """A checkpoint event waiting for the next transaction on the engine database."""

    thread_id: str
    run_id: str | None
    at: str
    fields: dict[str, Any]


@dataclass
class Story:
    """Appends events inside Records' transactions and wakes whoever follows a thread."""

    enabled: bool = True
    retention: int = 10_000
    _buffer: list[Pending] = field(default_factory=list)
    _tx_threads: list[str] = field(default_factory=list)  # threads the open transaction touched
    _changes: dict[str, asyncio.Event] = field(default_factory=dict)
    _ended: Counter[str] = field(default_factory=Counter)  # run ends told, per thread

    # -- writing (inside a transaction, one at a time) ---------------------------------------

    def add(
        self,
        db: sqlite3.Connection,
        thread_id: str,
        kind: str,
        run_id: str | None = None,
        *,
        at: str | None = None,
        **fields: Any,
    ) -> None:
        if not self.enabled:
            return
        assert kind in KINDS, kind
        checkpoint_id = fields.get("checkpoint_id") if kind == "checkpoint" else None
        db.execute(
            "INSERT OR IGNORE INTO story (thread_id, seq, at, kind, run_id, checkpoint_id, body)"
            " SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6 FROM story"
            " WHERE thread_id = ?1",
            (thread_id, at or stamp(), kind, run_id, checkpoint_id, dumps_str(fields)),
        )
        self._tx_threads.append(thread_id)
        if kind in ("run_ended", "run_rolled_back"):
            self._ended[thread_id] += 1
            if self._ended[thread_id] % TRIM_EVERY == 0:
                self.trim(db, thread_id)

    def trim(self, db: sqlite3.Connection, thread_id: str) -> None:
        db.execute(
            "DELETE FROM story WHERE thread_id = ?1 AND seq <= (SELECT MAX(seq) FROM story"
            " WHERE thread_id = ?1) - ?2",
            (thread_id, self.retention),
        )

    def forget(self, db: sqlite3.Connection, thread_id: str) -> None:
        db.execute("DELETE FROM story WHERE thread_id = ?", (thread_id,))
        self._ended.pop(thread_id, None)
        self._tx_threads.append(thread_id)

    def begin(self) -> None:
        """A transaction starts (they run one at a time)."""
        self._tx_threads = []

    def touched(self) -> list[str]:
        """The threads the transaction that just ended touched."""
        touched, self._tx_threads = self._tx_threads, []
        return touched

    def write_pending(self, db: sqlite3.Connection, pending: Iterable[Pending]) -> None:
        for item in pending:
            self.add(db, item.thread_id, "checkpoint", item.run_id, at=item.at, **item.fields)

    # -- the checkpoint buffer (on the event loop) -------------------------------------------

    def buffer(self, item: Pending) -> None:
        if self.enabled:
            self._buffer.append(item)

    def take_buffered(self) -> list[Pending]:
        taken, self._buffer = self._buffer, []
        return taken

    def restore(self, items: list[Pending]) -> None:
        """A transaction that carried them failed: they go first into the next one."""
        self._buffer[:0] = items

    @property
    def buffered(self) -> bool:
        return bool(self._buffer)

    # -- following (on the event loop) -------------------------------------------------------

    def next_change(self, thread_id: str) -> asyncio.Event:
        """An event set after the thread's story next changes. Take it *before* reading, so a
        change between the read and the wait is not missed."""
        change = self._changes.get(thread_id)
        if change is None:
            change = self._changes[thread_id] = asyncio.Event()
        return change

    def wake_all(self) -> None:
        self.wake(list(self._changes))

    def wake(self, touched: Iterable[str]) -> None:
        """After a transaction committed: wake the followers of every thread it touched."""
        for thread_id in dict.fromkeys(touched):
            change = self._changes.pop(thread_id, None)
            if change is not None:
                change.set()


async def read_events(
    conn: aiosqlite.Connection, thread_id: str, after: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """The thread's events with seq > after, oldest first, as the API returns them."""
    async with conn.execute(
        "SELECT seq, at, kind, run_id, body FROM story WHERE thread_id = ? AND seq > ?"
        " ORDER BY seq LIMIT ?",
        (thread_id, after, limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        {"seq": seq, "at": at, "kind": kind, "thread_id": thread_id, "run_id": run_id} | loads(body)
        for seq, at, kind, run_id, body in rows
    ]


def first_human_text(graph_input: Any) -> str | None:
    """The first human message's text of a run's input (`{"messages": [...]}` or one message);
    None when the input has none (a resume, a command, an input without messages)."""
    if not isinstance(graph_input, dict):
        return None
    messages = graph_input.get("messages")
    if isinstance(messages, dict | str):
        messages = [messages]
    if not isinstance(messages, list):
        return None
    for message in messages:
        if isinstance(message, str):
            return message
        if not isinstance(message, dict):
            continue
        if message.get("type", message.get("role")) in ("human", "user"):
            return _text(message.get("content"))
    return None


def _text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        parts += [p for p in content if isinstance(p, str)]
        return "".join(parts) or None
    return None
