"""The engine's own SQLite database: threads, runs, the store journal and the threads' stories.

Checkpoints and the LangGraph store live in their own files (see `checkpoints.py`); this file holds
only what the engine itself needs to be durable: which threads exist, every accepted run with its
input and status, and which store writes each run made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from engine.datadir import private_file
from engine.errors import StorageError
from engine.storage import inline

# Each entry upgrades the schema by one version (PRAGMA user_version); never edit a shipped one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE threads (
        thread_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        state_updated_at TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'idle',
        config TEXT NOT NULL DEFAULT '{}',
        state_values TEXT,
        interrupts TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        has_next INTEGER NOT NULL DEFAULT 0,
        graph_id TEXT
    );
    CREATE TABLE runs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL UNIQUE,
        thread_id TEXT NOT NULL,
        assistant_id TEXT NOT NULL,
        graph_id TEXT NOT NULL,
        status TEXT NOT NULL,
        multitask_strategy TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        not_before REAL NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{}',
        kwargs TEXT NOT NULL DEFAULT '{}',
        attempt INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        base_checkpoint_id TEXT,
        base_writes TEXT
    );
    CREATE INDEX runs_by_thread ON runs(thread_id, status, seq);
    CREATE TABLE store_journal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        previous TEXT,
        current TEXT,
        at TEXT NOT NULL
    );
    CREATE INDEX journal_by_run ON store_journal(run_id, id);
    """,
    # 2: assistants (graph + settings), every version kept; the current one is mirrored in
    # `assistants` so reads and searches need no join.
    """
    CREATE TABLE assistants (
        assistant_id TEXT PRIMARY KEY,
        graph_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        context TEXT NOT NULL DEFAULT '{}',
        metadata TEXT NOT NULL DEFAULT '{}',
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE assistant_versions (
        assistant_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        graph_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        context TEXT NOT NULL DEFAULT '{}',
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        PRIMARY KEY (assistant_id, version)
    );
    """,
    # 3: the run lifecycle survives a crash at any point (engine/runs/lifecycle.py): accepted
    # cancels are recorded as intents, a run's end is sealed once all its effects are done,
    # store writes are journaled before they happen, thread deletions finish on restart.
    """
    ALTER TABLE runs ADD COLUMN cancel_action TEXT;
    ALTER TABLE runs ADD COLUMN cancel_reason TEXT;
    ALTER TABLE runs ADD COLUMN cancel_cause TEXT;
    ALTER TABLE runs ADD COLUMN finalized INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE runs ADD COLUMN claim_checkpoint_id TEXT;
    CREATE INDEX runs_by_status ON runs(status, seq);
    CREATE INDEX runs_unsettled ON runs(seq) WHERE finalized = 0 OR cancel_action IS NOT NULL;
    ALTER TABLE store_journal ADD COLUMN applied INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX journal_unapplied ON store_journal(id) WHERE applied = 0;
    CREATE INDEX journal_by_thread ON store_journal(thread_id);
    CREATE TABLE thread_deletions (thread_id TEXT PRIMARY KEY, at TEXT NOT NULL);
    """,
    # 4: the thread's story (engine/storage/story.py): every event of its runs' lives, numbered
    # per thread; a checkpoint is told once (it can be re-derived after a crash).
    """
    CREATE TABLE story (
        thread_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        run_id TEXT,
        checkpoint_id TEXT,
        body TEXT NOT NULL,
        PRIMARY KEY (thread_id, seq)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX story_checkpoints ON story(thread_id, checkpoint_id)
        WHERE checkpoint_id IS NOT NULL;
    """,
    # 5: a stateless run's thread says so from its insert, so recovery can drop it wherever a
    # crash cut the run's life (even before the run's row, or after a rollback removed it).
    """
    ALTER TABLE threads ADD COLUMN temporary INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX threads_temporary ON threads(thread_id) WHERE temporary = 1;
    """,
]


