"""Thread rows: which threads exist, their metadata, and the status their runs and head imply.

A thread's status is recomputed (`settle_thread`) inside the same transaction as the run change
that implies it, so the two never disagree; deleting a thread is two steps, so a crash between
them is finished on restart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiosqlite

from engine.runs.status import thread_status
from engine.serde import dumps_str, loads
from engine.storage.db import fetch_all, fetch_one
from engine.storage.story import Story

T = TypeVar("T")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


# The thread fields a search can sort by (the reference's ThreadSearchRequest.sort_by).
THREAD_SORT_KEYS = ("thread_id", "status", "created_at", "updated_at", "state_updated_at")
# The fields a search can `select` (ThreadSelectField).
THREAD_FIELDS = (*THREAD_SORT_KEYS, "metadata", "config", "values", "interrupts")


def _thread_dict(row: aiosqlite.Row) -> dict[str, Any]:
    thread = {
        "thread_id": row["thread_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "state_updated_at": row["state_updated_at"],
        "metadata": loads(row["metadata"]),
        "status": row["status"],
        "config": loads(row["config"]),
        "values": loads(row["state_values"]),
    }
    error = loads(row["error"])
    if thread["values"] is not None or error is not None:
        # Like the reference, `error` and `interrupts` appear once a run has settled the thread.
        thread["error"] = error
        thread["interrupts"] = loads(row["interrupts"])
    return thread


@dataclass(frozen=True)
class Head:
    """What a thread's head checkpoint says, read before a transaction that settles the thread.

    The values are kept as the JSON they are stored and answered as (None: no checkpoint yet),
    encoded once for the thread's row and the run's join result alike."""

    values_json: bytes | None
    has_next: bool
    interrupts: dict[str, Any]

    @property
    def values(self) -> Any:
        return loads(self.values_json)


def settle_thread(
    db: sqlite3.Connection, thread_id: str, head: Head | None, error: Any
) -> str | None:
    """Recompute a thread's status from its runs (and head): busy > error > interrupted > idle.

    Runs inside the caller's transaction, so a run's end and its thread's status are one write.
    Returns the status written, or None when the thread no longer exists.
    """
    rows = db.execute(
        "SELECT has_next, (SELECT COUNT(*) FROM runs WHERE thread_id = ?1 AND status IN"
        " ('pending', 'running')), (SELECT status FROM runs WHERE thread_id = ?1 AND status"
        " NOT IN ('pending', 'running') ORDER BY seq DESC LIMIT 1)"
        " FROM threads WHERE thread_id = ?1",
        (thread_id,),
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    stored_next, active, last_status = bool(row[0]), int(row[1]), row[2]
    columns: dict[str, Any] = {"updated_at": now_iso()}
    if head is not None:
        columns.update(
            state_values=head.values_json.decode() if head.values_json is not None else None,
            state_updated_at=columns["updated_at"],
            has_next=int(head.has_next),
            interrupts=dumps_str(head.interrupts),
        )
    has_next = head.has_next if head is not None else stored_next
    if error is not None:
        columns["error"] = dumps_str(error)
    elif last_status not in ("error", "timeout") and not active:
        columns["error"] = None
    columns["status"] = thread_status(active, last_status, has_next)
    assignments = ", ".join(f"{name} = ?" for name in columns)
    db.execute(
        f"UPDATE threads SET {assignments} WHERE thread_id = ?", (*columns.values(), thread_id)
    )
    return columns["status"]


class ThreadRows:
    """Mixed into `Records`, which provides the connection, the story and `atomic`."""

    conn: aiosqlite.Connection
    story: Story

    async def atomic(self, work: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def insert_thread(
        self, thread_id: str, metadata: dict[str, Any], temporary: bool = False
    ) -> dict[str, Any] | None:
        """The new thread, or None (nothing written) when one with this id exists already,
        e.g. created a moment ago by a concurrent request. `temporary`: a stateless run's, to
        be dropped once its runs are done (`temporary_threads`)."""
        now = now_iso()
        cursor = await self.conn.execute(
            "INSERT INTO threads"
            " (thread_id, created_at, updated_at, state_updated_at, metadata, temporary)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id) DO NOTHING",
            (thread_id, now, now, now, dumps_str(metadata), int(temporary)),
        )
        if cursor.rowcount == 0:
            return None
        return await self.thread(thread_id)

    async def thread(self, thread_id: str) -> dict[str, Any] | None:
        row = await fetch_one(self.conn, "SELECT * FROM threads WHERE thread_id = ?", (thread_id,))
        return None if row is None else _thread_dict(row)

    async def update_thread(self, thread_id: str, **fields: Any) -> None:
        """Columns by name; dict/list values are stored as JSON."""
        columns = {"updated_at": now_iso()}
        for name, value in fields.items():
            column = "state_values" if name == "values" else name
            columns[column] = dumps_str(value) if isinstance(value, dict | list) else value
        if "state_values" in columns:
            columns["state_updated_at"] = columns["updated_at"]
        assignments = ", ".join(f"{name} = ?" for name in columns)
        await self.conn.execute(
            f"UPDATE threads SET {assignments} WHERE thread_id = ?",
            (*columns.values(), thread_id),
        )

    async def settle(self, thread_id: str, head: Head | None = None, error: Any = None) -> None:
        await self.atomic(lambda db: settle_thread(db, thread_id, head, error))

    async def search_threads(
        self,
        metadata: dict[str, Any] | None,
        status: str | None,
        limit: int | None,
        offset: int,
        ids: list[str] | None = None,
        sort_by: str = "created_at",
        descending: bool = True,
    ) -> list[dict[str, Any]]:
        if sort_by not in THREAD_SORT_KEYS:  # a column name in SQL: never anything else
            raise ValueError(f"cannot sort threads by {sort_by!r}")
        where, params = ["1"], []
        if ids is not None:  # one JSON parameter: any number of ids stays under SQLite's limit
            where.append("thread_id IN (SELECT value FROM json_each(?))")
            params.append(dumps_str(ids))
        for key, value in (metadata or {}).items():
            where.append("json_extract(metadata, ?) = json_extract(?, '$')")
            params += [f'$."{key}"', dumps_str(value)]
        if status:
            where.append("status = ?")
            params.append(status)
        direction = "DESC" if descending else "ASC"
        sql = f"SELECT * FROM threads WHERE {' AND '.join(where)} ORDER BY {sort_by} {direction}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_thread_dict(r) for r in await fetch_all(self.conn, sql, params)]

    async def temporary_threads(self) -> list[str]:
        """Stateless runs' threads still here (recovery drops those with nothing queued)."""
        rows = await fetch_all(self.conn, "SELECT thread_id FROM threads WHERE temporary = 1")
        return [r[0] for r in rows]

    async def busy_thread_ids(self) -> list[str]:
        rows = await fetch_all(self.conn, "SELECT thread_id FROM threads WHERE status = 'busy'")
        return [r[0] for r in rows]

    # -- deleting a thread (two steps, so a crash between them is finished on restart) -----

    async def begin_thread_deletion(self, thread_id: str) -> list[str]:
        """Forget the thread, its runs and journal; remember that its checkpoints must go.

        Returns the ids of the runs that were still active (to be stopped).
        """

        def work(db: sqlite3.Connection) -> list[str]:
            active = [
                r[0]
                for r in db.execute(
                    "SELECT run_id FROM runs WHERE thread_id = ? AND status IN"
                    " ('pending', 'running')",
                    (thread_id,),
                )
            ]
            db.execute(
                "INSERT OR REPLACE INTO thread_deletions (thread_id, at) VALUES (?, ?)",
                (thread_id, now_iso()),
            )
            for table in ("runs", "store_journal", "threads"):
                db.execute(f"DELETE FROM {table} WHERE thread_id = ?", (thread_id,))
            self.story.forget(db, thread_id)
            return active

        return await self.atomic(work)

    async def end_thread_deletion(self, thread_id: str) -> None:
        await self.conn.execute("DELETE FROM thread_deletions WHERE thread_id = ?", (thread_id,))

    async def unfinished_thread_deletions(self) -> list[str]:
        return [r[0] for r in await fetch_all(self.conn, "SELECT thread_id FROM thread_deletions")]
