"""LangGraph checkpoints in SQLite, plus the deletions the library does not offer.

The saver's connection is opened in autocommit mode: a run cancelled in the middle of `aput` can
then never leave a transaction open (see the reference notes on cancellation). All custom SQL
runs under `saver.lock`, which serialises the saver's one connection. The saver is
`OneTripSaver` (`saver.py`): LangGraph's, with its hot paths in one trip each.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import Checkpoint
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from engine.storage.db import fetch_all, open_sqlite
from engine.storage.inline import call
from engine.storage.saver import HAS_WRITES, HEAD_ROW, OneTripSaver
from engine.storage.shielded import run_to_completion

_RUN_ID = "json_extract(CAST(metadata AS TEXT), '$.run_id')"
_BRANCH = "branch:to:"

# (thread_id, run_id or None, the checkpoint's story fields), called once a checkpoint is saved.
CheckpointListener = Callable[[str, str | None, dict[str, Any]], None]


def node_of(task_path: str) -> str | None:
    """The node of a task from LangGraph's task path (`~__pregel_pull, update_todos`)."""
    parts = task_path.lstrip("~").split(", ")
    return parts[1] if len(parts) == 2 and parts[0] == "__pregel_pull" else None


def next_nodes(updated_channels: Sequence[str] | None) -> list[str]:
    """The nodes a checkpoint will run next: those its step triggered (`branch:to:<node>`)."""
    channels = list(updated_channels or [])
    nodes = [c[len(_BRANCH) :] for c in channels if c.startswith(_BRANCH)]
    return ["__start__", *nodes] if "__start__" in channels else nodes


class TellingSaver(OneTripSaver):
    """The one-trip SQLite saver, telling a listener (the thread's story) each root checkpoint
    of a run it saved, with the node whose writes made it and the nodes it will run next."""

    listener: CheckpointListener | None = None

    def __init__(self, conn: aiosqlite.Connection) -> None:
        super().__init__(conn)
        # (thread_id, checkpoint_id) -> nodes that wrote on it; popped by its child. Bounded:
        # a checkpoint that never gets a child (its run was cut) must not keep its entry.
        self._writers: OrderedDict[tuple[str, str], list[str]] = OrderedDict()

    def _note_writes(self, thread_id: str, checkpoint_id: str, task_path: str) -> None:
        """Remember which node wrote on a root checkpoint: its child's story event names it."""
        node = node_of(task_path)
        if self.listener is None or not node:
            return
        nodes = self._writers.setdefault((thread_id, checkpoint_id), [])
        if node not in nodes:
            nodes.append(node)
        while len(self._writers) > 1024:
            self._writers.popitem(last=False)

    def _note_put(
        self,
        thread_id: str,
        row: tuple[Any, ...],
        saved: RunnableConfig,
        parent: RunnableConfig | None,
        checkpoint: Checkpoint,
        metadata: dict[str, Any],
        is_bare_head: bool,
    ) -> None:
        """Told here, at the end of the root put's own trip, not after `aput` returns: a save
        completes even when its run is cancelled meanwhile (`OneTripSaver._save`), and the
        story must hear of that checkpoint too. `metadata` is as stored: the config's run id
        merged in."""
        super()._note_put(thread_id, row, saved, parent, checkpoint, metadata, is_bare_head)
        run_id = metadata.get("run_id")
        if self.listener is None or not run_id:
            return
        nodes = self._writers.pop((thread_id, str(row[3])), [])
        fields = {
            "checkpoint_id": checkpoint["id"],
            "step": metadata.get("step"),
            "source": metadata.get("source"),
            "node": nodes[0] if len(nodes) == 1 else (nodes or None),
            "next": next_nodes(checkpoint.get("updated_channels")),
        }
        self.listener(thread_id, str(run_id), fields)


async def open_saver(path: Path) -> TellingSaver:
    savers: list[TellingSaver] = []

    async def prepare(conn: aiosqlite.Connection) -> None:
        savers.append(TellingSaver(conn))
        await savers[0].setup()
        await conn.execute("PRAGMA synchronous=NORMAL")

    await open_sqlite(path, "checkpoint database", prepare)
    return savers[0]


@dataclass(frozen=True)
class Head:
    """Where a thread stood before a run: its head checkpoint and that checkpoint's writes."""

    checkpoint_id: str | None
    write_keys: frozenset[tuple[str, int]]


async def _fetch_all(saver: AsyncSqliteSaver, sql: str, params: Sequence[Any]) -> list[Any]:
    """Rows of a query on the saver's connection, in one call (a cursor costs three trips)."""
    async with saver.lock:
        return await fetch_all(saver.conn, sql, params)


async def run_checkpoints(
    saver: AsyncSqliteSaver, thread_id: str, run_id: str
) -> list[dict[str, Any]]:
    """Story fields of a run's root checkpoints, oldest first, read back from the table (for
    recovery: the node and next nodes are not kept there, so they are null and [])."""
    rows = await _fetch_all(
        saver,
        "SELECT checkpoint_id, json_extract(CAST(metadata AS TEXT), '$.step'),"
        " json_extract(CAST(metadata AS TEXT), '$.source') FROM checkpoints"
        f" WHERE thread_id = ? AND checkpoint_ns = '' AND {_RUN_ID} = ? ORDER BY checkpoint_id",
        (thread_id, run_id),
    )
    return [
        {"checkpoint_id": cid, "step": step, "source": source, "node": None, "next": []}
        for cid, step, source in rows
    ]


def _forget(saver: AsyncSqliteSaver, thread_id: str) -> None:
    """A change to the thread's checkpoints the saver did not make: it must read its head."""
    if isinstance(saver, OneTripSaver):
        saver.forget(thread_id)


