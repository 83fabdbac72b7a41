"""Storage calls run on the event loop when the database's thread would only add a hand-off.

aiosqlite runs every call on a thread of its own: the call is queued, the thread takes it, and
its result wakes the event loop. On an idle loop that is 0.1 ms; in a run it is 0.4–0.6 ms a
call (`python -m bench.phases`), because the thread must also win the GIL back from the loop.
The statement itself, a short transaction in WAL mode with `synchronous=NORMAL` (no fsync at
commit), takes 20–40 µs. So the one-trip seams (`Records.atomic`, the saver's and the store's
one-trip calls, a run's checkpoint deletion) hand their function to `call`, which runs it right
here when that is safe and cheap, and queues it to the thread as before when not:

* here only when the connection's thread has nothing queued or running: the connection is then
  used by one thread at a time, as sqlite3 requires (its thread counts what it has finished);
* here only without waiting for a lock: the busy timeout is 0 for the attempt, and a call that
  finds the database locked (another process writing the file) is queued to the thread, which
  waits as usual. Each seam's function starts with `BEGIN IMMEDIATE` (or only reads), so a
  locked database stops it before it has changed anything;
* here only while the loop has little else to do (`loop_busy`, which the engine sets from the
  runs it executes): when it is loaded, the thread runs SQLite beside it on the other core (the
  sqlite3 module lets go of the GIL while SQLite works), which is worth more than the hand-off
  costs. Under `bench storm` (50 threads, 100 streams) every call on the loop took `POST /runs`
  to p50 1.1–1.6 s, p99 7.9–9.3 s, against 0.33–1.1 s and 3.7–5.8 s with none there;
* the loop never runs a WAL checkpoint (the one step that syncs the disk): auto-checkpointing is
  off for calls here, and every `CHECKPOINT_EVERY` calls here a passive checkpoint is queued to
  the thread instead. Calls on the thread checkpoint as SQLite does by default (past 1000 pages,
  at commit): the storm measured checkpoints every 256 calls there slower.

The two settings (busy timeout, auto-checkpoint) are switched only when the side using the
connection changes, not around every call: four `PRAGMA`s a call were 32 statements of a
preempt's 85 (`cProfile` of `bench.trips.preempting`).

A call run here has no `await` in it, so no cancel can cut it half way: what the thread's queue
guaranteed (a function runs whole, whatever happens to its caller) holds as well.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000  # how long a call on the thread waits for a lock (sqlite3's default)
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default: a commit on the thread checkpoints past this
CHECKPOINT_EVERY = 256  # calls on the loop between two passive WAL checkpoints on the thread
_LOCK_ERRORS = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that knows when its thread is idle (see the module doc)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.queued = 0  # calls handed to the thread (counted on the loop)
        self.finished = 0  # calls the thread has finished (counted on the thread)
        # True while the loop has enough else to do that the thread should run SQLite beside
        # it (set by the engine); None: the loop never has.
        self.loop_busy: Callable[[], bool] | None = None
        self._since_checkpoint = 0
        self._loop_settings = False  # sqlite3's own settings, the thread's, until a call here

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        self.queued += 1
        return await super()._execute(self._counted, partial(fn, *args, **kwargs))

    def _counted(self, function: Callable[[], Any]) -> Any:
        """On the thread: run a queued call with the thread's settings, then count it finished
        (whatever it raised)."""
        try:
            if self._loop_settings and self._connection is not None:
                self._connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                self._connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                self._loop_settings = False
            return function()
        finally:
            self.finished += 1

    @property
    def idle(self) -> bool:
        """Open, and its thread has nothing queued or running: the loop may use it now."""
        return self._running and self._connection is not None and self.finished == self.queued

    @property
    def here(self) -> bool:
        """Run the next call on the loop: the thread is idle and the loop is not loaded."""
        return self.idle and not (self.loop_busy is not None and self.loop_busy())

    def try_here(self, fn: Callable[..., T], *args: Any) -> tuple[bool, T | None]:
        """Run `fn(*args)` on this (the loop's) thread unless it would wait for a lock:
        (True, its result), or (False, None) when the database was locked and nothing was done.
        Only while `idle`."""
        db = self._conn
        if not self._loop_settings:
            db.execute("PRAGMA busy_timeout=0")
            db.execute("PRAGMA wal_autocheckpoint=0")  # no checkpoint (and its fsync) on the loop
            self._loop_settings = True
        try:
            return True, fn(*args)
        except sqlite3.OperationalError as exc:
            if _is_lock_error(exc) and not db.in_transaction:
                return False, None
            raise

    def called(self) -> None:
        """One more call run on the loop: now and then, checkpoint the WAL on the thread."""
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY and self._running:
            self._since_checkpoint = 0
            self.queued += 1
            # No future: nobody waits for it, and the thread drops what it might raise.
            self._tx.put_nowait((None, partial(self._counted, self._checkpoint)))

    def _checkpoint(self) -> None:
        if self._connection is not None:
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _LOCK_ERRORS


def run_now(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> tuple[bool, T | None]:
    """`fn(*args)` run right here, synchronously, if `conn` allows it (see the module doc):
    (True, its result); (False, None) when it must go to the connection's thread."""
    if not (isinstance(conn, InlineConnection) and conn.here):
        return False, None
    done, result = conn.try_here(fn, *args)
    if done:
        conn.called()
    return done, result


async def call(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` run whole: on the loop when `conn` allows it (see the module doc), else on
    the connection's thread. `fn` uses `conn._conn` and starts with `BEGIN IMMEDIATE` or only
    reads."""
    done, result = run_now(conn, fn, *args)
    if done:
        return result  # type: ignore[return-value]
    # aiosqlite's queueing primitive (no public call runs a function on its thread), pinned by
    # our version range.
    return await conn._execute(fn, *args)


def share_load(busy: Callable[[], bool], *conns: aiosqlite.Connection) -> None:
    """Tell these connections when the loop is loaded (`InlineConnection.loop_busy`)."""
    for conn in conns:
        if isinstance(conn, InlineConnection):
            conn.loop_busy = busy


async def connect(path: Path, **kwargs: Any) -> InlineConnection:
    """An `InlineConnection` to `path` (kwargs as `sqlite3.connect`'s)."""

    def connector() -> sqlite3.Connection:
        # The loop and the connection's thread take turns with it (never both at once).
        return sqlite3.connect(str(path), check_same_thread=False, **kwargs)

    conn = InlineConnection(connector)
    await conn
    return conn
