"""Reading run rows: what the API lists and what recovery and the driver look up.

Each read is one statement, so it needs no transaction of its own. Every change of a run is in
`records.py`, one transaction each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite

from engine.serde import loads
from engine.storage.db import fetch_all, fetch_one, marks


def run_dict(row: aiosqlite.Row | sqlite3.Row) -> dict[str, Any]:
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
        # Ours (the reference keeps it internal): why the run was cancelled, or null.
        "cancel_reason": row["cancel_reason"],
    }


NEXT_PENDING = (
    "SELECT * FROM runs WHERE thread_id = ? AND status = 'pending' AND cancel_action IS NULL"
    " ORDER BY seq LIMIT 1"
)


class RunReads:
    conn: aiosqlite.Connection

    async def run_row(self, run_id: str) -> aiosqlite.Row | None:
        return await fetch_one(self.conn, "SELECT * FROM runs WHERE run_id = ?", (run_id,))

    async def runs_by_id(self, run_ids: Sequence[str]) -> list[aiosqlite.Row]:
        if not run_ids:
            return []
        return await fetch_all(
            self.conn, f"SELECT * FROM runs WHERE run_id IN ({marks(run_ids)})", list(run_ids)
        )

    async def active_run_ids(self, thread_id: str) -> list[str]:
        rows = await fetch_all(
            self.conn,
            "SELECT run_id FROM runs WHERE thread_id = ? AND status IN ('pending', 'running')"
            " ORDER BY seq",
            (thread_id,),
        )
        return [r[0] for r in rows]

    async def next_pending(self, thread_id: str) -> aiosqlite.Row | None:
        """The oldest pending run of the thread no cancel is waiting for (FIFO by acceptance)."""
        return await fetch_one(self.conn, NEXT_PENDING, (thread_id,))

    async def list_runs(
        self, thread_id: str, limit: int, offset: int, status: str | None
    ) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM runs WHERE thread_id = ?", [thread_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        sql += " ORDER BY seq DESC LIMIT ? OFFSET ?"
        params += [limit, offset]
        return [run_dict(r) for r in await fetch_all(self.conn, sql, params)]

    async def runs_with_status(self, *statuses: str) -> list[aiosqlite.Row]:
        return await fetch_all(
            self.conn,
            f"SELECT * FROM runs WHERE status IN ({marks(statuses)}) ORDER BY seq",
            statuses,
        )

    async def runs_with_intent(self) -> list[aiosqlite.Row]:
        """Runs a cancel was accepted for that has not been carried out (recovery)."""
        return await fetch_all(
            self.conn,
            "SELECT * FROM runs WHERE cancel_action IS NOT NULL AND (cancel_action = 'rollback'"
            " OR status IN ('pending', 'running') OR finalized = 0) ORDER BY seq",
        )

    async def unfinalized_runs(self) -> list[aiosqlite.Row]:
        return await fetch_all(
            self.conn,
            "SELECT * FROM runs WHERE finalized = 0 AND status NOT IN ('pending', 'running')"
            " ORDER BY seq",
        )

    async def threads_with_pending(self) -> list[str]:
        rows = await fetch_all(
            self.conn,
            "SELECT thread_id FROM runs WHERE status = 'pending' GROUP BY thread_id"
            " ORDER BY MIN(seq)",
        )
        return [r[0] for r in rows]
