"""LangGraph's `AsyncSqliteSaver`, with its hot paths in one call to the database each.

`aput`, `aput_writes` and `aget_tuple` take three to six trips in the library (cursor, statement,
fetch, commit, close); a run makes about a dozen of these calls, and each trip is a thread
hand-off and a wake-up of the event loop. Here each is one function run whole (`inline.call`: on
the event loop while the connection's thread is idle, else on that thread), so a cancelled
caller cannot stop it half way, and its writes are one transaction that it commits or rolls back
itself: the autocommit guarantee of `checkpoints.py` holds (no transaction is ever left open).
Everything else (listing, deleting, the delta channel history) is the library's.

The saver also knows, without a read, what a head read would return right after its own writes:
each root `aput` checks in its call whether the checkpoint is now its thread's head with no
writes on it, and the answer is kept (in the order the database saw the writes) until a write,
a deletion or a copy touches the thread. The lifecycle uses it to skip reading back a head it
has just written (`known_head`, `take_written`).
"""

from __future__ import annotations

import json
from collections import OrderedDict
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

from engine.storage.inline import call, run_now
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
    """In one call (`inline.call`): insert `rows` as one transaction, committed or undone.

    Should a transaction have been left open (`commit_if_stranded`'s case), the rows join it and
    it is committed, as the library's own `aput` would."""
    db = conn._conn  # the loop or the connection's thread, never both at once (`inline`)
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


HEAD_ROW = (
    "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,"
    " metadata FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''"
    " ORDER BY checkpoint_id DESC LIMIT 1"
)
_HEAD_ID = (
    "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''"
    " ORDER BY checkpoint_id DESC LIMIT 1"
)
HAS_WRITES = (
    "SELECT 1 FROM writes WHERE thread_id = ? AND checkpoint_ns = '' AND checkpoint_id = ? LIMIT 1"
)
KNOWN_HEADS, KEPT_CHECKPOINTS = 4096, 16
EMPTY = ""  # a known head that is none: the thread has no root checkpoint
KEPT_ROWS, KEPT_ROW_BYTES = 64, 16 * 1024 * 1024


def _put_root(conn: aiosqlite.Connection, row: tuple[Any, ...]) -> bool:
    """In one call: `_write` one root checkpoint; is it now its thread's head, with no writes
    on it? (Two indexed reads in the same call: the answer a head read would give right
    after.)"""
    _write(conn, _PUT_CHECKPOINT, [row])
    db = conn._conn
    thread_id, checkpoint_id = row[0], row[2]
    head = db.execute(_HEAD_ID, (thread_id,)).fetchone()
    if head is None or head[0] != checkpoint_id:
        return False
    return db.execute(HAS_WRITES, (thread_id, checkpoint_id)).fetchone() is None


def _read(
    conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...], writes_sql: str
) -> tuple[tuple[Any, ...], Rows] | None:
    """In one call: a checkpoint row and its pending writes. Nothing else can write in between:
    this connection is the file's only writer, and one call runs at a time on it."""
    db = conn._conn
    row = db.execute(sql, params).fetchone()
    if row is None:
        return None
    writes = db.execute(writes_sql, (row[0], params[1], row[1])).fetchall()
    return tuple(row), [tuple(w) for w in writes]


