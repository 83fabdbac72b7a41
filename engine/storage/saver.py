"""LangGraph's `AsyncSqliteSaver`, with its hot paths in one trip to the database thread each.

`aput`, `aput_writes` and `aget_tuple` take three to six trips in the library (cursor, statement,
fetch, commit, close); a run makes about a dozen of these calls, and each trip is a thread
hand-off and a wake-up of the event loop. Here each runs whole on the connection's thread, so a
cancelled caller cannot stop it half way, and its writes are one transaction that it commits or
rolls back itself: the autocommit guarantee of `checkpoints.py` holds (no transaction is ever
left open). Everything else (listing, deleting, the delta channel history) is the library's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.checkpoint.sqlite.utils import load_pending_writes, pending_writes_sql

from engine.storage.shielded import run_to_completion

_PUT_CHECKPOINT = (
    "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id,"
    " parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_PUT_WRITES = (
    " INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel,"
    " type, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_CHECKPOINT = (
    "SELECT thread_id, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata"
    " FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?"
)

Rows = list[tuple[Any, ...]]


def _write(conn: aiosqlite.Connection, sql: str, rows: Rows) -> None:
    """On the connection's thread: insert `rows` as one transaction, committed or undone.

    Should a transaction have been left open (`commit_if_stranded`'s case), the rows join it and
    it is committed, as the library's own `aput` would."""
    db = conn._conn  # aiosqlite's thread owns this connection, and we are on it
    own = not db.in_transaction
    if own:
        db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(sql, rows)
        db.execute("COMMIT")
    except BaseException:
        if own and db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _read(
    conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...], writes_sql: str
) -> tuple[tuple[Any, ...], Rows] | None:
    """On the connection's thread: a checkpoint row and its pending writes. Nothing else can
    write in between: this connection is the file's only writer and its thread is ours."""
    db = conn._conn
    row = db.execute(sql, params).fetchone()
    if row is None:
        return None
    writes = db.execute(writes_sql, (row[0], params[1], row[1])).fetchall()
    return tuple(row), [tuple(w) for w in writes]


class OneTripSaver(AsyncSqliteSaver):
    """`AsyncSqliteSaver` whose writes and head reads are one trip each (see the module doc)."""

    async def _trip(self, fn: Any, *args: Any) -> Any:
        if not self.is_setup:
            await self.setup()
        async with self.lock:
            # aiosqlite's queueing primitive (no public call runs a function on its thread);
            # the same one `Records.atomic` relies on, pinned by our version range.
            return await self.conn._execute(fn, self.conn, *args)

    async def _save(self, sql: str, rows: Rows) -> None:
        """Write rows; once begun, to the end even if the caller is cancelled.

        LangGraph saves a finished step's checkpoint (and a finished task's writes) in a task of
        its own and, with durability "sync", awaits it before the next step, so cancelling the
        run cancels the save. Under load the save may still be waiting for this connection long
        after the step's writes were saved and a client saw its output in the thread's state;
        cut there, the head stayed the step's parent and the interrupting run's input discarded
        what the step had done (tests/engine/test_interrupted_save.py). Shielded, the save lands
        before LangGraph's exit (which waits for its save tasks) and so before the run's end.
        """
        await run_to_completion(self._trip(_write, sql, rows))

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id, checkpoint_ns = str(configurable["thread_id"]), configurable["checkpoint_ns"]
        type_, blob = self.serde.dumps_typed(checkpoint)
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False)
        row = (
            thread_id,
            checkpoint_ns,
            checkpoint["id"],
            configurable.get("checkpoint_id"),
            type_,
            blob,
            meta.encode("utf-8", "ignore"),
        )
        # A save LangGraph has begun completes even if its run is cancelled meanwhile (see
        # `_save`): the step it saves has finished, and a client may already have seen it.
        await self._save(_PUT_CHECKPOINT, [row])
        return {
            "configurable": {
                "thread_id": configurable["thread_id"],
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        # Special channels (errors, interrupts, ...) replace; ordinary ones keep the first write.
        verb = (
            "INSERT OR REPLACE"
            if all(w[0] in WRITES_IDX_MAP for w in writes)
            else ("INSERT OR IGNORE")
        )
        configurable = config["configurable"]
        key = (
            str(configurable["thread_id"]),
            str(configurable["checkpoint_ns"]),
            str(configurable["checkpoint_id"]),
        )
        rows = [
            (
                *key,
                task_id,
                task_path,
                WRITES_IDX_MAP.get(channel, idx),
                channel,
                *self.serde.dumps_typed(value),
            )
            for idx, (channel, value) in enumerate(writes)
        ]
        if rows:
            await self._save(verb + _PUT_WRITES, rows)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        configurable = config["configurable"]
        checkpoint_ns = configurable.get("checkpoint_ns", "")
        params: tuple[Any, ...] = (str(configurable["thread_id"]), checkpoint_ns)
        wanted = get_checkpoint_id(config)
        if wanted:
            sql = _SELECT_CHECKPOINT + " AND checkpoint_id = ?"
            params += (wanted,)
        else:
            sql = _SELECT_CHECKPOINT + " ORDER BY checkpoint_id DESC LIMIT 1"
        found = await self._trip(_read, sql, params, pending_writes_sql(self._has_task_path))
        if found is None:
            return None
        (thread_id, checkpoint_id, parent_id, type_, blob, meta), writes = found
        if not wanted:
            config = {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": checkpoint_ns,
                    "checkpoint_id": checkpoint_id,
                }
            }
        parent = None
        if parent_id:
            parent = {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": checkpoint_ns,
                    "checkpoint_id": parent_id,
                }
            }
        return CheckpointTuple(
            config,
            self.serde.loads_typed((type_, blob)),
            json.loads(meta) if meta is not None else {},
            parent,
            load_pending_writes(writes, self.serde),
        )
