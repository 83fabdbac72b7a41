"""Thread and run rows: the durable record of what the engine accepted.

Rows come back as plain dicts shaped like the LangGraph API's Thread and Run objects, so the API
layer only has to serialise them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosqlite

from engine.serde import dumps_str, loads
from engine.storage.db import fetch_all, fetch_one


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


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


def _run_dict(row: aiosqlite.Row) -> dict[str, Any]:
    return {
        "run_id": row["run_id"],
        "thread_id": row["thread_id"],
        "assistant_id": row["assistant_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "status": row["status"],
        "metadata": loads(row["metadata"]),
        "kwargs": loads(row["kwargs"]),
        "multitask_strategy": row["multitask_strategy"],
        "langsmith_session_name": None,
        "attempt": row["attempt"],
    }


class Records:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    # -- threads ---------------------------------------------------------------------------

    async def insert_thread(self, thread_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
        now = now_iso()
        await self.conn.execute(
            "INSERT INTO threads (thread_id, created_at, updated_at, state_updated_at, metadata)"
            " VALUES (?, ?, ?, ?, ?)",
            (thread_id, now, now, now, dumps_str(metadata)),
        )
        thread = await self.thread(thread_id)
        assert thread is not None
        return thread

    async def thread(self, thread_id: str) -> dict[str, Any] | None:
        row = await fetch_one(self.conn, "SELECT * FROM threads WHERE thread_id = ?", (thread_id,))
        return None if row is None else _thread_dict(row)

    async def thread_has_next(self, thread_id: str) -> bool | None:
        row = await fetch_one(
            self.conn, "SELECT has_next FROM threads WHERE thread_id = ?", (thread_id,)
        )
        return None if row is None else bool(row[0])

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

    async def set_thread_graph(
        self, thread_id: str, graph_id: str, defaults: dict[str, Any]
    ) -> None:
        """Mark the thread busy and set the graph keys of its metadata, in one statement."""
        await self.conn.execute(
            "UPDATE threads SET status = 'busy', graph_id = ?, updated_at = ?,"
            " metadata = json_patch(metadata, ?) WHERE thread_id = ?",
            (graph_id, now_iso(), dumps_str(defaults), thread_id),
        )

    async def delete_thread(self, thread_id: str) -> None:
        await self.conn.execute("DELETE FROM runs WHERE thread_id = ?", (thread_id,))
        await self.conn.execute("DELETE FROM store_journal WHERE thread_id = ?", (thread_id,))
        await self.conn.execute("DELETE FROM threads WHERE thread_id = ?", (thread_id,))

    async def search_threads(
        self,
        metadata: dict[str, Any] | None,
        status: str | None,
        limit: int | None,
        offset: int,
    ) -> list[dict[str, Any]]:
        where, params = ["1"], []
        for key, value in (metadata or {}).items():
            where.append("json_extract(metadata, ?) = json_extract(?, '$')")
            params += [f'$."{key}"', dumps_str(value)]
        if status:
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT * FROM threads WHERE {' AND '.join(where)} ORDER BY created_at DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_thread_dict(r) for r in await fetch_all(self.conn, sql, params)]

    # -- runs ------------------------------------------------------------------------------

    async def insert_run(self, run: dict[str, Any], graph_id: str, not_before: float) -> None:
        await self.conn.execute(
            "INSERT INTO runs (run_id, thread_id, assistant_id, graph_id, status,"
            " multitask_strategy, created_at, updated_at, not_before, metadata, kwargs)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
            (
                run["run_id"],
                run["thread_id"],
                run["assistant_id"],
                graph_id,
                run["multitask_strategy"],
                run["created_at"],
                run["updated_at"],
                not_before,
                dumps_str(run["metadata"]),
                dumps_str(run["kwargs"]),
            ),
        )

    async def run(self, run_id: str) -> dict[str, Any] | None:
        row = await fetch_one(self.conn, "SELECT * FROM runs WHERE run_id = ?", (run_id,))
        return None if row is None else _run_dict(row)

    async def run_row(self, run_id: str) -> aiosqlite.Row | None:
        return await fetch_one(self.conn, "SELECT * FROM runs WHERE run_id = ?", (run_id,))

    async def active_run_ids(self, thread_id: str) -> list[str]:
        rows = await fetch_all(
            self.conn,
            "SELECT run_id FROM runs WHERE thread_id = ? AND status IN ('pending', 'running')"
            " ORDER BY seq",
            (thread_id,),
        )
        return [r[0] for r in rows]

    async def next_pending(self, thread_id: str) -> aiosqlite.Row | None:
        """The oldest pending run of the thread (FIFO by acceptance order)."""
        return await fetch_one(
            self.conn,
            "SELECT * FROM runs WHERE thread_id = ? AND status = 'pending' ORDER BY seq LIMIT 1",
            (thread_id,),
        )

    async def claim(self, run_id: str, base_checkpoint_id: str | None, base_writes: Any) -> bool:
        """pending -> running, only if nobody cancelled it meanwhile.

        The thread's head before the run's first attempt is kept, so a rollback of a resumed run
        still restores the state from before it.
        """
        cursor = await self.conn.execute(
            "UPDATE runs SET status = 'running', attempt = attempt + 1, updated_at = ?,"
            " base_checkpoint_id = CASE WHEN base_writes IS NULL THEN ? ELSE base_checkpoint_id"
            " END, base_writes = COALESCE(base_writes, ?) WHERE run_id = ? AND status = 'pending'",
            (now_iso(), base_checkpoint_id, dumps_str(base_writes), run_id),
        )
        return cursor.rowcount == 1

    async def set_status(
        self, run_id: str, status: str, *, error: Any = None, only_from: tuple[str, ...] = ()
    ) -> bool:
        sql = "UPDATE runs SET status = ?, updated_at = ?, error = ? WHERE run_id = ?"
        params: list[Any] = [status, now_iso(), None if error is None else dumps_str(error), run_id]
        if only_from:
            sql += f" AND status IN ({', '.join('?' * len(only_from))})"
            params += list(only_from)
        cursor = await self.conn.execute(sql, params)
        return cursor.rowcount == 1

    async def delete_run(self, run_id: str, only_if_pending: bool = False) -> bool:
        sql = "DELETE FROM runs WHERE run_id = ?"
        if only_if_pending:
            sql += " AND status = 'pending'"
        cursor = await self.conn.execute(sql, (run_id,))
        return cursor.rowcount == 1

    async def delete_pending(self, run_ids: list[str]) -> list[tuple[str, str, int]]:
        """Delete those of the runs still pending; returns (run_id, thread_id, attempt) of each."""
        marks = ", ".join("?" * len(run_ids))
        return [
            tuple(row)
            for row in await fetch_all(
                self.conn,
                f"DELETE FROM runs WHERE run_id IN ({marks}) AND status = 'pending'"
                " RETURNING run_id, thread_id, attempt",
                run_ids,
            )
        ]

    async def interrupt_pending(self, run_ids: list[str]) -> list[tuple[str, str, int]]:
        marks = ", ".join("?" * len(run_ids))
        return [
            tuple(row)
            for row in await fetch_all(
                self.conn,
                f"UPDATE runs SET status = 'interrupted', updated_at = ? WHERE run_id IN ({marks})"
                " AND status = 'pending' RETURNING run_id, thread_id, attempt",
                [now_iso(), *run_ids],
            )
        ]

    async def list_runs(
        self, thread_id: str, limit: int, offset: int, status: str | None
    ) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM runs WHERE thread_id = ?", [thread_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        sql += " ORDER BY seq DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [_run_dict(r) for r in await fetch_all(self.conn, sql, params)]

    async def status_summary(self, thread_id: str) -> tuple[int, str | None]:
        """(number of pending/running runs, status of the most recently accepted finished run)."""
        row = await fetch_one(
            self.conn,
            "SELECT (SELECT COUNT(*) FROM runs WHERE thread_id = ?1 AND status IN"
            " ('pending', 'running')), (SELECT status FROM runs WHERE thread_id = ?1 AND status"
            " NOT IN ('pending', 'running') ORDER BY seq DESC LIMIT 1)",
            (thread_id,),
        )
        return (int(row[0]), row[1]) if row else (0, None)

    async def runs_with_status(self, status: str) -> list[aiosqlite.Row]:
        return await fetch_all(
            self.conn, "SELECT * FROM runs WHERE status = ? ORDER BY seq", (status,)
        )

    async def threads_with_pending(self) -> list[str]:
        rows = await fetch_all(
            self.conn,
            "SELECT thread_id FROM runs WHERE status = 'pending' GROUP BY thread_id"
            " ORDER BY MIN(seq)",
        )
        return [r[0] for r in rows]