class OneTripSaver(AsyncSqliteSaver):
    """`AsyncSqliteSaver` whose writes and head reads are one call each (see the module doc)."""

    def __init__(self, conn: aiosqlite.Connection, **kwargs: Any) -> None:
        super().__init__(conn, **kwargs)
        # thread -> its root head's id while that head has no writes (bounded, least recent out)
        self._heads: OrderedDict[str, str] = OrderedDict()
        # thread -> that head as a read would return it, when a run wrote it (few: values)
        self._kept: OrderedDict[str, CheckpointTuple] = OrderedDict()
        # thread -> that head's row as stored (a head read is then its deserialisation alone)
        self._rows: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self._row_bytes = 0

    async def _trip(
        self, fn: Any, *args: Any, thread_id: str | None = None, after: Any = None
    ) -> Any:
        """Run `fn` in one call (`inline.call`). With `thread_id` (a write to its root
        checkpoints): what is known of its head is forgotten first, and `after(result)` may say
        it again once the write is done; both under the lock, so in the order the database
        sees the writes (`_save` runs a write to its end even when its caller is cancelled)."""
        if not self.is_setup:
            await self.setup()
        async with self.lock:
            if thread_id is not None:
                self.forget(thread_id)
            result = await call(self.conn, fn, self.conn, *args)
            if after is not None:
                after(result)
            return result

    def forget(self, thread_id: str) -> None:
        """Something other than a put changed the thread's checkpoints: read its head again.
        Callers hold `self.lock` or run before anything else can write the thread."""
        self._heads.pop(thread_id, None)
        self._kept.pop(thread_id, None)
        self._drop_row(thread_id)

    def _drop_row(self, thread_id: str) -> None:
        row = self._rows.pop(thread_id, None)
        if row is not None:
            self._row_bytes -= len(row[5]) + len(row[6])

    def _head_row(self, thread_id: str) -> tuple[Any, ...] | None:
        row = self._rows.get(thread_id)
        if row is None or self._heads.get(thread_id) != row[2]:
            return None
        return row

    def known_head(self, thread_id: str) -> str | None:
        """The thread's root head id, when this saver wrote it last and no write is on it
        (`EMPTY`: it knows the thread has none); None when it does not know."""
        return self._heads.get(thread_id)

    def take_written(self, thread_id: str, run_id: str) -> CheckpointTuple | None:
        """The thread's head as `aget_tuple` would return it, if it is still the checkpoint run
        `run_id` put last and no write is on it; forgotten either way (it holds values)."""
        kept = self._kept.pop(thread_id, None)
        if kept is None or kept.metadata.get("run_id") != run_id:
            return None
        if self._heads.get(thread_id) != kept.config["configurable"]["checkpoint_id"]:
            return None
        return kept

    def note_bare_head(self, thread_id: str, row: tuple[Any, ...] | None) -> None:
        """A write under `self.lock` left this checkpoint row (as stored: thread, namespace,
        id, parent, type, blob, metadata) its thread's root head with no writes on it; None:
        left the thread without root checkpoints."""
        self._drop_row(thread_id)
        self._heads[thread_id] = EMPTY if row is None else row[2]
        self._heads.move_to_end(thread_id)
        while len(self._heads) > KNOWN_HEADS:
            self._heads.popitem(last=False)
        if row is None:
            return
        self._rows[thread_id] = row
        self._row_bytes += len(row[5]) + len(row[6])
        while self._rows and (len(self._rows) > KEPT_ROWS or self._row_bytes > KEPT_ROW_BYTES):
            self._drop_row(next(iter(self._rows)))

    def _note_writes(self, thread_id: str, checkpoint_id: str, task_path: str) -> None:
        """A task's writes on a root checkpoint are saved (a hook: the story's saver hears of
        them here, in the save's own trip, so even when the task's run is cancelled)."""

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
        if not is_bare_head:
            return
        self.note_bare_head(thread_id, row)
        if metadata.get("run_id"):
            self._kept[thread_id] = CheckpointTuple(saved, checkpoint, metadata, parent, [])
            while len(self._kept) > KEPT_CHECKPOINTS:
                self._kept.popitem(last=False)

    async def adelete_thread(self, thread_id: str) -> None:
        self.forget(str(thread_id))  # nothing writes it again before its deletion is done
        await super().adelete_thread(thread_id)
        self.forget(str(thread_id))

    async def _save(
        self, fn: Any, *args: Any, thread_id: str | None = None, after: Any = None
    ) -> Any:
        """`_trip` for a write; once begun, to the end even if the caller is cancelled.

        LangGraph saves a finished step's checkpoint (and a finished task's writes) in a task of
        its own and, with durability "sync", awaits it before the next step, so cancelling the
        run cancels the save. Under load the save may still be waiting for this connection long
        after the step's writes were saved and a client saw its output in the thread's state;
        cut there, the head stayed the step's parent and the interrupting run's input discarded
        what the step had done (tests/engine/test_interrupted_save.py). Shielded, the save lands
        before LangGraph's exit (which waits for its save tasks) and so before the run's end.

        When nobody holds the lock and the connection takes the call on the loop, the save runs
        right now, with no await at all (so nothing to cut, and no task to shield it in).
        """
        if self.is_setup and not self.lock.locked():
            if thread_id is not None:
                self.forget(thread_id)
            done, result = run_now(self.conn, fn, self.conn, *args)
            if done:
                if after is not None:
                    after(result)
                return result
        return await run_to_completion(self._trip(fn, *args, thread_id=thread_id, after=after))

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
        stored_meta = get_checkpoint_metadata(config, metadata)
        meta = json.dumps(stored_meta, ensure_ascii=False)
        row = (
            thread_id,
            checkpoint_ns,
            checkpoint["id"],
            configurable.get("checkpoint_id"),
            type_,
            blob,
            meta.encode("utf-8", "ignore"),
        )
        saved: RunnableConfig = {
            "configurable": {
                "thread_id": configurable["thread_id"],
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }
        if checkpoint_ns:
            await self._save(_write, _PUT_CHECKPOINT, [row])
            return saved
        parent = None
        if row[3]:
            parent = {
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": "",
                    "checkpoint_id": row[3],
                }
            }
        tuple_config: RunnableConfig = {
            "configurable": {"thread_id": thread_id, "checkpoint_ns": "", "checkpoint_id": row[2]}
        }

        def note(is_bare_head: bool) -> None:
            self._note_put(
                thread_id, row, tuple_config, parent, checkpoint, stored_meta, is_bare_head
            )

        # A save LangGraph has begun completes even if its run is cancelled meanwhile (see
        # `_save`): the step it saves has finished, and a client may already have seen it.
        await self._save(_put_root, row, thread_id=thread_id, after=note)
        return saved

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
        if key[1]:
            if rows:
                await self._save(_write, verb + _PUT_WRITES, rows)
            return

        def note(_: Any = None) -> None:
            self._note_writes(key[0], key[2], task_path)

        if not rows:  # a node that wrote nothing still made its step
            note()
            return
        await self._save(_write, verb + _PUT_WRITES, rows, thread_id=key[0], after=note)

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
        latest = not wanted and not checkpoint_ns
        known = self._head_row(params[0]) if latest else None
        if known is not None:  # this saver wrote the head, and nothing has written on it
            found = ((known[0], known[2], known[3], known[4], known[5], known[6]), [])
        elif latest and self._heads.get(params[0]) == EMPTY:
            return None
        else:
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
