"""LangGraph checkpoints in SQLite, plus the deletions the library does not offer.

The saver's connection is opened in autocommit mode: a run cancelled in the middle of `aput` can
then never leave a transaction open (see the reference notes on cancellation). All custom SQL
runs under `saver.lock`, which serialises the saver's one connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from engine.storage.db import open_sqlite
from engine.storage.shielded import run_to_completion

_RUN_ID = "json_extract(CAST(metadata AS TEXT), '$.run_id')"


async def open_saver(path: Path) -> AsyncSqliteSaver:
    savers: list[AsyncSqliteSaver] = []

    async def prepare(conn: aiosqlite.Connection) -> None:
        savers.append(AsyncSqliteSaver(conn))
        await savers[0].setup()
        await conn.execute("PRAGMA synchronous=NORMAL")

    await open_sqlite(path, "checkpoint database", prepare)
    return savers[0]


@dataclass(frozen=True)
class Head:
    """Where a thread stood before a run: its head checkpoint and that checkpoint's writes."""

    checkpoint_id: str | None
    write_keys: frozenset[tuple[str, int]]


async def thread_head(saver: AsyncSqliteSaver, thread_id: str) -> Head:
    async with (
        saver.lock,
        saver.conn.execute(
            "SELECT head.checkpoint_id, w.task_id, w.idx FROM"
            " (SELECT checkpoint_id FROM checkpoints WHERE thread_id = ?1 AND checkpoint_ns = ''"
            " ORDER BY checkpoint_id DESC LIMIT 1) head"
            " LEFT JOIN writes w ON w.thread_id = ?1 AND w.checkpoint_ns = ''"
            " AND w.checkpoint_id = head.checkpoint_id",
            (thread_id,),
        ) as cursor,
    ):
        rows = await cursor.fetchall()
    if not rows:
        return Head(None, frozenset())
    keys = frozenset((task, idx) for _, task, idx in rows if task is not None)
    return Head(rows[0][0], keys)


async def run_has_checkpoints(saver: AsyncSqliteSaver, thread_id: str, run_id: str) -> bool:
    async with (
        saver.lock,
        saver.conn.execute(
            f"SELECT 1 FROM checkpoints WHERE thread_id = ? AND {_RUN_ID} = ? LIMIT 1",
            (thread_id, run_id),
        ) as cursor,
    ):
        return await cursor.fetchone() is not None


async def run_progressed(
    saver: AsyncSqliteSaver, thread_id: str, run_id: str, since: str | None
) -> bool:
    """Did the run write a checkpoint after `since` (its thread's head when it was claimed)?"""
    sql = f"SELECT 1 FROM checkpoints WHERE thread_id = ? AND {_RUN_ID} = ?"
    params: list[object] = [thread_id, run_id]
    if since is not None:
        sql += " AND checkpoint_id > ?"
        params.append(since)
    async with saver.lock, saver.conn.execute(sql + " LIMIT 1", params) as cursor:
        return await cursor.fetchone() is not None


async def delete_thread_checkpoints(saver: AsyncSqliteSaver, thread_id: str) -> None:
    await run_to_completion(saver.adelete_thread(thread_id))


async def delete_run_checkpoints(
    saver: AsyncSqliteSaver, thread_id: str, run_id: str, base: Head | None = None
) -> list[str]:
    """Delete every checkpoint (all namespaces) a run wrote, and its writes.

    With `base` (the head before the run, for the thread's latest run only) this also removes
    anything newer than the base and the writes the run left on the base checkpoint itself, so
    the thread is exactly as it was before the run. Returns the ids of the root checkpoints
    deleted. Runs to completion even if the caller is cancelled (it holds a transaction).
    """
    return await run_to_completion(_delete_run_checkpoints(saver, thread_id, run_id, base))


async def _delete_run_checkpoints(
    saver: AsyncSqliteSaver, thread_id: str, run_id: str, base: Head | None
) -> list[str]:
    async with saver.lock:
        conn = saver.conn
        params: list[object] = [thread_id, run_id]
        where = f"thread_id = ? AND ({_RUN_ID} = ?"
        if base is not None and base.checkpoint_id is not None:
            where += " OR checkpoint_id > ?"
            params.append(base.checkpoint_id)
        elif base is not None:
            where += " OR 1"
        where += ")"
        async with conn.execute(
            f"SELECT checkpoint_ns, checkpoint_id FROM checkpoints WHERE {where}", params
        ) as cursor:
            doomed = [(ns, cid) for ns, cid in await cursor.fetchall()]
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await conn.executemany(
                "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? "
                "AND checkpoint_id = ?",
                [(thread_id, ns, cid) for ns, cid in doomed],
            )
            await conn.executemany(
                "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
                "AND checkpoint_id = ?",
                [(thread_id, ns, cid) for ns, cid in doomed],
            )
            if base is not None and base.checkpoint_id is not None:
                async with conn.execute(
                    "SELECT task_id, idx FROM writes WHERE thread_id = ? AND checkpoint_ns = '' "
                    "AND checkpoint_id = ?",
                    (thread_id, base.checkpoint_id),
                ) as cursor:
                    extra = [k for k in await cursor.fetchall() if tuple(k) not in base.write_keys]
                await conn.executemany(
                    "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = '' "
                    "AND checkpoint_id = ? AND task_id = ? AND idx = ?",
                    [(thread_id, base.checkpoint_id, task, idx) for task, idx in extra],
                )
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    return [cid for ns, cid in doomed if ns == ""]


async def commit_if_stranded(saver: AsyncSqliteSaver) -> None:
    """Belt and braces after a cancel: never leave the saver's connection inside a transaction."""
    async with saver.lock:
        if saver.conn.in_transaction:
            await saver.conn.commit()


async def copy_thread_checkpoints(saver: AsyncSqliteSaver, source: str, target: str) -> int:
    """Copy every checkpoint and write of `source` (all namespaces) to thread `target`, in one
    transaction; returns how many checkpoints were copied. `POST /threads/{id}/copy`."""
    async with saver.lock:
        conn = saver.conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = await conn.execute(
                "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id,"
                " parent_checkpoint_id, type, checkpoint, metadata) SELECT ?, checkpoint_ns,"
                " checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM checkpoints"
                " WHERE thread_id = ?",
                (target, source),
            )
            copied = cursor.rowcount
            await conn.execute(
                "INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path,"
                " idx, channel, type, value) SELECT ?, checkpoint_ns, checkpoint_id, task_id,"
                " task_path, idx, channel, type, value FROM writes WHERE thread_id = ?",
                (target, source),
            )
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    return copied