async def open_sqlite(
    path: Path, what: str, prepare: Callable[[aiosqlite.Connection], Awaitable[None]]
) -> aiosqlite.Connection:
    """An autocommit connection to `path`, prepared; any failure is one readable StorageError.

    Autocommit: a task cancelled mid-statement can never leave a transaction open.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)  # SQLite gives its -wal and -shm files the database file's mode
        conn = await inline.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open {what} {path}: {exc}") from exc
    try:
        await prepare(conn)
    except BaseException as exc:
        # Cancelled too (Ctrl-C during start): an unclosed connection's thread keeps the
        # process from exiting.
        await conn.close()
        if isinstance(exc, sqlite3.Error):
            raise StorageError(f"cannot use {what} {path}: {exc}") from exc
        raise
    return conn


async def open_database(path: Path) -> aiosqlite.Connection:
    """Open (creating or migrating) the engine database."""

    async def prepare(conn: aiosqlite.Connection) -> None:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA busy_timeout=5000")
        await migrate(conn)

    return await open_sqlite(path, "database", prepare)


@dataclass(frozen=True)
class DataFile:
    """A database file of the data directory and what must be true of it before we write."""

    name: str
    what: str
    # Tables it must have (when it has them at all) and the columns we rely on in each.
    tables: dict[str, frozenset[str]] = field(default_factory=dict)
    # Schema version range (PRAGMA user_version) this doubletext can open, or None: unversioned.
    versions: range | None = None


def _columns(names: str) -> frozenset[str]:
    return frozenset(names.split())


DATA_FILES = (
    DataFile(
        "engine.db",
        "database",
        {
            "threads": _columns("thread_id metadata status graph_id"),
            "runs": _columns("run_id thread_id status kwargs attempt"),
            "store_journal": _columns("run_id thread_id namespace key current"),
            "story": _columns("thread_id seq at kind run_id checkpoint_id body"),
        },
        range(len(MIGRATIONS) + 1),
    ),
    DataFile(
        "checkpoints.db",
        "checkpoint database",
        {
            "checkpoints": _columns(
                "thread_id checkpoint_ns checkpoint_id parent_checkpoint_id type checkpoint"
                " metadata"
            ),
            "writes": _columns(
                "thread_id checkpoint_ns checkpoint_id task_id idx channel type value"
            ),
        },
    ),
    DataFile(
        "store.db",
        "store database",
        {"store": _columns("prefix key value created_at updated_at")},
    ),
)


def verify_data_files(data_dir: Path) -> None:
    """Refuse, before anything is written, files we cannot use: damaged pages, a schema from a
    newer doubletext, or a foreign table under one of our names. One StorageError line each."""
    for spec in DATA_FILES:
        path = data_dir / spec.name
        if path.is_file() and path.stat().st_size > 0:
            _verify(path, spec)


def _verify(path: Path, spec: DataFile) -> None:
    problem = f"cannot use {spec.what} {path}"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"{problem}: {exc}") from exc
    try:
        first = conn.execute("PRAGMA quick_check(1)").fetchone()
        if first is None or first[0] != "ok":
            detail = str(first[0]).replace("*** in database main ***", "").strip() if first else "?"
            raise StorageError(f"{problem}: it is damaged ({detail}); restore a backup or move it")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        present = {
            name: frozenset(row[1] for row in conn.execute(f"PRAGMA table_info('{name}')"))
            for name in spec.tables
        }
    except sqlite3.Error as exc:
        raise StorageError(f"{problem}: {exc}") from exc
    finally:
        conn.close()
    if spec.versions is not None and version not in spec.versions:
        raise StorageError(
            f"{problem}: it was written by a newer doubletext (schema version {version}; "
            f"this one knows up to {spec.versions[-1]})"
        )
    versioned_and_new = spec.versions is not None and version == 0
    for table, needed in spec.tables.items():
        found = present[table]
        if versioned_and_new and found:
            raise StorageError(f"{problem}: it has a '{table}' table but is not doubletext's")
        if found and not needed <= found:
            missing = ", ".join(sorted(needed - found))
            raise StorageError(
                f"{problem}: its '{table}' table is not doubletext's (no column {missing})"
            )


async def migrate(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = int(row[0]) if row else 0
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        await conn.execute("BEGIN")
        try:
            for statement in _statements(script):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version={number}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> Iterable[str]:
    return (part.strip() for part in script.split(";") if part.strip())


def marks(values: Sequence[Any]) -> str:
    """`?, ?, ?`: one placeholder per value, for `IN (...)`."""
    return ", ".join("?" * len(values))


def _rows(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...]) -> list:
    return conn._conn.execute(sql, params).fetchall()


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list:
    """All rows in one call (`inline.call`; a cursor costs three trips: run, fetch, close)."""
    return await inline.call(conn, _rows, conn, sql, tuple(params))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()):
    """The first row (None if none), in one call: for queries of one row (a key or LIMIT 1)."""
    rows = await inline.call(conn, _rows, conn, sql, tuple(params))
    return next(iter(rows), None)
