"""The LangGraph store, with every write made inside a run journaled under that run's id.

Store writes are not part of checkpoints, so rolling back a run's checkpoints leaves the todos it
created. The journal makes those side effects visible (the UI shows what a run changed) and, when
the engine is configured to, lets a rollback undo them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from langgraph.store.base import BaseStore, GetOp, Op, PutOp, Result
from langgraph.store.sqlite.aio import AsyncSqliteStore

from engine.serde import dumps_str, loads
from engine.storage.db import open_sqlite


@dataclass(frozen=True)
class RunScope:
    run_id: str
    thread_id: str


# Set by the executor around a graph run; LangGraph's node tasks inherit it.
current_run: contextvars.ContextVar[RunScope | None] = contextvars.ContextVar(
    "doubletext_current_run", default=None
)


async def open_store(path: Path) -> AsyncSqliteStore:
    stores: list[AsyncSqliteStore] = []

    async def prepare(conn: aiosqlite.Connection) -> None:
        await conn.execute("PRAGMA journal_mode=WAL")
        stores.append(AsyncSqliteStore(conn))
        await stores[0].setup()

    await open_sqlite(path, "store database", prepare)
    return stores[0]


class JournalingStore(BaseStore):
    """Delegates to the SQLite store; records (namespace, key, previous, new) for run writes."""

    def __init__(self, inner: AsyncSqliteStore, journal: aiosqlite.Connection) -> None:
        self.inner = inner
        self.journal = journal

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        scope = current_run.get()
        puts = [op for op in ops if isinstance(op, PutOp)] if scope else []
        previous: list[Any] = []
        if puts:
            found = await self.inner.abatch([GetOp(op.namespace, op.key) for op in puts])
            previous = [item.value if item else None for item in found]
        results = await self.inner.abatch(ops)
        if puts and scope is not None:
            now = datetime.now(UTC).isoformat()
            await self.journal.executemany(
                "INSERT INTO store_journal (run_id, thread_id, namespace, key, previous, current,"
                " at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        scope.run_id,
                        scope.thread_id,
                        dumps_str(list(op.namespace)),
                        op.key,
                        None if prev is None else dumps_str(prev),
                        None if op.value is None else dumps_str(op.value),
                        now,
                    )
                    for op, prev in zip(puts, previous, strict=True)
                ],
            )
        return results

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        # Sync access only happens from worker threads (sync nodes); journaling needs the loop.
        return self.inner.batch(ops)

    async def entries(self, run_id: str) -> list[dict[str, Any]]:
        async with self.journal.execute(
            "SELECT namespace, key, previous, current, at FROM store_journal WHERE run_id = ?"
            " ORDER BY id",
            (run_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            {
                "namespace": loads(ns),
                "key": key,
                "previous": loads(prev),
                "value": loads(cur),
                "at": at,
            }
            for ns, key, prev, cur, at in rows
        ]

    async def thread_entries(
        self, thread_id: str, run_id: str | None = None, limit: int = 1000, offset: int = 0
    ) -> list[dict[str, Any]]:
        """A thread's journaled store writes in order, each with its run's status now (None once
        the run is gone: rolled back or deleted, while its write stays in the store)."""
        sql = (
            "SELECT j.run_id, j.namespace, j.key, j.previous, j.current, j.at, r.status"
            " FROM store_journal j LEFT JOIN runs r ON r.run_id = j.run_id WHERE j.thread_id = ?"
        )
        params: list[Any] = [thread_id]
        if run_id is not None:
            sql += " AND j.run_id = ?"
            params.append(run_id)
        sql += " ORDER BY j.id LIMIT ? OFFSET ?"
        async with self.journal.execute(sql, (*params, limit, offset)) as cursor:
            rows = await cursor.fetchall()
        return [
            {
                "run_id": run,
                "thread_id": thread_id,
                "namespace": loads(ns),
                "key": key,
                "op": "delete" if cur is None else "put",
                "value": loads(cur),
                "previous": loads(prev),
                "at": at,
                "run_status": status,
            }
            for run, ns, key, prev, cur, at, status in rows
        ]

    async def undo(self, run_id: str) -> int:
        """Restore every value a run overwrote (newest first); returns how many were undone."""
        entries = await self.entries(run_id)
        ops = [PutOp(tuple(e["namespace"]), e["key"], e["previous"]) for e in reversed(entries)]
        if ops:
            await self.inner.abatch(ops)
        await self.forget(run_id)
        return len(ops)

    async def forget(self, run_id: str) -> None:
        await self.journal.execute("DELETE FROM store_journal WHERE run_id = ?", (run_id,))
