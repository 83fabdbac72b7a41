"""The LangGraph store, with every write made inside a run journaled under that run's id.

Store writes are not part of checkpoints, so rolling back a run's checkpoints leaves the todos it
created. The journal makes those side effects visible (the UI shows what a run changed) and, when
the engine is configured to, lets a rollback undo them.

Crash order: a run's write is journaled as an intent (`applied = 0`) before it reaches the store
and marked applied after, so a crash between the two leaves an intent that `reconcile()` settles
on restart by looking at the store: no side effect is ever invisible.
"""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from langgraph.store.base import BaseStore, GetOp, Op, PutOp, Result
from langgraph.store.sqlite.aio import AsyncSqliteStore

from engine.faults import crashpoint
from engine.serde import dumps_str, loads
from engine.storage.db import fetch_all, marks, open_sqlite
from engine.storage.shielded import run_to_completion
from engine.storage.store_trip import OneTripStore

if TYPE_CHECKING:
    from engine.storage.records import Records


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
        stores.append(OneTripStore(conn))
        await stores[0].setup()

    await open_sqlite(path, "store database", prepare)
    return stores[0]


ENTRIES_SQL = (
    "SELECT namespace, key, previous, current, at FROM store_journal WHERE run_id = ?"
    " AND applied = 1 ORDER BY id"
)


def _entry(row: Iterable[Any]) -> dict[str, Any]:
    namespace, key, previous, current, at = row
    return {
        "namespace": loads(namespace),
        "key": key,
        "previous": loads(previous),
        "value": loads(current),
        "at": at,
    }


def run_entries(db: sqlite3.Connection, run_id: str) -> list[dict[str, Any]]:
    """A run's applied store writes, oldest first, read inside the caller's transaction."""
    return [_entry(row) for row in db.execute(ENTRIES_SQL, (run_id,)).fetchall()]


def side_effects(entries: Iterable[dict[str, Any]], kept: bool) -> list[dict[str, Any]]:
    """A removed run's store writes as the story tells them: what, and whether it stayed."""
    return [
        {
            "namespace": e["namespace"],
            "key": e["key"],
            "op": "delete" if e["value"] is None else "put",
            "kept": kept,
        }
        for e in entries
    ]


class JournalingStore(BaseStore):
    """Delegates to the SQLite store; records (namespace, key, previous, new) for run writes."""

    def __init__(self, inner: AsyncSqliteStore, records: Records) -> None:
        self.inner = inner
        self.records = records
        self.journal = records.conn

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        # A library bug we guard here: `AsyncSqliteStore._cursor` (langgraph-checkpoint-sqlite
        # 3.1.2) awaits `BEGIN` outside its try/finally, so a run cancelled at that await (an
        # interrupt or a rollback landing during a store write) left the store's only connection
        # inside an open transaction, and every later store call failed with "cannot start a
        # transaction within a transaction" until restart. Run whole, the write completes (and
        # is journaled) and then the cancellation goes on. (`OneTripStore` no longer awaits
        # between `BEGIN` and `COMMIT` at all; this still keeps a journaled write whole.)
        return await run_to_completion(self._abatch(list(ops), current_run.get()))

    async def _abatch(self, ops: list[Op], scope: RunScope | None) -> list[Result]:
        puts = [op for op in ops if isinstance(op, PutOp)] if scope else []
        if not puts or scope is None:
            return await self.inner.abatch(ops)
        found = await self.inner.abatch([GetOp(op.namespace, op.key) for op in puts])
        previous = [item.value if item else None for item in found]
        now = datetime.now(UTC).isoformat()
        ids = [
            row[0]
            for row in await fetch_all(
                self.journal,
                "INSERT INTO store_journal (run_id, thread_id, namespace, key, previous, current,"
                " at, applied) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?, 0)"] * len(puts))
                + " RETURNING id",
                [
                    value
                    for op, prev in zip(puts, previous, strict=True)
                    for value in (
                        scope.run_id,
                        scope.thread_id,
                        dumps_str(list(op.namespace)),
                        op.key,
                        None if prev is None else dumps_str(prev),
                        None if op.value is None else dumps_str(op.value),
                        now,
                    )
                ],
            )
        ]
        crashpoint("store_write_journaled")
        results = await self.inner.abatch(ops)
        crashpoint("store_write_applied")
        writes = [(list(op.namespace), op.key, op.value) for op in puts]
        await self.records.atomic(lambda db: self._applied(db, ids, scope, writes))
        return results

    def _applied(
        self,
        db: sqlite3.Connection,
        ids: list[int],
        scope: RunScope,
        writes: list[tuple[list[str], str, Any]],
    ) -> None:
        """The writes reached the store: mark their intents applied and tell the story, at once."""
        db.execute(f"UPDATE store_journal SET applied = 1 WHERE id IN ({marks(ids)})", ids)
        for namespace, key, value in writes:
            self.records.story.add(
                db,
                scope.thread_id,
                "store_write",
                scope.run_id,
                namespace=namespace,
                key=key,
                op="delete" if value is None else "put",
                value=value,
            )

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        # Sync access only happens from worker threads (sync nodes); journaling needs the loop.
        return self.inner.batch(ops)

    async def entries(self, run_id: str) -> list[dict[str, Any]]:
        return [_entry(row) for row in await fetch_all(self.journal, ENTRIES_SQL, (run_id,))]

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
            await run_to_completion(self.inner.abatch(ops))
        await self.forget(run_id)
        return len(ops)

    async def forget(self, run_id: str) -> None:
        await self.journal.execute("DELETE FROM store_journal WHERE run_id = ?", (run_id,))

    async def reconcile(self) -> int:
        """After a crash: settle journal intents by what the store holds. Returns how many.

        An intent whose value is in the store happened (it is marked applied); one whose value
        is not never reached the store (it is dropped).
        """
        rows = await fetch_all(
            self.journal,
            "SELECT id, namespace, key, current, run_id, thread_id FROM store_journal"
            " WHERE applied = 0 ORDER BY id",
        )
        if not rows:
            return 0
        found = await self.inner.abatch([GetOp(tuple(loads(r[1])), r[2]) for r in rows])
        in_store = [
            (item.value if item else None) == loads(row[3])
            for row, item in zip(rows, found, strict=True)
        ]

        def settle(db: sqlite3.Connection) -> None:  # one transaction for them all
            for row, happened in zip(rows, in_store, strict=True):
                if happened:
                    write = (loads(row[1]), row[2], loads(row[3]))
                    self._applied(db, [row[0]], RunScope(row[4], row[5]), [write])
                else:
                    db.execute("DELETE FROM store_journal WHERE id = ?", (row[0],))

        await self.records.atomic(settle)
        return len(rows)
