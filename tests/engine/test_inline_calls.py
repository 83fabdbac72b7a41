"""Storage calls run on the event loop only when that is safe (`engine.storage.inline`): the
connection's thread idle, the database not locked; otherwise on the thread, as before."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bench.trips import counting_trips
from engine.core import INLINE_UP_TO_RUNS, Engine
from engine.storage import inline
from engine.storage.inline import CHECKPOINT_EVERY, InlineConnection
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates

PAGE = 4096


@pytest.fixture
def here() -> Iterator[Counter[int]]:
    """Calls run on the event loop, per connection (as `bench.trips` counts them)."""
    with counting_trips() as (_, counted):
        yield counted


@pytest.fixture
async def conn(tmp_path: Path) -> AsyncIterator[InlineConnection]:
    connection = await inline.connect(tmp_path / "t.db", isolation_level=None)
    await connection.execute("PRAGMA journal_mode=WAL")
    await connection.execute("PRAGMA synchronous=NORMAL")
    await connection.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    try:
        yield connection
    finally:
        await connection.close()


def _put(conn: InlineConnection, key: int, size: int = 16) -> str:
    """A seam-style function: `BEGIN IMMEDIATE` first, one transaction; names its thread."""
    db = conn._conn
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("INSERT OR REPLACE INTO t VALUES (?, ?)", (key, b"x" * size))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return threading.current_thread().name


def _holds(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def predicate() -> bool:
        return check()

    return predicate


def _rows(path: Path) -> list[int]:
    with sqlite3.connect(path) as other:
        return [k for (k,) in other.execute("SELECT k FROM t ORDER BY k")]


async def test_an_idle_connection_runs_the_call_on_the_loop(
    conn: InlineConnection, here: Counter[int]
) -> None:
    queued = conn.queued
    ran_on = await inline.call(conn, _put, conn, 1)
    assert ran_on == threading.current_thread().name
    assert conn.queued == queued and here[id(conn)] == 1


async def test_a_busy_thread_gets_the_call_in_order(
    conn: InlineConnection, here: Counter[int]
) -> None:
    """While the thread works on a queued call, the next call queues behind it (two threads
    never share the connection) and runs after it."""
    release = threading.Event()
    order: list[str] = []

    def blocking(conn: InlineConnection) -> None:
        release.wait(10)
        order.append("first")

    first = asyncio.ensure_future(conn._execute(blocking, conn))
    await wait_until(_holds(lambda: not conn.idle), what="the first call to be queued")
    second = asyncio.ensure_future(inline.call(conn, _put, conn, 2))
    await asyncio.sleep(0)  # let `second` reach the queue
    assert not second.done() and order == []
    release.set()
    await first
    ran_on = await second
    assert order == ["first"] and ran_on != threading.current_thread().name
    assert here[id(conn)] == 0


async def test_a_locked_database_sends_the_call_to_the_thread_and_the_loop_runs_on(
    conn: InlineConnection, tmp_path: Path, here: Counter[int]
) -> None:
    """Another process holds the write lock: the call does not wait on the loop (this test's
    own coroutine goes on and lets the lock go); it waits on the thread, then lands."""
    other = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        writing = asyncio.ensure_future(inline.call(conn, _put, conn, 3))
        await wait_until(_holds(lambda: not conn.idle), what="the call to go to the thread")
        assert not writing.done() and here[id(conn)] == 0
        other.execute("COMMIT")
        ran_on = await asyncio.wait_for(writing, 10)
    finally:
        other.close()
    assert ran_on != threading.current_thread().name
    assert _rows(tmp_path / "t.db") == [3]
    # The call on the thread waited with the thread's busy timeout, and kept it.
    assert (await conn.execute_fetchall("PRAGMA busy_timeout"))[0][0] == inline.BUSY_TIMEOUT_MS


async def test_the_settings_switch_only_when_the_side_running_calls_changes(
    conn: InlineConnection,
) -> None:
    """The loop's settings (no busy wait, no auto-checkpoint) are set by the first call there
    and kept for the next ones; a call on the thread has the thread's again."""
    statements: list[str] = []
    conn._conn.set_trace_callback(statements.append)
    loop_side = ["PRAGMA busy_timeout=0", "PRAGMA wal_autocheckpoint=0"]
    thread_side = [
        f"PRAGMA busy_timeout={inline.BUSY_TIMEOUT_MS}",
        f"PRAGMA wal_autocheckpoint={inline.AUTOCHECKPOINT_PAGES}",
    ]

    def settings() -> list[str]:
        found = [s for s in statements if s.startswith("PRAGMA") and "=" in s]
        statements.clear()
        return found

    for key in range(3):
        await inline.call(conn, _put, conn, key)
    assert settings() == loop_side
    assert (await conn.execute_fetchall("PRAGMA busy_timeout"))[0][0] == inline.BUSY_TIMEOUT_MS
    assert (await conn.execute_fetchall("PRAGMA wal_autocheckpoint"))[0][0] == 1000
    assert settings() == thread_side
    await inline.call(conn, _put, conn, 3)
    assert settings() == loop_side