def known_empty(saver: AsyncSqliteSaver, thread_id: str) -> None:
    """A thread the caller knows has no checkpoints (its id was just made): no head read."""
    if isinstance(saver, OneTripSaver):
        saver.note_bare_head(thread_id, None)


def known_thread_head(saver: AsyncSqliteSaver, thread_id: str) -> Head | None:
    """The thread's root head when this saver wrote it last and nothing has written on it since
    (so with no writes on it); None when only a read can tell."""
    known = saver.known_head(thread_id) if isinstance(saver, OneTripSaver) else None
    if known is None:
        return None
    return Head(known or None, frozenset())  # EMPTY: no root checkpoint


async def thread_head(saver: AsyncSqliteSaver, thread_id: str) -> Head:
    """The thread's root head and the writes on it: without a read when this saver wrote that
    head last and nothing has written on it since."""
    known = known_thread_head(saver, thread_id)
    if known is not None:
        return known
    rows = await _fetch_all(
        saver,
        "SELECT head.checkpoint_id, w.task_id, w.idx FROM"
        " (SELECT checkpoint_id FROM checkpoints WHERE thread_id = ?1 AND checkpoint_ns = ''"
        " ORDER BY checkpoint_id DESC LIMIT 1) head"
        " LEFT JOIN writes w ON w.thread_id = ?1 AND w.checkpoint_ns = ''"
        " AND w.checkpoint_id = head.checkpoint_id",
        (thread_id,),
    )
    if not rows:
        return Head(None, frozenset())
    keys = frozenset((task, idx) for _, task, idx in rows if task is not None)
    return Head(rows[0][0], keys)


async def run_has_checkpoints(saver: AsyncSqliteSaver, thread_id: str, run_id: str) -> bool:
    sql = f"SELECT 1 FROM checkpoints WHERE thread_id = ? AND {_RUN_ID} = ? LIMIT 1"
    return bool(await _fetch_all(saver, sql, (thread_id, run_id)))


async def run_progressed(
    saver: AsyncSqliteSaver, thread_id: str, run_id: str, since: str | None
) -> bool:
    """Did the run write a checkpoint after `since` (its thread's head when it was claimed)?"""
    sql = f"SELECT 1 FROM checkpoints WHERE thread_id = ? AND {_RUN_ID} = ?"
    params: list[object] = [thread_id, run_id]
    if since is not None:
        sql += " AND checkpoint_id > ?"
        params.append(since)
    return bool(await _fetch_all(saver, sql + " LIMIT 1", params))


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
    async with saver.lock:  # one call: the whole transaction runs at once (`inline.call`)
        _forget(saver, thread_id)
        removed, bare, head = await call(
            saver.conn, _delete_run, saver.conn, thread_id, run_id, base
        )
        if bare and isinstance(saver, OneTripSaver):
            saver.note_bare_head(thread_id, head)  # what is left: reading it needs no trip
        return removed


def _delete_run(
    conn: aiosqlite.Connection, thread_id: str, run_id: str, base: Head | None
) -> tuple[list[str], bool, tuple[Any, ...] | None]:
    """In one call: `delete_run_checkpoints` as one transaction. Also returns
    whether the thread's root head afterwards has no writes on it, and that head's row (None:
    the thread has no root checkpoint)."""
    db = conn._conn
    params: list[object] = [thread_id, run_id]
    where = f"thread_id = ? AND ({_RUN_ID} = ?"
    if base is not None and base.checkpoint_id is not None:
        where += " OR checkpoint_id > ?"
        params.append(base.checkpoint_id)
    elif base is not None:
        where += " OR 1"
    where += ")"
    db.execute("BEGIN IMMEDIATE")
    try:
        doomed = [
            (ns, cid)
            for ns, cid in db.execute(
                f"SELECT checkpoint_ns, checkpoint_id FROM checkpoints WHERE {where}", params
            ).fetchall()
        ]
        db.executemany(
            "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
            [(thread_id, ns, cid) for ns, cid in doomed],
        )
        db.executemany(
            "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?"
            " AND checkpoint_id = ?",
            [(thread_id, ns, cid) for ns, cid in doomed],
        )
        if base is not None and base.checkpoint_id is not None:
            found = db.execute(
                "SELECT task_id, idx FROM writes WHERE thread_id = ? AND checkpoint_ns = ''"
                " AND checkpoint_id = ?",
                (thread_id, base.checkpoint_id),
            ).fetchall()
            extra = [k for k in found if tuple(k) not in base.write_keys]
            db.executemany(
                "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ''"
                " AND checkpoint_id = ? AND task_id = ? AND idx = ?",
                [(thread_id, base.checkpoint_id, task, idx) for task, idx in extra],
            )
        head = db.execute(HEAD_ROW, (thread_id,)).fetchone()
        bare = head is None or not db.execute(HAS_WRITES, (thread_id, head[2])).fetchone()
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return [cid for ns, cid in doomed if ns == ""], bare, None if head is None else tuple(head)


async def commit_if_stranded(saver: AsyncSqliteSaver) -> None:
    """Belt and braces after a cancel: never leave the saver's connection inside a transaction."""
    async with saver.lock:
        if saver.conn.in_transaction:
            await saver.conn.commit()


async def copy_thread_checkpoints(saver: AsyncSqliteSaver, source: str, target: str) -> int:
    """Copy every checkpoint and write of `source` (all namespaces) to thread `target`, in one
    transaction; returns how many checkpoints were copied. `POST /threads/{id}/copy`."""
    async with saver.lock:
        _forget(saver, target)
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