async def test_an_error_on_the_loop_propagates_and_leaves_no_transaction(
    conn: InlineConnection,
) -> None:
    def failing(conn: InlineConnection) -> None:
        db = conn._conn
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("INSERT INTO t VALUES (1, x'00')")
            db.execute("INSERT INTO t VALUES (1, x'00')")  # the same key: IntegrityError
        except BaseException:
            db.execute("ROLLBACK")
            raise

    with pytest.raises(sqlite3.IntegrityError):
        await inline.call(conn, failing, conn)
    assert not conn._conn.in_transaction
    assert (await conn.execute_fetchall("SELECT COUNT(*) FROM t"))[0][0] == 0
    assert (await conn.execute_fetchall("PRAGMA busy_timeout"))[0][0] == inline.BUSY_TIMEOUT_MS


async def test_the_wal_is_checkpointed_on_the_thread_and_stays_bounded(
    conn: InlineConnection, tmp_path: Path
) -> None:
    """Auto-checkpointing is off while a call runs on the loop (the loop never syncs the disk);
    the passive checkpoints queued every `CHECKPOINT_EVERY` such calls keep the WAL from growing
    with every write. Calls on the thread checkpoint as SQLite does by default."""
    assert (await conn.execute_fetchall("PRAGMA wal_autocheckpoint"))[0][0] == 1000
    wal_file = tmp_path / "t.db-wal"
    for key in range(CHECKPOINT_EVERY - 2):  # the first checkpoint is not due yet
        await inline.call(conn, _put, conn, key, PAGE // 2)
    one_round = wal_file.stat().st_size  # what the writes between two checkpoints take
    rounds = 8
    for key in range(CHECKPOINT_EVERY - 2, rounds * CHECKPOINT_EVERY):
        await inline.call(conn, _put, conn, key, PAGE // 2)
    await wait_until(_holds(lambda: conn.idle), what="the last checkpoint")
    # The WAL file is reused from its start after a complete checkpoint, not grown: its size
    # is the most it ever held at once. With no checkpoint it would hold every round.
    assert wal_file.stat().st_size < 3 * one_round, (wal_file.stat().st_size, one_round)
    assert len(_rows(tmp_path / "t.db")) == rounds * CHECKPOINT_EVERY


async def test_a_loaded_loop_leaves_sqlite_to_the_thread(
    conn: InlineConnection, here: Counter[int]
) -> None:
    """While `loop_busy` says so, calls go to the thread (SQLite then runs beside the loop)."""
    busy = True
    conn.loop_busy = lambda: busy
    assert await inline.call(conn, _put, conn, 1) != threading.current_thread().name
    busy = False
    assert await inline.call(conn, _put, conn, 2) == threading.current_thread().name
    assert here[id(conn)] == 1


async def test_the_engine_calls_on_the_loop_only_while_one_run_executes(
    engine: Engine, here: Counter[int]
) -> None:
    """The engine's load signal is its executing runs (`INLINE_UP_TO_RUNS`, one)."""
    store = engine.store.inner
    assert isinstance(store.conn, InlineConnection)

    async def read_here() -> bool:
        before = here[id(store.conn)]
        await store.aget(("load",), "key")
        return here[id(store.conn)] == before + 1

    assert await read_here()  # nothing executing
    for n in (1, 2):
        thread_id = (await engine.create_thread())["thread_id"]
        await engine.create_run(thread_id, assistant_id="gated", input=human(f"hold:load{n}"))
        await wait_until(lambda n=n: gates.reached(f"load{n}"), what=f"run {n} to hold")
        assert len(engine.lifecycle.executions) == n
        # One run: the loop has little else to do. Two: the thread runs SQLite beside it.
        assert await read_here() == (n <= INLINE_UP_TO_RUNS)
    gates.open("load1")
    gates.open("load2")
